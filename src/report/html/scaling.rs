//! The parts of one run measured at several thread counts (ftscalingbench's
//! patterns) on one card: per configuration at N threads, every pattern's
//! speed-up with its 95 % interval, coloured by its scaling status, against
//! 1 (no gain), the rule's share of N and the ideal N; then the numbers.
//! Grouped by the parts' `part_of`, never by their names. Pure.

use super::escape;
use super::svg::{linear_ticks, num, text_width, tick_label, Anchor, Linear, Paint, Svg};
use crate::analysis::scaling::{ScalingRule, ScalingStatus};
pub use crate::report::scaling::groups;
use crate::report::scaling::{badly_notes, lines, speedup_text, status_text, Line};
use crate::results::Report;

const ROW: f64 = 18.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 36.0;
const WIDTH: f64 = 760.0;

/// The colour of a status: green scales, red scales badly, grey otherwise.
fn colour(status: Option<ScalingStatus>) -> &'static str {
    match status {
        Some(ScalingStatus::Scales) => "#1a7f37",
        Some(ScalingStatus::ScalesBadly) => "#cf222e",
        Some(ScalingStatus::Between) => "#9a6700",
        None => "#8c959f",
    }
}

/// One configuration's patterns: a dot at each speed-up, its interval as a
/// whisker, reference lines at 1, the rule's share of N and N.
pub fn chart(label: &str, of: &[&Line]) -> String {
    let n = of.first().map_or(2, |l| l.threads) as f64;
    let longest = of.iter().map(|l| text_width(&l.pattern, 12.0));
    let left = longest.fold(60.0, f64::max) + 16.0;
    let highest = (of.iter())
        .filter_map(|l| l.interval.map(|(_, h)| h).or(l.speedup))
        .fold(n, f64::max);
    let x = Linear {
        domain: (0.0, highest * 1.05),
        range: (left, WIDTH - 150.0),
    };
    let height = TOP + ROW * of.len() as f64 + BOTTOM;
    let title = format!("{label}: speed-up per pattern");
    let mut s = Svg::new(WIDTH, height, &title, "chart ftscaling");
    let heading = format!("{label}: speed-up over 1 thread");
    s.text(left, 16.0, &heading, Anchor::Start, 13.0, "#1f2328", 600);
    grid(&mut s, &x, n, (TOP - 6.0, TOP + ROW * of.len() as f64));
    for (i, line) in of.iter().enumerate() {
        pattern_row(&mut s, &x, TOP + ROW * i as f64 + ROW / 2.0, line);
    }
    s.finish()
}

/// Ticks, and dashed lines at 1, the rule's share of N and N, from `y0` to `y1`.
fn grid(s: &mut Svg, x: &Linear, n: f64, (y0, y1): (f64, f64)) {
    for t in linear_ticks(x.domain.0, x.domain.1, 6) {
        let (at, label) = (x.map(t), tick_label(t));
        s.line(at, y0, at, y1, Paint::stroke("#eaeef2", 1.0), None);
        s.text(at, y1 + 14.0, &label, Anchor::Middle, 11.0, "#59636e", 400);
    }
    let good = ScalingRule::DEFAULT.efficiency * n;
    let marks = [
        (1.0, "1× (no gain)"),
        (good, "scales from here"),
        (n, "ideal"),
    ];
    for (at, what) in marks {
        let tip = format!("{what}: {}×", num(at));
        let paint = Paint::stroke("#59636e", 1.0).dashed();
        s.line(x.map(at), y0, x.map(at), y1, paint, Some(&tip));
    }
    let ideal = format!("ideal {}×", num(n));
    s.text(
        x.map(n),
        y1 + 28.0,
        &ideal,
        Anchor::Middle,
        11.0,
        "#59636e",
        400,
    );
}

/// One pattern at height `y`: its name, its interval, its speed-up, the value.
fn pattern_row(s: &mut Svg, x: &Linear, y: f64, line: &Line) {
    let left = x.range.0;
    s.text(
        left - 8.0,
        y + 4.0,
        &line.pattern,
        Anchor::End,
        12.0,
        "#1f2328",
        400,
    );
    let ink = colour(line.status);
    let tip = format!(
        "{} {}: {} ({})",
        line.pattern,
        line.label,
        speedup_text(line),
        status_text(line)
    );
    if let Some((low, high)) = line.interval {
        let paint = Paint::stroke(ink, 2.0).datum();
        s.line(x.map(low), y, x.map(high), y, paint, Some(&tip));
    }
    if let Some(v) = line.speedup {
        s.circle(x.map(v), y, 4.0, Paint::fill(ink).datum(), Some(&tip));
    }
    let value = speedup_text(line);
    s.text(
        x.range.1 + 8.0,
        y + 4.0,
        &value,
        Anchor::Start,
        11.0,
        ink,
        400,
    );
}

/// The card of one run's parts: a chart per configuration at N threads,
/// the patterns that scale badly, and the numbers.
pub fn article(title: &str, parts: &[(String, Report)], id: &str) -> String {
    let all = lines(parts);
    let mut labels: Vec<&str> = vec![];
    for l in &all {
        if !labels.contains(&l.label.as_str()) {
            labels.push(&l.label);
        }
    }
    let mut out = format!(
        "<article class=\"card\" id=\"{}\">\n<header class=\"card-head\"><h2>{}: scaling per pattern</h2>\
         <p class=\"sub\">{} patterns · {}</p></header>\n<section>\n",
        escape(id),
        escape(title),
        parts.len(),
        escape(&ScalingRule::DEFAULT.legend())
    );
    for label in labels {
        let of: Vec<&Line> = all.iter().filter(|l| l.label == label).collect();
        out += &format!("<figure>{}</figure>\n", chart(label, &of));
    }
    for note in badly_notes(&all) {
        out += &format!("<p class=\"note\">{}</p>\n", escape(&note));
    }
    out += "<table class=\"numbers\"><thead><tr><th>Pattern</th><th>Configuration</th>\
            <th class=\"num\">Speed-up [95% CI]</th><th class=\"num\">Efficiency</th><th>Scaling</th>\
            </tr></thead><tbody>\n";
    for l in &all {
        out += &format!(
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            escape(&l.pattern),
            escape(&l.label),
            escape(&speedup_text(l)),
            l.efficiency.map_or("—".into(), |e| format!("{:.0}%", e * 100.0)),
            escape(&status_text(l))
        );
    }
    out + "</tbody></table>\n</section>\n</article>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::split::split;

    #[test]
    fn one_chart_per_configuration_with_a_whisker_and_a_dot_per_pattern() {
        let parts = split(&crate::report::scaling::tests::two_patterns());
        let page = article("ftscalingbench", &parts, "fts-0");
        assert_eq!(page.matches("class=\"chart ftscaling\"").count(), 1);
        // Two patterns: two whiskers and two dots.
        assert_eq!(page.matches("class=\"datum\"").count(), 4, "{page}");
        assert!(page.contains("#cf222e"), "the locked pattern is red");
        assert!(page.contains("3.14t ×2: 1 of 2 patterns scale"), "{page}");
        assert!(page.contains("<td>locked</td><td>3.14t ×2</td>"), "{page}");
    }
}
