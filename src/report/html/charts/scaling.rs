//! The scaling layout: speed-up over one thread against thread count, a
//! line per interpreter, with the ideal.

use super::super::svg::{self, Anchor, Linear, Log, Paint, Svg};
use super::palette::*;
use super::select::{scaling_series, Series};
use crate::analysis::compare::RowComparison;
use crate::report::format;
use crate::results::Report;

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
