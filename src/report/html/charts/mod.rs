//! The charts of the page, each drawn from the data with the primitives of
//! [`svg`](super::svg): the ratio of every configuration to its baseline
//! with its 95% interval, speed-up against thread count, each version's
//! builds against its stock build, and a ratio's trend across runs. Pure.
//!
//! `select` chooses and groups the data (builds on their typed identity);
//! `rows`, `scaling` and `trend` are the three layouts; `palette` the
//! colours and words they share.

mod palette;
mod rows;
mod scaling;
mod select;
mod trend;

pub use palette::{verdict_colour, verdict_words};
pub use rows::{ratio_chart, ratio_text, versions_chart};
pub use scaling::scaling_chart;
pub use select::{pairing_rows, ratio_rows, RatioRow};
pub use trend::trend_chart;

#[cfg(test)]
#[path = "tests.rs"]
pub(crate) mod tests;
