//! `pybench-docker ext`: compile C extensions against every CPython build in the
//! builder image, then import each in interpreters and check what happens:
//! does it load, does `greet()` work, is the GIL re-enabled, is an ABI mismatch caught?

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use console::style;
use serde::Serialize;

use crate::app::{App, ChecksFailed};
use crate::cli::ExtArgs;
use crate::docker::container::BindMount;
use crate::plan::{Interpreter, Mode, Plan, ReleaseImages, Variant, VariantBuild};
use crate::runner::{self, Parsed, ScriptRun};

/// One compile: a source against one build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compile {
    pub source: String,
    pub module: String,
    /// Interpreter label whose headers are used: `3.13t`.
    pub build: String,
    pub config_command: String,
    pub output: String,
}

/// What an import is expected to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    /// Imports; on a free-threaded build the GIL stays disabled.
    Works,
    /// Imports, and the free-threaded interpreter re-enables the GIL with a warning.
    GilReenabled,
    /// Refused as built for another ABI, without crashing.
    AbiMismatch,
    /// A user's module: report, expect only that it imports.
    Imports,
}

/// One import check: a compiled module in an interpreter configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportCheck {
    pub output: String,
    pub module: String,
    pub built_for: String,
    pub interpreter: String,
    pub env: Vec<(String, String)>,
    pub expect: Expect,
}

/// The outcome of one import check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    #[serde(flatten)]
    pub check: ImportCheck,
    pub compiled: bool,
    pub imported: bool,
    pub greet: Option<String>,
    pub gil_after: Option<bool>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub exit_code: i64,
    pub passed: bool,
    pub verdict: String,
}

fn find(release: &ReleaseImages, v: Variant) -> Option<&VariantBuild> {
    release.variants.iter().find(|b| b.variant == v)
}

fn tutorial_name(source_stem: &str, v: Variant) -> String {
    match (source_stem, v) {
        ("greeter", Variant::Stock) => "greeter_stock.so".into(),
        ("greeter", Variant::FreeThreaded) => "greeter_threaded_v1.so".into(),
        ("greeter_threaded", Variant::FreeThreaded) => "greeter_threaded_v2.so".into(),
        (stem, Variant::Stock) => format!("{stem}_stock.so"),
        (stem, Variant::FreeThreaded) => format!("{stem}_ft.so"),
        (stem, Variant::Jit) => format!("{stem}_jit.so"),
    }
}

/// The greeter matrix of the tutorial, and more, for one release. Pure.
pub fn greeter_matrix(release: &ReleaseImages) -> (Vec<Compile>, Vec<ImportCheck>) {
    let mm = release.version.major_minor();
    let mut compiles = Vec::new();
    for source in ["greeter", "greeter_threaded"] {
        for b in &release.variants {
            compiles.push(Compile {
                source: format!("{source}.c"),
                module: "greeter".into(),
                build: b.label(),
                config_command: b.config_command.clone(),
                output: format!("{}-{}", mm, tutorial_name(source, b.variant)),
            });
        }
    }
    let out = |stem: &str, v: Variant| format!("{}-{}", mm, tutorial_name(stem, v));
    let label = |v: Variant| format!("{mm}{}", v.suffix());
    let mut checks = Vec::new();
    let mut add =
        |stem: &str, built: Variant, loaded: Variant, env: &[(&str, &str)], expect: Expect| {
            checks.push(ImportCheck {
                output: out(stem, built),
                module: "greeter".into(),
                built_for: label(built),
                interpreter: label(loaded),
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                expect,
            })
        };
    for b in &release.variants {
        // Each module in the interpreter whose headers built it.
        let single_phase = if b.variant == Variant::FreeThreaded {
            Expect::GilReenabled
        } else {
            Expect::Works
        };
        add("greeter", b.variant, b.variant, &[], single_phase);
        add("greeter_threaded", b.variant, b.variant, &[], Expect::Works);
    }
    if find(release, Variant::FreeThreaded).is_some() {
        add(
            "greeter",
            Variant::FreeThreaded,
            Variant::FreeThreaded,
            &[("PYTHON_GIL", "0")],
            Expect::Works,
        );
        for other in [Variant::Stock, Variant::Jit] {
            if find(release, other).is_some() {
                // Default-ABI modules in a free-threaded interpreter, and back.
                add(
                    "greeter",
                    other,
                    Variant::FreeThreaded,
                    &[],
                    Expect::AbiMismatch,
                );
                add(
                    "greeter_threaded",
                    Variant::FreeThreaded,
                    other,
                    &[],
                    Expect::AbiMismatch,
                );
            }
        }
    }
    (compiles, checks)
}

/// A user's single-file module against every build, imported by its own build. Pure.
pub fn user_matrix(plan: &Plan, stem: &str, module: &str) -> (Vec<Compile>, Vec<ImportCheck>) {
    let mut compiles = Vec::new();
    let mut checks = Vec::new();
    for release in &plan.releases {
        let mm = release.version.major_minor();
        for b in &release.variants {
            let output = format!("{mm}-{}", tutorial_name(stem, b.variant));
            compiles.push(Compile {
                source: format!("{stem}.c"),
                module: module.into(),
                build: b.label(),
                config_command: b.config_command.clone(),
                output: output.clone(),
            });
            checks.push(ImportCheck {
                output,
                module: module.into(),
                built_for: b.label(),
                interpreter: b.label(),
                env: vec![],
                expect: Expect::Imports,
            });
        }
    }
    (compiles, checks)
}

/// Did the import do what was expected? Pure. Returns (passed, verdict words).
/// "Re-enabled" means the GIL was off before the import and on after it; a GIL
/// build reports it on throughout, which is not a re-enable.
pub fn judge(
    expect: Expect,
    imported: bool,
    gil: (Option<bool>, Option<bool>),
    error_type: Option<&str>,
    exit_code: i64,
) -> (bool, String) {
    let reenabled = gil == (Some(false), Some(true));
    if exit_code != 0 && exit_code != 1 {
        let why = if exit_code > 128 {
            format!("interpreter crashed (signal {})", exit_code - 128)
        } else {
            format!("exit code {exit_code}")
        };
        return (false, why);
    }
    match expect {
        Expect::Works | Expect::Imports if imported && !reenabled => (true, "works".into()),
        Expect::Imports if imported => (true, "works, GIL re-enabled".into()),
        Expect::Works if imported => (false, "GIL re-enabled, expected it to stay off".into()),
        Expect::GilReenabled if imported && reenabled => {
            (true, "GIL re-enabled, with warning".into())
        }
        Expect::GilReenabled if imported => (false, "GIL stayed off, expected re-enabled".into()),
        Expect::AbiMismatch if !imported && error_type == Some("ABIMismatch") => {
            (true, "ABI mismatch caught".into())
        }
        Expect::AbiMismatch if imported => (false, "imported despite an ABI mismatch".into()),
        _ => (
            false,
            format!("import failed: {}", error_type.unwrap_or("unknown error")),
        ),
    }
}

fn interpreter<'a>(plan: &'a Plan, name: &str) -> Option<&'a Interpreter> {
    plan.interpreters
        .iter()
        .find(|i| i.name == name && i.mode == Mode::Default)
}

fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

pub async fn command(app: &App, args: &ExtArgs) -> Result<()> {
    // Validate everything before starting a container.
    let (source_dir, compiles, checks) = match &args.source {
        None => {
            let dir = app.project.c_extension();
            let mut compiles = Vec::new();
            let mut checks = Vec::new();
            for r in &app.plan.releases {
                let (c, k) = greeter_matrix(r);
                compiles.extend(c);
                checks.extend(k);
            }
            (dir, compiles, checks)
        }
        Some(path) => {
            if !path.is_file() {
                bail!("the extension source {} does not exist or is not a file. Give the path of a single .c file.", path.display());
            }
            if path.extension().and_then(|e| e.to_str()) != Some("c") {
                bail!(
                    "{} is not a .c file: `ext` compiles a single-file C extension.",
                    path.display()
                );
            }
            let path = path.canonicalize()?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let module = args.module.clone().unwrap_or_else(|| stem.clone());
            if !safe_name(&stem)
                || !module
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                bail!("the file name {stem:?} or module name {module:?} has characters other than letters, digits and '_': rename it or pass --module NAME.");
            }
            let (c, k) = user_matrix(&app.plan, &stem, &module);
            (path.parent().unwrap_or(Path::new("/")).to_path_buf(), c, k)
        }
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("pybench-ext-out"));
    let out_abs = std::path::absolute(&out_dir)?;
    if out_abs.starts_with(&source_dir) {
        bail!("--out {} is inside the source folder {}: compiled modules never go into the source tree. Choose another folder.", out_dir.display(), source_dir.display());
    }
    if let Some(j) = &args.json {
        let dir = j
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            bail!(
                "--json {}: the folder {} does not exist.",
                j.display(),
                dir.display()
            );
        }
    }
    app.ensure_images().await?;
    let timeout = Duration::from_secs(
        args.timeout
            .unwrap_or(app.config.containers.timeout_seconds),
    );

    // A staging folder the unprivileged container user may write to.
    let staging = crate::paths::cache_dir().join("ext").join(&app.session.id);
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    set_mode(&staging, 0o777)?;
    let result = compile_and_check(app, &source_dir, &staging, &compiles, &checks, timeout).await;
    let copied = result
        .as_ref()
        .ok()
        .map(|_| copy_outputs(&staging, &out_abs));
    let _ = std::fs::remove_dir_all(&staging);
    let (compile_log, results) = result?;
    copied.transpose()?;

    println!("{}", render_matrix(&results));
    for (c, ok, log) in &compile_log {
        if !ok {
            println!(
                "{} compiling {} for {} failed:\n{}",
                style("✗").red(),
                c.source,
                c.build,
                log
            );
        }
    }
    println!("compiled modules: {}", out_abs.display());
    if let Some(j) = &args.json {
        let doc = serde_json::json!({
            "compiles": compile_log.iter().map(|(c, ok, log)| serde_json::json!({"compile": c, "ok": ok, "log": log})).collect::<Vec<_>>(),
            "checks": results,
        });
        crate::output::write_atomically(j, &serde_json::to_vec_pretty(&doc)?)?;
    }
    let failed = results.iter().filter(|r| !r.passed).count()
        + compile_log.iter().filter(|(_, ok, _)| !ok).count();
    if failed > 0 {
        return Err(ChecksFailed(format!(
            "{failed} extension check(s) failed; see the table above."
        ))
        .into());
    }
    Ok(())
}

type CompileLog = Vec<(Compile, bool, String)>;

async fn compile_and_check(
    app: &App,
    source_dir: &Path,
    staging: &Path,
    compiles: &[Compile],
    checks: &[ImportCheck],
    timeout: Duration,
) -> Result<(CompileLog, Vec<CheckResult>)> {
    let task = app
        .progress
        .counter("ext", (compiles.len() + checks.len()) as u64, false);
    let mut log = Vec::new();
    let mut done = 0;
    for c in compiles {
        task.step(format!("gcc {} for {}", c.source, c.build));
        let release = app
            .plan
            .releases
            .iter()
            .find(|r| r.variants.iter().any(|v| v.label() == c.build))
            .context("compile for a build not in the plan")?;
        let interp = interpreter(&app.plan, &c.build).context("no interpreter for the build")?;
        // The script is built from validated, safe names only.
        let script = format!(
            "gcc /app/{src} -shared -fPIC -O3 -Wall $({cfg} --includes) -o /out/{out}",
            src = c.source,
            cfg = c.config_command,
            out = c.output
        );
        let mut shell = interp.clone();
        shell.argv = vec!["sh".into(), "-c".into()];
        let run = ScriptRun {
            interpreter: &shell,
            dir: source_dir,
            script,
            args: vec![],
            extra_env: vec![],
            extra_mounts: vec![BindMount {
                host: staging.display().to_string(),
                container: "/out".into(),
                read_only: false,
            }],
            image: Some(release.builder.clone()),
            timeout,
            what: "gcc",
        };
        let out = runner::run_script(app, &run).await?;
        let ok = out.exit_code == 0 && staging.join(&c.output).is_file();
        log.push((
            c.clone(),
            ok,
            format!("{}{}", out.stdout, out.stderr).trim().to_string(),
        ));
        done += 1;
        task.set_position(done);
    }
    let checker_dir = app.project.c_extension();
    let mut results = Vec::new();
    for k in checks {
        task.step(format!("import {} in {}", k.output, k.interpreter));
        let compiled = log.iter().any(|(c, ok, _)| c.output == k.output && *ok);
        let interp =
            interpreter(&app.plan, &k.interpreter).context("no interpreter for the check")?;
        if !compiled {
            results.push(CheckResult {
                check: k.clone(),
                compiled: false,
                imported: false,
                greet: None,
                gil_after: None,
                warnings: vec![],
                error: Some("not compiled".into()),
                exit_code: -1,
                passed: false,
                verdict: "not compiled".into(),
            });
            continue;
        }
        let run = ScriptRun {
            interpreter: interp,
            dir: &checker_dir,
            script: "check_import.py".into(),
            args: vec![
                "--module".into(),
                k.module.clone(),
                "--path".into(),
                format!("/ext/{}", k.output),
            ],
            extra_env: k.env.clone(),
            extra_mounts: vec![BindMount {
                host: staging.display().to_string(),
                container: "/ext".into(),
                read_only: true,
            }],
            image: None,
            timeout,
            what: "import",
        };
        let out = runner::run_script(app, &run).await?;
        results.push(read_check(k, &out));
        done += 1;
        task.set_position(done);
    }
    task.finish(format!(
        "{} compiles, {} import checks",
        compiles.len(),
        checks.len()
    ));
    Ok((log, results))
}

/// Reads check_import.py's machine line into a result. Pure.
pub fn read_check(k: &ImportCheck, out: &crate::docker::ContainerOutput) -> CheckResult {
    let v = match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => v,
        _ => serde_json::Value::Null,
    };
    let imported = v.get("imported").and_then(|x| x.as_bool()).unwrap_or(false);
    let gil_before = v.get("gil_before").and_then(|x| x.as_bool());
    let gil_after = v.get("gil_after").and_then(|x| x.as_bool());
    let error_type = v.pointer("/error/type").and_then(|x| x.as_str());
    let error = v.get("error").filter(|e| !e.is_null()).map(|e| {
        format!(
            "{}: {}",
            e.get("type").and_then(|x| x.as_str()).unwrap_or("?"),
            e.get("message").and_then(|x| x.as_str()).unwrap_or("")
        )
    });
    let warnings = v
        .get("warnings")
        .and_then(|w| w.as_array())
        .map(|a| {
            a.iter()
                .map(|w| {
                    format!(
                        "{}: {}",
                        w.get("category")
                            .and_then(|x| x.as_str())
                            .unwrap_or("Warning"),
                        w.get("message").and_then(|x| x.as_str()).unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let (passed, verdict) = if v.is_null() && out.exit_code == 0 {
        (false, "no result line".to_string())
    } else {
        judge(
            k.expect,
            imported,
            (gil_before, gil_after),
            error_type,
            out.exit_code,
        )
    };
    CheckResult {
        check: k.clone(),
        compiled: true,
        imported,
        greet: v.get("greet").and_then(|x| x.as_str()).map(String::from),
        gil_after,
        warnings,
        error: error.or_else(|| (out.exit_code > 1).then(|| runner::tail(&out.stderr, 3))),
        exit_code: out.exit_code,
        passed,
        verdict,
    }
}

/// The matrix as a terminal table. Pure.
pub fn render_matrix(results: &[CheckResult]) -> String {
    let header = [
        "module",
        "built for",
        "loaded by",
        "imported",
        "greet(\"pybench\")",
        "GIL after",
        "result",
    ];
    let rows: Vec<[String; 7]> = results
        .iter()
        .map(|r| {
            let loaded = if r.check.env.is_empty() {
                r.check.interpreter.clone()
            } else {
                format!(
                    "{} {}",
                    r.check.interpreter,
                    r.check
                        .env
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            };
            [
                r.check.output.clone(),
                r.check.built_for.clone(),
                loaded,
                if r.imported {
                    "yes".into()
                } else {
                    "no".into()
                },
                r.greet.clone().unwrap_or_else(|| "—".into()),
                match r.gil_after {
                    Some(true) => "enabled".into(),
                    Some(false) => "disabled".into(),
                    None => "n/a".into(),
                },
                format!("{} {}", if r.passed { "✓" } else { "✗" }, r.verdict),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| console::measure_text_width(&r[i]))
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..7).map(width).collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "{}{}",
                    c,
                    " ".repeat(widths[i] - console::measure_text_width(c))
                )
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![
        line(&header.map(String::from)),
        widths
            .iter()
            .map(|w| "─".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    ];
    for (r, cells) in results.iter().zip(&rows) {
        let l = line(cells);
        out.push(if console::colors_enabled() {
            if r.passed {
                l
            } else {
                style(l).red().to_string()
            }
        } else {
            l
        });
        for w in &r.warnings {
            out.push(format!("    ⚠ {}", w.lines().next().unwrap_or("")));
        }
    }
    out.join("\n")
}

fn set_mode(p: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set permissions on {}", p.display()))
}

fn copy_outputs(staging: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for entry in std::fs::read_dir(staging)? {
        let entry = entry?;
        let bytes = std::fs::read(entry.path())?;
        crate::output::write_atomically(&out.join(entry.file_name()), &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::plan::build_plan;

    fn plan() -> Plan {
        build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
    }

    #[test]
    fn greeter_matrix_has_the_tutorial_modules_and_checks() {
        let (compiles, checks) = greeter_matrix(&plan().releases[0]);
        let outs: Vec<_> = compiles.iter().map(|c| c.output.as_str()).collect();
        for want in [
            "3.13-greeter_stock.so",
            "3.13-greeter_threaded_v1.so",
            "3.13-greeter_threaded_v2.so",
            "3.13-greeter_jit.so",
        ] {
            assert!(outs.contains(&want), "{want} in {outs:?}");
        }
        let v1 = compiles
            .iter()
            .find(|c| c.output == "3.13-greeter_threaded_v1.so")
            .unwrap();
        assert_eq!(
            (v1.source.as_str(), v1.config_command.as_str()),
            ("greeter.c", "python3.13t-config")
        );
        let find = |out: &str, interp: &str, env: bool| {
            checks
                .iter()
                .find(|k| k.output == out && k.interpreter == interp && k.env.is_empty() != env)
                .unwrap()
                .expect
        };
        assert_eq!(
            find("3.13-greeter_threaded_v1.so", "3.13t", false),
            Expect::GilReenabled
        );
        assert_eq!(
            find("3.13-greeter_threaded_v1.so", "3.13t", true),
            Expect::Works
        );
        assert_eq!(
            find("3.13-greeter_threaded_v2.so", "3.13t", false),
            Expect::Works
        );
        assert_eq!(
            find("3.13-greeter_stock.so", "3.13t", false),
            Expect::AbiMismatch
        );
        assert_eq!(find("3.13-greeter_stock.so", "3.13", false), Expect::Works);
    }

    #[test]
    fn judging() {
        let off_on = (Some(false), Some(true));
        let off_off = (Some(false), Some(false));
        let gil_build = (Some(true), Some(true));
        assert!(judge(Expect::GilReenabled, true, off_on, None, 0).0);
        assert!(!judge(Expect::GilReenabled, true, off_off, None, 0).0);
        assert!(!judge(Expect::GilReenabled, true, gil_build, None, 0).0);
        assert!(judge(Expect::Works, true, off_off, None, 0).0);
        assert!(judge(Expect::Works, true, (None, None), None, 0).0);
        // A GIL build has the GIL throughout: not a re-enable.
        assert!(judge(Expect::Works, true, gil_build, None, 0).0);
        assert!(!judge(Expect::Works, true, off_on, None, 0).0);
        let abi = Some("ABIMismatch");
        assert!(judge(Expect::AbiMismatch, false, off_off, abi, 1).0);
        assert!(!judge(Expect::AbiMismatch, true, off_off, None, 0).0);
        let (ok, why) = judge(Expect::AbiMismatch, false, (None, None), None, 139);
        assert!(!ok && why.contains("crashed (signal 11)"), "{why}");
    }

    #[test]
    fn user_matrix_compiles_for_every_build() {
        let (c, k) = user_matrix(&plan(), "spam", "spam");
        assert_eq!(c.len(), 3);
        assert_eq!(k.len(), 3);
        assert!(k
            .iter()
            .all(|k| k.expect == Expect::Imports && k.built_for == k.interpreter));
    }
}
