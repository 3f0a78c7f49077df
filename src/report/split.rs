//! A run that measured several named benchmarks (a script calling
//! `harness.bench` more than once, ftscalingbench's patterns, pyperformance)
//! gives one report per name, so that each gets the statistics, intervals,
//! verdicts and result files of a built-in benchmark; each part names the
//! run it was measured in ([`Report::part_of`]). Pure.

use crate::results::{Outcome, Report, Row, Sample};

/// Each metric's name (in the order the script measured them) with its report;
/// empty when the script measured one benchmark or none.
pub fn split(report: &Report) -> Vec<(String, Report)> {
    names(report)
        .into_iter()
        .map(|name| {
            let one = metric_report(report, &name);
            (name, one)
        })
        .collect()
}

fn names(report: &Report) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    let every = report.rows.iter().flat_map(|r| &r.samples);
    for metric in every.flat_map(|s| &s.metrics) {
        if !names.contains(&metric.name) {
            names.push(metric.name.clone());
        }
    }
    names
}

/// `report` with every process's values of metric `name` in place of the first's.
fn metric_report(report: &Report, name: &str) -> Report {
    Report {
        benchmark: format!("{}:{name}", report.benchmark),
        part_of: Some(report.benchmark.clone()),
        rows: report
            .rows
            .iter()
            .map(|row| metric_row(row, name))
            .collect(),
        ..report.clone()
    }
}

fn metric_row(row: &Row, name: &str) -> Row {
    let mut missing = None;
    let samples: Vec<Sample> = row
        .samples
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s.metrics.iter().find(|m| m.name == name) {
            Some(m) => Some(Sample {
                seconds: m.values.iter().sum::<f64>() / m.values.len().max(1) as f64,
                loops: m.loops,
                values: m.values.clone(),
                warmups: m.warmups.clone(),
                thread_values: m.thread_values.clone(),
                cycles: m.cycles.clone(),
                output: None,
                metrics: vec![],
                skipped: vec![],
                memory: m.memory.clone(),
                // Each benchmark's own evidence, not the process's first one's.
                counts: m.counts.clone(),
                jit: m.jit.clone(),
                ..s.clone()
            }),
            None => {
                let why = s.skipped.iter().find(|k| k.name == name);
                missing.get_or_insert((i + 1, why.map(|k| k.reason.clone())));
                None
            }
        })
        .collect();
    let outcome = match (&row.outcome, missing) {
        (Outcome::Ok, Some((_, Some(why)))) => Outcome::Failed {
            reason: format!(
                "{name} did not run: {}",
                why.lines().last().unwrap_or("").trim()
            ),
            stderr_tail: why,
        },
        (Outcome::Ok, Some((process, None))) => Outcome::Failed {
            reason: format!("process {process} did not report {name:?}"),
            stderr_tail: String::new(),
        },
        (other, _) => other.clone(),
    };
    Row {
        samples,
        outcome,
        ..row.clone()
    }
}

/// A metric's name as part of a file name: `r.json` → `r.NAME.json`.
pub fn file_part(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '-',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use crate::results::Metric;

    fn metric(name: &str, values: &[f64]) -> Metric {
        Metric {
            name: name.into(),
            loops: 4,
            values: values.to_vec(),
            ..Metric::default()
        }
    }

    #[test]
    fn each_named_benchmark_becomes_a_report() {
        let mut r = fixture::report();
        for row in &mut r.rows {
            for s in &mut row.samples {
                s.metrics = vec![
                    metric("sort", &[s.seconds]),
                    metric("parse json", &[1.0, 3.0]),
                ];
            }
        }
        assert!(split(&fixture::report()).is_empty());
        let parts = split(&r);
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["sort", "parse json"]);
        let (_, parse) = &parts[1];
        assert_eq!(parse.benchmark, "gil:parse json");
        assert_eq!(parse.part_of.as_deref(), Some("gil"));
        let base = parse.rows.iter().find(|r| r.interpreter == "3.13").unwrap();
        assert!(base
            .samples
            .iter()
            .all(|s| s.seconds == 2.0 && s.loops == 4));
        assert!(base.samples.iter().all(|s| s.metrics.is_empty()));
        // The failed and timed-out rows of the fixture keep their outcome.
        assert_eq!(parse.rows[3].outcome, r.rows[3].outcome);
        assert_eq!(file_part("parse json/v2"), "parse-json-v2");
    }

    #[test]
    fn each_part_keeps_its_own_jit_evidence() {
        use crate::results::{JitEvidence, JitVerdict};
        let evidence = |verdict| JitEvidence {
            verdict,
            reason: String::new(),
            details: Default::default(),
        };
        let mut r = fixture::report();
        for s in r.rows.iter_mut().flat_map(|row| &mut row.samples) {
            // The process's own field is its first benchmark's evidence.
            s.jit = Some(evidence(JitVerdict::Ran));
            let hot = Metric {
                jit: Some(evidence(JitVerdict::Ran)),
                ..metric("hot", &[s.seconds])
            };
            let cold = Metric {
                jit: Some(evidence(JitVerdict::DidNotRun)),
                ..metric("cold", &[1.0])
            };
            s.metrics = vec![hot, cold];
        }
        let parts = split(&r);
        let verdicts = |i: usize| -> Vec<JitVerdict> {
            let samples = parts[i].1.rows.iter().flat_map(|row| &row.samples);
            samples.map(|s| s.jit.as_ref().unwrap().verdict).collect()
        };
        assert!(verdicts(0).iter().all(|v| *v == JitVerdict::Ran));
        assert!(verdicts(1).iter().all(|v| *v == JitVerdict::DidNotRun));
    }

    #[test]
    fn a_process_without_the_metric_fails_the_row_saying_which() {
        let mut r = fixture::report();
        for row in &mut r.rows {
            for s in &mut row.samples {
                s.metrics = vec![metric("a", &[1.0]), metric("b", &[2.0])];
            }
        }
        r.rows[1].samples[2].metrics.truncate(1);
        let parts = split(&r);
        let b = &parts[1].1.rows[1];
        assert_eq!(
            b.outcome,
            Outcome::Failed {
                reason: "process 3 did not report \"b\"".into(),
                stderr_tail: String::new()
            }
        );
        assert!(parts[0].1.rows[1].outcome.is_ok());
    }
}
