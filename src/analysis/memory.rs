//! Memory's statistics: the paired ratio of process peaks that also answers
//! when memory repeats to the byte, and the memory per extra thread of a
//! sweep. Pure. The record itself is [`ProcessMemory`](crate::results::ProcessMemory).
#![cfg_attr(not(test), allow(dead_code))]

use crate::analysis::significance::{paired_log_ratio, PairedRatio, RatioCi};

/// The paired ratio of memory figures: process `i` of a row with process `i`
/// of the baseline (the same round), as [`paired_log_ratio`] does for times,
/// except when every pair has the same log ratio. Memory comes in pages and
/// often repeats to the byte, so that is an exact answer here, not a missing
/// one: the ratio with a zero-width interval, p = 0 (p = 1 when it is 1).
/// `None` with fewer than three pairs, unequal lengths or a figure that is
/// not positive and finite.
pub fn paired_memory_ratio(
    baseline: &[f64],
    other: &[f64],
    confidence: f64,
) -> Option<PairedRatio> {
    let usable = |xs: &[f64]| xs.iter().all(|x| x.is_finite() && *x > 0.0);
    if baseline.len() != other.len() || baseline.len() < 3 || !usable(baseline) || !usable(other) {
        return None;
    }
    let logs: Vec<f64> = baseline
        .iter()
        .zip(other)
        .map(|(b, o)| (o / b).ln())
        .collect();
    if logs.iter().all(|d| *d == logs[0]) {
        let ratio = logs[0].exp();
        return Some(PairedRatio {
            ci: RatioCi {
                ratio,
                low: ratio,
                high: ratio,
            },
            p_value: if logs[0] == 0.0 { 1.0 } else { 0.0 },
            pairs: logs.len(),
        });
    }
    paired_log_ratio(baseline, other, confidence)
}

/// Memory per extra thread: the least-squares line through (threads, bytes)
/// of every process of a thread sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerThread {
    /// Bytes per extra thread.
    pub slope: f64,
    /// Its standard error; `None` with only two distinct points on the line.
    pub slope_se: Option<f64>,
    /// Bytes at zero threads (the line's intercept).
    pub intercept: f64,
}

/// `None` with fewer than two distinct thread counts or a value not finite.
pub fn per_thread(points: &[(f64, f64)]) -> Option<PerThread> {
    if points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    if points.len() < 2 || sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let slope_se = (points.len() > 2).then(|| {
        let sse: f64 = points
            .iter()
            .map(|(x, y)| (y - intercept - slope * x).powi(2))
            .sum();
        (sse / (n - 2.0) / sxx).sqrt()
    });
    Some(PerThread {
        slope,
        slope_se,
        intercept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;
    #[test]
    fn equal_pairs_give_an_exact_ratio_and_others_the_paired_interval() {
        let base = [16.0, 16.5, 15.5];
        let exact = paired_memory_ratio(&base, &[20.0, 20.625, 19.375], 0.95).unwrap();
        assert_eq!(
            (exact.ci.ratio, exact.ci.low, exact.ci.high),
            (1.25, 1.25, 1.25)
        );
        assert_eq!((exact.p_value, exact.pairs), (0.0, 3));
        let same = paired_memory_ratio(&base, &base, 0.95).unwrap();
        assert_eq!((same.ci.ratio, same.p_value), (1.0, 1.0));
        let other = [19.0, 20.5, 19.9];
        assert_eq!(
            paired_memory_ratio(&base, &other, 0.95),
            paired_log_ratio(&base, &other, 0.95)
        );
        assert!(paired_memory_ratio(&base[..2], &other[..2], 0.95).is_none());
        assert!(paired_memory_ratio(&base, &[1.0, 0.0, 1.0], 0.95).is_none());
        assert!(paired_memory_ratio(&base, &other[..2], 0.95).is_none());
    }

    #[test]
    fn memory_per_thread_is_the_slope_of_the_sweep() {
        // 20 MiB + 1 MiB per thread, with ±0.5 MiB of noise at each count.
        let pts: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0]
            .iter()
            .flat_map(|&t| {
                let y = (20.0 + t) * MIB as f64;
                [(t, y - 0.5 * MIB as f64), (t, y + 0.5 * MIB as f64)]
            })
            .collect();
        let fit = per_thread(&pts).unwrap();
        assert!((fit.slope - MIB as f64).abs() < 1.0);
        assert!((fit.intercept - 20.0 * MIB as f64).abs() < 1.0);
        assert!(fit.slope_se.unwrap() > 0.0);
        let two = per_thread(&[(1.0, 10.0), (2.0, 14.0)]).unwrap();
        assert_eq!((two.slope, two.slope_se), (4.0, None));
        assert!(per_thread(&[(2.0, 1.0), (2.0, 3.0)]).is_none());
        assert!(per_thread(&[(1.0, f64::NAN), (2.0, 3.0)]).is_none());
        assert!(per_thread(&[]).is_none());
    }
}
