//! A package on one interpreter build: what check_package.py reported, read
//! into types, and the readiness verdict drawn from it. Pure.

use serde::Deserialize;
use serde_json::Value;

use crate::commands::runner::{self, Parsed};
use crate::docker::ContainerOutput;
// `--fail-on` takes these words.
pub use crate::results::Readiness;
use crate::results::{BuildOutcome, ModuleCheck, SmokeOutcome, TestsOutcome};

/// check_package.py's line for one module: its warnings and its error are
/// objects there (`{"category", "message"}`, `{"type", "message"}`), lines
/// in the result file.
#[derive(Debug, Deserialize)]
struct ModuleLine {
    module: String,
    imported: bool,
    gil_before: Option<bool>,
    gil_after: Option<bool>,
    #[serde(default)]
    warnings: Vec<Value>,
    #[serde(default)]
    error: Option<Value>,
    missing: Option<String>,
    signal: Option<i32>,
    exit_code: i64,
}

impl From<ModuleLine> for ModuleCheck {
    fn from(m: ModuleLine) -> ModuleCheck {
        ModuleCheck {
            module: m.module,
            imported: m.imported,
            gil_before: m.gil_before,
            gil_after: m.gil_after,
            warnings: m
                .warnings
                .iter()
                .map(|w| typed_line(w, "category"))
                .collect(),
            error: m
                .error
                .filter(|e| !e.is_null())
                .map(|e| typed_line(&e, "type")),
            missing: m.missing,
            signal: m.signal,
            exit_code: m.exit_code,
        }
    }
}

/// check_package.py's line for the smoke run; each thread's error an object.
#[derive(Debug, Deserialize)]
struct SmokeLine {
    threads: u32,
    #[serde(default)]
    errors: Vec<Value>,
    signal: Option<i32>,
    exit_code: i64,
    gil_after: Option<bool>,
    #[serde(default)]
    output: String,
}

impl From<SmokeLine> for SmokeOutcome {
    fn from(s: SmokeLine) -> SmokeOutcome {
        SmokeOutcome {
            threads: s.threads,
            errors: s.errors.iter().map(|e| typed_line(e, "type")).collect(),
            signal: s.signal,
            exit_code: s.exit_code,
            gil_after: s.gil_after,
            output: s.output,
        }
    }
}

/// `{"type": "ImportError", "message": "x"}` as `ImportError: x`.
fn typed_line(v: &Value, kind: &str) -> String {
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("");
    let message = text("message");
    // Smoke errors carry Python's own "Type: message" line already.
    if message.starts_with(text(kind)) {
        return message.to_string();
    }
    format!("{}: {message}", text(kind))
}

/// The build container's report; a missing line becomes a failed build
/// whose log is what the container printed.
pub fn read_build(out: &ContainerOutput) -> BuildOutcome {
    match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => serde_json::from_value(v).unwrap_or_else(|e| BuildOutcome {
            stage: Some("build".into()),
            log: format!("unreadable build report: {e}"),
            ..Default::default()
        }),
        _ => BuildOutcome {
            stage: Some("build".into()),
            log: format!(
                "the build step printed no report (exit code {}):\n{}\n{}",
                out.exit_code,
                runner::tail(&out.stdout, 40),
                runner::tail(&out.stderr, 40)
            ),
            ..Default::default()
        },
    }
}

/// The check container's report: modules and smoke, or an error saying why
/// there is none.
pub fn read_check(
    out: &ContainerOutput,
) -> Result<(Vec<ModuleCheck>, Option<SmokeOutcome>), String> {
    let v = match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => v,
        Parsed::Malformed(why) => return Err(why),
        Parsed::Missing => {
            return Err(format!(
                "the check step printed no report (exit code {}): {}",
                out.exit_code,
                runner::tail(&out.stderr, 5)
            ))
        }
    };
    let modules: Vec<ModuleLine> =
        serde_json::from_value(v.get("modules").cloned().unwrap_or(Value::Null))
            .map_err(|e| format!("unreadable module report: {e}"))?;
    let smoke = match v.get("smoke") {
        None | Some(Value::Null) => None,
        Some(s) => Some(
            serde_json::from_value::<SmokeLine>(s.clone())
                .map_err(|e| format!("unreadable smoke report: {e}"))?
                .into(),
        ),
    };
    Ok((modules.into_iter().map(ModuleCheck::from).collect(), smoke))
}

/// The first line of a build log that says what went wrong: gcc's first
/// error, else pip's. Pure.
pub fn first_error(log: &str) -> Option<String> {
    let lines: Vec<&str> = log.lines().map(str::trim).collect();
    let compiler = |l: &&&str| l.contains(": error:") || l.contains("fatal error:");
    // The build backend's own ("error: [Errno 2] No such file or directory: 'g++'"),
    // not pip's wrapper around it.
    let backend =
        |l: &&&str| l.starts_with("error:") && !l.contains("subprocess-exited-with-error");
    // A build script that refuses (RuntimeError: … does not support …); the
    // last one, as a traceback ends with it.
    let exception = |l: &&&str| {
        l.split_once(": ").is_some_and(|(kind, _)| {
            (kind.ends_with("Error") || kind.ends_with("Exception"))
                && kind
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        })
    };
    let pip = |l: &&&str| l.starts_with("ERROR:");
    lines
        .iter()
        .find(compiler)
        .or_else(|| lines.iter().find(backend))
        .or_else(|| lines.iter().rev().find(exception))
        .or_else(|| lines.iter().find(pip))
        .map(|l| l.to_string())
}

fn import_failure(m: &ModuleCheck) -> String {
    let error = m
        .error
        .clone()
        .unwrap_or_else(|| format!("exit code {}", m.exit_code));
    match &m.missing {
        Some(name) => format!("{}: {error} (needs {name})", m.module),
        None => format!("{}: {error}", m.module),
    }
}

/// The verdict and its reason. Pure.
pub fn judge(
    build: &BuildOutcome,
    modules: &[ModuleCheck],
    smoke: Option<&SmokeOutcome>,
    tests: Option<&TestsOutcome>,
    free_threaded: bool,
) -> (Readiness, String) {
    if !build.built {
        let stage = build.stage.as_deref().unwrap_or("build");
        let why = match (&build.missing, first_error(&build.log)) {
            (Some(name), _) => format!(
                "the build requirement {name} is not in the wheelhouse (pass its wheel with --wheelhouse)"
            ),
            (None, Some(line)) => line,
            (None, None) => format!("{stage} failed; see the log in the JSON"),
        };
        return (Readiness::BuildFails, why);
    }
    if let Some(m) = modules.iter().find(|m| m.signal.is_some()) {
        let why = format!(
            "importing {} killed the interpreter (signal {})",
            m.module,
            m.signal.unwrap_or(0)
        );
        return (Readiness::Crashes, why);
    }
    if let Some(sig) = smoke.and_then(|s| s.signal) {
        return (
            Readiness::Crashes,
            format!("the smoke run killed the interpreter (signal {sig})"),
        );
    }
    if let Some(m) = modules.iter().find(|m| !m.imported) {
        return (Readiness::ImportFails, import_failure(m));
    }
    if let Some(why) = super::fallback::fell_back(build) {
        return (Readiness::FellBack, why);
    }
    if let Some(s) = smoke.filter(|s| !s.errors.is_empty() || s.exit_code != 0) {
        let why = s
            .errors
            .first()
            .cloned()
            .unwrap_or_else(|| format!("exit code {}", s.exit_code));
        let n = s.errors.len();
        return (
            Readiness::SmokeFails,
            format!("smoke: {why} ({n} of {} threads)", s.threads),
        );
    }
    if let Some(verdict) = tests.and_then(super::suite::judge_tests) {
        return verdict;
    }
    let reenabling: Vec<&str> = modules
        .iter()
        .filter(|m| m.reenabled_gil())
        .map(|m| m.module.as_str())
        .collect();
    if free_threaded && !reenabling.is_empty() {
        let why = format!(
            "{} re-enabled the GIL (no Py_mod_gil slot)",
            reenabling.join(", ")
        );
        return (Readiness::NeedsGil, why);
    }
    let why = match (modules.len(), free_threaded) {
        (0, _) => "no extension modules in the wheel (pure Python)".to_string(),
        (n, true) => format!("{n} module(s) import, GIL stays off"),
        (n, false) => format!("{n} module(s) import"),
    };
    let why = match tests {
        Some(t) => format!(
            "{why}; its tests pass plainly and in {} threads",
            t.parallel.threads
        ),
        None => why,
    };
    (Readiness::Ready, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(modules: &[&str]) -> BuildOutcome {
        BuildOutcome {
            built: true,
            wheel: crate::file_name::FileName::parse("pb-1.0-cp313-cp313t-linux_x86_64.whl").ok(),
            modules: modules.iter().map(|m| m.to_string()).collect(),
            ..Default::default()
        }
    }

    fn imported(module: &str, gil: (Option<bool>, Option<bool>)) -> ModuleCheck {
        ModuleCheck {
            module: module.into(),
            imported: true,
            gil_before: gil.0,
            gil_after: gil.1,
            ..Default::default()
        }
    }

    const OFF: (Option<bool>, Option<bool>) = (Some(false), Some(false));
    const REENABLED: (Option<bool>, Option<bool>) = (Some(false), Some(true));
    const GIL_BUILD: (Option<bool>, Option<bool>) = (Some(true), Some(true));

    #[test]
    fn ready_and_needs_gil() {
        let b = built(&["a", "b"]);
        let ok = [imported("a", OFF), imported("b", OFF)];
        assert_eq!(
            judge(&b, &ok, None, None, true),
            (Readiness::Ready, "2 module(s) import, GIL stays off".into())
        );
        let one_reenables = [imported("a", OFF), imported("b", REENABLED)];
        let (r, why) = judge(&b, &one_reenables, None, None, true);
        assert_eq!(r, Readiness::NeedsGil);
        assert!(why.starts_with("b re-enabled"), "{why}");
        // A GIL build has the GIL throughout: ready.
        let gil = [imported("a", GIL_BUILD)];
        assert_eq!(
            judge(&built(&["a"]), &gil, None, None, false).0,
            Readiness::Ready
        );
        assert!(judge(&built(&[]), &[], None, None, true)
            .1
            .contains("pure Python"));
    }

    #[test]
    fn build_failures_name_the_cause() {
        let mut b = BuildOutcome {
            log: "running build_ext\nsrc/x.c:3:1: error: expected ';' before '}' token\nERROR: Failed building wheel".into(),
            stage: Some("build".into()),
            ..Default::default()
        };
        assert_eq!(
            judge(&b, &[], None, None, false),
            (
                Readiness::BuildFails,
                "src/x.c:3:1: error: expected ';' before '}' token".into()
            )
        );
        let no_cxx = "  error: subprocess-exited-with-error\n      error: [Errno 2] No such file or directory: 'g++'\n  ERROR: Failed building wheel for ujson";
        assert_eq!(
            first_error(no_cxx).as_deref(),
            Some("error: [Errno 2] No such file or directory: 'g++'")
        );
        assert_eq!(
            first_error("x\nERROR: Failed to build").as_deref(),
            Some("ERROR: Failed to build")
        );
        let refused = "  Traceback (most recent call last):\n      File \"<string>\", line 22\n      RuntimeError: CFFI does not support the free-threaded build of CPython 3.13.\n  ERROR: Failed to build 'file:///out/3.13t/src'";
        assert_eq!(
            first_error(refused).as_deref(),
            Some("RuntimeError: CFFI does not support the free-threaded build of CPython 3.13.")
        );
        b.missing = Some("pb-buildhelper".into());
        assert!(judge(&b, &[], None, None, false)
            .1
            .contains("pb-buildhelper is not in the wheelhouse"));
    }

    #[test]
    fn crashes_outrank_import_failures_and_name_the_module() {
        let b = built(&["a", "b"]);
        let missing = ModuleCheck {
            module: "a".into(),
            error: Some("ModuleNotFoundError: No module named 'numpy'".into()),
            missing: Some("numpy".into()),
            exit_code: 1,
            ..Default::default()
        };
        let (r, why) = judge(&b, &[missing.clone(), imported("b", OFF)], None, None, true);
        assert_eq!(r, Readiness::ImportFails);
        assert!(
            why.contains("a: ModuleNotFoundError") && why.ends_with("(needs numpy)"),
            "{why}"
        );
        let crashed = ModuleCheck {
            module: "b".into(),
            signal: Some(11),
            exit_code: -11,
            ..Default::default()
        };
        let (r, why) = judge(&b, &[missing, crashed], None, None, true);
        assert_eq!(r, Readiness::Crashes);
        assert!(
            why.contains("importing b") && why.contains("signal 11"),
            "{why}"
        );
    }

    #[test]
    fn smoke_runs_tell_crashes_from_exceptions() {
        let b = built(&["a"]);
        let ok = [imported("a", OFF)];
        let raised = SmokeOutcome {
            threads: 8,
            errors: vec!["ValueError: boom".into(), "ValueError: boom".into()],
            exit_code: 1,
            ..Default::default()
        };
        assert_eq!(
            judge(&b, &ok, Some(&raised), None, true),
            (
                Readiness::SmokeFails,
                "smoke: ValueError: boom (2 of 8 threads)".into()
            )
        );
        let killed = SmokeOutcome {
            threads: 8,
            signal: Some(6),
            exit_code: -6,
            ..Default::default()
        };
        assert_eq!(
            judge(&b, &ok, Some(&killed), None, true).0,
            Readiness::Crashes
        );
        let fine = SmokeOutcome {
            threads: 8,
            ..Default::default()
        };
        assert_eq!(judge(&b, &ok, Some(&fine), None, true).0, Readiness::Ready);
        let passed = crate::results::TestRun {
            threads: 8,
            passed: 2,
            ..Default::default()
        };
        let tests = TestsOutcome {
            gil_forced_off: true,
            plain: crate::results::TestRun {
                threads: 1,
                ..passed.clone()
            },
            parallel: passed,
        };
        assert_eq!(
            judge(&b, &ok, None, Some(&tests), true).1,
            "1 module(s) import, GIL stays off; its tests pass plainly and in 8 threads"
        );
    }

    #[test]
    fn reports_are_read_from_the_machine_lines() {
        let out = |stdout: &str, code| ContainerOutput {
            stdout: stdout.into(),
            stderr: "Traceback\nboom".into(),
            exit_code: code,
            ..Default::default()
        };
        let b = read_build(&out(
            r#"PYBENCH_RESULT {"built":true,"stage":null,"wheel":"x.whl","tags":["cp313-cp313-linux_x86_64"],"modules":["x"],"missing":null,"log":"ok"}"#,
            0,
        ));
        assert!(b.built && b.modules == ["x"]);
        let none = read_build(&out("", 1));
        assert!(!none.built && none.log.contains("boom"), "{}", none.log);
        let line = r#"PYBENCH_RESULT {"modules":[{"module":"x","imported":false,"gil_before":false,"gil_after":false,"warnings":[{"category":"RuntimeWarning","message":"GIL"}],"error":{"type":"ImportError","message":"nope"},"missing":null,"signal":null,"exit_code":1}],"smoke":{"threads":4,"errors":[{"thread":0,"type":"ValueError","message":"ValueError: boom"}],"signal":null,"exit_code":1,"gil_after":false,"output":""}}"#;
        let (modules, smoke) = read_check(&out(line, 0)).unwrap();
        assert_eq!(modules[0].error.as_deref(), Some("ImportError: nope"));
        assert_eq!(modules[0].warnings, ["RuntimeWarning: GIL"]);
        assert_eq!(smoke.unwrap().errors, ["ValueError: boom"]);
        assert!(read_check(&out("", 1)).unwrap_err().contains("no report"));
    }

    /// What `ext tests/packages/gil_undeclared --json` writes on the six
    /// builds, from the real verdicts ([`judge`]).
    fn gil_undeclared() -> crate::results::ExtPackage {
        use crate::results::PackageResult;
        let module = "pb_gil_undeclared";
        let results: Vec<PackageResult> = ["3.13", "3.13t", "3.13j", "3.14", "3.14t", "3.14j"]
            .iter()
            .map(|name| {
                let ft = name.ends_with('t');
                let py = name.trim_end_matches(['t', 'j']).replace('.', "");
                let abi = format!("cp{py}{}", if ft { "t" } else { "" });
                let build = BuildOutcome {
                    built: true,
                    stage: None,
                    wheel: crate::file_name::FileName::parse(&format!(
                        "pb_gil_undeclared-1.0-cp{py}-{abi}-linux_x86_64.whl"
                    ))
                    .ok(),
                    tags: vec![format!("cp{py}-{abi}-linux_x86_64")],
                    modules: vec![module.into()],
                    missing: None,
                    log: String::new(),
                    ..Default::default()
                };
                let warning = format!(
                    "RuntimeWarning: The global interpreter lock (GIL) has been enabled to load \
                     module '{module}', which has not declared that it can run safely without \
                     the GIL. To override this behavior and keep the GIL disabled (at your own \
                     risk), run with PYTHON_GIL=0 or -Xgil=0."
                );
                let modules = vec![ModuleCheck {
                    module: module.into(),
                    imported: true,
                    gil_before: Some(!ft),
                    gil_after: Some(true),
                    warnings: if ft { vec![warning] } else { vec![] },
                    exit_code: 0,
                    ..Default::default()
                }];
                let (readiness, why) = judge(&build, &modules, None, None, ft);
                PackageResult {
                    interpreter: name.to_string(),
                    free_threaded: ft,
                    build,
                    modules,
                    smoke: None,
                    tests: None,
                    graph: None,
                    tsan: None,
                    readiness,
                    why,
                }
            })
            .collect();
        crate::results::ExtPackage {
            package: "tests/packages/gil_undeclared".into(),
            build_requires: vec!["setuptools>=70".into()],
            wheelhouse: vec!["setuptools-84.2.1-py3-none-any.whl".into()],
            results,
            test_requires: vec![],
            dependencies: vec![],
            session: String::new(),
        }
    }

    /// tests/report.rs renders tests/fixtures/report/ext-package.json: it
    /// must stay what `ext` writes, and read back as it.
    #[test]
    fn the_package_fixture_is_what_ext_writes() {
        let recorded = include_str!("../../../tests/fixtures/report/ext-package.json");
        let expected = crate::results::to_json(&gil_undeclared()).unwrap();
        let as_value = |bytes: &[u8]| serde_json::from_slice::<Value>(bytes).unwrap();
        assert_eq!(
            as_value(recorded.as_bytes()),
            as_value(&expected),
            "tests/fixtures/report/ext-package.json is out of date; write this into it:\n{}",
            String::from_utf8_lossy(&expected)
        );
        let Ok(crate::results::ResultDoc::ExtPackage(p)) =
            crate::results::decode("ext-package.json", recorded.as_bytes())
        else {
            panic!("not a package's readiness")
        };
        assert_eq!(p, gil_undeclared());
        let verdicts: Vec<Readiness> = p.results.iter().map(|r| r.readiness).collect();
        use Readiness::{NeedsGil, Ready};
        assert_eq!(verdicts, [Ready, NeedsGil, Ready, Ready, NeedsGil, Ready]);
    }
}
