//! The page's colours and words: ink, grid, the verdicts' colours, the
//! series' palette. The band of "similar" is each chart's own: the one its
//! verdicts were judged with (`--band`, or a comparison file's `band`).

use crate::analysis::compare::Verdict;

/// Text colours and lines.
pub const INK: &str = "#1f2328";
pub const MUTED: &str = "#59636e";
pub(super) const GRID: &str = "#d8dee4";
pub(super) const ZEBRA: &str = "#f6f8fa";
/// The colour of the "similar" band around 1.
pub(super) const BAND: &str = "#e7f0fb";
pub(super) const AXIS: &str = "#8c959f";

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

pub(super) const VERDICTS: [Verdict; 5] = Verdict::ALL;

/// Colours for one line per interpreter (Okabe–Ito, readable on white and
/// by most colour-blind readers), in order.
pub(super) const SERIES: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#3d3d3d", "#8c564b",
];
