//! The range of every number a user sets, on the command line and in
//! config.yaml alike: one definition per quantity, read by clap's value
//! parsers (src/cli.rs) and by the configuration's check (src/config/numbers.rs),
//! so a value one of them refuses the other refuses too.

/// An inclusive range with the unit its numbers count. Bounds are `f64` so
/// that one type holds whole counts and seconds alike; every integer bound is
/// far below 2^53, where `f64` is exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    /// What the numbers count, and a readable form of a large `max`:
    /// "processes", "seconds (7 days)".
    pub unit: &'static str,
}

impl Range {
    /// NaN lies in no range, and neither do the infinities.
    pub fn contains(&self, value: f64) -> bool {
        value.is_finite() && self.min <= value && value <= self.max
    }

    /// "between 1 and 1000 processes"
    pub fn describe(&self) -> String {
        let unit = match self.unit {
            "" => String::new(),
            unit => format!(" {unit}"),
        };
        format!("between {} and {}{unit}", self.min, self.max)
    }

    /// clap's parser of a `u32` flag in this range.
    pub fn u32_parser(&self) -> clap::builder::RangedI64ValueParser<u32> {
        clap::value_parser!(u32).range(self.min as i64..=self.max as i64)
    }

    /// clap's parser of a `u64` flag in this range.
    pub fn u64_parser(&self) -> clap::builder::RangedU64ValueParser<u64> {
        clap::value_parser!(u64).range(self.min as u64..=self.max as u64)
    }

    /// A parser of a number of seconds in this range, for clap.
    pub fn seconds(&self, text: &str) -> Result<f64, String> {
        let value: f64 = text
            .parse()
            .map_err(|_| format!("{text:?} is not a number of seconds, e.g. 0.1"))?;
        if self.contains(value) {
            Ok(value)
        } else {
            Err(format!("{value} is not {}", self.describe()))
        }
    }
}

impl Range {
    /// A parser of a percentage in this range, for clap: `1`, `2.5`, `1%`.
    pub fn percent(&self, text: &str) -> Result<f64, String> {
        let value: f64 = (text.trim_end_matches('%').parse())
            .map_err(|_| format!("{text:?} is not a percentage, e.g. 1 or 2.5"))?;
        match self.contains(value) {
            true => Ok(value),
            false => Err(format!("{value} is not {}", self.describe())),
        }
    }
}

const fn whole(min: u64, max: u64, unit: &'static str) -> Range {
    Range {
        min: min as f64,
        max: max as f64,
        unit,
    }
}

/// `--processes` / `benchmarks.repeat`: measured containers per configuration.
pub const PROCESSES: Range = whole(1, 1000, "processes");
/// `--warmup-processes` / `benchmarks.warmup`.
pub const WARMUP_PROCESSES: Range = whole(0, 100, "processes");
/// `--values` / `benchmarks.values`: measured values per process.
pub const VALUES: Range = whole(1, 10_000, "values");
/// `--warmups` / `benchmarks.warmups`: discarded values per process.
pub const WARMUPS: Range = whole(0, 1000, "values");
/// `--min-time` / `benchmarks.min-time`: the shortest value the harness calibrates to.
pub const MIN_TIME: Range = Range {
    min: 0.001,
    max: 60.0,
    unit: "seconds",
};
/// `--band` / `benchmarks.band`: the half-width of the status band, in percent.
pub const BAND_PERCENT: Range = Range {
    min: 0.01,
    max: 50.0,
    unit: "percent",
};
/// `-n` / `benchmarks.gil.n` and `benchmarks.jit.n`.
pub const N: Range = whole(1, 100_000_000, "");
/// `--threads` / `benchmarks.gil.threads`.
pub const THREADS: Range = whole(1, 1024, "threads");
/// `build --jobs` / `build.jobs` (where 0 also means "the engine's CPUs").
pub const JOBS: Range = whole(1, 1024, "jobs");
/// `--timeout` / `containers.timeout-seconds`.
pub const TIMEOUT_SECONDS: Range = whole(1, 7 * 24 * 60 * 60, "seconds (7 days)");
/// `archives.max-unpacked-mb`: what one sdist or wheel may unpack to.
pub const UNPACKED_MB: Range = whole(1, 64 * 1024, "MB (64 GiB)");
/// `archives.max-entries`: files, folders and links in one sdist or wheel.
pub const UNPACKED_ENTRIES: Range = whole(1, 10_000_000, "entries");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_is_a_percentage_between_a_hundredth_and_a_half() {
        assert_eq!(BAND_PERCENT.percent("1"), Ok(1.0));
        assert_eq!(BAND_PERCENT.percent("2.5%"), Ok(2.5));
        for bad in ["0", "-1", "51", "nan", "ten"] {
            assert!(BAND_PERCENT.percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nan_and_infinities_are_in_no_range() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(!MIN_TIME.contains(v), "{v}");
            assert!(!PROCESSES.contains(v), "{v}");
        }
        assert!(MIN_TIME.contains(0.001) && MIN_TIME.contains(60.0));
        assert!(!MIN_TIME.contains(-5.0) && !MIN_TIME.contains(60.5));
    }

    #[test]
    fn seconds_are_parsed_and_bounded() {
        assert_eq!(MIN_TIME.seconds("0.5"), Ok(0.5));
        for bad in ["NaN", "inf", "-5", "0", "61"] {
            let e = MIN_TIME.seconds(bad).unwrap_err();
            assert!(e.contains("between 0.001 and 60 seconds"), "{bad}: {e}");
        }
        assert!(MIN_TIME
            .seconds("soon")
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn the_clap_parsers_keep_the_bounds() {
        use clap::builder::TypedValueParser;
        let cmd = clap::Command::new("t");
        let parse = |r: &Range, v: &str| {
            r.u32_parser()
                .parse_ref(&cmd, None, std::ffi::OsStr::new(v))
                .is_ok()
        };
        assert!(parse(&THREADS, "1") && parse(&THREADS, "1024"));
        assert!(!parse(&THREADS, "0") && !parse(&THREADS, "1025"));
        assert!(!parse(&JOBS, "4294967295"));
        let parse64 = |v: &str| {
            TIMEOUT_SECONDS
                .u64_parser()
                .parse_ref(&cmd, None, std::ffi::OsStr::new(v))
                .is_ok()
        };
        assert!(parse64("604800") && !parse64("604801") && !parse64("0"));
    }
}
