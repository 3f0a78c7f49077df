//! Samples and comparisons shared by the tests of the estimators.

/// Relative closeness, for reference values computed elsewhere.
pub(super) fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(f64::MIN_POSITIVE)
}

pub(super) fn assert_close(got: f64, want: f64) {
    assert!(close(got, want, 1e-6), "got {got}, want {want}");
}

/// Zero-mean noise patterns: `center * (1 + spread * pattern[i])`.
pub(super) const P: [f64; 10] = [0.3, -0.9, 0.6, -0.2, 1.0, -0.6, 0.1, -1.0, 0.8, -0.1];
pub(super) const Q: [f64; 10] = [-0.4, 0.7, -1.0, 0.2, 0.9, -0.3, 0.5, -0.8, 0.0, 0.2];

pub(super) fn noisy(center: f64, spread: f64, pattern: &[f64; 10], n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| center * (1.0 + spread * pattern[i % pattern.len()]))
        .collect()
}

// Welch reference samples (scipy values in `welch.rs`).
pub(super) const A1: [f64; 6] = [2.481, 2.455, 2.502, 2.470, 2.466, 2.490];
pub(super) const B1: [f64; 5] = [2.401, 2.433, 2.389, 2.420, 2.415];
