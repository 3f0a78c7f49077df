//! Whether two sets of timings really differ, and by how much: the tests
//! and intervals behind every verdict, speed-up and memory ratio, and the
//! rules that turn them into a [`Verdict`]. Pure: no I/O, and the only
//! randomness is a seeded generator, so equal inputs give equal outputs.
//!
//! # What is used when
//!
//! * **Two rows of one run, three processes or more a side**
//!   (`compare::compare_pair`, the run's table and page): process *i* of a
//!   configuration ran in the same round as process *i* of its baseline,
//!   moments apart. [`paired_verdict`] takes a paired t test on
//!   `ln(other_i / baseline_i)` ([`paired_log_ratio`], `paired.rs`: the
//!   geometric-mean ratio, Student's t with `n - 1` degrees of freedom), so
//!   the slow drift of a shared machine's speed cancels. The same paired
//!   test gives a speed-up over one thread (`analysis/scaling.rs`) and a
//!   memory ratio (`analysis/memory.rs`).
//! * **When rounds cannot be paired**: fewer than three processes a side (the
//!   values are then compared), rounds with no spread between them, or one
//!   configuration measured in two runs whose baselines cannot normalise it
//!   (`analysis/pairing.rs`). [`verdict`] takes Welch's unequal-variances t
//!   test on the values (`welch.rs`) with a percentile bootstrap interval of
//!   the ratio of means (`bootstrap.rs`: 10 000 resamples, a fixed seed); two
//!   constant sides are compared exactly.
//! * **Across two runs** (`compare A B`, `compare::compare_normalized`): each
//!   process is first divided by its own run's baseline process of the same
//!   round; the two sets of log ratios are compared with Welch's test on
//!   logs ([`welch_log_ratio`], `welch.rs`).
//! * **Across sets of runs** (`compare` of folders, `compare::compare_runs`):
//!   one level per run; Student's two-sample t test with a pooled variance
//!   on those levels ([`pooled_log_ratio`], `pooled.rs`), so one side may be
//!   a single run.
//!
//! References: B. L. Welch, "The generalization of 'Student's' problem when
//! several different population variances are involved", *Biometrika* 34
//! (1947) 28–35, with F. E. Satterthwaite's degrees of freedom, *Biometrics
//! Bulletin* 2 (1946) 110–114; B. Efron and R. J. Tibshirani, *An
//! Introduction to the Bootstrap*, Chapman & Hall (1993), ch. 13.
//!
//! # Verdict rules
//!
//! Every path ends in the same rules (`rules.rs`), on the ratio, its
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
//!
//! [`Band`]: crate::analysis::verdict::Band
//! [`Verdict`]: crate::analysis::verdict::Verdict

mod bootstrap;
mod paired;
mod pooled;
mod rules;
#[cfg(test)]
mod test_data;
mod welch;

pub use paired::paired_log_ratio;
pub use pooled::pooled_log_ratio;
pub use rules::{paired_verdict, verdict, verdict_of, Test};
pub use welch::welch_log_ratio;

/// Default significance level.
pub const DEFAULT_ALPHA: f64 = 0.05;

/// A ratio of means with a confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioCi {
    /// `mean(other) / mean(baseline)`: below 1 is faster.
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
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

/// `exp(diff)` with the interval `exp(diff ± half_width)`.
fn log_interval(diff: f64, half_width: f64) -> RatioCi {
    RatioCi {
        ratio: diff.exp(),
        low: (diff - half_width).exp(),
        high: (diff + half_width).exp(),
    }
}

/// Strictly between 0 and 1 (false for NaN).
fn valid_confidence(confidence: f64) -> bool {
    confidence > 0.0 && confidence < 1.0
}
