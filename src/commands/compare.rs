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
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// What `compare` found, as written by `--json` (and read back by `report`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparisons {
    pub benchmark: String,
    /// Each side's file, or its folder.
    pub a: String,
    pub b: String,
    /// Runs on each side.
    pub runs_a: usize,
    pub runs_b: usize,
    /// Configurations were compared relative to their runs' baselines (every
    /// run has the same baselines); otherwise as measured.
    pub normalized: bool,
    pub rows: Vec<Pairing>,
    /// Configurations present in only one of the runs.
    #[serde(default)]
    pub only_in_a: Vec<String>,
    #[serde(default)]
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
            let same = a.baseline == b.baseline && a.baseline_name(row_a) == b.baseline_name(row_b);
            let bases = (same && !b.is_baseline(row_b))
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
    let same_baseline = same_baselines(a, b);
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

/// One side: its runs, grouped by benchmark in the order first seen. A run
/// that measured several named benchmarks (a script's, pyperformance) holds
/// only the first one's values in its main file, so only its per-benchmark
/// files (`r.NAME.json`, written beside it) are compared.
fn load_side(path: &Path) -> Result<Vec<(String, Vec<Report>)>> {
    let files = side_files(path)?;
    let mut groups: Vec<(String, Vec<Report>)> = vec![];
    let mut aggregates = vec![];
    for file in &files {
        let report = load(file)?;
        if report
            .rows
            .iter()
            .flat_map(|r| &r.samples)
            .any(|s| !s.metrics.is_empty())
        {
            aggregates.push(file.display().to_string());
            continue;
        }
        match groups.iter_mut().find(|(b, _)| *b == report.benchmark) {
            Some((_, runs)) => runs.push(report),
            None => groups.push((report.benchmark.clone(), vec![report])),
        }
    }
    if groups.is_empty() {
        bail!(
            "{} measured several named benchmarks, and holds the first one's values only: compare the per-benchmark files written beside it (r.NAME.json for --json r.json).",
            aggregates.join(", ")
        );
    }
    Ok(groups)
}

/// How a side is named in the output: the file, or the folder with its runs.
fn describe(path: &Path, runs: usize) -> String {
    match (path.is_dir(), runs) {
        (false, _) => path.display().to_string(),
        (true, 1) => format!("{} (1 run)", path.display()),
        (true, n) => format!("{} ({n} runs)", path.display()),
    }
}

/// Loads both sides and pairs them, benchmark by benchmark: one
/// [`Comparisons`] per benchmark measured on both sides. Refuses sides that
/// share no benchmark, or a benchmark that shares no configuration.
pub fn all_comparisons(a_path: &Path, b_path: &Path) -> Result<Vec<Comparisons>> {
    let (a_groups, b_groups) = (load_side(a_path)?, load_side(b_path)?);
    let names = |g: &[(String, Vec<Report>)]| -> Vec<String> {
        g.iter().map(|(n, _)| format!("{n:?}")).collect()
    };
    let mut out = vec![];
    for (benchmark, b) in &b_groups {
        let Some((_, a)) = a_groups.iter().find(|(n, _)| n == benchmark) else {
            continue;
        };
        let rows = match (a.as_slice(), b.as_slice()) {
            ([one_a], [one_b]) => pair_reports(one_a, one_b),
            _ => pair_runs(a, b),
        };
        let (in_a, in_b) = (common_labels(a), common_labels(b));
        if rows.is_empty() {
            bail!(
                "the two sides share no configuration of {benchmark:?} ({} has {}; {} has {}): run the same --interpreters and --threads in both.",
                a_path.display(),
                in_a.join(", "),
                b_path.display(),
                in_b.join(", ")
            );
        }
        out.push(Comparisons {
            benchmark: benchmark.clone(),
            a: describe(a_path, a.len()),
            b: describe(b_path, b.len()),
            runs_a: a.len(),
            runs_b: b.len(),
            normalized: same_baselines(a, b),
            only_in_a: in_a.iter().filter(|l| !in_b.contains(l)).cloned().collect(),
            only_in_b: in_b.iter().filter(|l| !in_a.contains(l)).cloned().collect(),
            rows,
        });
    }
    if out.is_empty() {
        bail!(
            "{} measured {} and {} measured {}: compare runs of the same benchmark.",
            a_path.display(),
            names(&a_groups).join(", "),
            b_path.display(),
            names(&b_groups).join(", ")
        );
    }
    Ok(out)
}

/// [`all_comparisons`] when both sides hold one benchmark (as in tests).
#[cfg(test)]
pub fn comparisons(a_path: &Path, b_path: &Path) -> Result<Comparisons> {
    Ok(all_comparisons(a_path, b_path)?.remove(0))
}

/// Whether every run of both sides has the same baseline for every row, so
/// that configurations can be compared relative to it.
fn same_baselines(a: &[Report], b: &[Report]) -> bool {
    let first = a.iter().chain(b).next();
    let Some(first) = first else { return false };
    a.iter().chain(b).all(|r| {
        r.baseline == first.baseline
            && r.rows.iter().all(|row| {
                first
                    .rows
                    .iter()
                    .find(|f| f.label() == row.label())
                    .is_none_or(|f| first.baseline_name(f) == r.baseline_name(row))
            })
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
         spread between runs on a shared machine, and the baseline itself is compared \
         as measured (a change of the machine's speed shows there), so read a verdict \
         here as a lead; to confirm it, repeat each side (3 runs or more, \
         `run … --json DIR/N.json`) and compare the folders\n"
            .into()
    } else {
        let relative = match c.normalized {
            true => "each configuration relative to its run's baseline (the baseline as measured)",
            false => "as measured (the runs have different baselines, so the machine's speed in each run is in the ratio)",
        };
        format!(
            "one level per run ({} + {} runs), {relative}; Student's t on the runs, so the \
             spread between runs is in the interval\n",
            c.runs_a, c.runs_b
        )
    }
}

pub fn command(args: &CompareArgs) -> Result<()> {
    if let Some(path) = &args.json {
        crate::report::write::check_output_file("--json", path)?;
    }
    let all = all_comparisons(&args.a, &args.b)?;
    for c in &all {
        print!("{}", render(c));
    }
    if let Some(path) = &args.json {
        // One benchmark: its comparison; several: all of them.
        let bytes = match all.as_slice() {
            [one] => serde_json::to_vec_pretty(one)?,
            many => serde_json::to_vec_pretty(&serde_json::json!({ "benchmarks": many }))?,
        };
        crate::report::write::write_atomically(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(percent) = args.fail_on_regression {
        let several = all.len() > 1;
        let slower: Vec<String> = all
            .iter()
            .flat_map(|c| {
                regressions(&c.rows, percent)
                    .into_iter()
                    .filter_map(move |p| {
                        let change = p.comparison?.change * 100.0;
                        Some(match several {
                            false => format!("{} {change:+.1}%", p.label),
                            true => format!("{} {} {change:+.1}%", c.benchmark, p.label),
                        })
                    })
            })
            .collect();
        if !slower.is_empty() {
            bail!(
                "{} configuration(s) significantly slower in B by more than {percent}%: {}.",
                slower.len(),
                slower.join(", ")
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
            normalized: true,
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
        // A folder of several benchmarks: each compared with its own runs.
        let both = all_comparisons(&mixed, &mixed).unwrap();
        let names: Vec<&str> = both.iter().map(|c| c.benchmark.as_str()).collect();
        assert_eq!(names, ["gil", "jit"]);
        assert_eq!(both[0].a, format!("{} (1 run)", mixed.display()));
        // A run of several named benchmarks is compared through its per-name files.
        let mut several = a.clone();
        several.rows[0].samples[0].metrics = vec![crate::results::Metric::default()];
        let e = comparisons(&write("s", &several), &pa)
            .unwrap_err()
            .to_string();
        assert!(e.contains("compare the per-benchmark files"), "{e}");
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
        let itself = pair_runs(&side_a, &side_a);
        assert_eq!(itself.iter().filter(|p| p.comparison.is_some()).count(), 3);
        for p in itself {
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
