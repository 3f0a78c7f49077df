//! The table printed on the terminal at the end of a run.
//!
//! Widths are measured in terminal columns with
//! [`console::measure_text_width`], not in chars or bytes: "✨" takes two
//! columns, and ANSI color codes take none. Every line of the output has the
//! same width, title and footer included.

use console::Style;

use super::format::{self, Feature, FeatureCell, Status};
use super::{ExportError, Exporter};
use crate::analysis::compare::{compare_rows, RowComparison, Verdict};
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

const HEADERS: [&str; 8] = [
    "Interpreter",
    "Free threading",
    "JIT",
    "Mean ± σ",
    "Min",
    "Max",
    "Ratio",
    "Status",
];

/// Rows without measurements (failed, timed out) show their status across
/// the columns from "Mean ± σ" on, which would all be empty otherwise.
const SPAN_FROM: usize = 3;

/// Narrower tables are widened so the legend does not wrap into a column.
const MIN_INNER_WIDTH: usize = 72;

/// Renders the report as a box-drawn table. With `color`, ANSI styles are
/// emitted unconditionally (the caller decides whether the terminal wants
/// them, e.g. with `console::colors_enabled()`).
pub fn render_table(report: &Report, color: bool) -> String {
    let comparisons = compare_rows(report);
    let spread = SpreadWidths::of(&comparisons);
    let header: Vec<Cell> = HEADERS
        .iter()
        .enumerate()
        .map(|(i, h)| Cell::new(*h, alignment(i), Style::new().bold()))
        .collect();
    let body: Vec<BodyRow> = report
        .rows
        .iter()
        .zip(&comparisons)
        .map(|(row, rc)| body_row(report, row, rc, &spread))
        .collect();
    let widths = column_widths(&header, &body);
    let inner = inner_width(&widths);
    // A spanning cell's room: the spanned columns plus the borders between
    // them, less its own two padding spaces.
    let span_width = inner_width(&widths[SPAN_FROM..]).saturating_sub(2);
    let mut span_widths = widths[..SPAN_FROM].to_vec();
    span_widths.push(span_width);

    let paint = Painter { color };
    let columns = widths.len();
    let all = vec![true; columns - 1];
    let none = vec![false; columns - 1];
    let last = body.last().map_or(all.clone(), |row| row.borders(columns));

    let mut lines = vec![paint.border(&format!("┌{}┐", "─".repeat(inner)))];
    let (title, subtitle) = headings(report);
    lines.extend(paint.text_block(&title, " · ", &Style::new().bold(), inner));
    lines.extend(paint.text_block(&subtitle, " · ", &Style::new().dim(), inner));
    lines.push(paint.rule(&widths, &none, &all));
    lines.push(paint.row(&header, &widths));
    if let Some(first) = body.first() {
        lines.push(paint.rule(&widths, &all, &first.borders(columns)));
    }
    for row in body {
        lines.push(match row {
            BodyRow::Columns(cells) => paint.row(&cells, &widths),
            BodyRow::Spanning(mut cells, text, style) => {
                // The full text is always in the JSON and Markdown reports.
                let text = console::truncate_str(&text, span_width, "…").into_owned();
                cells.push(Cell::new(text, Align::Left, style));
                paint.row(&cells, &span_widths)
            }
        });
    }
    lines.push(paint.rule(&widths, &last, &none));
    let legend = format::legend(report);
    let words: Vec<&str> = legend.split(' ').collect();
    lines.extend(paint.text_block(&words, " ", &Style::new().dim(), inner));
    lines.push(paint.border(&format!("└{}┘", "─".repeat(inner))));

    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The title (tool and benchmark) and subtitle (conditions of the run), as
/// items to be joined with " · ".
fn headings(report: &Report) -> ([String; 2], [String; 4]) {
    let title = [
        format!("pybench-docker {}", format::one_line(&report.tool_version)),
        format::invocation(report),
    ];
    let subtitle = [
        format!("baseline {}", format::one_line(&report.baseline)),
        format::repetitions(report),
        format::host(report),
        report.started_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    ];
    (title, subtitle)
}

/// Each column as wide as its widest single-column cell; the last column
/// grows if needed to reach [`MIN_INNER_WIDTH`].
fn column_widths(header: &[Cell], body: &[BodyRow]) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(Cell::width).collect();
    for row in body {
        for (w, cell) in widths.iter_mut().zip(row.columns()) {
            *w = (*w).max(cell.width());
        }
    }
    let shortfall = MIN_INNER_WIDTH.saturating_sub(inner_width(&widths));
    if let Some(last) = widths.last_mut() {
        *last += shortfall;
    }
    widths
}

fn alignment(column: usize) -> Align {
    // Mean ± σ, Min, Max, Ratio hold numbers.
    if (3..=6).contains(&column) {
        Align::Right
    } else {
        Align::Left
    }
}

/// Width between the outer borders: each cell plus its two padding spaces,
/// plus one inner border between neighbours.
fn inner_width(widths: &[usize]) -> usize {
    widths.iter().map(|w| w + 2).sum::<usize>() + widths.len().saturating_sub(1)
}

/// Widest mean and widest σ across rows, so that inside the combined
/// "Mean ± σ" column the means, the ± signs and the σs line up.
struct SpreadWidths {
    mean: usize,
    spread: usize,
}

impl SpreadWidths {
    fn of(comparisons: &[RowComparison]) -> Self {
        let summaries = comparisons.iter().filter_map(|c| c.summary);
        let (mut mean, mut spread) = (0, 0);
        for s in summaries {
            mean = mean.max(format::duration(s.mean).chars().count());
            spread = spread.max(format::duration(s.stddev).chars().count());
        }
        SpreadWidths { mean, spread }
    }
}

/// A table row: one cell per column, or leading cells and a styled text
/// that spans the remaining columns.
enum BodyRow {
    Columns(Vec<Cell>),
    Spanning(Vec<Cell>, String, Style),
}

impl BodyRow {
    /// For each border between two of `columns` columns (border `b` lies
    /// between columns `b` and `b + 1`), whether this row draws it.
    fn borders(&self, columns: usize) -> Vec<bool> {
        (0..columns.saturating_sub(1))
            .map(|b| match self {
                BodyRow::Columns(_) => true,
                BodyRow::Spanning(..) => b < SPAN_FROM,
            })
            .collect()
    }

    /// The cells that occupy exactly one column each.
    fn columns(&self) -> &[Cell] {
        match self {
            BodyRow::Columns(cells) | BodyRow::Spanning(cells, ..) => cells,
        }
    }
}

fn body_row(report: &Report, row: &Row, rc: &RowComparison, spread: &SpreadWidths) -> BodyRow {
    let status = Status::of(row, rc);
    let status_style = status_style(&status);
    let name_style = if row.interpreter == report.baseline {
        Style::new().cyan().bold()
    } else {
        Style::new()
    };
    let info = row.info.as_ref();
    let mut cells = vec![
        Cell::new(format::one_line(&row.interpreter), Align::Left, name_style),
        feature_cell(FeatureCell::of(info, Feature::FreeThreading)),
        feature_cell(FeatureCell::of(info, Feature::Jit)),
    ];
    if !row.outcome.is_ok() {
        return BodyRow::Spanning(cells, status.text(), status_style);
    }
    let dash = || Cell::new("—", Align::Right, Style::new().dim());
    match rc.summary {
        Some(s) => {
            let mean = format!("{:>w$}", format::duration(s.mean), w = spread.mean);
            let sd = format!(" ± {:>w$}", format::duration(s.stddev), w = spread.spread);
            cells.push(Cell {
                parts: vec![(mean, Style::new()), (sd, Style::new().dim())],
                align: Align::Right,
            });
            cells.push(Cell::new(
                format::duration(s.min),
                Align::Right,
                Style::new(),
            ));
            cells.push(Cell::new(
                format::duration(s.max),
                Align::Right,
                Style::new(),
            ));
        }
        None => cells.extend([dash(), dash(), dash()]),
    }
    cells.push(match rc.comparison {
        Some(c) => Cell::new(format::ratio(c.ratio), Align::Right, status_style.clone()),
        None => dash(),
    });
    cells.push(Cell::new(status.text(), Align::Left, status_style));
    BodyRow::Columns(cells)
}

fn feature_cell(cell: FeatureCell) -> Cell {
    let style = match cell {
        FeatureCell::Enabled => Style::new().green(),
        FeatureCell::GilReenabled => Style::new().yellow(),
        FeatureCell::Disabled => Style::new(),
        FeatureCell::Unsupported | FeatureCell::Unknown => Style::new().dim(),
    };
    Cell::new(cell.text(), Align::Left, style)
}

fn status_style(status: &Status) -> Style {
    match status {
        Status::Verdict(Verdict::Improved) => Style::new().green().bold(),
        Status::Verdict(Verdict::Degraded) => Style::new().red().bold(),
        Status::Verdict(Verdict::Similar) => Style::new().yellow(),
        Status::Verdict(Verdict::Baseline) => Style::new().cyan().bold(),
        Status::Completed => Style::new(),
        Status::NoSamples => Style::new().dim(),
        Status::Failed(_) | Status::TimedOut(_) => Style::new().red(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Cell content as styled runs of plain text; width counts the text only.
struct Cell {
    parts: Vec<(String, Style)>,
    align: Align,
}

impl Cell {
    fn new(text: impl Into<String>, align: Align, style: Style) -> Self {
        Cell {
            parts: vec![(text.into(), style)],
            align,
        }
    }

    fn width(&self) -> usize {
        self.parts
            .iter()
            .map(|(text, _)| console::measure_text_width(text))
            .sum()
    }
}

/// Applies styles only when color is wanted, forcing them so the output does
/// not depend on whether stdout happens to be a terminal.
struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: &Style) -> String {
        if self.color {
            style.clone().force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn border(&self, text: &str) -> String {
        self.paint(text, &Style::new().dim())
    }

    /// A horizontal rule across the table. `above` and `below` say, for each
    /// border between two columns, whether a vertical line meets the rule
    /// from that side, so that joints are drawn only where lines connect.
    fn rule(&self, widths: &[usize], above: &[bool], below: &[bool]) -> String {
        let mut line = String::from("├");
        for (i, w) in widths.iter().enumerate() {
            line.push_str(&"─".repeat(w + 2));
            let up = above.get(i).copied();
            let down = below.get(i).copied();
            line.push(match (up, down) {
                (None, _) | (_, None) => '┤',
                (Some(true), Some(true)) => '┼',
                (Some(true), Some(false)) => '┴',
                (Some(false), Some(true)) => '┬',
                (Some(false), Some(false)) => '─',
            });
        }
        self.border(&line)
    }

    fn row(&self, cells: &[Cell], widths: &[usize]) -> String {
        let bar = self.border("│");
        let mut line = bar.clone();
        for (cell, width) in cells.iter().zip(widths) {
            let pad = " ".repeat(width.saturating_sub(cell.width()));
            let content: String = cell
                .parts
                .iter()
                .map(|(text, style)| self.paint(text, style))
                .collect();
            match cell.align {
                Align::Left => line.push_str(&format!(" {content}{pad} ")),
                Align::Right => line.push_str(&format!(" {pad}{content} ")),
            }
            line.push_str(&bar);
        }
        line
    }

    /// Free text across the whole table, wrapped between `items`.
    fn text_block<S: AsRef<str>>(
        &self,
        items: &[S],
        sep: &str,
        style: &Style,
        inner: usize,
    ) -> Vec<String> {
        let bar = self.border("│");
        let width = inner.saturating_sub(2);
        wrap(items, sep, width)
            .into_iter()
            .map(|text| {
                let pad = " ".repeat(width.saturating_sub(console::measure_text_width(&text)));
                format!("{bar} {}{pad} {bar}", self.paint(&text, style))
            })
            .collect()
    }
}

/// Greedy wrapping of `items` joined by `sep` into lines at most `width`
/// columns wide. An item wider than a line is cut into line-sized pieces.
fn wrap<S: AsRef<str>>(items: &[S], sep: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let sep_width = console::measure_text_width(sep);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0;
    for item in items {
        for piece in split_to_width(item.as_ref(), width) {
            let piece_width = console::measure_text_width(&piece);
            if !line.is_empty() && line_width + sep_width + piece_width > width {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
            }
            if !line.is_empty() {
                line.push_str(sep);
                line_width += sep_width;
            }
            line.push_str(&piece);
            line_width += piece_width;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Cuts `text` into pieces no wider than `width` columns.
fn split_to_width(text: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut current = 0;
    for c in text.chars() {
        let w = console::measure_text_width(c.encode_utf8(&mut [0; 4]));
        if current + w > width && current > 0 {
            pieces.push(String::new());
            current = 0;
        }
        if let Some(piece) = pieces.last_mut() {
            piece.push(c);
        }
        current += w;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use crate::results::Outcome;

    fn assert_uniform_width(text: &str) {
        let widths: Vec<usize> = text.lines().map(console::measure_text_width).collect();
        assert!(
            widths.windows(2).all(|w| w[0] == w[1]),
            "line widths differ: {widths:?}\n{text}"
        );
    }

    #[test]
    fn snapshot_without_color() {
        let expected = "\
┌───────────────────────────────────────────────────────────────────────────────────────────────────────┐
│ pybench-docker 0.1.0 · gil --threads 4                                                                │
│ baseline 3.13 · 5 runs + 1 warmup each · 8 CPUs · linux/x86_64 · Docker 27.3.1 · 2025-06-01 14:03 UTC │
├────────────────┬────────────────┬─────────────┬──────────────────┬────────┬────────┬───────┬──────────┤
│ Interpreter    │ Free threading │ JIT         │         Mean ± σ │    Min │    Max │ Ratio │ Status   │
├────────────────┼────────────────┼─────────────┼──────────────────┼────────┼────────┼───────┼──────────┤
│ system         │ unsupported    │ unsupported │ 2.47 s ± 17.8 ms │ 2.46 s │ 2.50 s │ 1.04× │ similar  │
│ 3.13           │ disabled       │ unsupported │ 2.37 s ± 9.18 ms │ 2.36 s │ 2.38 s │ 1.00× │ baseline │
│ 3.13t          │ enabled ✨     │ unsupported │ 715 ms ± 16.5 ms │ 698 ms │ 741 ms │ 0.30× │ improved │
│ 3.13t -X gil=1 │ GIL re-enabled │ unsupported │ timed out after 600 s                                 │
│ 3.13j          │ disabled       │ enabled ✨  │ failed: exit code 139 (SIGSEGV)                       │
├────────────────┴────────────────┴─────────────┴───────────────────────────────────────────────────────┤
│ ratio = mean / mean of 3.13; status: improved >10% faster, similar within ±10%, degraded >10% slower  │
└───────────────────────────────────────────────────────────────────────────────────────────────────────┘
";
        let text = render_table(&fixture::report(), false);
        assert_eq!(text, expected);
        assert_uniform_width(&text);
    }

    #[test]
    fn color_adds_styles_but_not_width() {
        let report = fixture::report();
        let plain = render_table(&report, false);
        let colored = render_table(&report, true);
        assert!(colored.contains("\x1b["));
        assert!(!plain.contains('\x1b'));
        assert_eq!(console::strip_ansi_codes(&colored), plain);
        assert_uniform_width(&colored);
    }

    #[test]
    fn degraded_rows_and_long_failures() {
        let mut report = fixture::report();
        // 3.13t now 20% slower than the baseline.
        for s in report.rows[2].samples.iter_mut() {
            s.seconds = 2.8449;
        }
        report.rows[4].outcome = Outcome::Failed {
            reason: "Traceback (most recent call last):\n  File \"/bench/gil.py\", line 1".into(),
            stderr_tail: String::new(),
        };
        let text = render_table(&report, false);
        assert!(text.contains("│ 1.20× │ degraded "), "{text}");
        let failed = text.lines().find(|l| l.contains("3.13j")).unwrap();
        assert!(
            failed.ends_with("│ failed: Traceback (most recent call last): File \"/be… │"),
            "{text}"
        );
        assert_uniform_width(&text);
    }

    #[test]
    fn without_a_baseline_the_legend_says_so() {
        let mut report = fixture::report();
        report.baseline = "3.12".into();
        report.arguments = vec!["--size".into(), "a very long argument ".repeat(12)];
        let text = render_table(&report, false);
        assert!(text.contains("no ratios: the baseline 3.12 has no completed measurements"));
        assert!(text.contains("│ ok "), "{text}");
        assert_uniform_width(&text);
    }

    #[test]
    fn empty_report_still_renders_a_box() {
        let mut report = fixture::report();
        report.rows.clear();
        let text = render_table(&report, false);
        assert!(text.starts_with('┌') && text.ends_with("┘\n"));
        assert_uniform_width(&text);
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap(&["aa", "bb", "cc"], " ", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap(&["abcdefg"], " ", 3), vec!["abc", "def", "g"]);
        assert_eq!(wrap::<&str>(&[], " ", 3), vec![""]);
        // A double-width character never straddles a line end.
        assert_eq!(wrap(&["a✨b"], " ", 2), vec!["a", "✨", "b"]);
    }
}
