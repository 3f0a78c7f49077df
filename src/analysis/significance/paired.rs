//! The paired t test on log ratios: round *i* of one side against round *i*
//! of the other, so a slow drift of the machine's speed cancels.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{log_interval, valid_confidence, PairedRatio};
use crate::analysis::stats::summarize;

/// Paired comparison of `other` with `baseline` on the log scale: pair `i` is
/// two processes of the same round, run one right after the other, so a slow
/// drift of the machine's speed cancels out of `ln(other_i / baseline_i)`.
/// Returns the geometric-mean ratio, its `confidence` interval from Student's
/// t with `n - 1` degrees of freedom, and the two-sided p-value of the paired
/// t test. `None` with fewer than three pairs, unequal lengths, a value that
/// is not positive and finite, or all differences equal (no spread).
pub fn paired_log_ratio(baseline: &[f64], other: &[f64], confidence: f64) -> Option<PairedRatio> {
    let usable = |xs: &[f64]| xs.iter().all(|x| x.is_finite() && *x > 0.0);
    if baseline.len() != other.len() || baseline.len() < 3 || !usable(baseline) || !usable(other) {
        return None;
    }
    if !valid_confidence(confidence) {
        return None;
    }
    let diffs: Vec<f64> = baseline
        .iter()
        .zip(other)
        .map(|(b, o)| (o / b).ln())
        .collect();
    let s = summarize(&diffs)?;
    let se = s.stddev / (s.n as f64).sqrt();
    if se <= 0.0 {
        return None;
    }
    let dist = StudentsT::new(0.0, 1.0, (s.n - 1) as f64).ok()?;
    let t_crit = dist.inverse_cdf(0.5 + confidence / 2.0);
    let p_value = (2.0 * dist.sf((s.mean / se).abs())).min(1.0);
    Some(PairedRatio {
        ci: log_interval(s.mean, t_crit * se),
        p_value,
        pairs: s.n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::significance::{paired_verdict, Test};
    use crate::analysis::verdict::Band;

    #[test]
    fn paired_log_ratio_matches_a_hand_computation() {
        // ln(other/base) = ln 0.5, ln 0.6, ln 0.55: mean -0.6009, sd 0.0912.
        let base = [2.0, 1.0, 4.0];
        let other = [1.0, 0.6, 2.2];
        let p = paired_log_ratio(&base, &other, 0.95).unwrap();
        let logs = [0.5f64.ln(), 0.6f64.ln(), 0.55f64.ln()];
        let mean = logs.iter().sum::<f64>() / 3.0;
        assert!((p.ci.ratio - mean.exp()).abs() < 1e-12);
        // t(0.975, 2) = 4.302652729911275 (scipy.stats.t.ppf)
        let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
        let half = 4.302652729911275 * sd / 3f64.sqrt();
        assert!((p.ci.low - (mean - half).exp()).abs() < 1e-9, "{p:?}");
        assert!((p.ci.high - (mean + half).exp()).abs() < 1e-9, "{p:?}");
        assert!(p.p_value < 0.01, "{p:?}");
        assert_eq!(p.pairs, 3);
    }

    #[test]
    fn pairing_needs_three_equal_length_positive_sides() {
        assert!(paired_log_ratio(&[1.0, 2.0], &[1.0, 2.0], 0.95).is_none());
        assert!(paired_log_ratio(&[1.0, 2.0, 3.0], &[1.0, 2.0], 0.95).is_none());
        assert!(paired_log_ratio(&[1.0, 0.0, 3.0], &[1.0, 2.0, 3.0], 0.95).is_none());
        // Identical ratios: no spread, no interval; the unpaired verdict stands.
        assert!(paired_log_ratio(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0], 0.95).is_none());
        let v = paired_verdict(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0], Band::DEFAULT, 0.05);
        assert_eq!(v.test, Some(Test::Welch));
    }
}
