//! What a build reports on the terminal: per-stage outcome and time, image
//! sizes, total (the summary itself is a result file: [`BuildSummary`]).

use std::time::Duration;

use crate::results::{BuildSummary, ImageReport, StageReport};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

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

/// The closing summary: per-stage time, image sizes, total, as tables
/// fitted to the width of stdout if it is a terminal.
pub fn render_summary(s: &BuildSummary) -> String {
    let width = console::Term::stdout()
        .size_checked()
        .map(|(_rows, cols)| cols);
    render_summary_with(s, width)
}

/// The stage table, the image table and the total, a blank line apart;
/// with a `width`, long cells wrap. An empty table is left out. Pure.
fn render_summary_with(s: &BuildSummary, width: Option<u16>) -> String {
    let mut sections = vec![];
    if !s.stages.is_empty() {
        sections.push(stage_table(&s.stages, width).to_string());
    }
    if !s.images.is_empty() {
        sections.push(image_table(&s.images, width).to_string());
    }
    let total = human_duration(Duration::from_secs_f64(s.seconds));
    sections.push(match s.cpu_seconds {
        Some(cpu) if s.seconds > 0.0 => format!(
            "total {total}, {cpu:.0} CPU-seconds (on average {:.1} CPUs busy)",
            cpu / s.seconds
        ),
        _ => format!("total {total}"),
    });
    format!("\n{}\n", sections.join("\n\n"))
}

/// stage | result | time, the time right-aligned.
fn stage_table(stages: &[StageReport], width: Option<u16>) -> Table {
    let mut table = new_table(width);
    table.set_header(["stage", "result", "time"]);
    for st in stages {
        table.add_row([
            Cell::new(&st.stage),
            Cell::new(&st.outcome),
            Cell::new(human_duration(Duration::from_secs_f64(st.seconds)))
                .set_alignment(CellAlignment::Right),
        ]);
    }
    table
}

/// image | size | id (short, without `sha256:`), the size right-aligned.
fn image_table(images: &[ImageReport], width: Option<u16>) -> Table {
    let mut table = new_table(width);
    table.set_header(["image", "size", "id"]);
    for i in images {
        let short = i.id.trim_start_matches("sha256:");
        table.add_row([
            Cell::new(&i.image),
            Cell::new(human_size(i.size)).set_alignment(CellAlignment::Right),
            Cell::new(&short[..short.len().min(12)]),
        ]);
    }
    table
}

/// A rounded box table that never asks the terminal anything itself (so
/// rendering stays pure) and never styles.
fn new_table(width: Option<u16>) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(ContentArrangement::Dynamic)
        .force_no_tty();
    if let Some(w) = width {
        table.set_width(w);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> BuildSummary {
        BuildSummary {
            stages: vec![
                StageReport {
                    stage: "3.13t".into(),
                    outcome: "cached".into(),
                    seconds: 1.5,
                },
                StageReport {
                    stage: "3.14-jit".into(),
                    outcome: "built".into(),
                    seconds: 754.0,
                },
            ],
            images: vec![ImageReport {
                image: "p/pythons:1".into(),
                id: "sha256:0123456789abcdef".into(),
                size: 1_234_000_000,
            }],
            seconds: 75.0,
            cpu_seconds: Some(150.0),
            skipped: false,
        }
    }

    #[test]
    fn the_total_shows_cpu_use() {
        let text = render_summary_with(&summary(), None);
        assert!(
            text.contains("total 1m15s, 150 CPU-seconds (on average 2.0 CPUs busy)"),
            "{text}"
        );
    }

    /// The cells of each table row (headers included), untrimmed.
    fn raw_rows(rendered: &str) -> Vec<Vec<&str>> {
        rendered
            .lines()
            .filter(|l| l.starts_with('│'))
            .map(|l| l.trim_matches('│').split('┆').collect())
            .collect()
    }

    fn rows(rendered: &str) -> Vec<Vec<&str>> {
        raw_rows(rendered)
            .into_iter()
            .map(|r| r.into_iter().map(str::trim).collect())
            .collect()
    }

    #[test]
    fn summary_lists_stages_and_sizes() {
        let r = render_summary_with(&summary(), None);
        assert!(r.contains("3.13t") && r.contains("cached") && r.contains("1.5s"));
        assert!(r.contains("1.23 GB") && r.contains("0123456789ab"));
        assert!(!r.contains("0123456789abc") && !r.contains("sha256"));
        assert!(
            r.ends_with("\ntotal 1m15s, 150 CPU-seconds (on average 2.0 CPUs busy)\n"),
            "{r}"
        );
    }

    #[test]
    fn tables_keep_the_order_of_columns_and_rows() {
        let r = render_summary_with(&summary(), None);
        assert_eq!(
            rows(&r),
            vec![
                vec!["stage", "result", "time"],
                vec!["3.13t", "cached", "1.5s"],
                vec!["3.14-jit", "built", "12m34s"],
                vec!["image", "size", "id"],
                vec!["p/pythons:1", "1.23 GB", "0123456789ab"],
            ]
        );
        // Two rounded boxes, a blank line before each and before the total.
        assert_eq!(r.matches('╭').count(), 2, "{r}");
        assert_eq!(r.matches('╯').count(), 2, "{r}");
        assert!(r.starts_with("\n╭") && r.contains("╯\n\n╭") && r.contains("╯\n\ntotal"));
    }

    #[test]
    fn times_and_sizes_are_right_aligned() {
        let r = render_summary_with(&summary(), None);
        let raw = raw_rows(&r);
        // "1.5s" is padded on the left up to the width of "12m34s".
        assert_eq!(raw[1][2], "   1.5s ");
        assert_eq!(raw[2][2], " 12m34s ");
        assert_eq!(raw[0][2], " time   ");
        assert_eq!(raw[4][1], " 1.23 GB ");
    }

    #[test]
    fn a_known_width_wraps_long_image_names_to_fit() {
        let mut s = summary();
        s.images[0].image = format!("registry.example.org/{}/pythons:3.14", "x".repeat(60));
        let wide = render_summary_with(&s, None);
        assert!(wide.lines().any(|l| console::measure_text_width(l) > 60));
        let r = render_summary_with(&s, Some(60));
        assert!(
            r.lines().all(|l| console::measure_text_width(l) <= 60),
            "{r}"
        );
        assert!(r.contains("1.23 GB") && r.contains("0123456789ab"), "{r}");
    }

    #[test]
    fn empty_tables_are_left_out() {
        let s = BuildSummary {
            stages: vec![],
            images: vec![],
            seconds: 0.25,
            cpu_seconds: None,
            skipped: true,
        };
        assert_eq!(render_summary_with(&s, None), "\ntotal 0.2s\n");
    }
}
