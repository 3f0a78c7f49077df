//! The file `build --json` writes: per-stage outcome and time, the images
//! made, the total.

use serde::{Deserialize, Serialize};

/// How a stage ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    pub stage: String,
    pub outcome: String,
    pub seconds: f64,
}

/// An image the build made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageReport {
    pub image: String,
    pub id: String,
    pub size: u64,
}

/// `build --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildSummary {
    pub stages: Vec<StageReport>,
    pub images: Vec<ImageReport>,
    pub seconds: f64,
    /// The machine's busy CPU-seconds during the build, when the daemon is local.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
    /// Nothing needed building.
    #[serde(default)]
    pub skipped: bool,
}
