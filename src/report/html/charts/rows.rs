//! The rows layout: a ratio per line on a log axis, with its interval,
//! coloured by verdict, grouped under headings; the run's chart, a
//! comparison's and the across-versions chart are drawn with it.

use super::super::svg::{self, Anchor, Log, Paint, Svg};
use super::palette::*;
use super::select::{version_rows, RatioRow};
use crate::analysis::compare::{Band, Comparison};
use crate::report::format;
use crate::results::Report;

/// `0.89× [0.82–0.97]`.
pub fn ratio_text(c: &Comparison) -> String {
    crate::report::table::ratio_with_ci(c)
}

/// The tooltip of a point: everything known about it.
pub(super) fn point_title(label: &str, c: &Comparison) -> String {
    let mut text = format!("{label}: {}", ratio_text(c));
    if let Some(p) = c.p_value {
        text += &format!(", p {}", format::p_value(p));
    }
    text + &format!(", {}", verdict_words(c.verdict))
}

/// The smallest and largest value a log axis of ratios must show: the
/// points, their intervals and the similar `band`, with a margin.
pub(super) fn ratio_domain<'a>(
    comparisons: impl Iterator<Item = &'a Comparison>,
    band: Band,
) -> (f64, f64) {
    let (mut lo, mut hi) = (band.low(), band.high());
    for c in comparisons {
        for x in [Some(c.ratio), c.ci_low, c.ci_high].into_iter().flatten() {
            if x > 0.0 && x.is_finite() {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
    }
    (lo / 1.08, hi * 1.08)
}

/// Ratio to the baseline per configuration: a point at the ratio, a whisker
/// over its 95% interval, coloured by verdict, on a log axis with the
/// band of "similar" shaded (`band`, the one the verdicts were judged
/// with); rows without a ratio say why. With a legend.
pub fn ratio_chart(label: &str, axis_title: &str, rows: &[RatioRow], band: Band) -> String {
    rows_chart(label, axis_title, rows, band, "chart ratio")
}

/// The across-versions chart ([`version_rows`]); `None` unless two versions
/// or more have a free-threaded or JIT build beside their stock build.
pub fn versions_chart(report: &Report) -> Option<String> {
    let rows = version_rows(report);
    (!rows.is_empty()).then(|| {
        rows_chart(
            &format!(
                "{}: each build against its version's stock build",
                report.benchmark
            ),
            "build / its version's stock build, one thread (log scale; below 1× is faster)",
            &rows,
            report.band(),
            "chart versions",
        )
    })
}

/// The chart of [`ratio_chart`], with the SVG's `class`.
fn rows_chart(label: &str, axis_title: &str, rows: &[RatioRow], band: Band, class: &str) -> String {
    let layout = RowsLayout::of(rows, band);
    let mut s = Svg::new(RowsLayout::WIDTH, layout.bottom + 80.0, label, class);
    rows_background(&mut s, &layout);
    ratio_axis(&mut s, &layout, axis_title);
    for (y, line) in &layout.lines {
        match line {
            RowsLine::Heading(group) => {
                s.text(8.0, y + 16.0, group, Anchor::Start, 12.0, MUTED, 600);
            }
            RowsLine::Row(row) => ratio_row(&mut s, &layout, y + RowsLayout::ROW / 2.0, row),
        }
    }
    legend(&mut s, layout.left, layout.bottom + 60.0, layout.band);
    s.finish()
}

/// A line of a rows chart: a group's heading, or a row.
enum RowsLine<'a> {
    Heading(&'a str),
    Row(&'a RatioRow),
}

/// Where a rows chart puts things: the labels left of the ratio axis, the
/// figures right of it, and each line at its height.
struct RowsLayout<'a> {
    left: f64,
    right: f64,
    x: Log,
    /// The band of "similar" the verdicts were judged with.
    band: Band,
    /// Each line with the `y` of its top.
    lines: Vec<(f64, RowsLine<'a>)>,
    /// Below the last line: where the axis goes.
    bottom: f64,
}

impl<'a> RowsLayout<'a> {
    const WIDTH: f64 = 900.0;
    /// The heights of a row's line and of a group's heading line.
    const ROW: f64 = 26.0;
    const GROUP: f64 = 24.0;
    const TOP: f64 = 6.0;
    /// The font size of the labels and figures.
    const SIZE: f64 = 12.0;

    fn of(rows: &'a [RatioRow], band: Band) -> RowsLayout<'a> {
        let widest = rows
            .iter()
            .map(|r| svg::text_width(&r.label, Self::SIZE))
            .fold(0.0, f64::max);
        // Room for the widest label, but neither cramped nor the whole width.
        let left = (widest + 24.0).clamp(110.0, 280.0);
        let right = Self::WIDTH - 270.0;
        let (lo, hi) = ratio_domain(rows.iter().filter_map(|r| r.value.as_ref().ok()), band);
        let x = Log {
            domain: (lo, hi),
            range: (left, right),
        };
        let (lines, bottom) = Self::lines(rows);
        RowsLayout {
            left,
            right,
            x,
            band,
            lines,
            bottom,
        }
    }

    /// A line per row, and a heading line where a group starts; with the
    /// `y` below the last.
    fn lines(rows: &'a [RatioRow]) -> (Vec<(f64, RowsLine<'a>)>, f64) {
        let mut lines = vec![];
        let mut y = Self::TOP;
        let mut last_group: Option<&str> = None;
        for row in rows {
            if let Some(group) = row.group.as_deref().filter(|g| Some(*g) != last_group) {
                lines.push((y, RowsLine::Heading(group)));
                y += Self::GROUP;
                last_group = Some(group);
            }
            lines.push((y, RowsLine::Row(row)));
            y += Self::ROW;
        }
        (lines, y)
    }
}

/// Zebra stripes behind every other line (headings count, so a group's
/// first row may be unstriped) and the similar band over all of them.
fn rows_background(s: &mut Svg, layout: &RowsLayout) {
    for (i, (y, line)) in layout.lines.iter().enumerate() {
        if matches!(line, RowsLine::Row(_)) && i % 2 == 0 {
            s.rect(
                0.0,
                *y,
                RowsLayout::WIDTH,
                RowsLayout::ROW,
                Paint::fill(ZEBRA),
                None,
            );
        }
    }
    let (x, band) = (layout.x, layout.band);
    s.rect(
        x.map(band.low()),
        RowsLayout::TOP,
        x.map(band.high()) - x.map(band.low()),
        layout.bottom - RowsLayout::TOP,
        Paint::fill(BAND),
        Some(&format!(
            "{band}: similar when the whole interval lies here"
        )),
    );
}

/// The ratio axis under the rows: a gridline and label per tick, 1×
/// darker, and the axis title.
fn ratio_axis(s: &mut Svg, layout: &RowsLayout, axis_title: &str) {
    let (x, bottom) = (layout.x, layout.bottom);
    for t in svg::log_ticks(x.domain.0, x.domain.1) {
        let (colour, width) = if t == 1.0 { (AXIS, 1.5) } else { (GRID, 1.0) };
        let grid = Paint::stroke(colour, width);
        s.line(x.map(t), RowsLayout::TOP, x.map(t), bottom, grid, None);
        let text = format!("{}×", svg::tick_label(t));
        s.text(
            x.map(t),
            bottom + 16.0,
            &text,
            Anchor::Middle,
            11.0,
            MUTED,
            400,
        );
    }
    let (left, right) = (layout.left, layout.right);
    s.line(left, bottom, right, bottom, Paint::stroke(AXIS, 1.0), None);
    let middle = (left + right) / 2.0;
    s.text(
        middle,
        bottom + 34.0,
        axis_title,
        Anchor::Middle,
        12.0,
        MUTED,
        400,
    );
}

/// One row at height `mid`: its label, then its point and figures, or why
/// it has none.
fn ratio_row(s: &mut Svg, layout: &RowsLayout, mid: f64, row: &RatioRow) {
    const SIZE: f64 = RowsLayout::SIZE;
    // Text sits a little below the middle to look centred on it.
    let baseline = mid + 4.0;
    let (left, right) = (layout.left, layout.right);
    s.text(
        left - 12.0,
        baseline,
        &row.label,
        Anchor::End,
        SIZE,
        INK,
        400,
    );
    match &row.value {
        Ok(c) => {
            ratio_point(s, layout.x, mid, &row.label, c);
            let ratio = ratio_text(c);
            s.text(
                right + 14.0,
                baseline,
                &ratio,
                Anchor::Start,
                SIZE,
                INK,
                400,
            );
            let (words, colour) = (verdict_words(c.verdict), verdict_colour(c.verdict));
            let end = RowsLayout::WIDTH - 8.0;
            s.text(end, baseline, words, Anchor::End, SIZE, colour, 600);
        }
        Err(why) => {
            let why = shorten(why, 90);
            s.text(left + 8.0, baseline, &why, Anchor::Start, SIZE, MUTED, 400);
        }
    }
}

/// A ratio's dot on the `x` axis at height `mid`, over the whisker of its
/// interval (where it has one) with a cap at each end.
fn ratio_point(s: &mut Svg, x: Log, mid: f64, label: &str, c: &Comparison) {
    let colour = verdict_colour(c.verdict);
    let title = point_title(label, c);
    if let (Some(l), Some(h)) = (c.ci_low, c.ci_high) {
        let whisker = Paint::stroke(colour, 2.0).datum();
        s.line(x.map(l), mid, x.map(h), mid, whisker, Some(&title));
        for end in [l, h] {
            let cap = Paint::stroke(colour, 2.0);
            s.line(x.map(end), mid - 5.0, x.map(end), mid + 5.0, cap, None);
        }
    }
    let dot = Paint::fill(colour).with_stroke("#ffffff", 1.5).datum();
    s.circle(x.map(c.ratio), mid, 5.5, dot, Some(&title));
}

/// One swatch per verdict and the band, in a row starting at `x`.
fn legend(s: &mut Svg, x: f64, y: f64, band: Band) {
    let mut x = x;
    for v in VERDICTS {
        s.circle(x + 5.0, y - 4.0, 5.0, Paint::fill(verdict_colour(v)), None);
        s.text(x + 14.0, y, verdict_words(v), Anchor::Start, 12.0, INK, 400);
        x += 14.0 + svg::text_width(verdict_words(v), 12.0) + 18.0;
    }
    s.rect(x, y - 10.0, 14.0, 12.0, Paint::fill(BAND), None);
    let band = format!("{band} band");
    s.text(x + 20.0, y, &band, Anchor::Start, 12.0, INK, 400);
}

/// Cuts `text` to `max` characters with an ellipsis.
pub(super) fn shorten(text: &str, max: usize) -> String {
    let one = format::one_line(text);
    match one.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}
