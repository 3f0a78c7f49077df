//! How a configuration scales with threads: its speed-up over the same
//! interpreter at one thread, the 95 % interval of that speed-up, and what
//! the interval says ([`ScalingStatus`]); and whether one build scales better
//! or worse than another. Pure.
//!
//! The speed-up rests on the paired machinery of the ratios
//! ([`paired_log_ratio`]): round *i* measured the one-thread and the N-thread
//! configuration moments apart, so `t1_i / tN_i` is one observation and the
//! slow drift of a shared machine's speed cancels out of it. The speed-up is
//! the geometric mean of those ratios times N when every thread does the
//! one-thread work (t1·N/tN), or alone when the total work is fixed (t1/tN);
//! its interval is Student's t on their logs. With fewer than three rounds
//! (or no spread between them) there is no interval: the speed-up is then the
//! ratio of the mean values, and no status is given.
//!
//! Comparing scaling (two builds in one run, or two runs) is comparing
//! `tN / t1` of one with `tN / t1` of the other: the one-thread row plays the
//! part a baseline plays for times, so the same tests apply
//! ([`paired_log_ratio`] within a run, [`compare_normalized`] across two runs,
//! [`compare_runs`] on the run levels across folders), and *degraded* means
//! scales worse.

use serde::{Deserialize, Serialize};

use crate::analysis::compare::{Comparison, Unit};
use crate::analysis::significance::{paired_log_ratio, verdict_of, DEFAULT_ALPHA};
use crate::analysis::stats::summarize;
use crate::analysis::verdict::{Band, Verdict};
use crate::results::Row;

#[cfg(doc)]
use crate::analysis::compare::{compare_normalized, compare_runs};

/// What a speed-up's interval says about scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScalingStatus {
    /// The whole interval at or above the rule's share of ideal (0.8·N).
    Scales,
    /// Neither: somewhere between, or the noise spans both.
    Between,
    /// The whole interval below 1: N threads are slower than one.
    ScalesBadly,
}

impl ScalingStatus {
    /// The word files carry: `scales-badly`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalingStatus::Scales => "scales",
            ScalingStatus::Between => "between",
            ScalingStatus::ScalesBadly => "scales-badly",
        }
    }

    /// As people read it: `scales badly`.
    pub fn words(self) -> &'static str {
        match self {
            ScalingStatus::ScalesBadly => "scales badly",
            other => other.as_str(),
        }
    }
}

/// Where "scales" begins: a share of the ideal speed-up N.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalingRule {
    /// 0.8: the interval must lie at or above 0.8·N.
    pub efficiency: f64,
}

impl ScalingRule {
    pub const DEFAULT: ScalingRule = ScalingRule { efficiency: 0.8 };

    /// Slack on the edges, so that 1.6 computed as 0.8 × 2 in binary still
    /// counts as reaching 1.6.
    const EPSILON: f64 = 1e-9;

    /// The status of a speed-up interval `[low, high]` at `threads` threads:
    /// scales when `low ≥ efficiency·N` (the edge counts as reached), scales
    /// badly when `high < 1` (an interval touching 1 has not shown N threads
    /// slower), between otherwise.
    pub fn status(self, threads: u32, low: f64, high: f64) -> ScalingStatus {
        if high < 1.0 - Self::EPSILON {
            ScalingStatus::ScalesBadly
        } else if low >= self.efficiency * threads as f64 - Self::EPSILON {
            ScalingStatus::Scales
        } else {
            ScalingStatus::Between
        }
    }

    /// The rule in one line, for the notes under tables.
    pub fn legend(self) -> String {
        format!(
            "scales: the whole 95% interval of the speed-up at or above {:.0}% of N; \
             scales badly: the whole interval below 1 (N threads slower than one); \
             otherwise between",
            self.efficiency * 100.0
        )
    }
}

impl Default for ScalingRule {
    fn default() -> ScalingRule {
        ScalingRule::DEFAULT
    }
}

/// A row's speed-up over the same interpreter at one thread.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Speedup {
    pub threads: u32,
    /// t1·N/tN (each thread does the one-thread work) or t1/tN (fixed work).
    pub speedup: f64,
    /// `speedup / N`.
    pub efficiency: f64,
    /// The 95 % interval, paired by round; `None` with fewer than three
    /// rounds or none that differ.
    pub interval: Option<(f64, f64)>,
    /// What the interval says; `None` without one.
    pub status: Option<ScalingStatus>,
}

fn completed(row: &Row) -> bool {
    row.outcome.is_ok() && !row.measured().is_empty()
}

/// `many`'s speed-up over `one` (the same interpreter at one thread); `None`
/// unless `many` ran more than one thread and both completed.
pub fn speedup_of(
    one: &Row,
    many: &Row,
    work_per_thread: bool,
    rule: ScalingRule,
) -> Option<Speedup> {
    let n = many.threads.filter(|n| *n > 1)?;
    if !completed(one) || !completed(many) {
        return None;
    }
    let work = if work_per_thread { n as f64 } else { 1.0 };
    let paired = paired_log_ratio(&many.measured(), &one.measured(), 1.0 - DEFAULT_ALPHA);
    let (speedup, interval) = match paired {
        Some(p) => (p.ci.ratio * work, Some((p.ci.low * work, p.ci.high * work))),
        None => {
            let (t1, tn) = (
                summarize(&one.values())?.mean,
                summarize(&many.values())?.mean,
            );
            if tn <= 0.0 {
                return None;
            }
            (t1 * work / tn, None)
        }
    };
    Some(Speedup {
        threads: n,
        speedup,
        efficiency: speedup / n as f64,
        interval,
        status: interval.map(|(low, high)| rule.status(n, low, high)),
    })
}

/// One build's speed-up against another's at the same thread count: above 1
/// scales better. The verdict is the ratios' (degraded: scales worse).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScalingComparison {
    /// This speed-up / the other's.
    pub ratio: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p_value: Option<f64>,
    pub verdict: Verdict,
    pub unit: Unit,
}

impl ScalingComparison {
    /// From a comparison of `tN / t1` (below 1: scales better): the
    /// speed-up ratio is its inverse, the interval's ends swap.
    pub fn from_time_ratio(c: Comparison) -> ScalingComparison {
        ScalingComparison {
            ratio: 1.0 / c.ratio,
            ci_low: c.ci_high.map(|h| 1.0 / h),
            ci_high: c.ci_low.map(|l| 1.0 / l),
            p_value: c.p_value,
            verdict: c.verdict,
            unit: c.unit,
        }
    }
}

/// Within one run: `(one, many)`'s scaling against `(base_one, base_many)`'s,
/// round by round (`(tN/t1)_i` of each, paired t on their log ratio).
/// `None` without three complete rounds a side.
pub fn compare_in_run(
    (base_one, base_many): (&Row, &Row),
    (one, many): (&Row, &Row),
    band: Band,
) -> Option<ScalingComparison> {
    let relative = |one: &Row, many: &Row| -> Option<Vec<f64>> {
        let (t1, tn) = (one.measured(), many.measured());
        let usable = completed(one) && completed(many) && t1.len() == tn.len();
        usable.then(|| tn.iter().zip(&t1).map(|(n, o)| n / o).collect())
    };
    let (base, this) = (relative(base_one, base_many)?, relative(one, many)?);
    let found = paired_log_ratio(&base, &this, 1.0 - DEFAULT_ALPHA)?;
    Some(ScalingComparison::from_time_ratio(Comparison {
        ratio: found.ci.ratio,
        change: found.ci.ratio - 1.0,
        ci_low: Some(found.ci.low),
        ci_high: Some(found.ci.high),
        p_value: Some(found.p_value),
        verdict: verdict_of(&found, band, DEFAULT_ALPHA),
        unit: Unit::Rounds,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Outcome, Sample};
    use chrono::{DateTime, Utc};

    #[test]
    fn the_status_at_its_edges() {
        let rule = ScalingRule::DEFAULT;
        // Scales from 0.8·N on, the edge included.
        assert_eq!(rule.status(2, 1.6, 2.1), ScalingStatus::Scales);
        assert_eq!(rule.status(2, 0.8 * 2.0, 1.7), ScalingStatus::Scales);
        assert_eq!(rule.status(2, 1.5999, 2.1), ScalingStatus::Between);
        assert_eq!(rule.status(4, 3.2, 3.9), ScalingStatus::Scales);
        assert_eq!(rule.status(4, 3.19, 3.9), ScalingStatus::Between);
        // Scales badly only when the whole interval is below 1.
        assert_eq!(rule.status(2, 0.5, 0.9999), ScalingStatus::ScalesBadly);
        assert_eq!(rule.status(2, 0.5, 1.0), ScalingStatus::Between);
        assert_eq!(rule.status(2, 0.9, 1.2), ScalingStatus::Between);
        // A wide interval spanning both ends says neither.
        assert_eq!(rule.status(2, 0.7, 2.0), ScalingStatus::Between);
        let strict = ScalingRule { efficiency: 0.9 };
        assert_eq!(strict.status(2, 1.7, 2.0), ScalingStatus::Between);
        assert!(
            rule.legend().contains("at or above 80% of N"),
            "{}",
            rule.legend()
        );
    }

    #[test]
    fn statuses_have_a_file_word_and_a_reading() {
        let json = serde_json::to_string(&ScalingStatus::ScalesBadly).unwrap();
        assert_eq!(json, "\"scales-badly\"");
        assert_eq!(ScalingStatus::ScalesBadly.words(), "scales badly");
        assert_eq!(ScalingStatus::Scales.words(), "scales");
    }

    fn row(threads: u32, seconds: &[f64]) -> Row {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        Row {
            interpreter: "3.14t".into(),
            command: vec![],
            env: Default::default(),
            image: String::new(),
            image_id: String::new(),
            info: None,
            banner: None,
            threads: Some(threads),
            baseline: None,
            configure_flags: None,
            build: None,
            source_script: None,
            samples: seconds
                .iter()
                .map(|s| Sample::single(*s, t, t, false))
                .collect(),
            outcome: Outcome::Ok,
        }
    }

    #[test]
    fn the_speedup_is_paired_by_round_with_its_interval() {
        // Round by round the machine's speed changes; the ratio barely does.
        let one = row(1, &[1.0, 2.0, 1.5, 1.2, 1.8]);
        let two = row(2, &[1.05, 2.1, 1.55, 1.3, 1.85]);
        let s = speedup_of(&one, &two, true, ScalingRule::DEFAULT).unwrap();
        assert_eq!(s.threads, 2);
        assert!((s.speedup - 1.92).abs() < 0.02, "{s:?}");
        let (low, high) = s.interval.unwrap();
        assert!(
            low < s.speedup && s.speedup < high && high - low < 0.1,
            "{s:?}"
        );
        assert_eq!(s.status, Some(ScalingStatus::Scales));
        assert!((s.efficiency - s.speedup / 2.0).abs() < 1e-12);
        // Fixed work: t1/tN.
        let fixed = speedup_of(&one, &two, false, ScalingRule::DEFAULT).unwrap();
        assert!((fixed.speedup - s.speedup / 2.0).abs() < 1e-12);
        assert_eq!(fixed.status, Some(ScalingStatus::ScalesBadly));
        // Two threads much slower than one, every round.
        let slow = row(2, &[2.5, 5.2, 3.6, 3.1, 4.4]);
        let bad = speedup_of(&one, &slow, true, ScalingRule::DEFAULT).unwrap();
        assert_eq!(bad.status, Some(ScalingStatus::ScalesBadly), "{bad:?}");
    }

    #[test]
    fn without_three_rounds_there_is_no_interval_and_no_status() {
        let s = speedup_of(
            &row(1, &[1.0, 1.0]),
            &row(2, &[1.0, 1.0]),
            true,
            ScalingRule::DEFAULT,
        )
        .unwrap();
        assert_eq!((s.speedup, s.interval, s.status), (2.0, None, None));
        // One thread has no speed-up; a failed row has none either.
        assert!(speedup_of(&row(1, &[1.0]), &row(1, &[1.0]), true, ScalingRule::DEFAULT).is_none());
        let mut failed = row(2, &[1.0, 1.0, 1.0]);
        failed.outcome = Outcome::TimedOut { after_seconds: 1.0 };
        assert!(speedup_of(
            &row(1, &[1.0, 1.0, 1.0]),
            &failed,
            true,
            ScalingRule::DEFAULT
        )
        .is_none());
    }

    #[test]
    fn a_build_that_scales_worse_is_degraded() {
        let base = (row(1, &[1.0, 2.0, 1.5, 1.2]), row(2, &[1.0, 2.0, 1.5, 1.2]));
        let worse = (row(1, &[1.0, 2.0, 1.5, 1.2]), row(2, &[1.6, 3.3, 2.4, 1.9]));
        let c = compare_in_run((&base.0, &base.1), (&worse.0, &worse.1), Band::DEFAULT).unwrap();
        assert_eq!(c.verdict, Verdict::Degraded, "{c:?}");
        assert!((c.ratio - 1.0 / 1.62).abs() < 0.03, "{c:?}");
        assert!(c.ci_low.unwrap() < c.ratio && c.ratio < c.ci_high.unwrap());
        assert_eq!(c.unit, Unit::Rounds);
        let back = compare_in_run((&worse.0, &worse.1), (&base.0, &base.1), Band::DEFAULT).unwrap();
        assert_eq!(back.verdict, Verdict::Improved);
        let short = (row(1, &[1.0, 2.0]), row(2, &[1.0, 2.0]));
        assert!(compare_in_run((&base.0, &base.1), (&short.0, &short.1), Band::DEFAULT).is_none());
    }
}
