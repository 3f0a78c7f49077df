//! Student's two-sample t test with a pooled variance, on one level per run.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{log_interval, valid_confidence, PairedRatio};
use crate::analysis::stats::{summarize, Summary};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::significance::test_data::assert_close;

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
