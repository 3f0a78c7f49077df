//! The charts of the page, each drawn from the data with the primitives of
//! [`svg`](super::svg): the ratio of every configuration to its baseline
//! with its 95% interval, speed-up against thread count, each version's
//! free-threaded and JIT builds against its stock build, and a ratio's
//! trend across runs. Pure.

use chrono::{DateTime, Utc};

use super::svg::{self, Anchor, Linear, Log, Paint, Svg};
use crate::analysis::compare::{compare_pair, Band, Comparison, RowComparison, Verdict};
use crate::report::documents::CompareDoc;
use crate::report::format::{self, Status};
use crate::results::{Outcome, Report, Row};

/// Text colours and lines.
pub const INK: &str = "#1f2328";
pub const MUTED: &str = "#59636e";
const GRID: &str = "#d8dee4";
const ZEBRA: &str = "#f6f8fa";
/// The colour of the "similar" band around 1.
const BAND: &str = "#e7f0fb";
/// The band the page's verdicts are judged with ([`compare_rows`]'s).
///
/// [`compare_rows`]: crate::analysis::compare::compare_rows
const SIMILAR: Band = Band::DEFAULT;
const AXIS: &str = "#8c959f";

/// The colour of a verdict, the same in every chart and table.
pub fn verdict_colour(v: Verdict) -> &'static str {
    match v {
        Verdict::Improved => "#1a7f37",
        Verdict::Degraded => "#cf222e",
        Verdict::Similar => "#0969da",
        Verdict::NotDistinguishable => "#b35900",
        Verdict::Baseline => "#6e7781",
    }
}

/// A verdict as people read it.
pub fn verdict_words(v: Verdict) -> &'static str {
    v.words()
}

const VERDICTS: [Verdict; 5] = Verdict::ALL;

/// Colours for one line per interpreter (Okabe–Ito, readable on white and
/// by most colour-blind readers), in order.
const SERIES: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#3d3d3d", "#8c564b",
];

/// One line of a ratio chart.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioRow {
    pub label: String,
    /// Rows of one group (a thread count) are drawn under its heading.
    pub group: Option<String>,
    /// The comparison, or why there is none.
    pub value: Result<Comparison, String>,
}

/// A run's rows: each configuration against its baseline
/// (`comparisons`: [`compare_rows`] of `report`).
pub fn ratio_rows(report: &Report, comparisons: &[RowComparison]) -> Vec<RatioRow> {
    let threads: Vec<Option<u32>> = report.rows.iter().map(|r| r.threads).collect();
    let grouped = threads.iter().any(|t| *t != threads[0]);
    report
        .rows
        .iter()
        .zip(comparisons)
        .map(|(row, rc)| RatioRow {
            label: row.label(),
            group: grouped.then(|| match row.threads {
                Some(1) => "1 thread".to_string(),
                Some(n) => format!("{n} threads"),
                None => "no thread count".to_string(),
            }),
            value: match (rc.comparison, row.outcome.is_ok()) {
                (Some(c), true) => Ok(c),
                _ => Err(match Status::of(row, rc) {
                    Status::Completed => "no baseline to compare with".to_string(),
                    other => other.text(),
                }),
            },
        })
        .collect()
}

/// A comparison's rows: B against A per configuration.
pub fn pairing_rows(doc: &CompareDoc) -> Vec<RatioRow> {
    doc.rows
        .iter()
        .map(|p| RatioRow {
            label: p.label.clone(),
            group: None,
            value: p
                .comparison
                .ok_or_else(|| "not completed in A or in B".to_string()),
        })
        .collect()
}

/// `0.89× [0.82–0.97]`.
pub fn ratio_text(c: &Comparison) -> String {
    crate::report::table::ratio_with_ci(c)
}

/// The tooltip of a point: everything known about it.
fn point_title(label: &str, c: &Comparison) -> String {
    let mut text = format!("{label}: {}", ratio_text(c));
    if let Some(p) = c.p_value {
        text += &format!(", p {}", format::p_value(p));
    }
    text + &format!(", {}", verdict_words(c.verdict))
}

/// The smallest and largest value a log axis of ratios must show: the
/// points, their intervals and the similar band, with a margin.
fn ratio_domain<'a>(comparisons: impl Iterator<Item = &'a Comparison>) -> (f64, f64) {
    let (mut lo, mut hi) = (SIMILAR.low(), SIMILAR.high());
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
/// band of "similar" shaded; rows without a ratio say why. With a legend.
pub fn ratio_chart(label: &str, axis_title: &str, rows: &[RatioRow]) -> String {
    rows_chart(label, axis_title, rows, "chart ratio")
}

/// The builds a version has besides its stock one, each with the name
/// suffixes it can have: `3.13t` (a release), `my-branch-t` (an own source).
const BUILDS: [(&str, [&str; 2]); 2] = [("free-threaded", ["t", "-t"]), ("JIT", ["j", "-j"])];

/// Across versions: per version (a stock build whose free-threaded or JIT
/// build is in the run too), the free-threaded build's and the JIT build's
/// ratio to that stock build at one thread (or without a thread count),
/// paired round by round as in the run's own comparisons. Grouped by
/// version; empty unless two versions or more have such a pair.
pub fn version_rows(report: &Report) -> Vec<RatioRow> {
    let single: Vec<&Row> = (report.rows.iter())
        .filter(|r| matches!(r.threads, None | Some(1)))
        .collect();
    let named = |name: &str| single.iter().copied().find(|r| r.interpreter == name);
    // `3.13t` is a build of `3.13`, so it is not a version's stock build.
    let a_build_of_another = |name: &str| {
        (BUILDS.iter().flat_map(|(_, suffixes)| suffixes)).any(|suffix| {
            name.strip_suffix(suffix)
                .is_some_and(|s| named(s).is_some())
        })
    };
    let mut out = vec![];
    let mut versions = 0;
    for stock in &single {
        let name = stock.interpreter.as_str();
        if name.contains(' ') || a_build_of_another(name) {
            continue;
        }
        let group = match stock.info.as_ref().map(|i| i.version.as_str()) {
            Some(v) if !v.is_empty() && v != name => format!("{name} · CPython {v}"),
            _ => name.to_string(),
        };
        let mut rows = vec![];
        for (kind, suffixes) in BUILDS {
            let Some(build) = suffixes.iter().find_map(|s| named(&format!("{name}{s}"))) else {
                continue;
            };
            rows.push(RatioRow {
                label: format!("{} ({kind})", build.interpreter),
                group: Some(group.clone()),
                value: compare_pair(stock, build, true, SIMILAR)
                    .ok_or_else(|| why_not(stock, build)),
            });
        }
        if !rows.is_empty() {
            versions += 1;
            out.extend(rows);
        }
    }
    match versions >= 2 {
        true => out,
        false => vec![],
    }
}

/// Why a build has no ratio to its stock build.
fn why_not(stock: &Row, build: &Row) -> String {
    for (row, whose) in [(build, ""), (stock, "its stock build ")] {
        match &row.outcome {
            Outcome::Failed { reason, .. } => {
                return format!("{whose}failed: {}", format::one_line(reason))
            }
            Outcome::TimedOut { after_seconds } => {
                return format!("{whose}timed out after {}", format::timeout(*after_seconds))
            }
            Outcome::Ok => {}
        }
    }
    "no measured processes to compare".to_string()
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
            "chart versions",
        )
    })
}

/// The chart of [`ratio_chart`], with the SVG's `class`.
fn rows_chart(label: &str, axis_title: &str, rows: &[RatioRow], class: &str) -> String {
    let layout = RowsLayout::of(rows);
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
    legend(&mut s, layout.left, layout.bottom + 60.0);
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

    fn of(rows: &'a [RatioRow]) -> RowsLayout<'a> {
        let widest = rows
            .iter()
            .map(|r| svg::text_width(&r.label, Self::SIZE))
            .fold(0.0, f64::max);
        // Room for the widest label, but neither cramped nor the whole width.
        let left = (widest + 24.0).clamp(110.0, 280.0);
        let right = Self::WIDTH - 270.0;
        let (lo, hi) = ratio_domain(rows.iter().filter_map(|r| r.value.as_ref().ok()));
        let x = Log {
            domain: (lo, hi),
            range: (left, right),
        };
        let (lines, bottom) = Self::lines(rows);
        RowsLayout {
            left,
            right,
            x,
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
    let x = layout.x;
    s.rect(
        x.map(SIMILAR.low()),
        RowsLayout::TOP,
        x.map(SIMILAR.high()) - x.map(SIMILAR.low()),
        layout.bottom - RowsLayout::TOP,
        Paint::fill(BAND),
        Some(&format!(
            "{SIMILAR}: similar when the whole interval lies here"
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
fn legend(s: &mut Svg, x: f64, y: f64) {
    let mut x = x;
    for v in VERDICTS {
        s.circle(x + 5.0, y - 4.0, 5.0, Paint::fill(verdict_colour(v)), None);
        s.text(x + 14.0, y, verdict_words(v), Anchor::Start, 12.0, INK, 400);
        x += 14.0 + svg::text_width(verdict_words(v), 12.0) + 18.0;
    }
    s.rect(x, y - 10.0, 14.0, 12.0, Paint::fill(BAND), None);
    let band = format!("{SIMILAR} band");
    s.text(x + 20.0, y, &band, Anchor::Start, 12.0, INK, 400);
}

/// Cuts `text` to `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    let one = format::one_line(text);
    match one.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

/// One interpreter's speed-up at each thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// (threads, speed-up over one thread, efficiency), by thread count.
    pub points: Vec<(u32, f64, f64)>,
}

/// Speed-up against threads per interpreter, for the interpreters measured
/// at two thread counts or more (one thread included, where it is 1).
pub fn scaling_series(report: &Report, comparisons: &[RowComparison]) -> Vec<Series> {
    let mut out: Vec<Series> = vec![];
    for (row, rc) in report.rows.iter().zip(comparisons) {
        let point = match (row.threads, rc.speedup, rc.efficiency) {
            (Some(n), Some(s), Some(e)) if n > 1 => (n, s, e),
            (Some(1), ..) if rc.summary.is_some() && row.outcome.is_ok() => (1, 1.0, 1.0),
            _ => continue,
        };
        match out.iter_mut().find(|s| s.name == row.interpreter) {
            Some(series) => series.points.push(point),
            None => out.push(Series {
                name: row.interpreter.clone(),
                points: vec![point],
            }),
        }
    }
    for s in &mut out {
        s.points.sort_by_key(|p| p.0);
    }
    out.retain(|s| s.points.len() >= 2 && s.points[0].0 == 1);
    out
}

/// Speed-up over one thread against thread count, a line per interpreter,
/// with the ideal (N× at N threads); `None` unless some interpreter ran at
/// two thread counts or more.
pub fn scaling_chart(report: &Report, comparisons: &[RowComparison]) -> Option<String> {
    let series = scaling_series(report, comparisons);
    let layout = ScalingLayout::of(&series)?;
    let (width, height) = (ScalingLayout::WIDTH, ScalingLayout::HEIGHT);
    let mut s = Svg::new(width, height, "speed-up against threads", "chart scaling");
    speedup_grid(&mut s, &layout);
    thread_axis(&mut s, &layout);
    ideal_line(&mut s, &layout);
    for (i, one) in series.iter().enumerate() {
        let colour = SERIES[i % SERIES.len()];
        scaling_line(&mut s, &layout, one, colour);
        let swatch = Paint::stroke(colour, 2.5);
        scaling_legend_entry(&mut s, i, swatch, Some(colour), &one.name, INK);
    }
    let dashed = Paint::stroke(AXIS, 1.5).dashed();
    scaling_legend_entry(&mut s, series.len(), dashed, None, "ideal", MUTED);
    Some(s.finish())
}

/// The thread axis: logarithmic for doubling sweeps (1, 2, 4, 8, …), which
/// read best that way, linear for shorter ones.
enum ThreadScale {
    Linear(Linear),
    Log(Log),
}

impl ThreadScale {
    fn of(max_n: f64, range: (f64, f64)) -> ThreadScale {
        let domain = (1.0, max_n);
        match max_n >= 8.0 {
            true => ThreadScale::Log(Log { domain, range }),
            false => ThreadScale::Linear(Linear { domain, range }),
        }
    }

    fn map(&self, n: u32) -> f64 {
        match self {
            ThreadScale::Linear(scale) => scale.map(n as f64),
            ThreadScale::Log(scale) => scale.map(n as f64),
        }
    }
}

/// Where the scaling chart puts things: the thread counts measured across,
/// the speed-up up (from 0 to a little over the highest, or the ideal's at
/// the most threads), the legend on the right.
struct ScalingLayout {
    /// Every thread count measured, ascending.
    counts: Vec<u32>,
    x: ThreadScale,
    y: Linear,
}

impl ScalingLayout {
    const WIDTH: f64 = 900.0;
    const HEIGHT: f64 = 340.0;
    const LEFT: f64 = 60.0;
    const RIGHT: f64 = Self::WIDTH - 210.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = Self::HEIGHT - 52.0;

    /// `None` without a thread count to show.
    fn of(series: &[Series]) -> Option<ScalingLayout> {
        let mut counts: Vec<u32> = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .collect();
        counts.sort_unstable();
        counts.dedup();
        let max_n = *counts.last()? as f64;
        let highest = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .fold(max_n, f64::max);
        let y = Linear {
            domain: (0.0, highest * 1.08),
            range: (Self::BOTTOM, Self::TOP),
        };
        let x = ThreadScale::of(max_n, (Self::LEFT, Self::RIGHT));
        Some(ScalingLayout { counts, x, y })
    }

    /// The `y` of the `i`th legend entry.
    fn legend_y(i: usize) -> f64 {
        Self::TOP + 8.0 + i as f64 * 22.0
    }
}

/// A gridline and label per speed-up tick.
fn speedup_grid(s: &mut Svg, layout: &ScalingLayout) {
    let (left, right, y) = (ScalingLayout::LEFT, ScalingLayout::RIGHT, layout.y);
    for t in svg::linear_ticks(0.0, y.domain.1, 6) {
        s.line(
            left,
            y.map(t),
            right,
            y.map(t),
            Paint::stroke(GRID, 1.0),
            None,
        );
        let label = format!("{}×", svg::tick_label(t));
        s.text(
            left - 8.0,
            y.map(t) + 4.0,
            &label,
            Anchor::End,
            11.0,
            MUTED,
            400,
        );
    }
}

/// A tick and label per thread count measured, both axis lines and their
/// titles.
fn thread_axis(s: &mut Svg, layout: &ScalingLayout) {
    let (left, right) = (ScalingLayout::LEFT, ScalingLayout::RIGHT);
    let (top, bottom) = (ScalingLayout::TOP, ScalingLayout::BOTTOM);
    for n in &layout.counts {
        let xn = layout.x.map(*n);
        s.line(xn, bottom, xn, bottom + 5.0, Paint::stroke(AXIS, 1.0), None);
        let text = n.to_string();
        s.text(xn, bottom + 18.0, &text, Anchor::Middle, 11.0, MUTED, 400);
    }
    s.line(left, bottom, right, bottom, Paint::stroke(AXIS, 1.0), None);
    s.line(left, top, left, bottom, Paint::stroke(AXIS, 1.0), None);
    let middle = (left + right) / 2.0;
    s.text(
        middle,
        bottom + 38.0,
        "threads",
        Anchor::Middle,
        12.0,
        MUTED,
        400,
    );
    let title = "speed-up over 1 thread";
    s.vertical_text(16.0, (top + bottom) / 2.0, title, 12.0, MUTED);
}

/// The dashed ideal, N× at N threads, through every thread count measured.
fn ideal_line(s: &mut Svg, layout: &ScalingLayout) {
    let ideal: Vec<(f64, f64)> = (layout.counts.iter())
        .map(|n| (layout.x.map(*n), layout.y.map(*n as f64)))
        .collect();
    let paint = Paint::stroke(AXIS, 1.5).dashed();
    s.polyline(&ideal, paint, Some("ideal: N× at N threads"));
}

/// One interpreter's line: a segment from each thread count to the next,
/// and a dot at each with its speed-up and efficiency.
fn scaling_line(s: &mut Svg, layout: &ScalingLayout, series: &Series, colour: &str) {
    let points: Vec<(f64, f64)> = (series.points.iter())
        .map(|(n, sp, _)| (layout.x.map(*n), layout.y.map(*sp)))
        .collect();
    for pair in points.windows(2) {
        let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
        s.line(x1, y1, x2, y2, Paint::stroke(colour, 2.5).datum(), None);
    }
    for ((n, sp, eff), (px, py)) in series.points.iter().zip(&points) {
        let title = format!(
            "{} ×{n}: {} speed-up ({:.0}% efficiency)",
            series.name,
            format::ratio(*sp),
            eff * 100.0
        );
        let dot = Paint::fill(colour).with_stroke("#ffffff", 1.5).datum();
        s.circle(*px, *py, 4.5, dot, Some(&title));
    }
}

/// The `i`th entry of the legend right of the plot: a stretch of `line`,
/// with a dot of `marker` on it if given, and `name` in `text_colour`.
fn scaling_legend_entry(
    s: &mut Svg,
    i: usize,
    line: Paint,
    marker: Option<&str>,
    name: &str,
    text_colour: &str,
) {
    let (x, y) = (ScalingLayout::RIGHT, ScalingLayout::legend_y(i));
    s.line(x + 24.0, y, x + 48.0, y, line, None);
    if let Some(colour) = marker {
        s.circle(x + 36.0, y, 4.0, Paint::fill(colour), None);
    }
    s.text(
        x + 56.0,
        y + 4.0,
        name,
        Anchor::Start,
        12.0,
        text_colour,
        400,
    );
}

/// One configuration's ratio in each run, oldest first, on a time axis:
/// points and whiskers coloured by verdict, joined by a thin line.
pub fn trend_chart(label: &str, points: &[(DateTime<Utc>, Comparison)]) -> String {
    let layout = TrendLayout::of(points);
    let mut s = Svg::new(
        TrendLayout::WIDTH,
        TrendLayout::HEIGHT,
        &format!("{label}: ratio per run"),
        "chart trend",
    );
    trend_heading(&mut s, label, points);
    trend_ratio_axis(&mut s, &layout);
    time_axis(&mut s, &layout);
    trend_points(&mut s, &layout, label, points);
    s.finish()
}

/// Where a trend chart puts things: time across, the ratio up on a log
/// scale.
struct TrendLayout {
    x: Linear,
    y: Log,
    /// Each point's time, in seconds since the epoch.
    times: Vec<f64>,
}

impl TrendLayout {
    const WIDTH: f64 = 420.0;
    const HEIGHT: f64 = 220.0;
    const LEFT: f64 = 50.0;
    const RIGHT: f64 = Self::WIDTH - 20.0;
    const TOP: f64 = 34.0;
    const BOTTOM: f64 = Self::HEIGHT - 40.0;

    fn of(points: &[(DateTime<Utc>, Comparison)]) -> TrendLayout {
        let (lo, hi) = ratio_domain(points.iter().map(|(_, c)| c));
        let y = Log {
            domain: (lo, hi),
            range: (Self::BOTTOM, Self::TOP),
        };
        let times: Vec<f64> = points.iter().map(|(t, _)| t.timestamp() as f64).collect();
        let (t0, t1) = (
            times.iter().copied().fold(f64::INFINITY, f64::min),
            times.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        // Inset, so that the first and last dots are not cut by the edges.
        let x = Linear {
            domain: (t0, t1),
            range: (Self::LEFT + 14.0, Self::RIGHT - 14.0),
        };
        TrendLayout { x, y, times }
    }
}

/// The configuration's name, and its newest ratio in its verdict's colour.
fn trend_heading(s: &mut Svg, label: &str, points: &[(DateTime<Utc>, Comparison)]) {
    let (left, right) = (TrendLayout::LEFT, TrendLayout::RIGHT);
    s.text(left, 18.0, label, Anchor::Start, 13.0, INK, 600);
    if let Some((_, newest)) = points.last() {
        let colour = verdict_colour(newest.verdict);
        let text = format!("newest {}", format::ratio(newest.ratio));
        s.text(right, 18.0, &text, Anchor::End, 12.0, colour, 600);
    }
}

/// The similar band, a gridline and label per ratio tick (1× darker), and the
/// line along the bottom.
fn trend_ratio_axis(s: &mut Svg, layout: &TrendLayout) {
    let (left, right, y) = (TrendLayout::LEFT, TrendLayout::RIGHT, layout.y);
    let band_height = y.map(SIMILAR.low()) - y.map(SIMILAR.high());
    s.rect(
        left,
        y.map(SIMILAR.high()),
        right - left,
        band_height,
        Paint::fill(BAND),
        None,
    );
    for t in svg::log_ticks(y.domain.0, y.domain.1) {
        let (colour, width) = if t == 1.0 { (AXIS, 1.5) } else { (GRID, 1.0) };
        s.line(
            left,
            y.map(t),
            right,
            y.map(t),
            Paint::stroke(colour, width),
            None,
        );
        let text = format!("{}×", svg::tick_label(t));
        s.text(
            left - 6.0,
            y.map(t) + 4.0,
            &text,
            Anchor::End,
            11.0,
            MUTED,
            400,
        );
    }
    let bottom = TrendLayout::BOTTOM;
    s.line(left, bottom, right, bottom, Paint::stroke(AXIS, 1.0), None);
}

/// A tick and date at each end of the time axis and in the middle.
fn time_axis(s: &mut Svg, layout: &TrendLayout) {
    let (t0, t1) = layout.x.domain;
    let bottom = TrendLayout::BOTTOM;
    for (at, anchor) in time_ticks(t0, t1) {
        let text = date_label(at, t1 - t0);
        let tx = layout.x.map(at);
        s.line(tx, bottom, tx, bottom + 4.0, Paint::stroke(AXIS, 1.0), None);
        s.text(tx, bottom + 18.0, &text, anchor, 11.0, MUTED, 400);
    }
}

/// The thin line through the runs' ratios, then each run's whisker and dot,
/// titled with its time.
fn trend_points(
    s: &mut Svg,
    layout: &TrendLayout,
    label: &str,
    points: &[(DateTime<Utc>, Comparison)],
) {
    let (x, y) = (layout.x, layout.y);
    let path: Vec<(f64, f64)> = (points.iter().zip(&layout.times))
        .map(|((_, c), t)| (x.map(*t), y.map(c.ratio)))
        .collect();
    s.polyline(&path, Paint::stroke(AXIS, 1.5), None);
    for ((at, c), t) in points.iter().zip(&layout.times) {
        let colour = verdict_colour(c.verdict);
        let when = at.format("%Y-%m-%d %H:%M UTC");
        let title = format!("{when}: {}", point_title(label, c));
        let px = x.map(*t);
        if let (Some(l), Some(h)) = (c.ci_low, c.ci_high) {
            let whisker = Paint::stroke(colour, 2.0).datum();
            s.line(px, y.map(l), px, y.map(h), whisker, Some(&title));
        }
        let dot = Paint::fill(colour).with_stroke("#ffffff", 1.5).datum();
        s.circle(px, y.map(c.ratio), 5.0, dot, Some(&title));
    }
}

/// Where the time axis gets labels: both ends, and the middle when there
/// is room; the ends aligned inwards.
fn time_ticks(t0: f64, t1: f64) -> Vec<(f64, Anchor)> {
    if t1 <= t0 {
        return vec![(t0, Anchor::Middle)];
    }
    vec![
        (t0, Anchor::Start),
        ((t0 + t1) / 2.0, Anchor::Middle),
        (t1, Anchor::End),
    ]
}

/// A date for the time axis, precise enough for the span shown.
fn date_label(timestamp: f64, span_seconds: f64) -> String {
    let Some(at) = DateTime::<Utc>::from_timestamp(timestamp as i64, 0) else {
        return String::new();
    };
    if span_seconds >= 2.0 * 86_400.0 {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.format("%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::svg::tests::{assert_well_formed, count};
    use super::*;
    use crate::analysis::compare::compare_rows;
    use crate::report::fixture;
    use crate::results::Row;

    #[test]
    fn the_ratio_chart_draws_every_completed_row_and_says_why_for_the_others() {
        let report = fixture::report();
        let rows = ratio_rows(&report, &compare_rows(&report));
        assert_eq!(rows.len(), 5);
        assert!(rows.iter().all(|r| r.group.is_none()));
        let chart = ratio_chart("gil", "ratio", &rows);
        assert_well_formed(&chart);
        // system, 3.13 (the baseline) and 3.13t have a point; the two
        // with an interval also a whisker.
        assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
        assert_eq!(count(&chart, "<line class=\"datum\""), 2);
        assert!(chart.contains("timed out after 600 s"));
        assert!(chart.contains("failed: exit code 139 (SIGSEGV)"));
        assert!(chart.contains(">improved</text>") && chart.contains(">baseline</text>"));
        // The legend: a swatch for each verdict and the band.
        for v in VERDICTS {
            assert!(
                chart.contains(&format!(">{}</text>", verdict_words(v))),
                "{v}"
            );
        }
        assert!(chart.contains("±10% band"));
        assert!(chart.contains("<title>3.13t: 0.30× ["), "{chart}");
    }

    fn threaded(report: &Report) -> Report {
        let mut r = report.clone();
        r.rows.retain(|row| row.outcome.is_ok());
        let mut two: Vec<Row> = r.rows.clone();
        for row in &mut r.rows {
            row.threads = Some(1);
        }
        for row in &mut two {
            row.threads = Some(2);
            // Each thread does the one-thread work: the GIL builds take
            // twice as long, the free-threaded one 10% longer.
            let factor = if row.interpreter == "3.13t" { 1.1 } else { 2.0 };
            for s in &mut row.samples {
                s.seconds *= factor;
                s.values.iter_mut().for_each(|v| *v *= factor);
            }
        }
        r.rows.extend(two);
        r
    }

    #[test]
    fn threads_group_the_ratio_chart() {
        let report = threaded(&fixture::report());
        let rows = ratio_rows(&report, &compare_rows(&report));
        let groups: Vec<Option<&str>> = rows.iter().map(|r| r.group.as_deref()).collect();
        assert_eq!(groups[0], Some("1 thread"));
        assert_eq!(groups[rows.len() - 1], Some("2 threads"));
        let chart = ratio_chart("gil", "ratio", &rows);
        assert_well_formed(&chart);
        assert_eq!(count(&chart, ">1 thread</text>"), 1);
        assert_eq!(count(&chart, ">2 threads</text>"), 1);
    }

    #[test]
    fn the_scaling_chart_has_a_line_per_interpreter_and_the_ideal() {
        let plain = fixture::report();
        assert_eq!(scaling_chart(&plain, &compare_rows(&plain)), None);
        let report = threaded(&fixture::report());
        let comparisons = compare_rows(&report);
        let series = scaling_series(&report, &comparisons);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["system", "3.13", "3.13t"]);
        let ft = &series[2];
        assert_eq!(ft.points[0], (1, 1.0, 1.0));
        assert!((ft.points[1].1 - 2.0 / 1.1).abs() < 1e-9, "{ft:?}");
        let chart = scaling_chart(&report, &comparisons).unwrap();
        assert_well_formed(&chart);
        // A segment and two points per interpreter; the ideal is not data.
        assert_eq!(count(&chart, "<line class=\"datum\""), 3);
        assert_eq!(count(&chart, "<circle class=\"datum\""), 6);
        assert_eq!(count(&chart, "<polyline"), 1);
        assert!(chart.contains("ideal</text>"));
        assert!(chart.contains("<title>3.13t ×2: 1.82× speed-up (91% efficiency)</title>"));
    }

    /// The fixture (3.13, 3.13t, a timed-out 3.13t -X gil=1, a failed
    /// 3.13j) with a second version beside it: 3.14 10% faster than 3.13,
    /// 3.14t 1.3× and 3.14j 0.85× of 3.14, with some noise of their own.
    pub(crate) fn two_versions() -> Report {
        let mut report = fixture::report();
        let of = |name: &str| report.rows.iter().find(|r| r.interpreter == name).cloned();
        let mut more = vec![];
        for (from, to, factor) in [
            ("3.13", "3.14", 0.9),
            ("3.13", "3.14t", 0.9 * 1.3),
            ("3.13", "3.14j", 0.9 * 0.85),
        ] {
            let mut row = of(from).unwrap();
            row.interpreter = to.into();
            if let Some(info) = &mut row.info {
                info.version = "3.14.0".into();
            }
            for (i, s) in row.samples.iter_mut().enumerate() {
                let f = factor * (1.0 + 0.004 * ((i * 7 + to.len()) % 5) as f64);
                s.seconds *= f;
                s.values.iter_mut().for_each(|v| *v *= f);
            }
            more.push(row);
        }
        report.rows.extend(more);
        report
    }

    fn labels(rows: &[RatioRow]) -> Vec<(&str, &str)> {
        rows.iter()
            .map(|r| (r.group.as_deref().unwrap(), r.label.as_str()))
            .collect()
    }

    #[test]
    fn across_versions_each_build_meets_its_own_stock_build() {
        let report = two_versions();
        let rows = version_rows(&report);
        assert_eq!(
            labels(&rows),
            [
                ("3.13 · CPython 3.13.1", "3.13t (free-threaded)"),
                ("3.13 · CPython 3.13.1", "3.13j (JIT)"),
                ("3.14 · CPython 3.14.0", "3.14t (free-threaded)"),
                ("3.14 · CPython 3.14.0", "3.14j (JIT)"),
            ]
        );
        // The run's own comparison: 3.13t against 3.13, paired by round.
        let by_row = compare_rows(&report);
        assert_eq!(rows[0].value, Ok(by_row[2].comparison.unwrap()));
        assert_eq!(rows[1].value, Err("failed: exit code 139 (SIGSEGV)".into()));
        // 3.14t against 3.14, not against the report's baseline (3.13).
        let (t, j) = (
            rows[2].value.clone().unwrap(),
            rows[3].value.clone().unwrap(),
        );
        assert!((t.ratio - 1.3).abs() < 0.02, "{t:?}");
        assert!((j.ratio - 0.85).abs() < 0.02, "{j:?}");
        assert_eq!(
            (t.verdict, j.verdict),
            (Verdict::Degraded, Verdict::Improved)
        );
        assert!(t.ci_low.unwrap() < t.ratio && t.ratio < t.ci_high.unwrap());
        let base = report
            .rows
            .iter()
            .position(|r| r.interpreter == "3.14")
            .unwrap();
        let row = report
            .rows
            .iter()
            .position(|r| r.interpreter == "3.14t")
            .unwrap();
        assert_eq!(
            Some(t),
            compare_pair(&report.rows[base], &report.rows[row], true, SIMILAR)
        );

        let chart = versions_chart(&report).unwrap();
        assert_well_formed(&chart);
        assert!(chart.contains("class=\"chart versions\""));
        // A point for each of the three ratios, a whisker for each interval.
        assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
        assert_eq!(count(&chart, "<line class=\"datum\""), 3);
        assert_eq!(count(&chart, ">3.14 · CPython 3.14.0</text>"), 1);
        assert!(chart.contains("failed: exit code 139 (SIGSEGV)"));
        assert!(
            chart.contains("<title>3.14t (free-threaded): 1.3"),
            "{chart}"
        );
    }

    #[test]
    fn across_versions_needs_two_versions_and_takes_one_thread() {
        // One version: nothing to compare across.
        let one = fixture::report();
        assert_eq!(version_rows(&one), vec![]);
        assert_eq!(versions_chart(&one), None);
        // A second version with its stock build alone has no pair either.
        let mut stock_only = two_versions();
        stock_only
            .rows
            .retain(|r| !r.interpreter.starts_with("3.14") || r.interpreter == "3.14");
        assert_eq!(versions_chart(&stock_only), None);
        // Thread sweeps: the one-thread rows only.
        let swept = threaded(&two_versions());
        let rows = version_rows(&swept);
        // (threaded() keeps the rows that completed: 3.13j is gone.)
        assert_eq!(
            labels(&rows).iter().map(|(_, l)| *l).collect::<Vec<_>>(),
            [
                "3.13t (free-threaded)",
                "3.14t (free-threaded)",
                "3.14j (JIT)"
            ]
        );
        assert_eq!(rows[1].value, version_rows(&two_versions())[2].value);
        // An own source is a version too: my-branch, my-branch-t, my-branch-j.
        let mut own = two_versions();
        for row in &mut own.rows {
            if let Some(rest) = row.interpreter.strip_prefix("3.14") {
                row.interpreter = match rest {
                    "" => "my-branch".into(),
                    suffix => format!("my-branch-{suffix}"),
                };
                row.info = None;
            }
        }
        let own_rows = version_rows(&own);
        let groups = labels(&own_rows);
        assert_eq!(groups[2], ("my-branch", "my-branch-t (free-threaded)"));
        assert_eq!(groups[3], ("my-branch", "my-branch-j (JIT)"));
    }

    #[test]
    fn a_trend_has_a_point_and_whisker_per_run() {
        let report = fixture::report();
        let c = compare_rows(&report)[2].comparison.unwrap();
        let day = |d: i64| report.started_at + chrono::Duration::days(d);
        let points = vec![
            (day(0), c),
            (day(3), Comparison { ratio: 0.5, ..c }),
            (day(9), c),
        ];
        let chart = trend_chart("3.13t", &points);
        assert_well_formed(&chart);
        assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
        assert_eq!(count(&chart, "<line class=\"datum\""), 3);
        assert_eq!(count(&chart, "<polyline"), 1);
        assert!(chart.contains(">2025-06-01</text>") && chart.contains(">2025-06-10</text>"));
        assert!(chart.contains("newest 0.30×"));
        // Runs on one day are labelled with their hours.
        let hours = vec![(day(0), c), (day(0) + chrono::Duration::hours(5), c)];
        assert!(trend_chart("x", &hours).contains(">06-01 19:03</text>"));
    }

    #[test]
    fn a_comparison_draws_b_against_a() {
        let bytes = crate::report::documents::tests::comparison_json();
        let Ok(crate::report::documents::Document::Compare(docs)) =
            crate::report::documents::read("c.json", &bytes)
        else {
            panic!("not a comparison")
        };
        let rows = pairing_rows(&docs[0]);
        let chart = ratio_chart("compare", "B / A", &rows);
        assert_well_formed(&chart);
        assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
        assert!(chart.contains("not completed in A or in B"));
        assert!(chart.contains(">degraded</text>"));
    }

    #[test]
    fn long_reasons_are_shortened() {
        assert_eq!(shorten("a\nb", 10), "a b");
        assert_eq!(shorten(&"x".repeat(20), 5), "xxxxx…");
    }
}
