//! How a shape is filled and stroked, and how a text is aligned.

use super::super::escape;
use std::fmt::Write;

use super::num;

/// Horizontal alignment of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub(super) fn as_str(self) -> &'static str {
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
    pub(super) fn class(&self) -> &'static str {
        if self.datum {
            " class=\"datum\""
        } else {
            ""
        }
    }

    pub(super) fn attributes(&self) -> String {
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
