//! Small SVG primitives, written by hand: an element builder that emits
//! well-formed, escaped markup with presentation attributes (so a chart
//! looks the same inside the page and saved on its own), scales, and tick
//! choices. No JavaScript, nothing fetched. Pure.
//!
//! Elements whose coordinates are not finite are left out rather than
//! written as `NaN`, which a browser would reject with a console error.
//!
//! - `paint.rs`: how a shape is filled and stroked, and how a text is aligned;
//! - `builder.rs`: the element builder, [`Svg`];
//! - `scale.rs`: linear and log scales and their ticks;
//! - `text.rs`: the charts' font and an approximate text width.

mod builder;
mod paint;
mod scale;
#[cfg(test)]
pub(crate) mod tests;
mod text;

pub use builder::Svg;
pub use paint::{Anchor, Paint};
pub use scale::{linear_ticks, log_ticks, tick_label, Linear, Log};
pub use text::{text_width, FONT};

/// A number as an attribute value: at most two decimals, no trailing zeros.
pub fn num(x: f64) -> String {
    let text = format!("{x:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_string(),
        t => t.to_string(),
    }
}
