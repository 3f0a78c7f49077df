//! What a comparison concludes, in one place: the verdict, its words, and
//! the band of changes too small to matter. Pure.
//!
//! A configuration is *improved* or *degraded* when its ratio to the
//! baseline lies beyond the band and the difference is significant; it is
//! *similar* when the whole confidence interval of the ratio lies inside the
//! band; otherwise the noise hides which side of the band the truth is on:
//! *not distinguishable*. The band is a value ([`Band`]) handed to every
//! function that decides, so that it can become a setting; every text that
//! names it is made from it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Half-width of the band around a ratio of 1 inside which a change counts
/// as too small to matter, as a fraction (0.10: ±10 %). Its edges count as
/// inside: a ratio of exactly 1.1 is similar.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Band(f64);

impl Band {
    /// ±10 %, the seed's magnitude rule.
    pub const DEFAULT: Band = Band(0.10);

    /// Slack on the edges: `1.1 / 1.0 - 1.0` is `0.10000000000000009` in
    /// binary and must still read as exactly 10 %.
    const EPSILON: f64 = 1e-9;

    /// A band of `fraction` (0.05 for ±5 %); `None` unless it is finite and
    /// strictly between 0 and 1.
    pub fn new(fraction: f64) -> Option<Band> {
        (fraction > 0.0 && fraction < 1.0).then_some(Band(fraction))
    }

    /// The half-width as a fraction: 0.10.
    pub fn fraction(self) -> f64 {
        self.0
    }

    /// The ratio at the band's lower edge: 0.9.
    pub fn low(self) -> f64 {
        1.0 - self.0
    }

    /// The ratio at the band's upper edge: 1.1.
    pub fn high(self) -> f64 {
        1.0 + self.0
    }

    /// Whether a ratio lies inside the band, edges included.
    pub fn contains(self, ratio: f64) -> bool {
        (ratio - 1.0).abs() <= self.0 + Self::EPSILON
    }

    /// Whether a ratio lies below the band (faster by more than it).
    pub fn below(self, ratio: f64) -> bool {
        ratio - 1.0 < -(self.0 + Self::EPSILON)
    }

    /// Whether a ratio lies above the band (slower by more than it).
    pub fn above(self, ratio: f64) -> bool {
        ratio - 1.0 > self.0 + Self::EPSILON
    }

    /// The half-width in percent, as people write it: `10%`, `2.5%`.
    pub fn percent(self) -> String {
        let p = self.0 * 100.0;
        match (p - p.round()).abs() < 1e-9 {
            true => format!("{p:.0}%"),
            false => format!("{}%", (p * 100.0).round() / 100.0),
        }
    }
}

impl Default for Band {
    fn default() -> Band {
        Band::DEFAULT
    }
}

/// `±10%`.
impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "±{}", self.percent())
    }
}

/// How a configuration fared against the baseline, noise considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The baseline itself.
    Baseline,
    Improved,
    Similar,
    Degraded,
    NotDistinguishable,
}

impl Verdict {
    /// Every verdict, in the order legends list them.
    pub const ALL: [Verdict; 5] = [
        Verdict::Improved,
        Verdict::Similar,
        Verdict::Degraded,
        Verdict::NotDistinguishable,
        Verdict::Baseline,
    ];

    /// The word files and tables carry: `not-distinguishable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Baseline => "baseline",
            Verdict::Improved => "improved",
            Verdict::Similar => "similar",
            Verdict::Degraded => "degraded",
            Verdict::NotDistinguishable => "not-distinguishable",
        }
    }

    /// The verdict as people read it: `not distinguishable`.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::NotDistinguishable => "not distinguishable",
            other => other.as_str(),
        }
    }

    /// The verdict in one character after a ratio (`+` improved, `−`
    /// degraded, `=` similar, `?` not distinguishable; nothing for the
    /// baseline).
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::Improved => "+",
            Verdict::Degraded => "−",
            Verdict::Similar => "=",
            Verdict::NotDistinguishable => "?",
            Verdict::Baseline => "",
        }
    }

    /// The rules in one line, for the notes under tables (with the default
    /// band: "improved/degraded: more than 10% faster/slower and p < 0.05 …").
    /// `test` says what gave the p-value, when it is worth saying.
    pub fn rules(band: Band, alpha: f64, test: Option<&str>) -> String {
        let how = test.map_or_else(String::new, |t| format!(" ({t})"));
        format!(
            "{}/{}: >{} faster/slower and p < {alpha}{how}; {}: the whole interval within {band}; \
             otherwise {}",
            Verdict::Improved.words(),
            Verdict::Degraded.words(),
            band.percent(),
            Verdict::Similar.words(),
            Verdict::NotDistinguishable.words(),
        )
    }

    /// The legend of the marks in a table of ratios.
    pub fn marks_legend(band: Band) -> String {
        Verdict::marks_legend_in(band, "faster", "slower")
    }

    /// [`Verdict::marks_legend`] in other words than time's (`fewer
    /// instructions`, `more`).
    pub fn marks_legend_in(band: Band, better: &str, worse: &str) -> String {
        let p = band.percent();
        format!(
            "{} significantly {better} by >{p}, {} {worse} by >{p}, {} {}, {} {}",
            Verdict::Improved.mark(),
            Verdict::Degraded.mark(),
            Verdict::Similar.mark(),
            Verdict::Similar.words(),
            Verdict::NotDistinguishable.mark(),
            Verdict::NotDistinguishable.words(),
        )
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_band_is_ten_percent_with_its_edges_inside() {
        let band = Band::default();
        assert_eq!(band, Band::DEFAULT);
        assert_eq!((band.low(), band.high()), (0.9, 1.1));
        assert_eq!(
            (band.to_string(), band.percent()),
            ("±10%".into(), "10%".into())
        );
        // 1.1 / 1.0 - 1.0 is a hair above 0.1 in binary: still inside.
        for inside in [0.9, 1.0, 1.1, 1.1 / 1.0, 3.3 / 3.0, 2.7 / 3.0] {
            assert!(band.contains(inside), "{inside}");
            assert!(!band.below(inside) && !band.above(inside), "{inside}");
        }
        assert!(band.below(0.8999) && !band.contains(0.8999));
        assert!(band.above(1.1001) && !band.contains(1.1001));
    }

    #[test]
    fn other_bands_are_values_too() {
        let five = Band::new(0.05).unwrap();
        assert_eq!(five.to_string(), "±5%");
        assert!(five.above(1.06) && Band::DEFAULT.contains(1.06));
        assert_eq!(Band::new(0.025).unwrap().percent(), "2.5%");
        for bad in [0.0, 1.0, -0.1, f64::NAN, f64::INFINITY] {
            assert_eq!(Band::new(bad), None, "{bad}");
        }
    }

    #[test]
    fn verdicts_have_a_file_word_a_reading_and_a_mark() {
        let json = serde_json::to_string(&Verdict::NotDistinguishable).unwrap();
        assert_eq!(json, "\"not-distinguishable\"");
        for v in Verdict::ALL {
            let back: Verdict = serde_json::from_str(&format!("\"{v}\"")).unwrap();
            assert_eq!(back, v);
            assert_eq!(v.to_string(), v.as_str());
        }
        assert_eq!(Verdict::NotDistinguishable.words(), "not distinguishable");
        assert_eq!(Verdict::Improved.words(), "improved");
        let marks: Vec<&str> = Verdict::ALL.iter().map(|v| v.mark()).collect();
        assert_eq!(marks, ["+", "=", "−", "?", ""]);
    }

    #[test]
    fn the_rules_are_written_from_the_band() {
        assert_eq!(
            Verdict::rules(Band::DEFAULT, 0.05, Some("paired by round")),
            "improved/degraded: >10% faster/slower and p < 0.05 (paired by round); similar: \
             the whole interval within ±10%; otherwise not distinguishable"
        );
        let five = Band::new(0.05).unwrap();
        assert!(Verdict::rules(five, 0.05, None).contains(">5% faster/slower and p < 0.05; "));
        assert_eq!(
            Verdict::marks_legend(Band::DEFAULT),
            "+ significantly faster by >10%, − slower by >10%, = similar, ? not distinguishable"
        );
    }
}
