//! Small SVG primitives, written by hand: an element builder that emits
//! well-formed, escaped markup with presentation attributes (so a chart
//! looks the same inside the page and saved on its own), scales, and tick
//! choices. No JavaScript, nothing fetched. Pure.
//!
//! Elements whose coordinates are not finite are left out rather than
//! written as `NaN`, which a browser would reject with a console error.

use std::fmt::Write;

use super::escape;

/// The font the charts use, as the page's CSS does.
pub const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', \
                        'Liberation Sans', 'DejaVu Sans', sans-serif";

/// Horizontal alignment of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// How a shape is painted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paint<'a> {
    pub fill: Option<&'a str>,
    pub stroke: Option<&'a str>,
    pub stroke_width: f64,
    /// Dashed stroke.
    pub dashed: bool,
    /// Marks an element that draws a measured value (a point, a whisker, a
    /// bar) rather than decoration: `class="datum"`, which tests count.
    pub datum: bool,
}

impl<'a> Paint<'a> {
    pub fn fill(colour: &'a str) -> Paint<'a> {
        Paint {
            fill: Some(colour),
            stroke: None,
            stroke_width: 0.0,
            dashed: false,
            datum: false,
        }
    }

    pub fn stroke(colour: &'a str, width: f64) -> Paint<'a> {
        Paint {
            fill: None,
            stroke: Some(colour),
            stroke_width: width,
            dashed: false,
            datum: false,
        }
    }

    pub fn with_stroke(self, colour: &'a str, width: f64) -> Paint<'a> {
        Paint {
            stroke: Some(colour),
            stroke_width: width,
            ..self
        }
    }

    pub fn dashed(self) -> Paint<'a> {
        Paint {
            dashed: true,
            ..self
        }
    }

    pub fn datum(self) -> Paint<'a> {
        Paint {
            datum: true,
            ..self
        }
    }

    /// ` class="datum"` for data, nothing for decoration.
    fn class(&self) -> &'static str {
        if self.datum {
            " class=\"datum\""
        } else {
            ""
        }
    }

    fn attributes(&self) -> String {
        let mut out = String::new();
        out += &format!(" fill=\"{}\"", escape(self.fill.unwrap_or("none")));
        if let Some(stroke) = self.stroke {
            let _ = write!(
                out,
                " stroke=\"{}\" stroke-width=\"{}\"",
                escape(stroke),
                num(self.stroke_width)
            );
            if self.dashed {
                out += " stroke-dasharray=\"5 4\"";
            }
        }
        out
    }
}

/// A number as an attribute value: at most two decimals, no trailing zeros.
pub fn num(x: f64) -> String {
    let text = format!("{x:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_string(),
        t => t.to_string(),
    }
}

fn finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

/// `<title>` child: the browser's tooltip, and what a screen reader says.
fn title_child(title: Option<&str>) -> String {
    title.map_or_else(String::new, |t| format!("<title>{}</title>", escape(t)))
}

/// An SVG document being drawn, element by element, in painting order.
#[derive(Debug, Clone)]
pub struct Svg {
    width: f64,
    height: f64,
    label: String,
    class: String,
    body: String,
}

impl Svg {
    /// A `width`×`height` drawing; `label` is its accessible name and
    /// `class` its CSS class in the page.
    pub fn new(width: f64, height: f64, label: &str, class: &str) -> Svg {
        Svg {
            width,
            height,
            label: label.to_string(),
            class: class.to_string(),
            body: String::new(),
        }
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, paint: Paint, title: Option<&str>) {
        if !finite(&[x, y, w, h]) || w < 0.0 || h < 0.0 {
            return;
        }
        let _ = write!(
            self.body,
            "<rect{} x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}",
            paint.class(),
            num(x),
            num(y),
            num(w),
            num(h),
            paint.attributes()
        );
        self.close("rect", title);
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, paint: Paint, title: Option<&str>) {
        if !finite(&[x1, y1, x2, y2]) {
            return;
        }
        let _ = write!(
            self.body,
            "<line{} x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{}",
            paint.class(),
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            paint.attributes()
        );
        self.close("line", title);
    }

    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, paint: Paint, title: Option<&str>) {
        if !finite(&[cx, cy, r]) || r <= 0.0 {
            return;
        }
        let _ = write!(
            self.body,
            "<circle{} cx=\"{}\" cy=\"{}\" r=\"{}\"{}",
            paint.class(),
            num(cx),
            num(cy),
            num(r),
            paint.attributes()
        );
        self.close("circle", title);
    }

    /// A line through `points`, the non-finite ones left out; nothing for
    /// fewer than two points.
    pub fn polyline(&mut self, points: &[(f64, f64)], paint: Paint, title: Option<&str>) {
        let kept: Vec<String> = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect();
        if kept.len() < 2 {
            return;
        }
        let _ = write!(
            self.body,
            "<polyline{} points=\"{}\"{}",
            paint.class(),
            kept.join(" "),
            Paint {
                fill: None,
                ..paint
            }
            .attributes()
        );
        self.close("polyline", title);
    }

    /// One line of text; `size` in pixels, `weight` 400 or 600, `colour`.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        anchor: Anchor,
        size: f64,
        colour: &str,
        weight: u16,
    ) {
        if !finite(&[x, y, size]) || text.is_empty() {
            return;
        }
        let _ = write!(
            self.body,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{}\" font-size=\"{}\" fill=\"{}\"{}>{}</text>",
            num(x),
            num(y),
            anchor.as_str(),
            num(size),
            escape(colour),
            if weight == 400 {
                String::new()
            } else {
                format!(" font-weight=\"{weight}\"")
            },
            escape(text)
        );
    }

    /// Text turned a quarter left around its anchor point (a y-axis title).
    pub fn vertical_text(&mut self, x: f64, y: f64, text: &str, size: f64, colour: &str) {
        if !finite(&[x, y, size]) || text.is_empty() {
            return;
        }
        let _ = write!(
            self.body,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" font-size=\"{}\" fill=\"{}\" \
             transform=\"rotate(-90 {x} {y})\">{}</text>",
            num(size),
            escape(colour),
            escape(text),
            x = num(x),
            y = num(y),
        );
    }

    fn close(&mut self, tag: &str, title: Option<&str>) {
        match title {
            None => self.body += "/>",
            Some(_) => {
                let _ = write!(self.body, ">{}</{tag}>", title_child(title));
            }
        }
    }

    /// The finished `<svg>` element, sized by its view box so it shrinks
    /// with the page.
    pub fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{}\" viewBox=\"0 0 {w} {h}\" \
             width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\" font-family=\"{}\">\
             <title>{}</title>{}</svg>",
            escape(&self.class),
            escape(&self.label),
            escape(FONT),
            escape(&self.label),
            self.body,
            w = num(self.width),
            h = num(self.height),
        )
    }
}

/// Maps a domain linearly onto a range of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Linear {
    pub fn map(&self, x: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            return (r0 + r1) / 2.0;
        }
        r0 + (x - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// Maps a positive domain logarithmically onto a range of pixels: a ratio
/// of 0.5 lies as far left of 1 as 2 lies right of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Log {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Log {
    /// `NaN` for values that are not positive, which the primitives skip.
    pub fn map(&self, x: f64) -> f64 {
        if x <= 0.0 || self.domain.0 <= 0.0 || self.domain.1 <= 0.0 {
            return f64::NAN;
        }
        Linear {
            domain: (self.domain.0.ln(), self.domain.1.ln()),
            range: self.range,
        }
        .map(x.ln())
    }
}

/// Round ticks between `lo` and `hi` (positive) for a log axis: from the
/// sparsest of the 1-2-5 families that gives at least four, always with 1
/// when it is in range, and at most ten.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return vec![];
    }
    let families: [&[f64]; 3] = [
        &[1.0, 2.0, 5.0],
        &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0],
        &[1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0],
    ];
    let in_range = |family: &[f64]| -> Vec<f64> {
        let (k0, k1) = (lo.log10().floor() as i32 - 1, hi.log10().ceil() as i32);
        let mut ticks = vec![];
        for k in k0..=k1 {
            for m in family {
                let t = m * 10f64.powi(k);
                // Rounded so 0.3 prints as 0.3, not 0.30000000000000004.
                let t = (t * 1e6).round() / 1e6;
                if t >= lo && t <= hi {
                    ticks.push(t);
                }
            }
        }
        ticks
    };
    let mut ticks = families
        .iter()
        .map(|f| in_range(f))
        .find(|t| t.len() >= 4)
        .unwrap_or_else(|| in_range(families[2]));
    // Extra ticks near 1 help read small changes: the edges of "similar".
    if ticks.len() < 4 {
        let band = crate::analysis::verdict::Band::DEFAULT;
        for t in [band.low(), band.high()] {
            if t >= lo && t <= hi && !ticks.contains(&t) {
                ticks.push(t);
            }
        }
        ticks.sort_by(f64::total_cmp);
    }
    while ticks.len() > 10 {
        ticks = ticks
            .iter()
            .enumerate()
            .filter(|(i, t)| i % 2 == 0 || **t == 1.0)
            .map(|(_, t)| *t)
            .collect();
    }
    ticks
}

/// Round ticks from `lo` to `hi` with a 1-2-5 step, at most `max` of them.
pub fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    if !(hi > lo && lo.is_finite() && hi.is_finite()) || max < 2 {
        return vec![];
    }
    let raw = (hi - lo) / (max - 1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| (hi - lo) / s <= (max - 1) as f64)
        .unwrap_or(10.0 * magnitude);
    let mut ticks = vec![];
    let mut t = (lo / step).ceil() * step;
    while t <= hi + step * 1e-9 {
        ticks.push((t / step).round() * step);
        t += step;
    }
    ticks
}

/// A tick label: `0.5`, `1`, `1.25`.
pub fn tick_label(x: f64) -> String {
    let text = format!("{x:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Approximate width in pixels of `text` at `size` pixels in the charts'
/// sans-serif font (no font metrics here; wide enough to lay out labels).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.3,
            'f' | 't' | 'r' | '-' | '(' | ')' | '[' | ']' => 0.4,
            'm' | 'w' | 'M' | 'W' | '×' | '–' | '—' => 0.85,
            c if c.is_ascii_uppercase() => 0.68,
            _ => 0.58,
        })
        .sum::<f64>()
        * size
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks that `markup` is well-formed as far as the charts need: every
    /// element closed in order, attribute values quoted, no `NaN`/`inf`.
    pub(crate) fn assert_well_formed(markup: &str) {
        assert!(
            !markup.contains("NaN") && !markup.contains("inf\""),
            "{markup}"
        );
        let mut stack: Vec<String> = vec![];
        let mut rest = markup;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("unclosed tag") + start;
            let tag = &rest[start + 1..end];
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "in {markup}");
            } else if !tag.ends_with('/') && !tag.starts_with('!') {
                let name = tag.split_whitespace().next().unwrap_or_default();
                stack.push(name.to_string());
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed elements {stack:?}");
    }

    pub(crate) fn count(markup: &str, needle: &str) -> usize {
        markup.matches(needle).count()
    }

    #[test]
    fn elements_are_well_formed_and_counted() {
        let mut svg = Svg::new(200.0, 100.0, "a <test> chart", "chart");
        svg.rect(0.0, 0.0, 10.0, 20.0, Paint::fill("#eee"), None);
        svg.rect(
            5.0,
            5.0,
            1.0,
            1.0,
            Paint::fill("red").datum(),
            Some("a & b"),
        );
        svg.line(
            0.0,
            0.0,
            1.0,
            1.0,
            Paint::stroke("#000", 1.0).dashed(),
            None,
        );
        svg.circle(3.0, 3.0, 2.0, Paint::fill("blue").datum(), Some("<1>"));
        svg.polyline(
            &[(0.0, 0.0), (1.0, 2.0), (3.0, 1.5)],
            Paint::stroke("green", 2.0),
            None,
        );
        svg.text(1.0, 2.0, "0.5× \"q\"", Anchor::End, 12.0, "#333", 600);
        svg.vertical_text(5.0, 50.0, "speed-up", 12.0, "#333");
        let out = svg.finish();
        assert_well_formed(&out);
        assert!(out.starts_with("<svg ") && out.ends_with("</svg>"));
        assert_eq!(count(&out, "<rect"), 2);
        assert_eq!(count(&out, "<line"), 1);
        assert_eq!(count(&out, "<circle"), 1);
        assert_eq!(count(&out, "<polyline"), 1);
        assert_eq!(count(&out, "<text"), 2);
        assert_eq!(count(&out, "class=\"datum\""), 2);
        assert!(out.contains("stroke-dasharray"));
        assert!(out.contains("<title>a &amp; b</title>"));
        assert!(out.contains("<title>a &lt;test&gt; chart</title>"));
        assert!(out.contains("0.5× &quot;q&quot;"));
        assert!(out.contains("viewBox=\"0 0 200 100\""));
        assert!(out.contains("points=\"0,0 1,2 3,1.5\""));
    }

    #[test]
    fn non_finite_or_degenerate_shapes_are_left_out() {
        let mut svg = Svg::new(10.0, 10.0, "x", "chart");
        svg.rect(f64::NAN, 0.0, 1.0, 1.0, Paint::fill("red"), None);
        svg.rect(0.0, 0.0, -1.0, 1.0, Paint::fill("red"), None);
        svg.line(
            0.0,
            f64::INFINITY,
            1.0,
            1.0,
            Paint::stroke("red", 1.0),
            None,
        );
        svg.circle(0.0, 0.0, 0.0, Paint::fill("red"), None);
        svg.polyline(
            &[(0.0, 0.0), (f64::NAN, 1.0)],
            Paint::stroke("r", 1.0),
            None,
        );
        svg.text(0.0, 0.0, "", Anchor::Start, 12.0, "#000", 400);
        let out = svg.finish();
        assert_well_formed(&out);
        for tag in ["<rect", "<line", "<circle", "<polyline", "<text"] {
            assert_eq!(count(&out, tag), 0, "{tag} in {out}");
        }
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(120.5), "120.5");
    }

    #[test]
    fn scales_map_ends_and_middles() {
        let lin = Linear {
            domain: (0.0, 10.0),
            range: (100.0, 200.0),
        };
        assert_eq!(
            (lin.map(0.0), lin.map(5.0), lin.map(10.0)),
            (100.0, 150.0, 200.0)
        );
        let flat = Linear {
            domain: (3.0, 3.0),
            range: (0.0, 10.0),
        };
        assert_eq!(flat.map(3.0), 5.0);
        let log = Log {
            domain: (0.5, 2.0),
            range: (0.0, 100.0),
        };
        assert!((log.map(1.0) - 50.0).abs() < 1e-9);
        assert!((log.map(0.5)).abs() < 1e-9 && (log.map(2.0) - 100.0).abs() < 1e-9);
        assert!(log.map(0.0).is_nan() && log.map(-1.0).is_nan());
    }

    #[test]
    fn log_ticks_are_round_and_in_range() {
        let ticks = log_ticks(0.4, 2.2);
        assert!(ticks.len() >= 4 && ticks.len() <= 10, "{ticks:?}");
        assert!(ticks.contains(&1.0) && ticks.contains(&0.5) && ticks.contains(&2.0));
        assert!(ticks.iter().all(|t| (0.4..=2.2).contains(t)));
        // A narrow range still has ticks to read, among them the ±10% bounds.
        let narrow = log_ticks(0.85, 1.2);
        assert!(narrow.contains(&1.0) && narrow.contains(&0.9), "{narrow:?}");
        assert!(narrow.len() >= 3);
        // Many decades are thinned, 1 kept.
        let wide = log_ticks(0.001, 1000.0);
        assert!(wide.len() <= 10 && wide.contains(&1.0), "{wide:?}");
        assert!(log_ticks(0.0, 1.0).is_empty() && log_ticks(2.0, 1.0).is_empty());
    }

    #[test]
    fn linear_ticks_step_by_one_two_five() {
        assert_eq!(linear_ticks(0.0, 4.4, 6), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            linear_ticks(0.0, 10.0, 6),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(
            linear_ticks(0.0, 45.0, 6),
            vec![0.0, 10.0, 20.0, 30.0, 40.0]
        );
        assert!(linear_ticks(1.0, 1.0, 5).is_empty());
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(1.0), "1");
        assert_eq!(tick_label(1.25), "1.25");
    }

    #[test]
    fn text_width_grows_with_text() {
        assert!(text_width("3.14t -X gil=1 ×2", 12.0) > text_width("3.14t", 12.0));
        assert_eq!(text_width("", 12.0), 0.0);
    }
}
