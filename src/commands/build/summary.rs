//! What a build reports: per-stage outcome and time, image sizes, total.

use std::time::Duration;

use serde::Serialize;

/// How a stage ended, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub stage: String,
    pub outcome: String,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    pub image: String,
    pub id: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildSummary {
    pub stages: Vec<StageReport>,
    pub images: Vec<ImageReport>,
    pub seconds: f64,
    pub skipped: bool,
}

pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}

pub fn human_size(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb >= 1000.0 {
        format!("{:.2} GB", mb / 1000.0)
    } else {
        format!("{mb:.0} MB")
    }
}

/// The closing summary: per-stage time, image sizes, total.
pub fn render_summary(s: &BuildSummary) -> String {
    let mut out = String::new();
    let width = s
        .stages
        .iter()
        .map(|st| st.stage.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "\n{:<width$}  {:<12} {:>8}\n",
        "stage", "result", "time"
    ));
    for st in &s.stages {
        out.push_str(&format!(
            "{:<width$}  {:<12} {:>8}\n",
            st.stage,
            st.outcome,
            human_duration(Duration::from_secs_f64(st.seconds))
        ));
    }
    out.push('\n');
    for i in &s.images {
        let short = i.id.trim_start_matches("sha256:");
        out.push_str(&format!(
            "{:<40} {:>9}  {}\n",
            i.image,
            human_size(i.size),
            &short[..short.len().min(12)]
        ));
    }
    out.push_str(&format!(
        "\ntotal {}\n",
        human_duration(Duration::from_secs_f64(s.seconds))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_stages_and_sizes() {
        let s = BuildSummary {
            stages: vec![StageReport {
                stage: "3.13t".into(),
                outcome: "cached".into(),
                seconds: 1.5,
            }],
            images: vec![ImageReport {
                image: "p/pythons:1".into(),
                id: "sha256:0123456789abcdef".into(),
                size: 1_234_000_000,
            }],
            seconds: 75.0,
            skipped: false,
        };
        let r = render_summary(&s);
        assert!(r.contains("3.13t") && r.contains("cached") && r.contains("1.5s"));
        assert!(r.contains("1.23 GB") && r.contains("0123456789ab"));
        assert!(r.contains("total 1m15s"));
    }
}
