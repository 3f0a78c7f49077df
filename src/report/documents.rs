//! The files `report` reads, recognised by their shape: a run's results
//! (`run --json`, also each benchmark's file of a suite or a script), a
//! comparison (`compare --json`), and an extension check (`ext --json`: the
//! greeter matrix, or a package's readiness). Anything else is refused with
//! one paragraph saying which file and what was expected. Pure.
//!
//! Runs are read into [`Report`] itself. The comparison and extension files
//! are written from types that only serialize, so they are read here into
//! small structs of the same shape (the tests serialize the real types and
//! read them back, so the two cannot drift apart unnoticed).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::analysis::compare::{compare_rows, Comparison, RowComparison};
use crate::results::Report;

/// Where a document came from: the path as given, and the link to its copy
/// beside the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: String,
    /// Relative link from the page, e.g. `data/gil.json`.
    pub href: String,
}

/// One result file, read.
#[derive(Debug, Clone)]
pub enum Document {
    Run(Box<Report>),
    /// `compare --json`: one benchmark's comparison, or several.
    Compare(Vec<CompareDoc>),
    ExtMatrix(ExtMatrix),
    ExtPackage(ExtPackage),
}

/// A document with where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub source: Source,
    pub document: Document,
}

/// `compare --json` for one benchmark: B against A per configuration.
pub use crate::commands::compare::Comparisons as CompareDoc;

/// `ext --json` of the greeters or one `.c` file: every compile, then every
/// import check.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExtMatrix {
    pub compiles: Vec<CompileEntry>,
    pub checks: Vec<ImportCheck>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CompileEntry {
    pub compile: CompileSpec,
    pub ok: bool,
    #[serde(default)]
    pub log: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CompileSpec {
    pub source: String,
    pub module: String,
    /// The build whose headers were used: `3.13t`.
    pub build: String,
    #[serde(default)]
    pub config_command: String,
    pub output: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ImportCheck {
    /// The compiled module file.
    pub output: String,
    pub module: String,
    pub built_for: String,
    pub interpreter: String,
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// `works`, `gil-reenabled`, `abi-mismatch` or `imports`.
    pub expect: String,
    pub imported: bool,
    pub gil_after: Option<bool>,
    #[serde(default)]
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub passed: bool,
    pub verdict: String,
}

impl ImportCheck {
    /// The interpreter configuration: `3.13t`, or `3.13t PYTHON_GIL=0`.
    pub fn configuration(&self) -> String {
        let mut words = vec![self.interpreter.clone()];
        words.extend(self.env.iter().map(|(k, v)| format!("{k}={v}")));
        words.join(" ")
    }
}

/// `ext --json` of a real package: its readiness on every interpreter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExtPackage {
    pub package: String,
    #[serde(default)]
    pub build_requires: Vec<String>,
    pub results: Vec<PackageRow>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PackageRow {
    pub interpreter: String,
    pub free_threaded: bool,
    pub build: PackageBuild,
    #[serde(default)]
    pub modules: Vec<PackageModule>,
    pub smoke: Option<PackageSmoke>,
    /// kebab-case: `ready`, `needs-gil`, `smoke-fails`, `import-fails`,
    /// `build-fails`, `crashes`.
    pub readiness: String,
    #[serde(default)]
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PackageBuild {
    pub built: bool,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PackageModule {
    pub module: String,
    pub imported: bool,
    pub gil_before: Option<bool>,
    pub gil_after: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PackageSmoke {
    pub threads: u32,
    #[serde(default)]
    pub errors: Vec<String>,
    pub signal: Option<i32>,
    pub exit_code: i64,
}

/// How good a readiness verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Good,
    Caution,
    Bad,
}

impl PackageRow {
    /// The verdict in words, as `ext` prints it, and how good it is.
    pub fn readiness_words(&self) -> (&str, Grade) {
        match self.readiness.as_str() {
            "ready" => ("ready", Grade::Good),
            "needs-gil" => ("works with the GIL", Grade::Caution),
            "smoke-fails" => ("smoke fails", Grade::Bad),
            "import-fails" => ("import fails", Grade::Bad),
            "build-fails" => ("build fails", Grade::Bad),
            "crashes" => ("crashes", Grade::Bad),
            other => (other, Grade::Bad),
        }
    }

    /// `cp313t` from the wheel's first tag, when it built.
    pub fn abi_tag(&self) -> Option<&str> {
        self.build.tags.first().and_then(|t| t.split('-').nth(1))
    }

    /// Extension modules imported, of those in the wheel.
    pub fn imported(&self) -> Option<(usize, usize)> {
        self.build.built.then(|| {
            let ok = self.modules.iter().filter(|m| m.imported).count();
            (ok, self.modules.len())
        })
    }

    /// Modules that switched the GIL back on in a free-threaded interpreter.
    pub fn reenabled_gil(&self) -> Vec<&str> {
        self.modules
            .iter()
            .filter(|m| m.gil_before == Some(false) && m.gil_after == Some(true))
            .map(|m| m.module.as_str())
            .collect()
    }
}

const EXPECTED: &str = "`report` reads the files pybench-docker writes with `run --json FILE` \
    (an object with \"benchmark\", \"rows\" and \"host\"), `compare --json FILE` (\"a\", \"b\" \
    and \"rows\") and `ext --json FILE` (\"compiles\" and \"checks\", or \"kind\": \"ext-package\")";

/// What a JSON document is, by its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Run,
    Compare,
    CompareMany,
    ExtMatrix,
    ExtPackage,
    BuildSummary,
}

impl Shape {
    fn of(value: &Value) -> Option<Shape> {
        let object = value.as_object()?;
        let has = |k: &str| object.contains_key(k);
        Some(
            if object.get("kind").and_then(Value::as_str) == Some("ext-package") {
                Shape::ExtPackage
            } else if has("compiles") && has("checks") {
                Shape::ExtMatrix
            } else if has("benchmarks") && object.len() == 1 {
                Shape::CompareMany
            } else if has("a") && has("b") && has("rows") {
                Shape::Compare
            } else if has("benchmark") && has("rows") && has("host") {
                Shape::Run
            } else if has("stages") && has("images") {
                Shape::BuildSummary
            } else {
                return None;
            },
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Shape::Run => "a run's result file (`run --json`)",
            Shape::Compare | Shape::CompareMany => "a comparison (`compare --json`)",
            Shape::ExtMatrix => "an extension matrix (`ext --json`)",
            Shape::ExtPackage => "a package's readiness (`ext PACKAGE --json`)",
            Shape::BuildSummary => "a build summary (`build --json`)",
        }
    }
}

/// Reads one result file's bytes; `path` names it in the error, a paragraph
/// that says what the file is and what was expected instead.
pub fn read(path: &str, bytes: &[u8]) -> Result<Document, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        format!("{path} is not a pybench-docker result file: it is not JSON ({e}). {EXPECTED}.")
    })?;
    let Some(shape) = Shape::of(&value) else {
        return Err(format!(
            "{path} is not a pybench-docker result file: it holds {}. {EXPECTED}.",
            what_it_holds(&value)
        ));
    };
    let unreadable = |e: serde_json::Error| {
        format!(
            "{path} looks like {} but cannot be read: {e}. Was it written by another version \
             of pybench-docker, or edited? {EXPECTED}.",
            shape.describe()
        )
    };
    match shape {
        Shape::Run => serde_json::from_value::<Report>(value)
            .map(|r| Document::Run(Box::new(r)))
            .map_err(unreadable),
        Shape::Compare => serde_json::from_value::<CompareDoc>(value)
            .map(|c| Document::Compare(vec![c]))
            .map_err(unreadable),
        Shape::CompareMany => {
            #[derive(Deserialize)]
            struct Many {
                benchmarks: Vec<CompareDoc>,
            }
            serde_json::from_value::<Many>(value)
                .map(|m| Document::Compare(m.benchmarks))
                .map_err(unreadable)
        }
        Shape::ExtMatrix => serde_json::from_value::<ExtMatrix>(value)
            .map(Document::ExtMatrix)
            .map_err(unreadable),
        Shape::ExtPackage => serde_json::from_value::<ExtPackage>(value)
            .map(Document::ExtPackage)
            .map_err(unreadable),
        Shape::BuildSummary => Err(format!(
            "{path} is {}: the images and stages a build made, not results to report. {EXPECTED}.",
            shape.describe()
        )),
    }
}

/// "an object with the keys x, y, z", "an array", … for the error.
fn what_it_holds(value: &Value) -> String {
    match value {
        Value::Object(o) if o.is_empty() => "an empty object".into(),
        Value::Object(o) => {
            let mut keys: Vec<String> = o.keys().take(6).map(|k| format!("{k:?}")).collect();
            if o.len() > 6 {
                keys.push("…".into());
            }
            format!("an object with the keys {}", keys.join(", "))
        }
        Value::Array(_) => "a JSON array".into(),
        Value::String(_) => "a JSON string".into(),
        Value::Number(_) => "a number".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Null => "null".into(),
    }
}

/// The runs of one benchmark, oldest first (by `started_at`).
#[derive(Debug, Clone)]
pub struct History<'a> {
    pub benchmark: &'a str,
    /// The engine the runs are from (`--engine NAME=…`); empty for the one
    /// engine of DOCKER_HOST. Runs of different hosts are never one history.
    pub engine: &'a str,
    pub runs: Vec<(&'a Report, &'a Source)>,
    /// Each run's rows against their baselines ([`compare_rows`]), in the
    /// order of `runs`: computed once, the bootstrap intervals take time.
    pub comparisons: Vec<Vec<RowComparison>>,
}

impl<'a> History<'a> {
    /// `gil`, or `gil on laptop` when the runs name their engine.
    pub fn title(&self) -> String {
        match self.engine.is_empty() {
            true => self.benchmark.to_string(),
            false => format!("{} on {}", self.benchmark, self.engine),
        }
    }

    /// The newest run: the one a page shows in full.
    pub fn newest(&self) -> (&'a Report, &'a Source) {
        self.runs[self.runs.len() - 1]
    }

    /// The newest run's rows against their baselines.
    pub fn newest_comparisons(&self) -> &[RowComparison] {
        &self.comparisons[self.runs.len() - 1]
    }

    /// The runs before the newest, oldest first.
    pub fn earlier(&self) -> &[(&'a Report, &'a Source)] {
        &self.runs[..self.runs.len() - 1]
    }

    /// Configurations that have a ratio in at least two runs, in the
    /// newest run's order first, baselines left out (always 1).
    pub fn trend_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = vec![];
        for (report, _) in self.runs.iter().rev() {
            for row in &report.rows {
                let label = row.label();
                if !report.is_baseline(row) && !labels.contains(&label) {
                    labels.push(label);
                }
            }
        }
        labels
            .into_iter()
            .filter(|label| self.trend(label).len() >= 2)
            .collect()
    }

    /// A configuration's ratio in each run that has one, oldest first.
    pub fn trend(&self, label: &str) -> Vec<(DateTime<Utc>, Comparison)> {
        (0..self.runs.len())
            .filter_map(|k| Some((self.runs[k].0.started_at, self.ratio_in(k, label)?)))
            .collect()
    }

    /// The comparison of the configuration `label` in run `k`, if it
    /// completed and has one.
    pub fn ratio_in(&self, k: usize, label: &str) -> Option<Comparison> {
        let report = self.runs[k].0;
        let i = report.rows.iter().position(|r| r.label() == label)?;
        if !report.rows[i].outcome.is_ok() {
            return None;
        }
        self.comparisons[k][i].comparison
    }
}

/// The runs among `inputs`, grouped by benchmark and engine in the order
/// first seen, each group oldest first.
pub fn histories(inputs: &[Input]) -> Vec<History<'_>> {
    let mut out: Vec<History> = vec![];
    for input in inputs {
        let Document::Run(report) = &input.document else {
            continue;
        };
        let same =
            |h: &&mut History| h.benchmark == report.benchmark && h.engine == report.host.engine;
        match out.iter_mut().find(same) {
            Some(h) => h.runs.push((report, &input.source)),
            None => out.push(History {
                benchmark: &report.benchmark,
                engine: &report.host.engine,
                runs: vec![(report, &input.source)],
                comparisons: vec![],
            }),
        }
    }
    for h in &mut out {
        h.runs.sort_by_key(|(r, _)| r.started_at);
        h.comparisons = h.runs.iter().map(|(r, _)| compare_rows(r)).collect();
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::commands::compare::{pair_reports, Comparisons};
    use crate::report::fixture;

    fn bytes(value: &impl serde::Serialize) -> Vec<u8> {
        serde_json::to_vec_pretty(value).unwrap()
    }

    #[test]
    fn a_run_file_reads_as_its_report() {
        let report = fixture::report();
        let json = crate::report::Format::Json
            .exporter()
            .serialize(&report)
            .unwrap();
        match read("r.json", &json).unwrap() {
            Document::Run(r) => assert_eq!(*r, report),
            other => panic!("{other:?}"),
        }
    }

    /// `compare --json`, written from the real types, reads back.
    pub(crate) fn comparison_json() -> Vec<u8> {
        let a = fixture::report();
        let mut b = a.clone();
        for s in &mut b.rows[0].samples {
            s.seconds *= 1.3;
            s.values.iter_mut().for_each(|v| *v *= 1.3);
        }
        bytes(&Comparisons {
            benchmark: "gil".into(),
            a: "a.json".into(),
            b: "b.json".into(),
            runs_a: 1,
            runs_b: 1,
            normalized: true,
            rows: pair_reports(&a, &b),
            only_in_a: vec![],
            only_in_b: vec!["3.14".into()],
        })
    }

    #[test]
    fn comparisons_read_back_with_and_without_a_ratio() {
        let Document::Compare(docs) = read("c.json", &comparison_json()).unwrap() else {
            panic!("not a comparison")
        };
        let doc = &docs[0];
        assert_eq!((doc.benchmark.as_str(), doc.rows.len()), ("gil", 5));
        let system = &doc.rows[0];
        let c = system.comparison.unwrap();
        assert!((c.ratio - 1.3).abs() < 0.01 && system.significant, "{c:?}");
        // The failed row has no comparison: absent fields read as None.
        assert_eq!(doc.rows[4].label, "3.13j");
        assert_eq!(doc.rows[4].comparison, None);
        assert_eq!(doc.only_in_b, ["3.14"]);
        // Several benchmarks at once.
        let many: Value = serde_json::json!({ "benchmarks": [
            serde_json::from_slice::<Value>(&comparison_json()).unwrap(),
            serde_json::from_slice::<Value>(&comparison_json()).unwrap(),
        ]});
        let Document::Compare(docs) = read("c.json", &bytes(&many)).unwrap() else {
            panic!("not a comparison")
        };
        assert_eq!(docs.len(), 2);
    }

    /// The greeter matrix as `ext --json` writes it, from the real types.
    pub(crate) fn ext_matrix_json() -> Vec<u8> {
        use crate::commands::ext::matrix::{Compile, Expect, ImportCheck};
        use crate::commands::ext::verdict::CheckResult;
        let compile = |build: &str, output: &str| Compile {
            source: "greeter.c".into(),
            module: "greeter".into(),
            build: build.into(),
            config_command: format!("python{build}-config"),
            output: output.into(),
        };
        let check = |output: &str, built: &str, interp: &str, env: &[(&str, &str)], e, ok| {
            let mut r = CheckResult::not_compiled(&ImportCheck {
                output: output.into(),
                module: "greeter".into(),
                built_for: built.into(),
                interpreter: interp.into(),
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                expect: e,
            });
            r.compiled = true;
            r.imported = ok;
            r.passed = ok;
            r.error = None;
            r.verdict = if ok {
                "works".into()
            } else {
                "import failed: X".into()
            };
            r
        };
        let compiles = vec![
            serde_json::json!({"compile": compile("3.13", "3.13-greeter_stock.so"), "ok": true, "log": ""}),
            serde_json::json!({"compile": compile("3.13t", "3.13-greeter_ft.so"), "ok": false, "log": "error: <x> & y"}),
        ];
        let checks = vec![
            check(
                "3.13-greeter_stock.so",
                "3.13",
                "3.13",
                &[],
                Expect::Works,
                true,
            ),
            check(
                "3.13-greeter_stock.so",
                "3.13",
                "3.13t",
                &[("PYTHON_GIL", "0")],
                Expect::AbiMismatch,
                false,
            ),
        ];
        bytes(&serde_json::json!({ "compiles": compiles, "checks": checks }))
    }

    /// A package's readiness as `ext PACKAGE --json` writes it, from the real types.
    pub(crate) fn ext_package_json() -> Vec<u8> {
        use crate::commands::ext::readiness::{
            BuildOutcome, ModuleCheck, PackageResult, Readiness, SmokeOutcome,
        };
        let result = |name: &str, ft: bool, readiness: Readiness, gil_after: bool| PackageResult {
            interpreter: name.into(),
            free_threaded: ft,
            build: BuildOutcome {
                built: readiness != Readiness::BuildFails,
                tags: vec![format!(
                    "cp313-cp313{}-linux_x86_64",
                    if ft { "t" } else { "" }
                )],
                modules: vec!["pb._speedups".into()],
                ..Default::default()
            },
            modules: vec![ModuleCheck {
                module: "pb._speedups".into(),
                imported: readiness != Readiness::ImportFails,
                gil_before: Some(!ft),
                gil_after: Some(gil_after),
                ..Default::default()
            }],
            smoke: Some(SmokeOutcome {
                threads: 8,
                ..Default::default()
            }),
            readiness,
            why: format!("{} <why>", readiness.words()),
        };
        bytes(&serde_json::json!({
            "kind": "ext-package",
            "package": "pb 1.0 (sdist)",
            "build_requires": ["setuptools>=61"],
            "wheelhouse": [],
            "results": [
                result("3.13", false, Readiness::Ready, true),
                result("3.13t", true, Readiness::NeedsGil, true),
                result("3.14t", true, Readiness::Crashes, false),
            ],
        }))
    }

    /// What `ext tests/packages/gil_undeclared --json` writes on the six
    /// builds, from the real types and the real verdicts ([`judge`]).
    ///
    /// [`judge`]: crate::commands::ext::readiness::judge
    fn gil_undeclared() -> Value {
        use crate::commands::ext::readiness::{judge, BuildOutcome, ModuleCheck, PackageResult};
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
                let (readiness, why) = judge(&build, &modules, None, ft);
                PackageResult {
                    interpreter: name.to_string(),
                    free_threaded: ft,
                    build,
                    modules,
                    smoke: None,
                    readiness,
                    why,
                }
            })
            .collect();
        serde_json::json!({
            "kind": "ext-package",
            "package": "tests/packages/gil_undeclared",
            "build_requires": ["setuptools>=70"],
            "wheelhouse": ["setuptools-84.2.1-py3-none-any.whl"],
            "results": results,
        })
    }

    /// tests/report.rs renders tests/fixtures/report/ext-package.json: it
    /// must stay what `ext` writes.
    #[test]
    fn the_package_fixture_is_what_ext_writes() {
        let committed: Value =
            serde_json::from_str(include_str!("../../tests/fixtures/report/ext-package.json"))
                .unwrap();
        let expected = gil_undeclared();
        assert_eq!(
            committed,
            expected,
            "tests/fixtures/report/ext-package.json is out of date; write this into it:\n{}",
            serde_json::to_string_pretty(&expected).unwrap()
        );
        let Document::ExtPackage(p) = read("ext-package.json", &bytes(&committed)).unwrap() else {
            panic!("not a package")
        };
        let verdicts: Vec<&str> = p.results.iter().map(|r| r.readiness.as_str()).collect();
        assert_eq!(
            verdicts,
            ["ready", "needs-gil", "ready", "ready", "needs-gil", "ready"]
        );
    }

    #[test]
    fn extension_files_read_back() {
        let Document::ExtMatrix(m) = read("ext.json", &ext_matrix_json()).unwrap() else {
            panic!("not a matrix")
        };
        assert_eq!((m.compiles.len(), m.checks.len()), (2, 2));
        assert_eq!(m.checks[1].configuration(), "3.13t PYTHON_GIL=0");
        assert_eq!(m.checks[1].expect, "abi-mismatch");
        assert!(!m.compiles[1].ok);
        let Document::ExtPackage(p) = read("pkg.json", &ext_package_json()).unwrap() else {
            panic!("not a package")
        };
        assert_eq!(p.package, "pb 1.0 (sdist)");
        let words: Vec<(&str, Grade)> = p.results.iter().map(|r| r.readiness_words()).collect();
        assert_eq!(
            words,
            [
                ("ready", Grade::Good),
                ("works with the GIL", Grade::Caution),
                ("crashes", Grade::Bad)
            ]
        );
        assert_eq!(p.results[1].abi_tag(), Some("cp313t"));
        assert_eq!(p.results[1].imported(), Some((1, 1)));
        assert_eq!(p.results[1].reenabled_gil(), ["pb._speedups"]);
        assert!(p.results[0].reenabled_gil().is_empty());
    }

    #[test]
    fn every_readiness_has_the_words_ext_prints() {
        use crate::commands::ext::readiness::Readiness;
        use clap::ValueEnum;
        for r in Readiness::value_variants() {
            let kebab = serde_json::to_value(r).unwrap();
            let row = PackageRow {
                interpreter: "x".into(),
                free_threaded: false,
                build: PackageBuild {
                    built: true,
                    tags: vec![],
                },
                modules: vec![],
                smoke: None,
                readiness: kebab.as_str().unwrap().into(),
                why: String::new(),
            };
            assert_eq!(row.readiness_words().0, r.words(), "{r:?}");
        }
    }

    #[test]
    fn files_that_are_not_ours_are_refused_with_what_was_expected() {
        let cases: [(&[u8], &str); 6] = [
            (
                b"not json at all",
                "notes.json is not a pybench-docker result file: it is not JSON",
            ),
            (
                b"[1, 2]",
                "notes.json is not a pybench-docker result file: it holds a JSON array",
            ),
            (b"{}", "it holds an empty object"),
            (
                br#"{"name": "x", "version": 2}"#,
                r#"it holds an object with the keys "name", "version""#,
            ),
            (
                br#"{"stages": [], "images": [], "seconds": 1}"#,
                "notes.json is a build summary (`build --json`)",
            ),
            (
                br#"{"benchmark": "gil", "rows": 3, "host": {}}"#,
                "notes.json looks like a run's result file (`run --json`) but cannot be read",
            ),
        ];
        for (bytes, expected) in cases {
            let e = read("notes.json", bytes).unwrap_err();
            assert!(e.contains(expected), "{e}");
            assert!(e.contains("notes.json"), "{e}");
            assert!(e.contains("`run --json FILE`"), "{e}");
            assert!(!e.contains('\n'), "one paragraph: {e}");
        }
    }

    fn at(report: &Report, hours: i64) -> Report {
        let mut r = report.clone();
        r.started_at += chrono::Duration::hours(hours);
        r.session = format!("s{hours}");
        r
    }

    pub(crate) fn input(name: &str, document: Document) -> Input {
        Input {
            source: Source {
                path: name.into(),
                href: format!("data/{name}"),
            },
            document,
        }
    }

    #[test]
    fn runs_of_a_benchmark_form_a_history_oldest_first() {
        let base = fixture::report();
        let mut jit = base.clone();
        jit.benchmark = "jit".into();
        let inputs = vec![
            input("late.json", Document::Run(Box::new(at(&base, 48)))),
            input("jit.json", Document::Run(Box::new(jit))),
            input("early.json", Document::Run(Box::new(at(&base, 0)))),
            input("c.json", read("c.json", &comparison_json()).unwrap()),
        ];
        let h = histories(&inputs);
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].benchmark, h[0].runs.len()), ("gil", 2));
        assert_eq!(h[0].newest().1.path, "late.json");
        assert_eq!(h[0].earlier()[0].1.path, "early.json");
        // The baseline (3.13) and rows without a ratio have no trend.
        assert_eq!(h[0].trend_labels(), ["system", "3.13t"]);
        assert_eq!(h[0].trend("3.13t").len(), 2);
        assert!(h[1].trend_labels().is_empty());
    }

    #[test]
    fn runs_of_different_engines_are_never_one_history() {
        let base = fixture::report();
        let on = |engine: &str, hours| {
            let mut r = at(&base, hours);
            r.host.engine = engine.into();
            Document::Run(Box::new(r))
        };
        let inputs = vec![
            input("gil.laptop.json", on("laptop", 0)),
            input("gil.server.json", on("server", 1)),
            input("gil.laptop-2.json", on("laptop", 2)),
        ];
        let h = histories(&inputs);
        let titles: Vec<(String, usize)> = h.iter().map(|h| (h.title(), h.runs.len())).collect();
        assert_eq!(
            titles,
            [
                ("gil on laptop".to_string(), 2),
                ("gil on server".to_string(), 1)
            ]
        );
    }
}
