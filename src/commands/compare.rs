//! `compare A B`: every configuration of B against the same configuration of
//! A (same benchmark, interpreter and thread count), with the interval, the
//! p-value and the status of `run`'s table. Like `pyperf compare_to`;
//! `--fail-on-regression PCT` makes it a CI gate. Needs no daemon.
//!
//! A side is one result file or a folder of them (the same benchmark run
//! several times). Whole runs on a shared machine differ by more than the
//! processes inside one run do, so only with repeated runs can the interval
//! hold that spread; with one run a side, the output says what that misses.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use comfy_table::{presets, Cell, CellAlignment, Table};
use serde::Serialize;

#[cfg(test)]
use crate::analysis::compare::Verdict;
use crate::analysis::compare::{
    compare_normalized, compare_pair, compare_runs, run_level, Comparison,
};
use crate::analysis::significance::DEFAULT_ALPHA;
use crate::analysis::stats::summarize;
use crate::cli::CompareArgs;
use crate::report::format;
use crate::report::table::ratio_with_ci;
use crate::results::Report;

/// One configuration found in both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairing {
    pub label: String,
    /// Mean seconds per loop in A and in B, when the row completed.
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    /// B against A; `None` when either side did not complete.
    #[serde(flatten)]
    pub comparison: Option<Comparison>,
    /// Welch's p < 0.05.
    pub significant: bool,
}

/// What `compare` found, as written by `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparisons {
    pub benchmark: String,
    /// Each side's file, or its folder.
    pub a: String,
    pub b: String,
    /// Runs on each side.
    pub runs_a: usize,
    pub runs_b: usize,
    pub rows: Vec<Pairing>,
    /// Configurations present in only one of the runs.
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
}

fn mean_of(values: Vec<f64>) -> Option<f64> {
    summarize(&values).map(|s| s.mean)
}

/// Pairs the rows of `b` with the rows of `a` by label. Pure.
///
/// Two runs were measured at different times, and a shared machine's speed
/// drifts between them (by 20 % within minutes on the development VM), which
/// would show as a difference of every configuration. So a configuration is
/// compared relative to its run's baseline, round by round, when both runs
/// have that baseline (the same baseline name); the baseline itself, and
/// runs without a common baseline, are compared as measured.
pub fn pair_reports(a: &Report, b: &Report) -> Vec<Pairing> {
    b.rows
        .iter()
        .filter_map(|row_b| {
            let row_a = a.rows.iter().find(|r| r.label() == row_b.label())?;
            let bases = (a.baseline == b.baseline && !b.is_baseline(row_b))
                .then(|| {
                    Some((
                        &a.rows[a.baseline_for(row_a)?],
                        &b.rows[b.baseline_for(row_b)?],
                    ))
                })
                .flatten();
            let comparison = bases
                .and_then(|(base_a, base_b)| compare_normalized(base_a, row_a, base_b, row_b))
                .or_else(|| compare_pair(row_a, row_b, false));
            let ok = |r: &crate::results::Row| r.outcome.is_ok().then(|| r.values());
            Some(Pairing {
                label: row_b.label(),
                mean_a: ok(row_a).and_then(mean_of),
                mean_b: ok(row_b).and_then(mean_of),
                significant: comparison
                    .and_then(|c| c.p_value)
                    .is_some_and(|p| p < DEFAULT_ALPHA),
                comparison,
            })
        })
        .collect()
}

/// Pairs set B of runs with set A (several runs on at least one side). Pure.
///
/// Each run gives one level per configuration ([`run_level`]), relative to
/// that run's baseline when every run has the same baseline; the levels are
/// the observations, so the spread between whole runs is in the interval.
/// Only configurations present in every run of both sides are paired.
pub fn pair_runs(a: &[Report], b: &[Report]) -> Vec<Pairing> {
    let baseline = &b[0].baseline;
    let same_baseline = a.iter().chain(b).all(|r| &r.baseline == baseline);
    let in_all = common_labels(a);
    common_labels(b)
        .into_iter()
        .filter(|label| in_all.contains(label))
        .map(|label| {
            let level = |r: &Report| -> Option<f64> {
                let row = r.rows.iter().find(|row| row.label() == label)?;
                if same_baseline && !r.is_baseline(row) {
                    run_level(Some(&r.rows[r.baseline_for(row)?]), row)
                } else {
                    run_level(None, row)
                }
            };
            let levels = |side: &[Report]| -> Option<Vec<f64>> { side.iter().map(level).collect() };
            let mean = |side: &[Report]| -> Option<f64> {
                let means: Option<Vec<f64>> = side
                    .iter()
                    .map(|r| {
                        let row = r.rows.iter().find(|row| row.label() == label)?;
                        row.outcome.is_ok().then(|| mean_of(row.values())).flatten()
                    })
                    .collect();
                mean_of(means?)
            };
            let comparison = levels(a)
                .zip(levels(b))
                .and_then(|(la, lb)| compare_runs(&la, &lb));
            Pairing {
                mean_a: mean(a),
                mean_b: mean(b),
                significant: comparison
                    .and_then(|c| c.p_value)
                    .is_some_and(|p| p < DEFAULT_ALPHA),
                comparison,
                label,
            }
        })
        .collect()
}

/// Labels present in every run of a side, in the first run's order.
fn common_labels(side: &[Report]) -> Vec<String> {
    let Some((first, rest)) = side.split_first() else {
        return vec![];
    };
    first
        .rows
        .iter()
        .map(|r| r.label())
        .filter(|label| {
            rest.iter()
                .all(|r| r.rows.iter().any(|row| &row.label() == label))
        })
        .collect()
}

/// Configurations slower in B by more than `percent` %, significantly.
pub fn regressions(pairs: &[Pairing], percent: f64) -> Vec<&Pairing> {
    pairs
        .iter()
        .filter(|p| p.significant)
        .filter(|p| p.comparison.is_some_and(|c| c.change * 100.0 > percent))
        .collect()
}

fn load(path: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read {}: give the JSON file a run wrote with --json, or a folder of them",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a pybench-docker result file (written by `run --json FILE`)",
            path.display()
        )
    })
}

/// The files of one side: `path` itself, or every `*.json` in the folder.
fn side_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list {}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{} holds no .json file: put the result files of repeated runs there (`run … --json {}/1.json`, then 2.json, …).",
            path.display(),
            path.display()
        );
    }
    Ok(files)
}

/// One side: its description and its runs, all of one benchmark.
fn load_side(path: &Path) -> Result<(String, Vec<Report>)> {
    let files = side_files(path)?;
    let reports = files.iter().map(|f| load(f)).collect::<Result<Vec<_>>>()?;
    if let Some((i, other)) = reports
        .iter()
        .enumerate()
        .find(|(_, r)| r.benchmark != reports[0].benchmark)
    {
        bail!(
            "{} measured {:?} but {} measured {:?}: a folder holds repeated runs of one benchmark.",
            files[0].display(),
            reports[0].benchmark,
            files[i].display(),
            other.benchmark
        );
    }
    let description = match files.len() {
        1 if !path.is_dir() => path.display().to_string(),
        n => format!("{} ({n} runs)", path.display()),
    };
    Ok((description, reports))
}

/// Loads and pairs both sides; refuses files that cannot be compared.
pub fn comparisons(a_path: &Path, b_path: &Path) -> Result<Comparisons> {
    let ((a_name, a), (b_name, b)) = (load_side(a_path)?, load_side(b_path)?);
    if a[0].benchmark != b[0].benchmark {
        bail!(
            "{} measured {:?} and {} measured {:?}: compare runs of the same benchmark.",
            a_path.display(),
            a[0].benchmark,
            b_path.display(),
            b[0].benchmark
        );
    }
    let rows = match (a.as_slice(), b.as_slice()) {
        ([one_a], [one_b]) => pair_reports(one_a, one_b),
        _ => pair_runs(&a, &b),
    };
    let (in_a, in_b) = (common_labels(&a), common_labels(&b));
    if rows.is_empty() {
        bail!(
            "the two sides share no configuration ({} has {}; {} has {}): run the same --interpreters and --threads in both.",
            a_path.display(),
            in_a.join(", "),
            b_path.display(),
            in_b.join(", ")
        );
    }
    Ok(Comparisons {
        benchmark: b[0].benchmark.clone(),
        a: a_name,
        b: b_name,
        runs_a: a.len(),
        runs_b: b.len(),
        only_in_a: in_a.iter().filter(|l| !in_b.contains(l)).cloned().collect(),
        only_in_b: in_b.iter().filter(|l| !in_a.contains(l)).cloned().collect(),
        rows,
    })
}

/// The terminal table: one row per paired configuration.
pub fn render(c: &Comparisons) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .force_no_tty()
        .set_header(["Configuration", "A", "B", "B / A [95% CI]", "p", "Status"]);
    let time = |m: Option<f64>| m.map_or("—".into(), format::duration);
    for p in &c.rows {
        let (ratio, pv, status) = match &p.comparison {
            Some(cmp) => (
                ratio_with_ci(cmp),
                cmp.p_value.map_or("—".into(), format::p_value),
                cmp.verdict.to_string(),
            ),
            None => ("—".into(), "—".into(), "not completed".into()),
        };
        table.add_row([
            Cell::new(&p.label),
            Cell::new(time(p.mean_a)),
            Cell::new(time(p.mean_b)),
            Cell::new(ratio),
            Cell::new(pv),
            Cell::new(status),
        ]);
    }
    for column in 1..=4 {
        if let Some(col) = table.column_mut(column) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = format!("{}: A = {}, B = {}\n{table}\n", c.benchmark, c.a, c.b);
    out += &method_note(c);
    for (side, labels) in [("A", &c.only_in_a), ("B", &c.only_in_b)] {
        if !labels.is_empty() {
            out += &format!("only in {side}: {}\n", labels.join(", "));
        }
    }
    out
}

/// What the intervals hold, and with one run a side what they miss.
fn method_note(c: &Comparisons) -> String {
    if c.runs_a == 1 && c.runs_b == 1 {
        "one run a side: the intervals hold the noise inside each run, not the larger \
         spread between runs on a shared machine, so read a verdict here as a lead; \
         to confirm it, repeat each side (3 runs or more, `run … --json DIR/N.json`) \
         and compare the folders\n"
            .into()
    } else {
        format!(
            "one level per run ({} + {} runs), each configuration relative to its run's \
             baseline (the baseline as measured); Student's t on the runs, so the spread \
             between runs is in the interval\n",
            c.runs_a, c.runs_b
        )
    }
}

pub fn command(args: &CompareArgs) -> Result<()> {
    let c = comparisons(&args.a, &args.b)?;
    print!("{}", render(&c));
    if let Some(path) = &args.json {
        let bytes = serde_json::to_vec_pretty(&c)?;
        crate::report::write::write_atomically(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(percent) = args.fail_on_regression {
        let slower = regressions(&c.rows, percent);
        if !slower.is_empty() {
            let list: Vec<String> = slower
                .iter()
                .filter_map(|p| Some(format!("{} {:+.1}%", p.label, p.comparison?.change * 100.0)))
                .collect();
            bail!(
                "{} configuration(s) significantly slower in B by more than {percent}%: {}.",
                slower.len(),
                list.join(", ")
            );
        }
    }
    Ok(())
}

/// Whether a verdict would fail `--fail-on-regression 10`; used in tests.
#[cfg(test)]
fn is_degraded(p: &Pairing) -> bool {
    p.comparison.is_some_and(|c| c.verdict == Verdict::Degraded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    /// Every row but the baseline `factor` times slower.
    fn scaled(report: &Report, factor: f64) -> Report {
        let mut r = report.clone();
        for row in r
            .rows
            .iter_mut()
            .filter(|row| row.interpreter != report.baseline)
        {
            for s in &mut row.samples {
                s.seconds *= factor;
                s.values.iter_mut().for_each(|v| *v *= factor);
            }
        }
        r
    }

    #[test]
    fn a_run_against_itself_is_similar_everywhere() {
        let a = fixture::report();
        let pairs = pair_reports(&a, &a);
        let completed: Vec<&Pairing> = pairs.iter().filter(|p| p.comparison.is_some()).collect();
        assert_eq!(completed.len(), 3);
        for p in completed {
            let c = p.comparison.unwrap();
            assert_eq!(c.ratio, 1.0);
            assert_eq!(c.verdict, Verdict::Similar, "{p:?}");
            assert!(!p.significant);
        }
        assert!(regressions(&pairs, 5.0).is_empty());
    }

    #[test]
    fn a_slower_run_is_degraded_and_fails_the_gate() {
        let a = fixture::report();
        let b = scaled(&a, 1.25);
        let pairs = pair_reports(&a, &b);
        let system = pairs.iter().find(|p| p.label == "system").unwrap();
        assert!((system.comparison.unwrap().ratio - 1.25).abs() < 1e-9);
        assert!(is_degraded(system) && system.significant);
        assert_eq!(
            system.comparison.unwrap().unit,
            crate::analysis::compare::Unit::Normalized
        );
        let base = pairs.iter().find(|p| p.label == "3.13").unwrap();
        assert_eq!(base.comparison.unwrap().ratio, 1.0);
        assert_eq!(regressions(&pairs, 20.0).len(), 2);
        assert!(regressions(&pairs, 30.0).is_empty());
        assert!(render(&Comparisons {
            benchmark: "gil".into(),
            a: "a.json".into(),
            b: "b.json".into(),
            runs_a: 1,
            runs_b: 1,
            rows: pairs,
            only_in_a: vec![],
            only_in_b: vec!["3.14".into()],
        })
        .contains("only in B: 3.14"));
    }

    #[test]
    fn a_machine_that_slowed_down_between_runs_is_not_a_regression() {
        // Everything, the baseline included, 25% slower: the machine, not
        // the builds. Relative to the baseline nothing changed.
        let a = fixture::report();
        let mut b = scaled(&a, 1.25);
        for row in b.rows.iter_mut().filter(|r| r.interpreter == a.baseline) {
            for s in &mut row.samples {
                s.seconds *= 1.25;
                s.values.iter_mut().for_each(|v| *v *= 1.25);
            }
        }
        let pairs = pair_reports(&a, &b);
        let system = pairs.iter().find(|p| p.label == "system").unwrap();
        assert!(
            (system.comparison.unwrap().ratio - 1.0).abs() < 1e-9,
            "{system:?}"
        );
        assert!(regressions(&pairs, 10.0).iter().all(|p| p.label == "3.13"));
    }

    #[test]
    fn failed_rows_pair_without_a_comparison() {
        let a = fixture::report();
        let pairs = pair_reports(&a, &a);
        let failed = pairs.iter().find(|p| p.label == "3.13j").unwrap();
        assert_eq!((failed.comparison, failed.mean_b), (None, None));
    }

    #[test]
    fn files_of_other_benchmarks_or_no_common_rows_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, r: &Report| {
            let p = dir.path().join(name);
            std::fs::write(&p, serde_json::to_vec(r).unwrap()).unwrap();
            p
        };
        let a = fixture::report();
        let mut jit = a.clone();
        jit.benchmark = "jit".into();
        let mut other = a.clone();
        other.rows.iter_mut().for_each(|r| r.threads = Some(9));
        let (pa, pj, po) = (write("a", &a), write("j", &jit), write("o", &other));
        let e = comparisons(&pa, &pj).unwrap_err().to_string();
        assert!(e.contains("same benchmark"), "{e}");
        let e = comparisons(&pa, &po).unwrap_err().to_string();
        assert!(e.contains("share no configuration"), "{e}");
        let e = comparisons(&pa, &dir.path().join("missing")).unwrap_err();
        assert!(format!("{e:#}").contains("cannot read"), "{e:#}");
        assert_eq!(comparisons(&pa, &pa).unwrap().rows.len(), a.rows.len());
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let e = comparisons(&pa, &empty).unwrap_err().to_string();
        assert!(e.contains("holds no .json file"), "{e}");
        let mixed = dir.path().join("mixed");
        std::fs::create_dir(&mixed).unwrap();
        std::fs::copy(&pa, mixed.join("1.json")).unwrap();
        std::fs::copy(&pj, mixed.join("2.json")).unwrap();
        let e = comparisons(&pa, &mixed).unwrap_err().to_string();
        assert!(
            e.contains("a folder holds repeated runs of one benchmark"),
            "{e}"
        );
    }

    /// `report` with every non-baseline row `factor` times slower, and every
    /// value (baseline too) multiplied by `machine`: another run of it.
    fn another_run(report: &Report, factor: f64, machine: f64) -> Report {
        let mut r = scaled(report, factor);
        for row in &mut r.rows {
            for s in &mut row.samples {
                s.seconds *= machine;
                s.values.iter_mut().for_each(|v| *v *= machine);
            }
        }
        r
    }

    #[test]
    fn folders_of_runs_compare_run_levels() {
        let a = fixture::report();
        // Three runs a side; the machine's speed differs from run to run.
        let side_a: Vec<Report> = [(1.0, 1.0), (1.02, 1.3), (0.98, 0.9)]
            .iter()
            .map(|(f, m)| another_run(&a, *f, *m))
            .collect();
        let slower: Vec<Report> = [(1.25, 1.1), (1.27, 0.8), (1.23, 1.0)]
            .iter()
            .map(|(f, m)| another_run(&a, *f, *m))
            .collect();
        let pairs = pair_runs(&side_a, &slower);
        let system = pairs.iter().find(|p| p.label == "system").unwrap();
        let c = system.comparison.unwrap();
        assert_eq!(c.unit, crate::analysis::compare::Unit::Runs);
        assert!((c.ratio - 1.25).abs() < 0.01, "{c:?}");
        assert!(c.ci_low.unwrap() > 1.1 && system.significant);
        assert_eq!(c.verdict, Verdict::Degraded);
        // The same runs against themselves: nothing to report.
        for p in pair_runs(&side_a, &side_a) {
            if let Some(c) = p.comparison {
                assert!(!p.significant && c.verdict != Verdict::Degraded, "{p:?}");
            }
        }
        // The failed row of the fixture pairs without a comparison.
        let failed = pairs.iter().find(|p| p.label == "3.13j").unwrap();
        assert_eq!((failed.comparison, failed.mean_b), (None, None));
    }

    #[test]
    fn one_new_run_is_checked_against_several() {
        let a = fixture::report();
        let history: Vec<Report> = [(1.0, 1.0), (1.03, 1.2), (0.97, 0.9)]
            .iter()
            .map(|(f, m)| another_run(&a, *f, *m))
            .collect();
        let pairs = pair_runs(&history, &[another_run(&a, 1.02, 1.4)]);
        let system = pairs.iter().find(|p| p.label == "system").unwrap();
        let c = system.comparison.unwrap();
        assert!(c.ci_low.unwrap() < 1.0 && c.ci_high.unwrap() > 1.0, "{c:?}");
        assert!(!system.significant);
    }

    #[test]
    fn a_folder_side_is_described_with_its_run_count() {
        let dir = tempfile::tempdir().unwrap();
        let a = fixture::report();
        let (before, after) = (dir.path().join("before"), dir.path().join("after"));
        for (folder, factor) in [(&before, 1.0), (&after, 1.3)] {
            std::fs::create_dir(folder).unwrap();
            for (i, m) in [1.0, 1.1, 0.95].iter().enumerate() {
                let r = another_run(&a, factor * (1.0 + 0.01 * i as f64), *m);
                std::fs::write(
                    folder.join(format!("{i}.json")),
                    serde_json::to_vec(&r).unwrap(),
                )
                .unwrap();
            }
        }
        let c = comparisons(&before, &after).unwrap();
        assert_eq!((c.runs_a, c.runs_b), (3, 3));
        let text = render(&c);
        assert!(text.contains("before (3 runs)"), "{text}");
        assert!(text.contains("3 + 3 runs"), "{text}");
        let single = render(&comparisons(&before.join("0.json"), &after.join("0.json")).unwrap());
        assert!(single.contains("one run a side"), "{single}");
    }
}
