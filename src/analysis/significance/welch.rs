//! Welch's unequal-variances t test, on values and on log ratios.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{log_interval, valid_confidence, PairedRatio};
use crate::analysis::stats::summarize;

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

/// Welch's two-sided t test of `mean(a) == mean(b)`.
///
/// `None` when either side has fewer than two values or a non-finite one, or
/// when both sample variances are 0: the statistic is then `±∞` (constant
/// samples with different values) or `0/0` (equal constant samples). A caller
/// should then compare the constants directly: different constants differ
/// without any noise (treat as p = 0), equal ones do not differ (p = 1).
/// [`verdict`](super::verdict) does exactly that and reports [`Test::ConstantSamples`](super::Test::ConstantSamples).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::significance::test_data::{assert_close, A1, B1};
    use crate::analysis::significance::verdict_of;
    use crate::analysis::verdict::{Band, Verdict};

    // Reference values below come from scipy 1.17.1 (numpy 2.4.6):
    //   scipy.stats.ttest_ind(a, b, equal_var=False)
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
}
