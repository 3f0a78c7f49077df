//! The trend layout: one configuration's ratio in each run, on a time axis.

use chrono::{DateTime, Utc};

use super::super::svg::{self, Anchor, Linear, Log, Paint, Svg};
use super::palette::*;
use super::rows::{point_title, ratio_domain};
use crate::analysis::compare::{Band, Comparison};
use crate::report::format;

/// One configuration's ratio in each run, oldest first, on a time axis:
/// points and whiskers coloured by verdict, joined by a thin line; `band`
/// (the verdicts' band of "similar") shaded.
pub fn trend_chart(label: &str, points: &[(DateTime<Utc>, Comparison)], band: Band) -> String {
    let layout = TrendLayout::of(points, band);
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
    /// The band of "similar" the verdicts were judged with.
    band: Band,
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

    fn of(points: &[(DateTime<Utc>, Comparison)], band: Band) -> TrendLayout {
        let (lo, hi) = ratio_domain(points.iter().map(|(_, c)| c), band);
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
        TrendLayout { x, y, band, times }
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
    let band = layout.band;
    s.rect(
        left,
        y.map(band.high()),
        right - left,
        y.map(band.low()) - y.map(band.high()),
        Paint::fill(BAND),
        Some(&format!("{band}: similar")),
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
