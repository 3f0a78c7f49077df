//! The table printed on the terminal at the end of a run: a heading, one row
//! per configuration with its ratio to the baseline, the interval and the
//! p-value behind the status, and a legend saying how to read them.

use comfy_table::{presets, Attribute, Cell, CellAlignment, Color, ContentArrangement, Table};

use super::format::{self, Feature, FeatureCell, Status};
use super::{ExportError, Exporter};
use crate::analysis::compare::{compare_rows, Comparison, RowComparison, Unit, Verdict};
use crate::results::{Report, Row};

/// The table as a plain-text file (no colors).
pub struct TextExporter;

impl Exporter for TextExporter {
    fn serialize(&self, report: &Report) -> Result<Vec<u8>, ExportError> {
        Ok(render_table(report, false).into_bytes())
    }

    fn extension(&self) -> &'static str {
        "txt"
    }
}

const HEADERS: [&str; 7] = [
    "Interpreter",
    "Free threading",
    "JIT",
    "Mean ± σ",
    "Ratio [95% CI]",
    "p",
    "Status",
];

/// Shown when some row ran more than one thread.
const SPEEDUP: &str = "Speed-up vs ×1";

/// Renders the report: heading lines, the table and the legend. With
/// `color`, ANSI styles are emitted whatever stdout is (the caller decides,
/// e.g. with `console::colors_enabled()`).
pub fn render_table(report: &Report, color: bool) -> String {
    let comparisons = compare_rows(report);
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(
            headers(&comparisons)
                .into_iter()
                .map(|h| styled(Cell::new(h), color, None, true)),
        );
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    let scaled = comparisons.iter().any(|c| c.speedup.is_some());
    for (row, rc) in report.rows.iter().zip(&comparisons) {
        let mut cells = body_row(report, row, rc, color);
        if scaled {
            cells.push(Cell::new(speedup_cell(rc)));
        }
        table.add_row(cells);
    }
    for column in [3, 4, 5, 7] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let dim = |text: String| paint(&text, color, console::Style::new().dim());
    let mut out = vec![
        paint(&title(report), color, console::Style::new().bold()),
        dim(subtitle(report)),
        table.to_string(),
    ];
    out.extend(legend(report, &comparisons).into_iter().map(dim));
    // Memory beside time: a second table, so the first stays readable.
    out.extend(super::memory::render(report, &comparisons, color));
    out.join("\n") + "\n"
}

fn headers(comparisons: &[RowComparison]) -> Vec<&'static str> {
    let mut headers = HEADERS.to_vec();
    if comparisons.iter().any(|c| c.speedup.is_some()) {
        headers.push(SPEEDUP);
    }
    headers
}

/// `1.87× [1.80–1.95] (94%)`: the speed-up over one thread with its 95%
/// interval (paired by round) when there is one, and the efficiency.
pub(crate) fn speedup_cell(rc: &RowComparison) -> String {
    let interval = rc
        .speedup_ci
        .map_or(String::new(), |(l, h)| format!(" [{l:.2}–{h:.2}]"));
    match (rc.speedup, rc.efficiency) {
        (Some(s), Some(e)) => format!("{}{interval} ({:.0}%)", format::ratio(s), e * 100.0),
        _ => "—".into(),
    }
}

fn paint(text: &str, color: bool, style: console::Style) -> String {
    if color {
        style.force_styling(true).apply_to(text).to_string()
    } else {
        text.to_string()
    }
}

fn styled(cell: Cell, color: bool, fg: Option<Color>, bold: bool) -> Cell {
    match (color, fg, bold) {
        (false, ..) => cell,
        (true, Some(c), true) => cell.fg(c).add_attribute(Attribute::Bold),
        (true, Some(c), false) => cell.fg(c),
        (true, None, true) => cell.add_attribute(Attribute::Bold),
        (true, None, false) => cell,
    }
}

fn title(report: &Report) -> String {
    format!(
        "pybench-docker {} · {}",
        format::one_line(&report.tool_version),
        format::invocation(report)
    )
}

fn subtitle(report: &Report) -> String {
    [
        format!("baseline {}", format::one_line(&report.baseline)),
        format::repetitions(report),
        format::host(report),
        report.started_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    ]
    .join(" · ")
}

fn body_row(report: &Report, row: &Row, rc: &RowComparison, color: bool) -> Vec<Cell> {
    let status = Status::of(row, rc);
    let (fg, bold) = status_style(&status);
    let is_baseline = report.is_baseline(row);
    let name = Cell::new(format::one_line(&row.label()));
    let info = row.info.as_ref();
    let mut cells = vec![
        styled(name, color, is_baseline.then_some(Color::Cyan), is_baseline),
        feature_cell(FeatureCell::of(info, Feature::FreeThreading), color),
        feature_cell(FeatureCell::jit(row), color),
    ];
    let dash = || Cell::new("—");
    cells.push(match (rc.values, row.outcome.is_ok()) {
        (Some(v), true) => Cell::new(format!(
            "{} ± {}",
            format::value(report.measure, v.mean),
            format::value(report.measure, v.stddev)
        )),
        _ => dash(),
    });
    match rc.comparison.filter(|_| row.outcome.is_ok()) {
        Some(c) => {
            cells.push(styled(Cell::new(ratio_with_ci(&c)), color, fg, false));
            cells.push(Cell::new(c.p_value.map_or("—".into(), format::p_value)));
        }
        None => cells.extend([dash(), dash()]),
    }
    cells.push(styled(Cell::new(status.text()), color, fg, bold));
    cells
}

/// The cells an A/B comparison row ends with: B / A (with its interval),
/// the p-value and the verdict in words; `missing` says why there is none.
pub(crate) fn comparison_cells(
    found: Option<(String, Option<f64>, Verdict)>,
    missing: &str,
) -> [String; 3] {
    match found {
        Some((ratio, p, verdict)) => [
            ratio,
            p.map_or("—".into(), format::p_value),
            verdict.words().to_string(),
        ],
        None => ["—".into(), "—".into(), missing.into()],
    }
}

/// A plain-text table of A/B comparisons: a label, A, B, then
/// [`comparison_cells`]; the four number columns right-aligned.
pub(crate) fn comparison_table(header: [&str; 6], rows: Vec<[String; 6]>) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .force_no_tty()
        .set_header(header);
    for row in rows {
        table.add_row(row);
    }
    for column in 1..=4 {
        if let Some(col) = table.column_mut(column) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// `0.87× [0.85–0.89]`, or the ratio alone for the baseline.
pub(crate) fn ratio_with_ci(c: &Comparison) -> String {
    ratio_and_interval(c.ratio, c.ci_low, c.ci_high)
}

/// `0.87× [0.85–0.89]` from a ratio and its interval's ends, if any.
pub(crate) fn ratio_and_interval(ratio: f64, low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(low), Some(high)) => format!("{} [{low:.2}–{high:.2}]", format::ratio(ratio)),
        _ => format::ratio(ratio),
    }
}

fn feature_cell(cell: FeatureCell, color: bool) -> Cell {
    let fg = match cell {
        FeatureCell::Enabled | FeatureCell::JitRan => Some(Color::Green),
        FeatureCell::GilReenabled | FeatureCell::JitRanInSome | FeatureCell::JitDidNotRun => {
            Some(Color::Yellow)
        }
        FeatureCell::Disabled => None,
        FeatureCell::Unsupported | FeatureCell::Unknown | FeatureCell::JitOff => {
            Some(Color::DarkGrey)
        }
    };
    styled(Cell::new(cell.text()), color, fg, false)
}

fn status_style(status: &Status) -> (Option<Color>, bool) {
    match status {
        Status::Verdict(Verdict::Improved) => (Some(Color::Green), true),
        Status::Verdict(Verdict::Degraded) => (Some(Color::Red), true),
        Status::Verdict(Verdict::Similar) => (Some(Color::Yellow), false),
        Status::Verdict(Verdict::NotDistinguishable) => (Some(Color::DarkGrey), false),
        Status::Verdict(Verdict::Baseline) => (Some(Color::Cyan), true),
        Status::Completed => (None, false),
        Status::NoSamples => (Some(Color::DarkGrey), false),
        Status::Failed(_) | Status::TimedOut(_) => (Some(Color::Red), false),
    }
}

/// How to read the table, and what to do when the noise decided.
fn legend(report: &Report, comparisons: &[RowComparison]) -> Vec<String> {
    let mut lines = vec![format::legend(report), format::unit_and_band(report)];
    lines.extend(format::machine(report).map(|m| format!("machine while measuring: {m}")));
    lines.extend(format::busy_machine(report));
    if comparisons
        .iter()
        .filter_map(|c| c.comparison)
        .any(|c| c.unit == Unit::Values)
    {
        lines.push(
            "fewer than 3 processes per configuration: the values were compared, which \
             understates the noise between processes; use --processes 3 or more"
                .into(),
        );
    }
    lines.extend(format::noise_warning(comparisons, report.band()));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn every_row_has_its_ratio_interval_p_and_status() {
        let text = render_table(&fixture::report(), false);
        for header in HEADERS {
            assert!(text.contains(header), "{header}: {text}");
        }
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("pybench-docker "), "{text}");
        assert!(text.contains("baseline"), "{text}");
        let rows = fixture::report().rows;
        for row in &rows {
            assert!(text.contains(&row.label()), "{}: {text}", row.label());
        }
        assert!(text.contains("1.00×"), "{text}");
        assert!(text.contains("timed out"), "{text}");
        assert!(text.contains("failed"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn color_adds_styles_only() {
        let report = fixture::report();
        let colored = render_table(&report, true);
        let plain = render_table(&report, false);
        assert!(colored.contains("\x1b["));
        assert_eq!(console::strip_ansi_codes(&colored), plain);
    }

    #[test]
    fn table_lines_have_one_width() {
        let text = render_table(&fixture::report(), false);
        let widths: Vec<usize> = text
            .lines()
            .filter(|l| l.starts_with(['╭', '│', '├', '╰']))
            .map(console::measure_text_width)
            .collect();
        assert!(widths.len() > 4);
        assert!(widths.iter().all(|w| *w == widths[0]), "{text}");
    }

    #[test]
    fn without_a_baseline_the_legend_says_so() {
        let mut report = fixture::report();
        report.baseline = "3.12".into();
        let text = render_table(&report, false);
        assert!(text.contains("no ratios: the baseline (3.12) has no completed measurements"));
        assert!(text.contains(" ok "), "{text}");
    }

    #[test]
    fn ratio_cells_show_the_interval() {
        let c = Comparison {
            ratio: 0.871,
            change: -0.129,
            ci_low: Some(0.85),
            ci_high: Some(0.894),
            p_value: Some(0.001),
            verdict: Verdict::Improved,
            unit: Unit::Processes,
        };
        assert_eq!(ratio_with_ci(&c), "0.87× [0.85–0.89]");
    }

    #[test]
    fn thread_sweeps_add_the_speedup_column() {
        let mut report = fixture::report();
        assert!(!render_table(&report, false).contains(SPEEDUP));
        let mut two = report.rows[1].clone();
        report.rows[1].threads = Some(1);
        two.threads = Some(2);
        for s in &mut two.samples {
            s.values.iter_mut().for_each(|v| *v *= 1.25);
        }
        report.rows.push(two);
        let text = render_table(&report, false);
        assert!(text.contains(SPEEDUP), "{text}");
        assert!(text.contains("1.60× (80%)"), "{text}");
        // Processes that differ round by round: the speed-up gets its interval.
        let last = report.rows.last_mut().unwrap();
        for (i, s) in last.samples.iter_mut().enumerate() {
            s.seconds *= 1.25 * (1.0 + 0.01 * (i % 3) as f64);
        }
        let rc = compare_rows(&report).pop().unwrap();
        let (low, high) = rc.speedup_ci.unwrap();
        assert!(
            low < rc.speedup.unwrap() && rc.speedup.unwrap() < high,
            "{rc:?}"
        );
        let cell = speedup_cell(&rc);
        assert!(cell.contains(&format!(" [{low:.2}–{high:.2}] (")), "{cell}");
    }

    #[test]
    fn empty_report_still_renders() {
        let mut report = fixture::report();
        report.rows.clear();
        let text = render_table(&report, false);
        assert!(text.contains("Interpreter"));
    }
}
