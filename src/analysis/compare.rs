//! Compares every configuration with the baseline at the same thread count,
//! with the noise taken into account (see [`significance`](super::significance)).
//!
//! Within one run, process *i* of a configuration ran in the same round as
//! process *i* of the baseline, moments apart: the ratio of each such pair is
//! the observation (a paired t test on their logs), which cancels the slow
//! drift of a shared machine's speed. Across runs (`compare`) nothing pairs,
//! and the process means are compared with Welch's test.
//!
//! The observations are the process means: values inside one process share
//! its memory layout, hash seeds and CPU placement, so they are not
//! independent, and treating them as such would understate the noise. With
//! fewer than three processes on a side there is nothing to estimate
//! between-process noise from; the values are compared then, and the row says
//! so.

use serde::{Deserialize, Serialize};

use crate::analysis::memory::{row_memory, RowMemory};
use crate::analysis::scaling::{
    compare_in_run, speedup_of, ScalingComparison, ScalingRule, ScalingStatus, Speedup,
};
use crate::analysis::significance::{
    paired_verdict, pooled_log_ratio, verdict, verdict_of, welch_log_ratio, PairedRatio, Test,
    DEFAULT_ALPHA,
};
use crate::analysis::stats::{summarize, Summary};
pub use crate::analysis::verdict::{Band, Verdict};
use crate::results::{Report, Row};

/// Fewest processes per side for the process means to be the observations.
pub const MIN_PROCESSES: usize = 3;

/// What the statistical test compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// One mean per process.
    Processes,
    /// One ratio per round: each process against the baseline's process of
    /// the same round (same run, interleaved), so slow drift cancels.
    Rounds,
    /// Every value, when a side had fewer than [`MIN_PROCESSES`] processes.
    Values,
    /// Across runs: each process relative to its own run's baseline process
    /// of the same round, so that a change of the machine's speed between
    /// the runs cancels.
    Normalized,
    /// Across sets of runs: one level per run (see [`run_level`]), so the
    /// spread between whole runs is part of the interval.
    Runs,
}

/// One configuration against its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// `mean / baseline mean`: below 1 is faster.
    pub ratio: f64,
    /// `ratio - 1`: -0.25 is 25% faster.
    pub change: f64,
    /// 95% confidence interval of the ratio (seeded bootstrap).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Welch's two-sided p-value.
    pub p_value: Option<f64>,
    pub verdict: Verdict,
    pub unit: Unit,
}

impl Comparison {
    /// A ratio, interval and p-value found by a test on logs, with the verdict.
    fn found(found: &PairedRatio, unit: Unit, band: Band) -> Comparison {
        Comparison {
            ratio: found.ci.ratio,
            change: found.ci.ratio - 1.0,
            ci_low: Some(found.ci.low),
            ci_high: Some(found.ci.high),
            p_value: Some(found.p_value),
            verdict: verdict_of(found, band, DEFAULT_ALPHA),
            unit,
        }
    }

    fn of_baseline(unit: Unit) -> Comparison {
        Comparison {
            ratio: 1.0,
            change: 0.0,
            ci_low: None,
            ci_high: None,
            p_value: None,
            verdict: Verdict::Baseline,
            unit,
        }
    }
}

/// Statistics and comparison for one row of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowComparison {
    pub interpreter: String,
    /// `interpreter`, with `×N` when the benchmark took a thread count.
    pub label: String,
    /// Statistics of the process means; `None` unless the row completed and
    /// has at least one measured process.
    pub summary: Option<Summary>,
    /// Statistics of every measured value.
    pub values: Option<Summary>,
    /// `None` when this row or its baseline has no summary.
    pub comparison: Option<Comparison>,
    /// At N > 1 threads: how much faster than the same configuration at one
    /// thread, per unit of work (t1·N/tN; t1/tN for fixed work), and that
    /// speed-up divided by N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    /// The speed-up's 95 % interval, paired by round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup_ci: Option<(f64, f64)>,
    /// What that interval says about scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<ScalingStatus>,
    /// This row's speed-up against its baseline's (another interpreter)
    /// at the same thread count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_vs_baseline: Option<ScalingComparison>,
    /// Peak memory, compared with the same baseline row as time; `None`
    /// when the row recorded none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<RowMemory>,
}

/// `row`'s speed-up over the same interpreter at one thread, with its
/// interval and status ([`scaling`](super::scaling)).
fn scaling_of(report: &Report, row: &Row) -> Option<Speedup> {
    let one = report
        .rows
        .iter()
        .find(|r| r.interpreter == row.interpreter && r.threads == Some(1))?;
    speedup_of(one, row, report.scaling, ScalingRule::DEFAULT)
}

/// `row`'s scaling against its baseline's at the same thread count, when the
/// baseline is another interpreter and both were measured at one thread.
fn scaling_against_baseline(report: &Report, row: &Row, band: Band) -> Option<ScalingComparison> {
    row.threads.filter(|n| *n > 1)?;
    let base = &report.rows[report.baseline_for(row)?];
    if base.interpreter == row.interpreter {
        return None;
    }
    let at_one = |name: &str| {
        report
            .rows
            .iter()
            .find(|r| r.interpreter == name && r.threads == Some(1))
    };
    let (base_one, one) = (at_one(&base.interpreter)?, at_one(&row.interpreter)?);
    compare_in_run((base_one, base), (one, row), band)
}

fn completed(row: &Row) -> bool {
    row.outcome.is_ok() && !row.measured().is_empty()
}

/// The observations both sides are compared on.
fn observations(a: &Row, b: &Row) -> (Vec<f64>, Vec<f64>, Unit) {
    let (pa, pb) = (a.measured(), b.measured());
    if pa.len() >= MIN_PROCESSES && pb.len() >= MIN_PROCESSES {
        (pa, pb, Unit::Processes)
    } else {
        (a.values(), b.values(), Unit::Values)
    }
}

/// `row` against `baseline`; `None` when either did not complete or the
/// baseline's mean is not positive. `same_run`: both rows come from one run,
/// so their processes were interleaved round by round and can be paired.
/// `band`: changes too small to matter.
pub fn compare_pair(baseline: &Row, row: &Row, same_run: bool, band: Band) -> Option<Comparison> {
    if !completed(baseline) || !completed(row) {
        return None;
    }
    let (base, other, mut unit) = observations(baseline, row);
    let detail = if same_run && unit == Unit::Processes {
        paired_verdict(&base, &other, band, DEFAULT_ALPHA)
    } else {
        verdict(&base, &other, band, DEFAULT_ALPHA)
    };
    if detail.test == Some(Test::PairedLogT) {
        unit = Unit::Rounds;
    }
    let ratio = detail.ratio?;
    Some(Comparison {
        ratio,
        change: ratio - 1.0,
        ci_low: detail.ci.map(|c| c.low),
        ci_high: detail.ci.map(|c| c.high),
        p_value: detail.p_value,
        verdict: detail.verdict,
        unit,
    })
}

/// `row_b` of run B against `row_a` of run A, each first divided, round by
/// round, by its own run's baseline process at the same thread count. `None`
/// when either baseline is missing, incomplete or not aligned by round.
pub fn compare_normalized(
    base_a: &Row,
    row_a: &Row,
    base_b: &Row,
    row_b: &Row,
    band: Band,
) -> Option<Comparison> {
    let logs = |base: &Row, row: &Row| -> Option<Vec<f64>> {
        let (b, r) = (base.measured(), row.measured());
        let usable =
            completed(base) && completed(row) && b.len() == r.len() && b.len() >= MIN_PROCESSES;
        usable.then(|| b.iter().zip(&r).map(|(b, r)| (r / b).ln()).collect())
    };
    let found = welch_log_ratio(
        &logs(base_a, row_a)?,
        &logs(base_b, row_b)?,
        1.0 - DEFAULT_ALPHA,
    )?;
    if !found.ci.ratio.is_finite() {
        return None;
    }
    Some(Comparison::found(&found, Unit::Normalized, band))
}

/// A configuration's level in one run, on the log scale: with its run's
/// baseline row (`base`), the mean over rounds of `ln(row / baseline)`, so
/// the machine's speed during that run cancels; without one, the log of the
/// mean of its process means. `None` when a row did not complete, the rounds
/// do not line up, or a time is not positive.
pub fn run_level(base: Option<&Row>, row: &Row) -> Option<f64> {
    if !completed(row) {
        return None;
    }
    let measured = row.measured();
    let logs: Vec<f64> = match base {
        Some(base) => {
            let base_measured = base.measured();
            if !completed(base) || base_measured.len() != measured.len() {
                return None;
            }
            base_measured
                .iter()
                .zip(&measured)
                .map(|(b, r)| (r / b).ln())
                .collect()
        }
        None => vec![summarize(&measured)?.mean.ln()],
    };
    summarize(&logs).map(|s| s.mean).filter(|m| m.is_finite())
}

/// Set B of runs against set A, one [`run_level`] per run: Student's pooled
/// t test, so a side may be a single run checked against several. `None`
/// with fewer than three runs in all or no spread between them.
pub fn compare_runs(a_levels: &[f64], b_levels: &[f64], band: Band) -> Option<Comparison> {
    let found = pooled_log_ratio(a_levels, b_levels, 1.0 - DEFAULT_ALPHA)?;
    Some(Comparison::found(&found, Unit::Runs, band))
}

/// One entry per row of `report`, in the same order.
///
/// Statistics describe completed runs only: a failed or timed-out row gets no
/// summary even if some processes finished, because a partial set would be
/// biased (the runs that finished are the fast ones). Its raw samples stay in
/// the report. Each row is compared with the baseline at its thread count,
/// with the report's [`Band`] (`--band`, else ±10 %).
pub fn compare_rows(report: &Report) -> Vec<RowComparison> {
    let band = report.band();
    report
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let ok = completed(row);
            let comparison = report.baseline_for(row).and_then(|b| {
                let base = &report.rows[b];
                if b == i {
                    let unit = observations(base, base).2;
                    (ok && base.measured().iter().sum::<f64>() > 0.0)
                        .then(|| Comparison::of_baseline(unit))
                } else {
                    compare_pair(base, row, true, band)
                }
            });
            let scaling = scaling_of(report, row);
            RowComparison {
                speedup_ci: scaling.and_then(|s| s.interval),
                scaling: scaling.and_then(|s| s.status),
                scaling_vs_baseline: scaling_against_baseline(report, row, band),
                interpreter: row.interpreter.clone(),
                label: row.label(),
                summary: ok.then(|| summarize(&row.measured())).flatten(),
                values: ok.then(|| summarize(&row.values())).flatten(),
                comparison,
                speedup: scaling.map(|s| s.speedup),
                efficiency: scaling.map(|s| s.efficiency),
                memory: row_memory(report, i, band),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::results::{Host, Outcome, Row, Sample};

    fn row(name: &str, seconds: &[f64], outcome: Outcome) -> Row {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let sample = |seconds, warmup| Sample::single(seconds, t, t, warmup);
        let mut samples = vec![sample(100.0, true)];
        samples.extend(seconds.iter().map(|s| sample(*s, false)));
        Row {
            interpreter: name.into(),
            threads: None,
            command: vec!["python3".into()],
            env: BTreeMap::new(),
            image: "img".into(),
            image_id: "sha256:0".into(),
            info: None,
            banner: None,
            samples,
            outcome,
            baseline: None,
            configure_flags: None,
            build: None,
            source_script: None,
        }
    }

    fn report(baseline: &str, rows: Vec<Row>) -> Report {
        Report {
            tool_version: "0.1.0".into(),
            session: "s".into(),
            benchmark: "gil".into(),
            part_of: None,
            arguments: vec![],
            baseline: baseline.into(),
            repeat: 2,
            warmup: 1,
            values: 1,
            warmup_values: 0,
            min_time: 0.1,
            scaling: true,
            host: Host::default(),
            started_at: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap(),
            finished_at: None,
            rows,
            measure: Default::default(),
            unit: None,
            band: None,
        }
    }

    fn failed() -> Outcome {
        Outcome::Failed {
            reason: "exit code 1".into(),
            stderr_tail: String::new(),
        }
    }

    #[test]
    fn compares_rows_to_baseline_ignoring_warmup() {
        let r = report(
            "3.13",
            vec![
                row("system", &[2.0, 2.0], Outcome::Ok),
                row("3.13", &[1.0, 1.0], Outcome::Ok),
                row("3.13t", &[0.5, 0.5], Outcome::Ok),
                row("3.13j", &[1.05, 1.05], Outcome::Ok),
                row("3.13t -X gil=1", &[1.0], failed()),
            ],
        );
        let rc = compare_rows(&r);
        assert_eq!(rc.len(), 5);
        let verdicts: Vec<Option<Verdict>> =
            rc.iter().map(|c| c.comparison.map(|c| c.verdict)).collect();
        assert_eq!(
            verdicts,
            vec![
                Some(Verdict::Degraded),
                Some(Verdict::Baseline),
                Some(Verdict::Improved),
                Some(Verdict::Similar),
                None,
            ]
        );
        assert_eq!(rc[1].comparison.unwrap().ratio, 1.0);
        assert_eq!(rc[1].comparison.unwrap().change, 0.0);
        assert_eq!(rc[0].comparison.unwrap().ratio, 2.0);
        assert_eq!(rc[0].summary.unwrap().n, 2);
        assert_eq!(rc[4].interpreter, "3.13t -X gil=1");
        assert_eq!(rc[4].summary, None);
    }

    #[test]
    fn failed_baseline_means_no_comparisons() {
        let r = report(
            "3.13",
            vec![
                row(
                    "3.13",
                    &[1.0],
                    Outcome::TimedOut {
                        after_seconds: 60.0,
                    },
                ),
                row("3.13t", &[0.5], Outcome::Ok),
            ],
        );
        let rc = compare_rows(&r);
        assert!(rc.iter().all(|c| c.comparison.is_none()));
        assert!(rc[1].summary.is_some());
    }

    #[test]
    fn missing_baseline_means_no_comparisons() {
        let r = report("3.12", vec![row("3.13", &[1.0], Outcome::Ok)]);
        let rc = compare_rows(&r);
        assert_eq!(rc[0].comparison, None);
        assert!(rc[0].summary.is_some());
    }

    #[test]
    fn zero_baseline_mean_is_not_divided_by() {
        let r = report(
            "3.13",
            vec![
                row("3.13", &[0.0], Outcome::Ok),
                row("x", &[1.0], Outcome::Ok),
            ],
        );
        assert!(compare_rows(&r).iter().all(|c| c.comparison.is_none()));
    }

    #[test]
    fn ok_row_without_measured_samples_has_no_summary() {
        let r = report(
            "3.13",
            vec![row("3.13", &[1.0], Outcome::Ok), row("x", &[], Outcome::Ok)],
        );
        let rc = compare_rows(&r);
        assert_eq!(rc[1].summary, None);
        assert_eq!(rc[1].comparison, None);
    }

    fn noisy(name: &str, mean: f64, threads: Option<u32>) -> Row {
        // Round by round the noise of each row is its own: the baseline's
        // fast rounds are not the other row's.
        let spread = match name {
            "3.13" => [-0.3, 0.25, -0.1, 0.35, -0.2],
            _ => [0.3, -0.25, 0.35, -0.1, -0.2],
        };
        let seconds: Vec<f64> = spread.iter().map(|d| mean * (1.0 + d)).collect();
        let mut r = row(name, &seconds, Outcome::Ok);
        r.threads = threads;
        r
    }

    #[test]
    fn a_difference_inside_the_noise_is_not_distinguishable() {
        let r = report(
            "3.13",
            vec![noisy("3.13", 1.0, None), noisy("3.13j", 0.85, None)],
        );
        let c = compare_rows(&r)[1].comparison.unwrap();
        assert_eq!(c.verdict, Verdict::NotDistinguishable);
        assert_eq!(c.unit, Unit::Rounds);
        assert!(c.ci_low.unwrap() < 0.9 && c.ci_high.unwrap() > 1.0, "{c:?}");
        assert!(c.p_value.unwrap() > 0.05);
    }

    #[test]
    fn each_thread_count_has_its_own_baseline() {
        let mut rows = vec![];
        for threads in [1, 2] {
            let scale = threads as f64;
            for (name, seconds) in [("3.13", 1.0 * scale), ("3.13t", 1.3)] {
                let mut r = row(
                    name,
                    &[seconds, seconds * 1.01, seconds * 0.99],
                    Outcome::Ok,
                );
                r.threads = Some(threads);
                rows.push(r);
            }
        }
        let rc = compare_rows(&report("3.13", rows));
        let verdicts: Vec<Verdict> = rc.iter().map(|c| c.comparison.unwrap().verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Baseline,
                Verdict::Degraded,
                Verdict::Baseline,
                Verdict::Improved
            ]
        );
        assert_eq!(rc[3].label, "3.13t ×2");
        assert!((rc[3].comparison.unwrap().ratio - 0.65).abs() < 1e-9);
    }

    #[test]
    fn the_interval_brackets_the_ratio() {
        let r = report(
            "3.13",
            vec![noisy("3.13", 1.0, None), noisy("x", 0.5, None)],
        );
        let c = compare_rows(&r)[1].comparison.unwrap();
        assert!(c.ci_low.unwrap() <= c.ratio && c.ratio <= c.ci_high.unwrap());
        assert!(c.ci_high.unwrap() > c.ci_low.unwrap());
        assert_eq!(c.verdict, Verdict::Improved);
    }

    #[test]
    fn speedup_compares_each_interpreter_with_itself_at_one_thread() {
        let mut rows = vec![];
        for (name, one, two) in [("3.13", 1.0, 2.0), ("3.13t", 1.5, 1.6)] {
            for (threads, s) in [(1, one), (2, two)] {
                let mut r = row(name, &[s, s, s], Outcome::Ok);
                r.threads = Some(threads);
                rows.push(r);
            }
        }
        let mut r = report("3.13", rows);
        let rc = compare_rows(&r);
        assert_eq!((rc[0].speedup, rc[1].speedup), (None, Some(1.0)));
        assert!((rc[3].speedup.unwrap() - 1.875).abs() < 1e-9, "{:?}", rc[3]);
        assert!((rc[3].efficiency.unwrap() - 0.9375).abs() < 1e-9);
        r.scaling = false;
        assert!((compare_rows(&r)[3].speedup.unwrap() - 1.5 / 1.6).abs() < 1e-9);
    }

    #[test]
    fn a_run_level_is_relative_to_its_baseline_round_by_round() {
        let base = row("3.13", &[1.0, 2.0, 4.0], Outcome::Ok);
        let twice = row("3.13t", &[2.0, 4.0, 8.0], Outcome::Ok);
        let level = run_level(Some(&base), &twice).unwrap();
        assert!((level - 2f64.ln()).abs() < 1e-12);
        // Without a baseline: the log of the mean of the process means.
        assert!((run_level(None, &twice).unwrap() - (14.0f64 / 3.0).ln()).abs() < 1e-12);
        let short = row("3.13t", &[2.0, 4.0], Outcome::Ok);
        assert_eq!(run_level(Some(&base), &short), None);
        assert_eq!(
            run_level(Some(&base), &row("x", &[1.0, 1.0, 1.0], failed())),
            None
        );
        assert_eq!(
            run_level(Some(&row("3.13", &[1.0, 1.0, 1.0], failed())), &twice),
            None
        );
    }

    #[test]
    fn runs_decide_on_the_spread_between_runs() {
        let a = [0.0, 0.01, -0.01];
        let slower = compare_runs(&a, &[0.20, 0.21, 0.19], Band::DEFAULT).unwrap();
        assert_eq!(
            (slower.verdict, slower.unit),
            (Verdict::Degraded, Unit::Runs)
        );
        assert!((slower.ratio - 0.2f64.exp()).abs() < 1e-12);
        // The same shift with runs that scatter by ±20 %: not distinguishable.
        let scattered = compare_runs(&[0.0, 0.2, -0.2], &[0.2, 0.4, 0.0], Band::DEFAULT).unwrap();
        assert_eq!(scattered.verdict, Verdict::NotDistinguishable);
        assert!(compare_runs(&[0.0], &[0.1], Band::DEFAULT).is_none());
    }
}
