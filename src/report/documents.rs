//! The files `report` reads, as documents to show: a run's results (`run
//! --json`, also each benchmark's file of a suite or a script), a
//! comparison (`compare --json`), and an extension check (`ext --json`: the
//! greeter matrix, or a package's readiness). Each is read by
//! [`results`], which says what the file is and refuses
//! what is not a result file; a build summary is refused here, as there is
//! nothing in it to report. Pure.

use chrono::{DateTime, Utc};

use crate::analysis::compare::{compare_rows, Comparison, RowComparison};
use crate::results::{self, ExtMatrix, ExtPackage, ExtPackages, Kind, Measure, Report, ResultDoc};

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
    /// `compare --json`: one comparison per benchmark.
    Compare(Vec<CompareDoc>),
    ExtMatrix(ExtMatrix),
    ExtPackage(ExtPackage),
    ExtPackages(ExtPackages),
}

/// A document with where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub source: Source,
    pub document: Document,
}

/// `compare --json` for one benchmark: B against A per configuration.
pub use crate::results::Comparisons as CompareDoc;

/// Reads one result file's bytes; `path` names it in the refusal, a
/// paragraph that says what the file is and what was expected instead.
pub fn read(path: &str, bytes: &[u8]) -> Result<Document, String> {
    Ok(match results::decode(path, bytes)? {
        ResultDoc::Run(report) => Document::Run(report),
        ResultDoc::Compare(file) => Document::Compare(file.benchmarks),
        ResultDoc::ExtMatrix(matrix) => Document::ExtMatrix(matrix),
        ResultDoc::ExtPackage(package) => Document::ExtPackage(package),
        ResultDoc::ExtPackages(packages) => Document::ExtPackages(packages),
        ResultDoc::Build(summary) => {
            return Err(format!(
                "{path} is {}: the {} images and {} stages a build made, not results to \
                 report. {}.",
                Kind::Build.describe(),
                summary.images.len(),
                summary.stages.len(),
                results::EXPECTED
            ))
        }
    })
}

/// The runs of one benchmark, oldest first (by `started_at`).
#[derive(Debug, Clone)]
pub struct History<'a> {
    pub benchmark: &'a str,
    /// The engine the runs are from (`--engine NAME=…`); empty for the one
    /// engine of DOCKER_HOST. Runs of different hosts are never one history.
    pub engine: &'a str,
    /// What the runs' values are: a timed run's ratio and a counted run's
    /// are never one history (one trend line would join them).
    pub measure: Measure,
    pub runs: Vec<(&'a Report, &'a Source)>,
    /// Each run's rows against their baselines ([`compare_rows`]), in the
    /// order of `runs`: computed once, the bootstrap intervals take time.
    pub comparisons: Vec<Vec<RowComparison>>,
}

impl<'a> History<'a> {
    /// `gil`, or `gil on laptop` when the runs name their engine; counted
    /// runs say so: `gil (instructions)`.
    pub fn title(&self) -> String {
        let title = match self.engine.is_empty() {
            true => self.benchmark.to_string(),
            false => format!("{} on {}", self.benchmark, self.engine),
        };
        match self.measure.is_time() {
            true => title,
            false => format!("{title} ({})", self.measure.unit()),
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

/// The runs among `inputs`, grouped by benchmark, engine and measure in the
/// order first seen, each group oldest first.
pub fn histories(inputs: &[Input]) -> Vec<History<'_>> {
    let mut out: Vec<History> = vec![];
    for input in inputs {
        let Document::Run(report) = &input.document else {
            continue;
        };
        let same = |h: &&mut History| {
            h.benchmark == report.benchmark
                && h.engine == report.host.engine
                && h.measure == report.measure
        };
        match out.iter_mut().find(same) {
            Some(h) => h.runs.push((report, &input.source)),
            None => out.push(History {
                benchmark: &report.benchmark,
                engine: &report.host.engine,
                measure: report.measure,
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
    use crate::analysis::compare::Band;
    use crate::analysis::pairing::pair_reports;
    use crate::report::fixture;
    use crate::results::{
        BuildOutcome, BuildSummary, CheckResult, CompareFile, Comparisons, Compile, CompileEntry,
        Expect, Grade, ImportCheck, ModuleCheck, PackageResult, Readiness, SmokeOutcome,
    };

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

    /// One benchmark's comparison: the fixture's run against itself 30 %
    /// slower in its first row.
    fn comparison() -> Comparisons {
        let a = fixture::report();
        let mut b = a.clone();
        for s in &mut b.rows[0].samples {
            s.seconds *= 1.3;
            s.values.iter_mut().for_each(|v| *v *= 1.3);
        }
        Comparisons {
            measure: Default::default(),
            band: None,
            benchmark: "gil".into(),
            a: "a.json".into(),
            b: "b.json".into(),
            runs_a: 1,
            runs_b: 1,
            normalized: true,
            rows: pair_reports(&a, &b, Band::DEFAULT),
            only_in_a: vec![],
            only_in_b: vec!["3.14".into()],
            scaling: vec![],
        }
    }

    /// `compare --json`, as `compare` writes it.
    pub(crate) fn comparison_json() -> Vec<u8> {
        crate::results::to_json(&CompareFile {
            benchmarks: vec![comparison()],
        })
        .unwrap()
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
        assert_eq!(docs, vec![comparison()]);
    }

    /// The greeter matrix as `ext --json` writes it: one compile failed.
    pub(crate) fn ext_matrix() -> ExtMatrix {
        let compile = |build: &str, output: &str, ok: bool, log: &str| CompileEntry {
            compile: Compile {
                source: "greeter.c".into(),
                module: "greeter".into(),
                build: build.into(),
                config_command: format!("python{build}-config"),
                output: output.into(),
            },
            ok,
            log: log.into(),
        };
        let check = |built: &str, interp: &str, env: &[(&str, &str)], expect, ok| {
            let mut r = CheckResult::not_compiled(&ImportCheck {
                output: "3.13-greeter_stock.so".into(),
                module: "greeter".into(),
                built_for: built.into(),
                interpreter: interp.into(),
                env: (env.iter())
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                expect,
            });
            (r.compiled, r.imported, r.passed, r.error) = (true, ok, ok, None);
            r.verdict = match ok {
                true => "works".into(),
                false => "import failed: X".into(),
            };
            r
        };
        ExtMatrix {
            compiles: vec![
                compile("3.13", "3.13-greeter_stock.so", true, ""),
                compile("3.13t", "3.13-greeter_ft.so", false, "error: <x> & y"),
            ],
            checks: vec![
                check("3.13", "3.13", &[], Expect::Works, true),
                check(
                    "3.13",
                    "3.13t",
                    &[("PYTHON_GIL", "0")],
                    Expect::AbiMismatch,
                    false,
                ),
            ],
        }
    }

    pub(crate) fn ext_matrix_json() -> Vec<u8> {
        crate::results::to_json(&ext_matrix()).unwrap()
    }

    /// A package's readiness as `ext PACKAGE --json` writes it.
    pub(crate) fn ext_package() -> ExtPackage {
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
            tests: None,
            graph: None,
            tsan: None,
            readiness,
            why: format!("{} <why>", readiness.words()),
        };
        ExtPackage {
            package: "pb 1.0 (sdist)".into(),
            build_requires: vec!["setuptools>=61".into()],
            wheelhouse: vec![],
            results: vec![
                result("3.13", false, Readiness::Ready, true),
                result("3.13t", true, Readiness::NeedsGil, true),
                result("3.14t", true, Readiness::Crashes, false),
            ],
            test_requires: vec![],
            dependencies: vec![],
            session: String::new(),
        }
    }

    pub(crate) fn ext_package_json() -> Vec<u8> {
        crate::results::to_json(&ext_package()).unwrap()
    }

    #[test]
    fn extension_files_read_back() {
        let Document::ExtMatrix(m) = read("ext.json", &ext_matrix_json()).unwrap() else {
            panic!("not a matrix")
        };
        assert_eq!(m, ext_matrix());
        assert_eq!(m.checks[1].check.configuration(), "3.13t PYTHON_GIL=0");
        assert_eq!(m.checks[1].check.expect, Expect::AbiMismatch);
        let Document::ExtPackage(p) = read("pkg.json", &ext_package_json()).unwrap() else {
            panic!("not a package")
        };
        assert_eq!(p, ext_package());
        let grades: Vec<Grade> = p.results.iter().map(|r| r.readiness.grade()).collect();
        assert_eq!(grades, [Grade::Good, Grade::Caution, Grade::Bad]);
        assert_eq!(p.results[1].abi_tag(), Some("cp313t"));
        assert_eq!(p.results[1].imported(), Some((1, 1)));
        assert_eq!(p.results[1].reenabled_gil(), ["pb._speedups"]);
        assert!(p.results[0].reenabled_gil().is_empty());
    }

    #[test]
    fn files_that_are_not_ours_are_refused_with_what_was_expected() {
        let summary = crate::results::to_json(&BuildSummary {
            stages: vec![],
            images: vec![],
            seconds: 1.0,
            cpu_seconds: None,
            skipped: true,
        })
        .unwrap();
        let cases: [(&[u8], &str); 7] = [
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
                "notes.json is not a pybench-docker result file: it holds an object with the keys \"images\", \"seconds\", \"stages\"",
            ),
            (&summary, "notes.json is a build summary (`build --json`)"),
            (
                br#"{"benchmark": "gil", "rows": 3, "host": {}}"#,
                "has no \"kind\". A file without one is read only as a run's results",
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

    #[test]
    fn timed_and_counted_runs_are_never_one_history() {
        let base = fixture::report();
        let counted = |hours, measure| {
            let mut r = at(&base, hours);
            r.measure = measure;
            Document::Run(Box::new(r))
        };
        let inputs = vec![
            input("time.json", Document::Run(Box::new(at(&base, 0)))),
            input("counted.json", counted(1, Measure::Instructions)),
            input("time-2.json", Document::Run(Box::new(at(&base, 2)))),
            input("cycles.json", counted(3, Measure::EstimatedCycles)),
        ];
        let h = histories(&inputs);
        let titles: Vec<(String, usize)> = h.iter().map(|h| (h.title(), h.runs.len())).collect();
        assert_eq!(
            titles,
            [
                ("gil".to_string(), 2),
                ("gil (instructions)".to_string(), 1),
                ("gil (estimated cycles)".to_string(), 1),
            ]
        );
        // No trend joins a time ratio and an instruction ratio.
        assert_eq!(h[0].trend("3.13t").len(), 2);
        assert!(h[1].trend_labels().is_empty());
    }
}
