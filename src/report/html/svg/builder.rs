//! The element builder: well-formed, escaped markup, shapes with coordinates
//! that are not finite left out.

use std::fmt::Write;

use super::super::escape;
use super::{num, Anchor, Paint, FONT};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::svg::tests::{assert_well_formed, count};

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
}
