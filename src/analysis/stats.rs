//! Descriptive statistics for benchmark timings, and outlier detection.
//!
//! Outliers are found with the *modified z-score* of Iglewicz and Hoaglin
//! (B. Iglewicz and D. C. Hoaglin, "How to Detect and Handle Outliers",
//! ASQC Basic References in Quality Control, vol. 16, 1993):
//!
//! ```text
//! M_i = 0.6745 * (x_i - median) / MAD,   MAD = median(|x_i - median|)
//! ```
//!
//! Values with `|M_i| > 3.5` are labelled potential outliers. The median and
//! MAD are used instead of mean and standard deviation because a single slow
//! run (a noisy neighbour, a page-cache miss) would otherwise inflate the very
//! spread it is judged against.
//!
//! Non-finite input: [`summarize`] rejects it (returns `None`) rather than
//! silently dropping it, because a NaN or infinite duration means the
//! measurement itself is broken and its statistics would be meaningless.
//! The z-score functions expect finite input as accepted by `summarize`.

use serde::{Deserialize, Serialize};

/// Threshold on `|M_i|` recommended by Iglewicz and Hoaglin.
pub const DEFAULT_OUTLIER_THRESHOLD: f64 = 3.5;

/// 0.6745 is the 0.75 quantile of the standard normal distribution, which
/// makes `MAD / 0.6745` a consistent estimator of the standard deviation.
const MAD_SCALE: f64 = 0.6745;

/// Summary statistics of a non-empty set of finite values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (divides by `n - 1`); 0 when `n == 1`.
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
    pub median: f64,
}

/// Summarizes `xs`; `None` when it is empty or contains a NaN or infinity.
pub fn summarize(xs: &[f64]) -> Option<Summary> {
    if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let n = xs.len();
    let mean = sum(xs.iter().copied()) / n as f64;
    // Two-pass variance: subtracting the mean first avoids the cancellation
    // of the sum-of-squares formula when timings are large and close together.
    let stddev = if n > 1 {
        let ss = sum(xs.iter().map(|x| (x - mean).powi(2)));
        (ss / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(Summary {
        n,
        mean,
        stddev,
        min,
        max,
        median: median(xs)?,
    })
}

/// Modified z-score of every value, in input order.
///
/// When the MAD is zero (at least half the values are identical) the score is
/// undefined; every score is then 0, i.e. nothing is flagged.
pub fn modified_zscores(xs: &[f64]) -> Vec<f64> {
    let Some(med) = median(xs) else {
        return Vec::new();
    };
    let deviations: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&deviations).unwrap_or(0.0);
    if mad == 0.0 {
        return vec![0.0; xs.len()];
    }
    xs.iter().map(|x| MAD_SCALE * (x - med) / mad).collect()
}

/// Indices of the values whose modified z-score exceeds `threshold` in
/// absolute value; pass [`DEFAULT_OUTLIER_THRESHOLD`] unless you have a reason.
pub fn outliers(xs: &[f64], threshold: f64) -> Vec<usize> {
    modified_zscores(xs)
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() > threshold)
        .map(|(i, _)| i)
        .collect()
}

/// Neumaier's compensated sum: the low-order bits lost by each addition are
/// carried separately, so the sum is as if computed exactly and rounded once
/// (naive summation makes the mean of 2.481, 2.455, 2.502, 2.470 and 2.466
/// come out as 2.4747999999999997).
fn sum(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut total, mut compensation) = (0.0f64, 0.0f64);
    for x in xs {
        let t = total + x;
        compensation += if total.abs() >= x.abs() {
            (total - t) + x
        } else {
            (x - t) + total
        };
        total = t;
    }
    total + compensation
}

/// Median of `xs` (mean of the two middle values for even lengths).
fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn empty_input_has_no_summary() {
        assert_eq!(summarize(&[]), None);
        assert!(modified_zscores(&[]).is_empty());
        assert!(outliers(&[], DEFAULT_OUTLIER_THRESHOLD).is_empty());
    }

    #[test]
    fn non_finite_input_is_rejected() {
        assert_eq!(summarize(&[1.0, f64::NAN]), None);
        assert_eq!(summarize(&[f64::INFINITY]), None);
        assert_eq!(summarize(&[1.0, f64::NEG_INFINITY, 2.0]), None);
    }

    #[test]
    fn known_values() {
        // Classic textbook set: mean 5, sum of squared deviations 32.
        let s = summarize(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.n, 8);
        assert!(close(s.mean, 5.0));
        assert!(close(s.stddev, (32.0f64 / 7.0).sqrt()));
        assert_eq!(s.min, 2.0);
        assert_eq!(s.max, 9.0);
        assert!(close(s.median, 4.5));
    }

    #[test]
    fn order_does_not_matter() {
        let a = summarize(&[3.0, 1.0, 2.0]).unwrap();
        let b = summarize(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.median, 2.0);
        assert!(close(a.stddev, 1.0));
    }

    #[test]
    fn single_value() {
        let s = summarize(&[1.25]).unwrap();
        assert_eq!(
            s,
            Summary {
                n: 1,
                mean: 1.25,
                stddev: 0.0,
                min: 1.25,
                max: 1.25,
                median: 1.25
            }
        );
        assert_eq!(modified_zscores(&[1.25]), vec![0.0]);
        assert!(outliers(&[1.25], DEFAULT_OUTLIER_THRESHOLD).is_empty());
    }

    #[test]
    fn two_values() {
        let s = summarize(&[1.0, 3.0]).unwrap();
        assert_eq!(s.n, 2);
        assert!(close(s.mean, 2.0));
        assert!(close(s.stddev, 2.0f64.sqrt()));
        assert!(close(s.median, 2.0));
        // Median 2, deviations 1 and 1, MAD 1: both at ±0.6745.
        let z = modified_zscores(&[1.0, 3.0]);
        assert!(close(z[0], -0.6745) && close(z[1], 0.6745));
    }

    #[test]
    fn identical_values() {
        let xs = [0.5; 5];
        let s = summarize(&xs).unwrap();
        assert_eq!(s.stddev, 0.0);
        assert_eq!(s.mean, 0.5);
        assert_eq!(s.median, 0.5);
        assert_eq!(modified_zscores(&xs), vec![0.0; 5]);
        assert!(outliers(&xs, DEFAULT_OUTLIER_THRESHOLD).is_empty());
    }

    #[test]
    fn modified_zscores_known_values() {
        // Median 3; deviations 2,1,0,1,97; MAD 1.
        let xs = [1.0, 2.0, 3.0, 4.0, 100.0];
        let z = modified_zscores(&xs);
        let expected = [-1.349, -0.6745, 0.0, 0.6745, 0.6745 * 97.0];
        for (got, want) in z.iter().zip(expected) {
            assert!(close(*got, want), "{got} != {want}");
        }
        assert_eq!(outliers(&xs, DEFAULT_OUTLIER_THRESHOLD), vec![4]);
    }

    #[test]
    fn outliers_on_both_sides_and_threshold() {
        // Median 10, deviations 0,0.1,0.1,0.2,0.2,5,5 -> MAD 0.2; |M| = 16.86.
        let xs = [10.0, 10.1, 9.9, 10.2, 9.8, 15.0, 5.0];
        assert_eq!(outliers(&xs, DEFAULT_OUTLIER_THRESHOLD), vec![5, 6]);
        // A huge threshold flags nothing, a tiny one flags every deviating value.
        assert!(outliers(&xs, 100.0).is_empty());
        assert_eq!(outliers(&xs, 0.1), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn zero_mad_flags_nothing_even_with_a_deviant() {
        // Documented limitation: more than half identical makes MAD zero.
        let xs = [5.0, 5.0, 5.0, 5.0, 9.0];
        assert_eq!(modified_zscores(&xs), vec![0.0; 5]);
        assert!(outliers(&xs, DEFAULT_OUTLIER_THRESHOLD).is_empty());
    }

    #[test]
    fn mean_is_not_thrown_off_by_rounding() {
        let timings = [2.481, 2.455, 2.502, 2.470, 2.466];
        assert_eq!(summarize(&timings).unwrap().mean, 2.4748);
        assert_eq!(sum([1e16, 1.0, -1e16].into_iter()), 1.0);
    }

    #[test]
    fn large_close_values_keep_precision() {
        let xs = [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0];
        let s = summarize(&xs).unwrap();
        assert!(close(s.stddev, 1.0));
    }
}
