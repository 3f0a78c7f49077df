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

use crate::analysis::compare::Band;
use crate::analysis::pairing::{
    common_labels, pair_reports, pair_runs, regressions, same_baselines,
};
use crate::analysis::scaling_pairs::{
    pair_scaling_reports, pair_scaling_runs, scaling_regressions,
};
use crate::cli::CompareArgs;
use crate::report::format;
use crate::report::table::{comparison_cells, comparison_table, ratio_and_interval, ratio_with_ci};
use crate::results::{self, CompareFile, Comparisons, Report, ResultDoc};

/// A run's result file; any other result file is refused, saying what it is.
fn load(path: &Path) -> Result<Report> {
    match results::load(path).map_err(anyhow::Error::msg)? {
        ResultDoc::Run(report) => Ok(*report),
        other => bail!(
            "{} is {}, not a run's results: compare takes the files `run --json FILE` writes, \
             or folders of them.",
            path.display(),
            other.kind().describe()
        ),
    }
}

/// The files of one side: `path` itself, or every `*.json` in the folder.
fn side_files(path: &Path) -> Result<Vec<PathBuf>> {
    let files = results::json_files(path).map_err(anyhow::Error::msg)?;
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

/// What every run of both sides measured; counts and times are refused
/// side by side, as their ratio would mean nothing.
fn same_measure(
    a_path: &Path,
    a: &[(String, Vec<Report>)],
    b_path: &Path,
    b: &[(String, Vec<Report>)],
) -> Result<results::Measure> {
    let of = |groups: &[(String, Vec<Report>)]| -> Vec<results::Measure> {
        let mut seen = vec![];
        for r in groups.iter().flat_map(|(_, runs)| runs) {
            if !seen.contains(&r.measure) {
                seen.push(r.measure);
            }
        }
        seen
    };
    let (in_a, in_b) = (of(a), of(b));
    let words = |m: &[results::Measure]| -> String {
        m.iter().map(|m| m.unit()).collect::<Vec<_>>().join(" and ")
    };
    match (in_a.as_slice(), in_b.as_slice()) {
        ([one_a], [one_b]) if one_a == one_b => Ok(*one_a),
        _ => bail!(
            "{} holds {} and {} holds {}: a ratio of instructions to seconds means nothing. Compare runs measured the same way (both `run --measure instructions`, or both in time).",
            a_path.display(),
            words(&in_a),
            b_path.display(),
            words(&in_b)
        ),
    }
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
/// [`Comparisons`] per benchmark measured on both sides, judged with `band`.
/// Refuses sides that share no benchmark, or a benchmark that shares no
/// configuration.
pub fn all_comparisons(
    a_path: &Path,
    b_path: &Path,
    band: Option<Band>,
) -> Result<Vec<Comparisons>> {
    let (a_groups, b_groups) = (load_side(a_path)?, load_side(b_path)?);
    let measure = same_measure(a_path, &a_groups, b_path, &b_groups)?;
    // The band given, else the one A's run was judged with.
    let first_a = a_groups.first().and_then(|(_, runs)| runs.first());
    let band = band.unwrap_or_else(|| first_a.map(Report::band).unwrap_or_default());
    let names = |g: &[(String, Vec<Report>)]| -> Vec<String> {
        g.iter().map(|(n, _)| format!("{n:?}")).collect()
    };
    let mut out = vec![];
    for (benchmark, b) in &b_groups {
        let Some((_, a)) = a_groups.iter().find(|(n, _)| n == benchmark) else {
            continue;
        };
        let (rows, scaling) = match (a.as_slice(), b.as_slice()) {
            ([one_a], [one_b]) => (
                pair_reports(one_a, one_b, band),
                pair_scaling_reports(one_a, one_b, band),
            ),
            _ => (pair_runs(a, b, band), pair_scaling_runs(a, b, band)),
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
            scaling,
            rows,
            measure,
            band: Some(band.fraction()),
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
    Ok(all_comparisons(a_path, b_path, None)?.remove(0))
}

/// The terminal table: one row per paired configuration.
pub fn render(c: &Comparisons) -> String {
    let time = |m: Option<f64>| m.map_or("—".into(), |v| format::value(c.measure, v));
    let rows = c.rows.iter().map(|p| {
        let found = (p.comparison.as_ref()).map(|c| (ratio_with_ci(c), c.p_value, c.verdict));
        let [ratio, pv, status] = comparison_cells(found, "not completed");
        [
            p.label.clone(),
            time(p.mean_a),
            time(p.mean_b),
            ratio,
            pv,
            status,
        ]
    });
    let table = comparison_table(
        ["Configuration", "A", "B", "B / A [95% CI]", "p", "Status"],
        rows.collect(),
    );
    let mut out = format!("{}: A = {}, B = {}\n{table}\n", c.benchmark, c.a, c.b);
    let band = c.band.and_then(Band::new).unwrap_or_default();
    out += &format!(
        "{} per loop; band {band}: a change inside it is similar\n",
        c.measure.unit()
    );
    out += &method_note(c);
    out += &crate::report::memory::render_compare(c);
    out += &render_scaling(c);
    for (side, labels) in [("A", &c.only_in_a), ("B", &c.only_in_b)] {
        if !labels.is_empty() {
            out += &format!("only in {side}: {}\n", labels.join(", "));
        }
    }
    out
}

/// How each configuration's speed-up over one thread changed: B's over
/// A's, with its interval and verdict (degraded: scales worse in B).
fn render_scaling(c: &Comparisons) -> String {
    if c.scaling.is_empty() {
        return String::new();
    }
    let speedup = |s: Option<f64>| s.map_or("—".into(), format::ratio);
    let rows = c.scaling.iter().map(|p| {
        let found = (p.comparison.as_ref()).map(|c| {
            let ratio = ratio_and_interval(c.ratio, c.ci_low, c.ci_high);
            (ratio, c.p_value, c.verdict)
        });
        let [ratio, pv, status] = comparison_cells(found, "not completed");
        [
            p.label.clone(),
            speedup(p.speedup_a),
            speedup(p.speedup_b),
            ratio,
            pv,
            status,
        ]
    });
    let table = comparison_table(
        [
            "Scaling",
            "Speed-up A",
            "Speed-up B",
            "B / A [95% CI]",
            "p",
            "Status",
        ],
        rows.collect(),
    );
    format!(
        "{table}\nspeed-up over the same interpreter at one thread, B's / A's: below 1 scales worse in B (degraded), tN/t1 of each run taken round by round\n"
    )
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
    let band = args
        .band
        .map(|pct| Band::new(pct / 100.0))
        .map(|b| b.ok_or_else(|| anyhow::anyhow!("--band must lie between 0 and 100 percent")));
    let all = all_comparisons(&args.a, &args.b, band.transpose()?)?;
    for c in &all {
        print!("{}", render(c));
    }
    if let Some(path) = &args.json {
        let bytes = results::to_json(&CompareFile {
            benchmarks: all.clone(),
        })?;
        crate::report::write::write_atomically(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(percent) = args.fail_on_regression {
        let several = all.len() > 1;
        let named = |c: &Comparisons, label: &str, what: String| match several {
            false => format!("{label} {what}"),
            true => format!("{} {label} {what}", c.benchmark),
        };
        let slower: Vec<String> = all
            .iter()
            .flat_map(|c| {
                let times = regressions(&c.rows, percent)
                    .into_iter()
                    .filter_map(move |p| {
                        let change = p.comparison?.change * 100.0;
                        Some(named(c, &p.label, format!("{change:+.1}%")))
                    });
                let scaling = scaling_regressions(&c.scaling, percent)
                    .into_iter()
                    .filter_map(move |p| {
                        let ratio = p.comparison?.ratio;
                        Some(named(c, &p.label, format!("scales {ratio:.2}× as well")))
                    });
                times.chain(scaling).collect::<Vec<_>>()
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
    if let Some(percent) = args.fail_on_memory_regression {
        let more = crate::report::memory::memory_gate(&all, percent);
        if !more.is_empty() {
            bail!(
                "{} configuration(s) use significantly more memory in B, by more than {percent}%: {}.",
                more.len(),
                more.join(", ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::pairing::tests::another_run;
    use crate::report::fixture;

    /// The fixture's 3.13 row at one and two threads; at two, `slower`
    /// times the one-thread time per thread (1.0: a speed-up of 2).
    fn scaling_run(slower: f64) -> Report {
        let mut r = fixture::report();
        let template = r.rows[1].clone();
        r.rows = [1, 2]
            .into_iter()
            .map(|threads| {
                let mut row = template.clone();
                row.threads = Some(threads);
                for (i, s) in row.samples.iter_mut().enumerate() {
                    let wobble = 1.0 + 0.02 * (i % 3) as f64;
                    let factor = match threads {
                        1 => wobble,
                        _ => wobble * slower * (1.0 + 0.01 * (i % 2) as f64),
                    };
                    s.seconds *= factor;
                    s.values.iter_mut().for_each(|v| *v *= factor);
                }
                row
            })
            .collect();
        r
    }

    #[test]
    fn a_build_that_scales_worse_in_b_is_said_and_fails_the_gate() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        std::fs::write(&a, results::to_json(&scaling_run(1.02)).unwrap()).unwrap();
        std::fs::write(&b, results::to_json(&scaling_run(1.7)).unwrap()).unwrap();
        let c = comparisons(&a, &b).unwrap();
        assert_eq!(c.scaling.len(), 1);
        let text = render(&c);
        assert!(text.contains("│ 3.13 ×2 "), "{text}");
        assert!(text.contains("degraded"), "{text}");
        assert!(text.contains("below 1 scales worse in B"), "{text}");
        let args = CompareArgs {
            a: a.clone(),
            b: b.clone(),
            fail_on_regression: Some(10.0),
            fail_on_memory_regression: None,
            json: Some(dir.path().join("c.json")),
            band: None,
        };
        let e = command(&args).unwrap_err().to_string();
        assert!(e.contains("3.13 ×2 scales 0.6"), "{e}");
        // The file keeps the scaling rows, and reads back.
        let bytes = std::fs::read(dir.path().join("c.json")).unwrap();
        match results::decode("c.json", &bytes).unwrap() {
            ResultDoc::Compare(file) => assert_eq!(file.benchmarks[0].scaling, c.scaling),
            other => panic!("{:?}", other.kind()),
        }
    }

    #[test]
    fn files_of_other_benchmarks_or_no_common_rows_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, r: &Report| {
            let p = dir.path().join(name);
            std::fs::write(&p, results::to_json(r).unwrap()).unwrap();
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
        let both = all_comparisons(&mixed, &mixed, None).unwrap();
        let names: Vec<&str> = both.iter().map(|c| c.benchmark.as_str()).collect();
        assert_eq!(names, ["gil", "jit"]);
        assert_eq!(both[0].a, format!("{} (1 run)", mixed.display()));
        // A run of several named benchmarks is compared through its per-name files.
        let mut several = a.clone();
        several.rows[0].samples[0].metrics = vec![crate::results::Metric {
            name: "sort".into(),
            loops: 1,
            values: vec![0.5],
            ..Default::default()
        }];
        let e = comparisons(&write("s", &several), &pa)
            .unwrap_err()
            .to_string();
        assert!(e.contains("compare the per-benchmark files"), "{e}");
    }

    #[test]
    fn counts_are_never_compared_with_times_and_the_band_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let (time, counts) = (dir.path().join("t.json"), dir.path().join("c.json"));
        std::fs::write(&time, results::to_json(&fixture::report()).unwrap()).unwrap();
        let mut counted = fixture::report();
        counted.measure = results::Measure::Instructions;
        counted.band = Some(0.01);
        std::fs::write(&counts, results::to_json(&counted).unwrap()).unwrap();
        let e = all_comparisons(&time, &counts, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("holds seconds") && e.contains("holds instructions"),
            "{e}"
        );
        assert!(e.contains("means nothing"), "{e}");
        // A's band unless one is given; the table says it and the unit.
        let same = all_comparisons(&counts, &counts, None).unwrap();
        assert_eq!(same[0].band, Some(0.01));
        let text = render(&same[0]);
        assert!(text.contains("instructions per loop; band ±1%"), "{text}");
        assert!(text.contains(" instr"), "{text}");
        let wide = all_comparisons(&counts, &counts, Band::new(0.05)).unwrap();
        assert!(render(&wide[0]).contains("band ±5%"));
    }

    #[test]
    fn only_runs_are_compared_and_a_pipe_in_a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run.json");
        std::fs::write(&run, results::to_json(&fixture::report()).unwrap()).unwrap();
        let all = all_comparisons(&run, &run, None).unwrap();
        let comparison = dir.path().join("cmp.json");
        let file = CompareFile { benchmarks: all };
        std::fs::write(&comparison, results::to_json(&file).unwrap()).unwrap();
        let e = comparisons(&run, &comparison).unwrap_err().to_string();
        assert!(
            e.contains("cmp.json is a comparison (`compare --json`), not a run's results"),
            "{e}"
        );
        let folder = dir.path().join("runs");
        std::fs::create_dir(&folder).unwrap();
        std::fs::copy(&run, folder.join("1.json")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(folder.join("2.json"))
            .status();
        assert!(made.unwrap().success());
        let e = comparisons(&run, &folder).unwrap_err().to_string();
        assert!(e.contains("2.json is a named pipe (FIFO)"), "{e}");
    }

    #[test]
    fn the_table_says_what_is_only_on_one_side() {
        let a = fixture::report();
        let text = render(&Comparisons {
            measure: Default::default(),
            band: None,
            benchmark: "gil".into(),
            a: "a.json".into(),
            b: "b.json".into(),
            runs_a: 1,
            runs_b: 1,
            normalized: true,
            rows: pair_reports(&a, &another_run(&a, 1.25, 1.0), Band::DEFAULT),
            only_in_a: vec![],
            only_in_b: vec!["3.14".into()],
            scaling: vec![],
        });
        assert!(text.contains("only in B: 3.14"), "{text}");
        assert!(text.contains("degraded"), "{text}");
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
                    results::to_json(&r).unwrap(),
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
