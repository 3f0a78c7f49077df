//! Whether two sets of timings really differ, and by how much: the tests
//! and intervals [`compare`](crate::analysis::compare) uses, and the rules
//! that turn them into a [`Verdict`]. Pure: no I/O, and the only randomness
//! is a seeded generator, so equal inputs give equal outputs.
//!
//! # What is used when
//!
//! * **Within one run**, process *i* of a configuration ran in the same round
//!   as process *i* of its baseline, moments apart: [`paired_log_ratio`], a
//!   paired t test on the logs of the ratios of their means,
//!   `ln(other_i / baseline_i)` (Student's t, `n - 1`
//!   degrees of freedom), so the slow drift of a shared machine's speed
//!   cancels ([`paired_verdict`]). It needs three rounds or more with some
//!   spread between them.
//! * **Otherwise** (fewer than three processes a side, so the values are
//!   compared; rounds that do not pair; the same configuration as measured
//!   in two runs): [`verdict`], Welch's unequal-variances t test
//!   ([`welch_t_test`]) with a percentile bootstrap interval of the ratio of
//!   means ([`ratio_ci`]).
//! * **Across two runs** (`compare A B`), each process is first divided by
//!   its own run's baseline process of the same round; the two sets of log
//!   ratios are compared with Welch's test on logs ([`welch_log_ratio`]).
//! * **Across sets of runs** (`compare` of folders), one level per run;
//!   Student's two-sample t test with a pooled variance on those levels
//!   ([`pooled_log_ratio`]), so one side may be a single run.
//!
//! References: B. L. Welch, "The generalization of 'Student's' problem when
//! several different population variances are involved", *Biometrika* 34
//! (1947) 28–35, with F. E. Satterthwaite's degrees of freedom, *Biometrics
//! Bulletin* 2 (1946) 110–114; B. Efron and R. J. Tibshirani, *An
//! Introduction to the Bootstrap*, Chapman & Hall (1993), ch. 13.
//!
//! # Verdict rules
//!
//! Every path ends in the same rules (`decide`), on the ratio, its
//! interval at `1 - alpha` and the p-value, with the [`Band`] of changes too
//! small to matter (its edges count as inside):
//!
//! 1. **Improved / Degraded**: the difference is significant (`p < alpha`)
//!    *and* the ratio lies beyond the band.
//! 2. **Similar**: otherwise, when the whole interval lies inside the band,
//!    significant or not: any difference there is too small to matter.
//! 3. **Not distinguishable**: everything else; the noise is too large to
//!    say which side of the band the truth is on. This includes a ratio right
//!    on an edge measured with noise (its interval straddles it), fewer than
//!    two values on a side, and unusable input.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::analysis::stats::{summarize, Summary};
use crate::analysis::verdict::{Band, Verdict};

/// Default significance level.
pub const DEFAULT_ALPHA: f64 = 0.05;

/// Bootstrap resamples drawn by [`verdict`]. 10 000 keeps the Monte Carlo
/// error of a 95% percentile bound well below the noise of real timings.
const RESAMPLES: usize = 10_000;

/// Seed of the generator used by [`verdict`], so that the same timings always
/// give the same interval (for a given version of `rand`).
const SEED: u64 = 0x5EED_BE4C_4000_0001;

/// Result of Welch's two-sided t test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    /// `(mean(a) - mean(b)) / sqrt(s_a²/n_a + s_b²/n_b)`.
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom (not an integer in general).
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// A ratio of means with a confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioCi {
    /// `mean(other) / mean(baseline)`: below 1 is faster.
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

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

/// What [`paired_log_ratio`], [`welch_log_ratio`] or [`pooled_log_ratio`]
/// found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedRatio {
    /// Geometric mean of the pair ratios, with its interval.
    pub ci: RatioCi,
    pub p_value: f64,
    pub pairs: usize,
}

/// Welch's two-sided t test of `mean(a) == mean(b)`.
///
/// `None` when either side has fewer than two values or a non-finite one, or
/// when both sample variances are 0: the statistic is then `±∞` (constant
/// samples with different values) or `0/0` (equal constant samples). A caller
/// should then compare the constants directly: different constants differ
/// without any noise (treat as p = 0), equal ones do not differ (p = 1).
/// [`verdict`] does exactly that and reports [`Test::ConstantSamples`].
pub fn welch_t_test(a: &[f64], b: &[f64]) -> Option<TTest> {
    let (sa, sb) = (summarize(a)?, summarize(b)?);
    if sa.n < 2 || sb.n < 2 {
        return None;
    }
    let va = sa.stddev.powi(2) / sa.n as f64;
    let vb = sb.stddev.powi(2) / sb.n as f64;
    let se2 = va + vb;
    if se2 <= 0.0 {
        return None;
    }
    let t = (sa.mean - sb.mean) / se2.sqrt();
    let df = se2.powi(2) / (va.powi(2) / (sa.n - 1) as f64 + vb.powi(2) / (sb.n - 1) as f64);
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    // 2 * sf(|t|) is the regularized incomplete beta I(df/(df+t²); df/2, 1/2),
    // accurate for tiny p-values where 1 - cdf would cancel to 0.
    let p_value = (2.0 * dist.sf(t.abs())).min(1.0);
    Some(TTest { t, df, p_value })
}

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

/// Welch's comparison of two sets of log ratios (each already relative to
/// its own run's baseline): the ratio `exp(mean(b) - mean(a))`, its
/// `confidence` interval from Student's t with the Welch–Satterthwaite
/// degrees of freedom, and the two-sided p-value. `None` when Welch's test is
/// undefined (fewer than two values a side, no spread).
pub fn welch_log_ratio(a_logs: &[f64], b_logs: &[f64], confidence: f64) -> Option<PairedRatio> {
    if !valid_confidence(confidence) {
        return None;
    }
    let test = welch_t_test(a_logs, b_logs)?;
    let (sa, sb) = (summarize(a_logs)?, summarize(b_logs)?);
    let se = (sa.stddev.powi(2) / sa.n as f64 + sb.stddev.powi(2) / sb.n as f64).sqrt();
    let t_crit = StudentsT::new(0.0, 1.0, test.df)
        .ok()?
        .inverse_cdf(0.5 + confidence / 2.0);
    let diff = sb.mean - sa.mean;
    Some(PairedRatio {
        ci: log_interval(diff, t_crit * se),
        p_value: test.p_value,
        pairs: sa.n.min(sb.n),
    })
}

/// `exp(diff)` with the interval `exp(diff ± half_width)`.
fn log_interval(diff: f64, half_width: f64) -> RatioCi {
    RatioCi {
        ratio: diff.exp(),
        low: (diff - half_width).exp(),
        high: (diff + half_width).exp(),
    }
}

/// Student's two-sample t test with a pooled variance, on logs: for sets of
/// whole runs, one value per run (a configuration's level relative to its
/// run's baseline). Pooling lets one side hold a single run (a new run
/// checked against several earlier ones): the spread between runs is then
/// estimated from the other side alone, with `n_a + n_b - 2` degrees of
/// freedom. Returns the ratio `exp(mean(b) - mean(a))`, its `confidence`
/// interval and the two-sided p-value, as
/// `scipy.stats.ttest_ind(b, a, equal_var=True)`. `None` with fewer than
/// three values in all, an empty side, a non-finite value or no spread.
pub fn pooled_log_ratio(a_logs: &[f64], b_logs: &[f64], confidence: f64) -> Option<PairedRatio> {
    let (na, nb) = (a_logs.len(), b_logs.len());
    if na == 0 || nb == 0 || na + nb < 3 || !valid_confidence(confidence) {
        return None;
    }
    let (sa, sb) = (summarize(a_logs)?, summarize(b_logs)?);
    let squares = |s: &Summary| s.stddev.powi(2) * (s.n - 1) as f64;
    let df = (na + nb - 2) as f64;
    let pooled = (squares(&sa) + squares(&sb)) / df;
    let se = (pooled * (1.0 / na as f64 + 1.0 / nb as f64)).sqrt();
    if !se.is_finite() || se <= 0.0 {
        return None;
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let t_crit = dist.inverse_cdf(0.5 + confidence / 2.0);
    let diff = sb.mean - sa.mean;
    Some(PairedRatio {
        ci: log_interval(diff, t_crit * se),
        p_value: (2.0 * dist.sf((diff / se).abs())).min(1.0),
        pairs: na.min(nb),
    })
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

/// Judges `other` against `baseline` by the rules in the module
/// documentation, with Welch's test: `band` is the band of changes too
/// small to matter and `alpha` the significance level ([`DEFAULT_ALPHA`],
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

/// Strictly between 0 and 1 (false for NaN).
fn valid_confidence(confidence: f64) -> bool {
    confidence > 0.0 && confidence < 1.0
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

    /// Relative closeness, for reference values computed elsewhere.
    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(f64::MIN_POSITIVE)
    }

    fn assert_close(got: f64, want: f64) {
        assert!(close(got, want, 1e-6), "got {got}, want {want}");
    }

    /// Zero-mean noise patterns: `center * (1 + spread * pattern[i])`.
    const P: [f64; 10] = [0.3, -0.9, 0.6, -0.2, 1.0, -0.6, 0.1, -1.0, 0.8, -0.1];
    const Q: [f64; 10] = [-0.4, 0.7, -1.0, 0.2, 0.9, -0.3, 0.5, -0.8, 0.0, 0.2];

    fn noisy(center: f64, spread: f64, pattern: &[f64; 10], n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| center * (1.0 + spread * pattern[i % pattern.len()]))
            .collect()
    }

    // Reference values below come from scipy 1.17.1 (numpy 2.4.6):
    //   scipy.stats.ttest_ind(a, b, equal_var=False)
    const A1: [f64; 6] = [2.481, 2.455, 2.502, 2.470, 2.466, 2.490];
    const B1: [f64; 5] = [2.401, 2.433, 2.389, 2.420, 2.415];
    const A2: [f64; 7] = [1.0, 1.2, 0.9, 1.1, 1.3, 0.95, 1.05];
    const B2: [f64; 4] = [1.5, 2.1, 1.2, 1.8];
    const A3: [f64; 7] = [1.1, 1.2, 1.2, 1.3, 1.5, 1.5, 1.7];
    const B3: [f64; 8] = [1.2, 1.4, 1.5, 1.6, 1.6, 1.8, 1.9, 2.0];

    /// `(a, b, t, df, p)`.
    type WelchCase = (&'static [f64], &'static [f64], f64, f64, f64);

    #[test]
    fn welch_matches_scipy() {
        let cases: [WelchCase; 4] = [
            (
                &A1,
                &B1,
                6.356529668920034,
                8.65356191974123,
                0.00015639811995372686,
            ),
            (
                &A2,
                &B2,
                -2.880635469521103,
                3.4617017190119825,
                0.05348082519682326,
            ),
            (
                &A3,
                &B3,
                -2.1558014827550207,
                12.939428953908754,
                0.05051338947920178,
            ),
            // One constant side: df = n_b - 1 exactly.
            (
                &[3.0, 3.0, 3.0],
                &[2.9, 3.1, 3.2, 3.05],
                -1.0,
                3.0,
                0.3910022189557709,
            ),
        ];
        for (a, b, t, df, p) in cases {
            let r = welch_t_test(a, b).unwrap();
            assert_close(r.t, t);
            assert_close(r.df, df);
            assert_close(r.p_value, p);
        }
    }

    #[test]
    fn welch_is_antisymmetric() {
        let (ab, ba) = (
            welch_t_test(&A1, &B1).unwrap(),
            welch_t_test(&B1, &A1).unwrap(),
        );
        assert_eq!(ab.t, -ba.t);
        assert_eq!((ab.df, ab.p_value), (ba.df, ba.p_value));
    }

    #[test]
    fn welch_degenerate_inputs() {
        assert_eq!(welch_t_test(&[], &A1), None);
        assert_eq!(welch_t_test(&[1.0], &A1), None);
        assert_eq!(welch_t_test(&A1, &[1.0]), None);
        assert_eq!(welch_t_test(&[1.0, f64::NAN], &A1), None);
        assert_eq!(welch_t_test(&[1.0, 1.0], &[2.0, 2.0, 2.0]), None);
        assert_eq!(welch_t_test(&[1.0, 1.0], &[1.0, 1.0]), None);
        // Huge separation: p underflows towards 0 but is never NaN.
        let r = welch_t_test(&[1.0, 1.000001], &[9.0, 9.000001]).unwrap();
        assert!(r.p_value >= 0.0 && r.p_value < 1e-6 && r.t.is_finite());
    }

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

    #[test]
    fn welch_on_logs_brackets_the_ratio_of_geometric_means() {
        let a: Vec<f64> = [1.0f64, 1.1, 0.9, 1.05].iter().map(|x| x.ln()).collect();
        let b: Vec<f64> = [1.5f64, 1.6, 1.4, 1.55].iter().map(|x| x.ln()).collect();
        let w = welch_log_ratio(&a, &b, 0.95).unwrap();
        assert!(w.ci.low < w.ci.ratio && w.ci.ratio < w.ci.high);
        let geo = |xs: &[f64]| (xs.iter().sum::<f64>() / xs.len() as f64).exp();
        assert!((w.ci.ratio - geo(&b) / geo(&a)).abs() < 1e-12, "{w:?}");
        // Welch by hand for these logs: t = -7.803, df = 5.217, two-sided p = 4.557e-4.
        assert!((w.p_value - 4.557e-4).abs() < 1e-6, "{w:?}");
        assert_eq!(verdict_of(&w, Band::DEFAULT, 0.05), Verdict::Degraded);
        assert!(welch_log_ratio(&a[..1], &b, 0.95).is_none());
    }

    #[test]
    fn pooled_log_ratio_matches_scipy() {
        // (a, b, p, ratio, low, high) from scipy.stats.ttest_ind(b, a,
        // equal_var=True) and t.ppf(0.975, na + nb - 2).
        type Case = (&'static [f64], &'static [f64], f64, f64, f64, f64);
        let cases: [Case; 3] = [
            (
                &[0.02, -0.01, 0.03],
                &[0.12, 0.08, 0.15],
                0.011837313259403945,
                1.1088609678020651,
                1.038618946510654,
                1.1838534720031892,
            ),
            // One run on a side: the spread comes from the other side.
            (
                &[0.05],
                &[0.0, 0.1, -0.02],
                0.7830434954191897,
                0.9769367838983475,
                0.7098165278702654,
                1.344580525050954,
            ),
            (
                &[0.01, 0.03],
                &[0.02, 0.05],
                0.49290744716289003,
                1.015113064615719,
                0.9393499596837518,
                1.0969868293819238,
            ),
        ];
        for (a, b, p, ratio, low, high) in cases {
            let r = pooled_log_ratio(a, b, 0.95).unwrap();
            assert_close(r.p_value, p);
            assert_close(r.ci.ratio, ratio);
            assert_close(r.ci.low, low);
            assert_close(r.ci.high, high);
        }
    }

    #[test]
    fn pooled_log_ratio_needs_three_runs_and_spread() {
        assert!(pooled_log_ratio(&[0.1], &[0.2], 0.95).is_none());
        assert!(pooled_log_ratio(&[], &[0.1, 0.2, 0.3], 0.95).is_none());
        assert!(pooled_log_ratio(&[0.1], &[0.2, 0.2], 0.95).is_none());
        assert!(pooled_log_ratio(&[0.1, f64::NAN], &[0.2, 0.3], 0.95).is_none());
    }
}
