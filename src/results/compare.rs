//! The file `compare --json` writes: for each benchmark measured on both
//! sides, every configuration of B against the same configuration of A.

use serde::{Deserialize, Serialize};

use crate::analysis::compare::Comparison;
use crate::analysis::scaling::ScalingComparison;

/// One configuration found on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pairing {
    pub label: String,
    /// Mean seconds per loop in A and in B, when the row completed.
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    /// B against A; `None` when either side did not complete.
    #[serde(flatten)]
    pub comparison: Option<Comparison>,
    /// The comparison's p < 0.05.
    pub significant: bool,
    /// Peak memory in B against A; `None` when neither side recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryPairing>,
}

/// One configuration's peak memory (bytes, the mean of its processes) in A
/// and in B, and B against A, judged as time is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryPairing {
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    pub comparison: Option<Comparison>,
    pub significant: bool,
}

/// One configuration at N > 1 threads found on both sides with its
/// one-thread row: its speed-up in B against its speed-up in A.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingPairing {
    pub label: String,
    pub speedup_a: Option<f64>,
    pub speedup_b: Option<f64>,
    /// Speed-up in B / speed-up in A (below 1: scales worse; verdict
    /// degraded); `None` when a side did not complete.
    pub comparison: Option<ScalingComparison>,
    pub significant: bool,
}

/// One benchmark's comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparisons {
    pub benchmark: String,
    /// Each side's file, or its folder.
    pub a: String,
    pub b: String,
    /// Runs on each side.
    pub runs_a: usize,
    pub runs_b: usize,
    /// Configurations were compared relative to their runs' baselines (every
    /// run has the same baselines); otherwise as measured.
    pub normalized: bool,
    pub rows: Vec<Pairing>,
    /// Configurations present in only one of the runs.
    #[serde(default)]
    pub only_in_a: Vec<String>,
    #[serde(default)]
    pub only_in_b: Vec<String>,
    /// How each configuration's scaling with threads changed, where both
    /// sides measured it at one thread and at N.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scaling: Vec<ScalingPairing>,
    /// What both sides' values are (the means above are in its unit).
    #[serde(default, skip_serializing_if = "super::Measure::is_time")]
    pub measure: super::Measure,
    /// The status band the verdicts used, as a fraction (0.10: ±10 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<f64>,
}

impl Comparisons {
    /// The status band the verdicts used: the file's `band`, or ±10 %.
    pub fn band(&self) -> crate::analysis::verdict::Band {
        self.band
            .and_then(crate::analysis::verdict::Band::new)
            .unwrap_or_default()
    }
}

/// `compare --json`: one entry per benchmark the two sides share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareFile {
    pub benchmarks: Vec<Comparisons>,
}
