//! The percentile bootstrap interval of a ratio of means, for samples whose
//! rounds do not pair.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{valid_confidence, RatioCi};
use crate::analysis::stats::summarize;

/// Bootstrap resamples drawn by [`verdict`](super::verdict). 10 000 keeps the Monte Carlo
/// error of a 95% percentile bound well below the noise of real timings.
pub(super) const RESAMPLES: usize = 10_000;

/// Seed of the generator used by [`verdict`](super::verdict), so that the same timings always
/// give the same interval (for a given version of `rand`).
pub(super) const SEED: u64 = 0x5EED_BE4C_4000_0001;

/// Percentile bootstrap interval for `mean(b) / mean(a_baseline)`.
///
/// Each of the `resamples` rounds draws `a.len()` values from the baseline
/// and `b.len()` from `b`, with replacement and independently, and takes the
/// ratio of their means; `low` and `high` are the `(1 - confidence) / 2` and
/// `(1 + confidence) / 2` quantiles of those ratios (linear interpolation,
/// like numpy's default). The generator is `StdRng` seeded with `seed`, so the
/// result is deterministic for a given seed and `rand` version.
///
/// `None` when a side has fewer than two values or a non-finite one, a
/// baseline value is not positive (a resample could then have mean 0),
/// `resamples` is 0, or `confidence` is not strictly between 0 and 1.
pub fn ratio_ci(
    a_baseline: &[f64],
    b: &[f64],
    confidence: f64,
    resamples: usize,
    seed: u64,
) -> Option<RatioCi> {
    let usable = a_baseline.len() >= 2
        && b.len() >= 2
        && resamples > 0
        && valid_confidence(confidence)
        && all_finite(b)
        && a_baseline.iter().all(|x| x.is_finite() && *x > 0.0);
    if !usable {
        return None;
    }
    let ratio = summarize(b)?.mean / summarize(a_baseline)?.mean;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ratios: Vec<f64> = (0..resamples)
        .map(|_| {
            let base = resample_mean(a_baseline, &mut rng);
            resample_mean(b, &mut rng) / base
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Some(RatioCi {
        ratio,
        low: quantile(&ratios, tail),
        high: quantile(&ratios, 1.0 - tail),
    })
}

fn all_finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

/// Mean of `xs.len()` values drawn from `xs` with replacement.
fn resample_mean(xs: &[f64], rng: &mut StdRng) -> f64 {
    let n = xs.len();
    let total: f64 = (0..n).map(|_| xs[rng.random_range(0..n)]).sum();
    total / n as f64
}

/// Quantile `q` of sorted, non-empty `xs`, interpolating linearly between
/// order statistics (Hyndman and Fan's type 7, numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (h - below as f64) * (sorted[above] - sorted[below])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::significance::test_data::{noisy, A1, B1, P, Q};

    #[test]
    fn quantile_interpolates_like_numpy() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&xs, 0.0), 1.0);
        assert_eq!(quantile(&xs, 1.0), 4.0);
        assert_eq!(quantile(&xs, 0.5), 2.5);
        assert!((quantile(&xs, 0.025) - 1.075).abs() < 1e-12);
    }

    #[test]
    fn bootstrap_is_deterministic_for_a_seed() {
        let once = ratio_ci(&A1, &B1, 0.95, 2000, 42).unwrap();
        assert_eq!(once, ratio_ci(&A1, &B1, 0.95, 2000, 42).unwrap());
        let other_seed = ratio_ci(&A1, &B1, 0.95, 2000, 43).unwrap();
        assert_eq!(once.ratio, other_seed.ratio);
        assert_ne!((once.low, once.high), (other_seed.low, other_seed.high));
        assert!(once.low < once.ratio && once.ratio < once.high);
    }

    #[test]
    fn bootstrap_contains_the_true_ratio() {
        // Two full noise cycles: both means are exact, the true ratio is 0.8.
        let base = noisy(2.0, 0.02, &P, 20);
        let other = noisy(1.6, 0.02, &Q, 20);
        let ci = ratio_ci(&base, &other, 0.95, RESAMPLES, SEED).unwrap();
        assert!((ci.ratio - 0.8).abs() < 1e-12);
        assert!(ci.low < 0.8 && 0.8 < ci.high, "{ci:?}");
        assert!(ci.high - ci.low < 0.02, "{ci:?}");
        // A wider confidence gives a wider interval.
        let wide = ratio_ci(&base, &other, 0.99, RESAMPLES, SEED).unwrap();
        assert!(wide.low < ci.low && wide.high > ci.high);
    }

    #[test]
    fn bootstrap_degenerate_inputs() {
        assert_eq!(ratio_ci(&[1.0], &A1, 0.95, 100, 1), None);
        assert_eq!(ratio_ci(&A1, &[1.0], 0.95, 100, 1), None);
        assert_eq!(ratio_ci(&A1, &B1, 0.95, 0, 1), None);
        assert_eq!(ratio_ci(&A1, &B1, 1.0, 100, 1), None);
        assert_eq!(ratio_ci(&A1, &B1, f64::NAN, 100, 1), None);
        assert_eq!(ratio_ci(&[0.0, 1.0], &B1, 0.95, 100, 1), None);
        assert_eq!(ratio_ci(&A1, &[1.0, f64::NAN], 0.95, 100, 1), None);
        let constant = ratio_ci(&[2.0; 4], &[1.0; 3], 0.95, 100, 1).unwrap();
        assert_eq!(
            (constant.ratio, constant.low, constant.high),
            (0.5, 0.5, 0.5)
        );
    }
}
