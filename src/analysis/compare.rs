//! Compares every configuration's mean time against the baseline's.
//!
//! A configuration is *improved* when it is more than 10% faster than the
//! baseline, *degraded* when more than 10% slower, and *similar* otherwise
//! (the ±10% boundaries themselves count as similar).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::analysis::stats::{summarize, Summary};
use crate::results::Report;

/// Relative change beyond which a difference counts as real.
pub const SIGNIFICANT_CHANGE: f64 = 0.10;

/// Slack on the ±10% boundaries. `1.1 / 1.0 - 1.0` is `0.10000000000000009`
/// in binary floating point, which must still read as "exactly 10%". A
/// billionth of the mean is far below any timer's resolution, so it only
/// absorbs rounding error and never hides a measured difference.
const BOUNDARY_EPSILON: f64 = 1e-9;

/// How a configuration fared against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Baseline,
    Improved,
    Similar,
    Degraded,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Baseline => "baseline",
            Verdict::Improved => "improved",
            Verdict::Similar => "similar",
            Verdict::Degraded => "degraded",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configuration's mean relative to the baseline's mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// `mean / baseline mean`: below 1 is faster.
    pub ratio: f64,
    /// `ratio - 1`: -0.25 is 25% faster.
    pub change: f64,
    pub verdict: Verdict,
}

/// Classifies `mean` against `baseline_mean`.
///
/// Both must be finite and `baseline_mean` positive; [`compare_rows`] only
/// calls it under those conditions. Never returns [`Verdict::Baseline`].
pub fn classify(mean: f64, baseline_mean: f64) -> Comparison {
    let ratio = mean / baseline_mean;
    let change = ratio - 1.0;
    let verdict = if change < -(SIGNIFICANT_CHANGE + BOUNDARY_EPSILON) {
        Verdict::Improved
    } else if change > SIGNIFICANT_CHANGE + BOUNDARY_EPSILON {
        Verdict::Degraded
    } else {
        Verdict::Similar
    };
    Comparison {
        ratio,
        change,
        verdict,
    }
}

/// Statistics and comparison for one row of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowComparison {
    pub interpreter: String,
    /// Statistics of the measured samples; `None` unless the row completed
    /// and has at least one (finite) measured sample.
    pub summary: Option<Summary>,
    /// `None` when this row or the baseline has no summary.
    pub comparison: Option<Comparison>,
}

/// One entry per row of `report`, in the same order.
///
/// Statistics describe completed runs only: a failed or timed-out row gets no
/// summary even if some samples finished, because a partial set would be
/// biased (the runs that finished are the fast ones). Its raw samples stay in
/// the report. The baseline row compares as [`Verdict::Baseline`], ratio 1.
pub fn compare_rows(report: &Report) -> Vec<RowComparison> {
    let summaries: Vec<Option<Summary>> = report
        .rows
        .iter()
        .map(|row| {
            if row.outcome.is_ok() {
                summarize(&row.measured())
            } else {
                None
            }
        })
        .collect();

    let baseline_index = report
        .rows
        .iter()
        .position(|r| r.interpreter == report.baseline);
    let baseline_mean = baseline_index
        .and_then(|i| summaries.get(i).copied().flatten())
        .map(|s| s.mean)
        .filter(|m| *m > 0.0);

    report
        .rows
        .iter()
        .zip(summaries)
        .enumerate()
        .map(|(i, (row, summary))| {
            let comparison = match (summary, baseline_mean) {
                (Some(_), Some(_)) if Some(i) == baseline_index => Some(Comparison {
                    ratio: 1.0,
                    change: 0.0,
                    verdict: Verdict::Baseline,
                }),
                (Some(s), Some(base)) => Some(classify(s.mean, base)),
                _ => None,
            };
            RowComparison {
                interpreter: row.interpreter.clone(),
                summary,
                comparison,
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

    #[test]
    fn boundaries_around_ten_percent_faster() {
        assert_eq!(classify(0.899, 1.0).verdict, Verdict::Improved);
        assert_eq!(classify(0.9, 1.0).verdict, Verdict::Similar);
        assert_eq!(classify(0.9000001, 1.0).verdict, Verdict::Similar);
        assert_eq!(classify(0.8999999, 1.0).verdict, Verdict::Improved);
    }

    #[test]
    fn boundaries_around_ten_percent_slower() {
        assert_eq!(classify(1.0, 1.0).verdict, Verdict::Similar);
        // The computed change is 0.10000000000000009, yet exactly 10% slower
        // must read as "similar".
        let exactly_ten_percent = classify(1.1, 1.0);
        assert!(exactly_ten_percent.change > 0.10);
        assert_eq!(exactly_ten_percent.verdict, Verdict::Similar);
        assert_eq!(classify(1.1000001, 1.0).verdict, Verdict::Degraded);
        assert_eq!(classify(1.0999999, 1.0).verdict, Verdict::Similar);
    }

    #[test]
    fn boundaries_hold_at_other_scales() {
        // Exact ±10% expressed with awkward binary fractions.
        assert_eq!(classify(3.3, 3.0).verdict, Verdict::Similar);
        assert_eq!(classify(2.7, 3.0).verdict, Verdict::Similar);
        assert_eq!(classify(0.33, 0.3).verdict, Verdict::Similar);
        assert_eq!(classify(0.27, 0.3).verdict, Verdict::Similar);
        assert_eq!(classify(110.0, 100.0).verdict, Verdict::Similar);
        assert_eq!(classify(110.001, 100.0).verdict, Verdict::Degraded);
    }

    #[test]
    fn ratio_and_change() {
        let c = classify(0.5, 2.0);
        assert_eq!(c.ratio, 0.25);
        assert_eq!(c.change, -0.75);
        assert_eq!(c.verdict, Verdict::Improved);
        let c = classify(3.0, 1.5);
        assert_eq!(
            (c.ratio, c.change, c.verdict),
            (2.0, 1.0, Verdict::Degraded)
        );
    }

    #[test]
    fn verdict_serializes_lowercase_and_displays() {
        assert_eq!(
            serde_json::to_string(&Verdict::Degraded).unwrap(),
            "\"degraded\""
        );
        assert_eq!(Verdict::Baseline.to_string(), "baseline");
        assert_eq!(Verdict::Improved.to_string(), "improved");
        assert_eq!(Verdict::Similar.to_string(), "similar");
    }

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
        }
    }

    fn report(baseline: &str, rows: Vec<Row>) -> Report {
        Report {
            tool_version: "0.1.0".into(),
            session: "s".into(),
            benchmark: "gil".into(),
            arguments: vec![],
            baseline: baseline.into(),
            repeat: 2,
            warmup: 1,
            host: Host::default(),
            started_at: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap(),
            finished_at: None,
            rows,
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
}
