//! What a run's values are: seconds (the default), instructions counted
//! under Callgrind, or the cycles Callgrind's cache model estimates from
//! them. Every table, export and comparison says the unit from here.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The quantity a report's values hold, per loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Seconds per loop (wall time inside the process).
    #[default]
    Time,
    /// Instructions per loop executed by the measured work, counted by
    /// Valgrind's Callgrind.
    Instructions,
    /// Cycles per loop estimated from Callgrind's cache simulation: a model,
    /// not a measurement ([`CYCLE_MODEL`]).
    EstimatedCycles,
}

/// How the estimate is made, said wherever its figures are shown. The
/// weights are the harness's (benchmarks/counts.py), iai-callgrind's and
/// CodSpeed's.
pub const CYCLE_MODEL: &str = "estimated cycles are a model: L1 hits + 5 × LL hits + 35 × RAM accesses, from Callgrind's simulated caches (I1 and D1 32 KiB 8-way, LL 8 MiB 16-way, 64-byte lines), not measured cycles";

impl Measure {
    pub fn is_time(&self) -> bool {
        *self == Measure::Time
    }

    /// The unit of one value, as tables and files say it.
    pub fn unit(self) -> &'static str {
        match self {
            Measure::Time => "seconds",
            Measure::Instructions => "instructions",
            Measure::EstimatedCycles => "estimated cycles",
        }
    }

    /// The short unit after a count in a table cell; `None` for time,
    /// which carries its own (`ms`, `µs`).
    pub fn count_suffix(self) -> Option<&'static str> {
        match self {
            Measure::Time => None,
            Measure::Instructions => Some("instr"),
            Measure::EstimatedCycles => Some("est. cycles"),
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Measure::Time => "time",
            Measure::Instructions => "instructions",
            Measure::EstimatedCycles => "estimated-cycles",
        })
    }
}

/// A count with three or four significant digits and an SI prefix:
/// `812`, `13.1 k`, `127.5 M`, `1.275 G`. Pure.
pub fn count(value: f64) -> String {
    let a = value.abs();
    let (scaled, prefix) = match a {
        a if a >= 999.95e6 => (value / 1e9, " G"),
        a if a >= 999.95e3 => (value / 1e6, " M"),
        a if a >= 999.95 => (value / 1e3, " k"),
        // Per-loop spreads can be fractions of an instruction.
        a if a >= 99.95 => return format!("{value:.0}"),
        a if a >= 9.995 => return format!("{value:.1}"),
        a if a > 0.0 => return format!("{value:.2}"),
        _ => return "0".into(),
    };
    match scaled.abs() {
        s if s >= 99.995 => format!("{scaled:.1}{prefix}"),
        s if s >= 9.9995 => format!("{scaled:.2}{prefix}"),
        _ => format!("{scaled:.3}{prefix}"),
    }
}

/// Callgrind's raw evidence for one process: every measured window's events
/// (the bracketing taken off), the bracketing's own events, and the weights
/// of the cycle estimate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub windows: Vec<BTreeMap<String, u64>>,
    pub window_overhead: BTreeMap<String, u64>,
    pub cycle_weights: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_keep_their_digits_with_a_prefix() {
        assert_eq!(count(812.0), "812");
        assert_eq!(count(31.24), "31.2");
        assert_eq!(count(0.333), "0.33");
        assert_eq!(count(0.0), "0");
        assert_eq!(count(13_143.8), "13.14 k");
        assert_eq!(count(127_501_240.3), "127.5 M");
        assert_eq!(count(1_275_012_403.0), "1.275 G");
        assert_eq!(count(999_960.0), "1.000 M");
    }

    #[test]
    fn every_measure_says_its_unit() {
        assert_eq!(Measure::Instructions.count_suffix(), Some("instr"));
        assert_eq!(Measure::Time.count_suffix(), None);
        let json = serde_json::to_string(&Measure::EstimatedCycles).unwrap();
        assert_eq!(json, "\"estimated-cycles\"");
    }
}
