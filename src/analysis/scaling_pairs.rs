//! The scaling of B against the scaling of A (`compare`): every interpreter
//! measured at one thread and at N on both sides, its speed-up in B over
//! its speed-up in A, so that a pattern whose scaling a change made worse is
//! a verdict. Each side's `tN / t1` is taken round by round within its own
//! run (the one-thread row plays the part of a baseline), so the machine's
//! speed in each run cancels; then Welch's test on the logs of the two runs'
//! ratios, or Student's t on one level per run across folders. Pure.

use crate::analysis::compare::{compare_normalized, compare_runs, run_level, Band};
use crate::analysis::scaling::{speedup_of, ScalingComparison, ScalingRule};
use crate::analysis::significance::DEFAULT_ALPHA;
use crate::analysis::stats::summarize;
use crate::results::{Report, Row, ScalingPairing};

/// `row`'s interpreter at one thread in `report`.
fn one_thread<'a>(report: &'a Report, row: &Row) -> Option<&'a Row> {
    report
        .rows
        .iter()
        .find(|r| r.interpreter == row.interpreter && r.threads == Some(1))
}

/// The rows at more than one thread, by label, that `side` has in every run.
fn many_thread_labels(side: &[Report]) -> Vec<String> {
    let Some((first, rest)) = side.split_first() else {
        return vec![];
    };
    (first.rows.iter())
        .filter(|r| r.threads.is_some_and(|n| n > 1) && one_thread(first, r).is_some())
        .map(Row::label)
        .filter(|l| {
            rest.iter()
                .all(|r| r.rows.iter().any(|row| &row.label() == l))
        })
        .collect()
}

/// `(one-thread row, N-thread row)` of `label` in `report`.
fn pair_of<'a>(report: &'a Report, label: &str) -> Option<(&'a Row, &'a Row)> {
    let many = report.rows.iter().find(|r| r.label() == label)?;
    Some((one_thread(report, many)?, many))
}

fn speedup(report: &Report, label: &str) -> Option<f64> {
    let (one, many) = pair_of(report, label)?;
    speedup_of(one, many, report.scaling, ScalingRule::DEFAULT).map(|s| s.speedup)
}

fn pairing(
    label: String,
    a: Option<f64>,
    b: Option<f64>,
    c: Option<ScalingComparison>,
) -> ScalingPairing {
    ScalingPairing {
        label,
        speedup_a: a,
        speedup_b: b,
        significant: c.and_then(|c| c.p_value).is_some_and(|p| p < DEFAULT_ALPHA),
        comparison: c,
    }
}

/// One run a side.
pub fn pair_scaling_reports(a: &Report, b: &Report, band: Band) -> Vec<ScalingPairing> {
    let in_a = many_thread_labels(std::slice::from_ref(a));
    many_thread_labels(std::slice::from_ref(b))
        .into_iter()
        .filter(|l| in_a.contains(l))
        .map(|label| {
            let found = pair_of(a, &label).zip(pair_of(b, &label));
            let c = found.and_then(|((one_a, many_a), (one_b, many_b))| {
                compare_normalized(one_a, many_a, one_b, many_b, band)
            });
            let (sa, sb) = (speedup(a, &label), speedup(b, &label));
            pairing(label, sa, sb, c.map(ScalingComparison::from_time_ratio))
        })
        .collect()
}

/// Folders of runs: one level of `ln(tN / t1)` per run.
pub fn pair_scaling_runs(a: &[Report], b: &[Report], band: Band) -> Vec<ScalingPairing> {
    let in_a = many_thread_labels(a);
    many_thread_labels(b)
        .into_iter()
        .filter(|l| in_a.contains(l))
        .map(|label| {
            let levels = |side: &[Report]| -> Option<Vec<f64>> {
                side.iter()
                    .map(|r| {
                        let (one, many) = pair_of(r, &label)?;
                        run_level(Some(one), many)
                    })
                    .collect()
            };
            let c = levels(a)
                .zip(levels(b))
                .and_then(|(la, lb)| compare_runs(&la, &lb, band));
            let mean = |side: &[Report]| -> Option<f64> {
                let each: Option<Vec<f64>> = side.iter().map(|r| speedup(r, &label)).collect();
                summarize(&each?).map(|s| s.mean)
            };
            let (sa, sb) = (mean(a), mean(b));
            pairing(label, sa, sb, c.map(ScalingComparison::from_time_ratio))
        })
        .collect()
}

/// Configurations whose speed-up fell in B, significantly, by more than
/// `percent` % of time at N threads relative to one.
pub fn scaling_regressions(pairs: &[ScalingPairing], percent: f64) -> Vec<&ScalingPairing> {
    pairs
        .iter()
        .filter(|p| p.significant)
        .filter(|p| {
            p.comparison
                .is_some_and(|c| (1.0 / c.ratio - 1.0) * 100.0 > percent)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::verdict::Verdict;
    use crate::report::fixture;

    /// The fixture's rows at one and two threads; at two, `slower` times the
    /// one-thread time (2.0: no speed-up), the machine `machine` times as fast.
    fn run(slower: f64, machine: f64) -> Report {
        let mut r = fixture::report();
        let template = r.rows[1].clone();
        r.rows = [1, 2]
            .into_iter()
            .map(|threads| {
                let mut row = template.clone();
                row.threads = Some(threads);
                for (i, s) in row.samples.iter_mut().enumerate() {
                    let factor = machine
                        * (1.0 + 0.02 * (i % 3) as f64)
                        * if threads == 2 {
                            slower * (1.0 + 0.01 * (i % 2) as f64)
                        } else {
                            1.0
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
    fn worse_scaling_in_b_is_degraded_whatever_the_machine_did() {
        let (a, b) = (run(1.05, 1.0), run(1.6, 1.3));
        let pairs = pair_scaling_reports(&a, &b, Band::DEFAULT);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        let p = &pairs[0];
        assert_eq!(p.label, "3.13 ×2");
        let c = p.comparison.unwrap();
        assert_eq!(c.verdict, Verdict::Degraded, "{c:?}");
        assert!((c.ratio - 1.05 / 1.6).abs() < 0.02, "{c:?}");
        assert!(p.speedup_a.unwrap() > p.speedup_b.unwrap());
        assert_eq!(scaling_regressions(&pairs, 10.0).len(), 1);
        assert!(scaling_regressions(&pairs, 60.0).is_empty());
        let same = pair_scaling_reports(&a, &run(1.05, 0.7), Band::DEFAULT);
        assert_eq!(same[0].comparison.unwrap().verdict, Verdict::Similar);
    }

    #[test]
    fn folders_compare_one_level_per_run() {
        let side_a: Vec<Report> = [(1.05, 1.0), (1.06, 1.3), (1.04, 0.9)]
            .iter()
            .map(|(s, m)| run(*s, *m))
            .collect();
        let side_b: Vec<Report> = [(1.6, 1.1), (1.62, 0.8), (1.58, 1.0)]
            .iter()
            .map(|(s, m)| run(*s, *m))
            .collect();
        let pairs = pair_scaling_runs(&side_a, &side_b, Band::DEFAULT);
        let c = pairs[0].comparison.unwrap();
        assert_eq!(
            (c.verdict, c.unit),
            (Verdict::Degraded, crate::analysis::compare::Unit::Runs)
        );
        assert!(pair_scaling_runs(&side_a, &side_a, Band::DEFAULT)[0]
            .comparison
            .is_some_and(|c| c.verdict != Verdict::Degraded));
    }
}
