//! The verdict rules of the module documentation, on the numbers found by
//! one of the tests.

use super::bootstrap::{ratio_ci, RESAMPLES, SEED};
use super::paired::paired_log_ratio;
use super::welch::welch_t_test;
use super::{PairedRatio, RatioCi};
use crate::analysis::stats::summarize;
use crate::analysis::verdict::{Band, Verdict};

/// Which test produced [`VerdictDetail::p_value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// [`welch_t_test`].
    Welch,
    /// Both sides constant (zero variance), so no t statistic exists: the
    /// means are compared directly, p = 1 if equal and 0 if not.
    ConstantSamples,
    /// [`paired_log_ratio`]: a paired t test on the logs of the ratios.
    PairedLogT,
}

/// A [`Verdict`] with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictDetail {
    pub verdict: Verdict,
    /// `mean(other) / mean(baseline)`; `None` when a side is empty, holds a
    /// non-finite value, or the baseline mean is not positive.
    pub ratio: Option<f64>,
    /// The interval of the ratio at `1 - alpha`; `None` when there is none.
    pub ci: Option<RatioCi>,
    /// `None` when no test applies (fewer than two values on a side).
    pub p_value: Option<f64>,
    pub test: Option<Test>,
}

/// The verdict rules on an interval and p-value found elsewhere.
pub fn verdict_of(found: &PairedRatio, band: Band, alpha: f64) -> Verdict {
    decide(found.ci.ratio, found.ci, found.p_value, band, alpha)
}

/// [`verdict`] for paired processes: the same rules on the paired interval and
/// p-value. Falls back to [`verdict`] when pairing is impossible.
pub fn paired_verdict(baseline: &[f64], other: &[f64], band: Band, alpha: f64) -> VerdictDetail {
    let mut detail = verdict(baseline, other, band, alpha);
    if let Some(paired) = paired_log_ratio(baseline, other, 1.0 - alpha) {
        detail.ratio = Some(paired.ci.ratio);
        detail.ci = Some(paired.ci);
        detail.p_value = Some(paired.p_value);
        detail.test = Some(Test::PairedLogT);
        detail.verdict = decide(paired.ci.ratio, paired.ci, paired.p_value, band, alpha);
    }
    detail
}

/// Judges `other` against `baseline` by the rules in the module
/// documentation, with Welch's test: `band` is the band of changes too
/// small to matter and `alpha` the significance level ([`DEFAULT_ALPHA`](super::DEFAULT_ALPHA),
/// 0.05) in `(0, 1)`; the interval is a bootstrap at confidence `1 - alpha`
/// with [`RESAMPLES`] resamples seeded with [`SEED`].
/// Never returns [`Verdict::Baseline`] and never panics; unusable input gives
/// [`Verdict::NotDistinguishable`] with the missing numbers set to `None`.
pub fn verdict(baseline: &[f64], other: &[f64], band: Band, alpha: f64) -> VerdictDetail {
    let confidence = 1.0 - alpha;
    let mut detail = VerdictDetail {
        verdict: Verdict::NotDistinguishable,
        ratio: mean_ratio(baseline, other),
        ci: None,
        p_value: None,
        test: None,
    };
    let Some(ratio) = detail.ratio else {
        return detail;
    };
    detail.ci = ratio_ci(baseline, other, confidence, RESAMPLES, SEED);
    (detail.test, detail.p_value) = match significance(baseline, other) {
        Some((test, p)) => (Some(test), Some(p)),
        None => (None, None),
    };
    if let (Some(ci), Some(p)) = (detail.ci, detail.p_value) {
        detail.verdict = decide(ratio, ci, p, band, alpha);
    }
    detail
}

/// The three rules of the module documentation.
fn decide(ratio: f64, ci: RatioCi, p: f64, band: Band, alpha: f64) -> Verdict {
    if p < alpha && band.below(ratio) {
        Verdict::Improved
    } else if p < alpha && band.above(ratio) {
        Verdict::Degraded
    } else if band.contains(ci.low) && band.contains(ci.high) {
        Verdict::Similar
    } else {
        Verdict::NotDistinguishable
    }
}

/// Welch's p-value, or the exact answer for two constant samples.
fn significance(baseline: &[f64], other: &[f64]) -> Option<(Test, f64)> {
    if let Some(t) = welch_t_test(baseline, other) {
        return Some((Test::Welch, t.p_value));
    }
    let (sa, sb) = (summarize(baseline)?, summarize(other)?);
    let constant = sa.n >= 2 && sb.n >= 2 && sa.stddev == 0.0 && sb.stddev == 0.0;
    if !constant {
        return None;
    }
    let p = if baseline[0] == other[0] { 1.0 } else { 0.0 };
    Some((Test::ConstantSamples, p))
}

/// `mean(other) / mean(baseline)`, computed like `compare` does.
fn mean_ratio(baseline: &[f64], other: &[f64]) -> Option<f64> {
    let base = summarize(baseline)?.mean;
    if base <= 0.0 {
        return None;
    }
    Some(summarize(other)?.mean / base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::significance::test_data::{assert_close, noisy, A1, B1, P, Q};
    use crate::analysis::significance::DEFAULT_ALPHA;

    fn judge(baseline: &[f64], other: &[f64]) -> VerdictDetail {
        verdict(baseline, other, Band::DEFAULT, DEFAULT_ALPHA)
    }

    #[test]
    fn exact_ten_percent_boundaries_are_similar() {
        // Noise-free samples: the interval collapses onto the ratio itself.
        for (base, other) in [(1.0, 0.9), (1.0, 1.1), (3.0, 2.7), (3.0, 3.3), (0.3, 0.33)] {
            let d = judge(&[base; 5], &[other; 4]);
            assert_eq!(d.verdict, Verdict::Similar, "{base} vs {other}: {d:?}");
            assert_eq!(
                (d.test, d.p_value),
                (Some(Test::ConstantSamples), Some(0.0))
            );
        }
        assert_eq!(judge(&[1.0; 5], &[0.8999; 5]).verdict, Verdict::Improved);
        assert_eq!(judge(&[1.0; 5], &[1.1001; 5]).verdict, Verdict::Degraded);
    }

    #[test]
    fn noisy_ratio_on_the_boundary_is_not_distinguishable() {
        // Mean ratio 0.9 and significant, but the interval straddles 0.90:
        // the truth could be an improvement or a similar time.
        let d = judge(&noisy(1.0, 0.01, &P, 10), &noisy(0.9, 0.01, &Q, 10));
        assert!((d.ratio.unwrap() - 0.9).abs() < 1e-12);
        assert!(d.p_value.unwrap() < DEFAULT_ALPHA);
        let ci = d.ci.unwrap();
        assert!(ci.low < 0.9 && ci.high > 0.9);
        assert_eq!(d.verdict, Verdict::NotDistinguishable);
    }

    #[test]
    fn clearly_faster_or_slower_with_small_noise() {
        let base = noisy(1.0, 0.01, &P, 10);
        let d = judge(&base, &noisy(0.7, 0.01, &Q, 10));
        assert_eq!(d.verdict, Verdict::Improved);
        assert_eq!(d.test, Some(Test::Welch));
        assert!(d.p_value.unwrap() < 1e-12);
        let d = judge(&base, &noisy(1.3, 0.01, &Q, 10));
        assert_eq!(d.verdict, Verdict::Degraded);
    }

    #[test]
    fn faster_but_large_noise_is_not_distinguishable() {
        // Ratio 0.78, but scipy's Welch p is 0.4949: noise swamps it.
        let d = judge(&[1.0, 1.6, 0.5, 1.3, 0.7], &[0.4, 1.5, 0.6, 1.2, 0.3]);
        assert!((d.ratio.unwrap() - 0.7843137254901961).abs() < 1e-12);
        assert_close(d.p_value.unwrap(), 0.4948752689380398);
        assert_eq!(d.verdict, Verdict::NotDistinguishable);
    }

    #[test]
    fn tiny_difference_with_tiny_noise_is_similar() {
        // 2% faster and overwhelmingly significant, yet within ±10%.
        let d = judge(&noisy(1.0, 0.001, &P, 10), &noisy(0.98, 0.001, &Q, 10));
        assert!(d.p_value.unwrap() < 1e-12);
        assert_eq!(d.verdict, Verdict::Similar);
    }

    #[test]
    fn equal_means_need_a_narrow_interval_to_be_similar() {
        let quiet = judge(&noisy(1.0, 0.01, &P, 10), &noisy(1.0, 0.01, &Q, 10));
        assert!(quiet.p_value.unwrap() > 0.5);
        assert_eq!(quiet.verdict, Verdict::Similar);
        let loud = judge(&noisy(1.0, 0.2, &P, 5), &noisy(1.0, 0.2, &Q, 5));
        assert_eq!(loud.verdict, Verdict::NotDistinguishable);
    }

    fn assert_no_nan(d: &VerdictDetail) {
        let numbers = [d.ratio, d.p_value];
        let ci = d.ci.map(|c| [c.ratio, c.low, c.high]).unwrap_or_default();
        assert!(
            numbers.iter().flatten().chain(&ci).all(|x| !x.is_nan()),
            "{d:?}"
        );
    }

    #[test]
    fn degenerate_inputs_give_no_nan_and_no_panic() {
        let nd = Verdict::NotDistinguishable;
        let cases: [(&[f64], &[f64]); 8] = [
            (&[], &[]),
            (&[], &A1),
            (&A1, &[]),
            (&[1.0], &[0.5]),
            (&[1.0, f64::NAN], &A1),
            (&[0.0, 0.0], &A1),
            (&[-1.0, -2.0], &A1),
            (&A1, &[f64::INFINITY, 1.0]),
        ];
        for (a, b) in cases {
            let d = judge(a, b);
            assert_eq!(d.verdict, nd, "{a:?} vs {b:?}");
            assert_no_nan(&d);
        }
        let single = judge(&[1.0], &[0.5]);
        assert_eq!(
            (single.ratio, single.p_value, single.ci),
            (Some(0.5), None, None)
        );
        // Equal constant samples: no noise and no difference.
        let same = judge(&[2.0; 3], &[2.0; 3]);
        assert_eq!(same.verdict, Verdict::Similar);
        assert_eq!(
            (same.test, same.p_value),
            (Some(Test::ConstantSamples), Some(1.0))
        );
        assert_no_nan(&same);
        // Out-of-range alpha: no interval, hence no verdict, still no panic.
        assert_eq!(verdict(&A1, &B1, Band::DEFAULT, 1.5).verdict, nd);
    }

    #[test]
    fn a_narrower_band_turns_a_similar_change_into_a_verdict() {
        // 7% slower with little noise: similar within ±10%, degraded
        // beyond ±5%.
        let (base, other) = (noisy(1.0, 0.002, &P, 10), noisy(1.07, 0.002, &Q, 10));
        assert_eq!(judge(&base, &other).verdict, Verdict::Similar);
        let five = Band::new(0.05).unwrap();
        let d = verdict(&base, &other, five, DEFAULT_ALPHA);
        assert_eq!((d.verdict, d.test), (Verdict::Degraded, Some(Test::Welch)));
    }

    #[test]
    fn pairing_cancels_a_drift_that_hides_the_difference_unpaired() {
        // The machine slows down round after round; the other build is
        // always 12% slower than the baseline of its own round.
        let base: Vec<f64> = (0..6).map(|i| 1.0 + 0.2 * i as f64).collect();
        let other: Vec<f64> = base
            .iter()
            .enumerate()
            .map(|(i, b)| b * (1.12 + 0.005 * (i % 2) as f64))
            .collect();
        let unpaired = verdict(&base, &other, Band::DEFAULT, 0.05);
        assert_eq!(unpaired.verdict, Verdict::NotDistinguishable);
        let paired = paired_verdict(&base, &other, Band::DEFAULT, 0.05);
        assert_eq!(paired.verdict, Verdict::Degraded, "{paired:?}");
        assert_eq!(paired.test, Some(Test::PairedLogT));
    }
}
