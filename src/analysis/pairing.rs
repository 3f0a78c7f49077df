//! Runs of B against runs of A (`compare`), configuration by
//! configuration: rows paired by label, each pair compared relative to its
//! runs' baseline where they share one, and which pairs are regressions.
//! Pure.

use crate::analysis::compare::{compare_normalized, compare_pair, compare_runs, run_level, Band};
use crate::analysis::memory_pairs::{pair_memory_reports, pair_memory_runs};
use crate::analysis::significance::DEFAULT_ALPHA;
use crate::analysis::stats::summarize;
use crate::results::{Pairing, Report, Row};

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
pub fn pair_reports(a: &Report, b: &Report, band: Band) -> Vec<Pairing> {
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
                .and_then(|(base_a, base_b)| compare_normalized(base_a, row_a, base_b, row_b, band))
                .or_else(|| compare_pair(row_a, row_b, false, band));
            let ok = |r: &Row| r.outcome.is_ok().then(|| r.values());
            Some(Pairing {
                memory: pair_memory_reports(a, b, &row_b.label(), band),
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
pub fn pair_runs(a: &[Report], b: &[Report], band: Band) -> Vec<Pairing> {
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
                .and_then(|(la, lb)| compare_runs(&la, &lb, band));
            Pairing {
                memory: pair_memory_runs(a, b, &label, band),
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
pub fn common_labels(side: &[Report]) -> Vec<String> {
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

/// Whether every run of both sides has the same baseline for every row, so
/// that configurations can be compared relative to it.
pub fn same_baselines(a: &[Report], b: &[Report]) -> bool {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::compare::Verdict;
    use crate::report::fixture;

    /// Whether a verdict would fail `--fail-on-regression 10`.
    fn is_degraded(p: &Pairing) -> bool {
        p.comparison.is_some_and(|c| c.verdict == Verdict::Degraded)
    }

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
        let pairs = pair_reports(&a, &a, Band::DEFAULT);
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
        let pairs = pair_reports(&a, &b, Band::DEFAULT);
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
        let pairs = pair_reports(&a, &b, Band::DEFAULT);
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
        let pairs = pair_reports(&a, &a, Band::DEFAULT);
        let failed = pairs.iter().find(|p| p.label == "3.13j").unwrap();
        assert_eq!((failed.comparison, failed.mean_b), (None, None));
    }

    /// `report` with every non-baseline row `factor` times slower, and every
    /// value (baseline too) multiplied by `machine`: another run of it.
    pub(crate) fn another_run(report: &Report, factor: f64, machine: f64) -> Report {
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
        let pairs = pair_runs(&side_a, &slower, Band::DEFAULT);
        let system = pairs.iter().find(|p| p.label == "system").unwrap();
        let c = system.comparison.unwrap();
        assert_eq!(c.unit, crate::analysis::compare::Unit::Runs);
        assert!((c.ratio - 1.25).abs() < 0.01, "{c:?}");
        assert!(c.ci_low.unwrap() > 1.1 && system.significant);
        assert_eq!(c.verdict, Verdict::Degraded);
        // The same runs against themselves: nothing to report.
        let itself = pair_runs(&side_a, &side_a, Band::DEFAULT);
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
        let pairs = pair_runs(&history, &[another_run(&a, 1.02, 1.4)], Band::DEFAULT);
        let system = pairs.iter().find(|p| p.label == "system").unwrap();
        let c = system.comparison.unwrap();
        assert!(c.ci_low.unwrap() < 1.0 && c.ci_high.unwrap() > 1.0, "{c:?}");
        assert!(!system.significant);
    }
}
