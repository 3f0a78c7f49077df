//! Every number in config.yaml and the range it must lie in, checked at load
//! time, before anything talks to Docker. A number that also has a flag takes
//! the flag's range from the same definition (src/ranges.rs), so `values: 0`
//! is refused like `--values 0`.
//!
//! Docker reads a memory or pids limit of 0 (and a pids limit of -1) as
//! "unlimited", and a tmpfs of size 0 has no size cap, so an innocent-looking
//! 0 would silently switch off part of the container lockdown: those limits
//! have ranges of their own here.

use super::locate::key_location;
use super::model::Config;
use crate::ranges::{self, Range};

/// One numeric key of config.yaml and the range it must lie in.
pub struct Number {
    /// The key's path, as written in config.yaml: `["containers", "memory-mb"]`.
    pub path: &'static [&'static str],
    pub range: Range,
    /// The command-line flag with the same range, if there is one.
    pub flag: Option<&'static str>,
    /// Why values below the range are refused; empty when it goes without saying.
    pub why_min: &'static str,
    /// Why values above the range are refused.
    pub why_max: &'static str,
    /// A value outside the range that means something (`build.jobs: 0`: the engine's CPUs).
    pub special: Option<f64>,
    /// The built-in config.yaml's value, as the message suggests it.
    pub default: &'static str,
    /// The value in a config; `None` when the key is absent and may be.
    pub get: fn(&Config) -> Option<f64>,
}

/// 1 TiB in MB: more memory or tmpfs than this is a typo, not a benchmark.
const ONE_TIB_MB: u64 = 1024 * 1024;

const fn range(min: i64, max: u64, unit: &'static str) -> Range {
    Range {
        min: min as f64,
        max: max as f64,
        unit,
    }
}

const TYPO: &str = "a larger value is a typo, not a benchmark";

pub const NUMBERS: [Number; 16] = [
    Number {
        path: &["build", "jobs"],
        range: ranges::JOBS,
        flag: Some("build --jobs"),
        why_min: "",
        why_max: "no engine has that many CPUs, and each job is a compiler process",
        special: Some(0.0),
        default: "0 (the engine's CPUs)",
        get: |c| Some(c.build.jobs.into()),
    },
    Number {
        path: &["benchmarks", "repeat"],
        range: ranges::PROCESSES,
        flag: Some("--processes"),
        why_min: "a configuration measured in no process has no result",
        why_max: TYPO,
        special: None,
        default: "20",
        get: |c| Some(c.benchmarks.repeat.into()),
    },
    Number {
        path: &["benchmarks", "warmup"],
        range: ranges::WARMUP_PROCESSES,
        flag: Some("--warmup-processes"),
        why_min: "",
        why_max: TYPO,
        special: None,
        default: "0",
        get: |c| Some(c.benchmarks.warmup.into()),
    },
    Number {
        path: &["benchmarks", "values"],
        range: ranges::VALUES,
        flag: Some("--values"),
        why_min: "a process that keeps no value measures nothing",
        why_max: TYPO,
        special: None,
        default: "5",
        get: |c| Some(c.benchmarks.values.into()),
    },
    Number {
        path: &["benchmarks", "warmups"],
        range: ranges::WARMUPS,
        flag: Some("--warmups"),
        why_min: "",
        why_max: TYPO,
        special: None,
        default: "1",
        get: |c| Some(c.benchmarks.warmups.into()),
    },
    Number {
        path: &["benchmarks", "min-time"],
        range: ranges::MIN_TIME,
        flag: Some("--min-time"),
        why_min:
            "the clock cannot time shorter values precisely, and 0, negative, NaN or infinite \
                  times cannot be calibrated to",
        why_max: "a longer value only makes the run slower",
        special: None,
        default: "0.1",
        get: |c| Some(c.benchmarks.min_time),
    },
    Number {
        path: &["benchmarks", "band"],
        range: ranges::BAND_PERCENT,
        flag: Some("--band"),
        why_min: "a band of no width calls every difference a change",
        why_max: "beyond ±50 % the band hides every change worth reporting",
        special: None,
        default: "none: leave it out for ±10 %",
        get: |c| c.benchmarks.band,
    },
    Number {
        path: &["benchmarks", "gil", "n"],
        range: ranges::N,
        flag: Some("-n"),
        why_min: "fib(0) is no work to time",
        why_max: TYPO,
        special: None,
        default: "25",
        get: |c| Some(c.benchmarks.gil.n.into()),
    },
    Number {
        path: &["benchmarks", "gil", "threads"],
        range: ranges::THREADS,
        flag: Some("--threads"),
        why_min: "a run needs at least one thread",
        why_max: TYPO,
        special: None,
        default: "none: leave it out for the container's CPU count",
        get: |c| c.benchmarks.gil.threads.map(f64::from),
    },
    Number {
        path: &["benchmarks", "jit", "n"],
        range: ranges::N,
        flag: Some("-n"),
        why_min: "no call of fib() is no work to time",
        why_max: TYPO,
        special: None,
        default: "10000",
        get: |c| Some(c.benchmarks.jit.n.into()),
    },
    Number {
        path: &["containers", "timeout-seconds"],
        range: ranges::TIMEOUT_SECONDS,
        flag: Some("--timeout"),
        why_min: "a timeout of 0 would kill every container as soon as it starts",
        why_max: "a container that hangs would hold the run for more than a week",
        special: None,
        default: "900",
        get: |c| Some(c.containers.timeout_seconds as f64),
    },
    Number {
        path: &["containers", "memory-mb"],
        range: range(64, ONE_TIB_MB, "MB (1 TiB)"),
        flag: None,
        why_min: "Docker reads 0 as \"no limit\", which would silently switch off the \
                  containers' memory cap, and CPython builds and benchmarks need at least 64 MB",
        why_max: "no benchmark host has more, so a larger value is a typo",
        special: None,
        default: "4096",
        get: |c| Some(c.containers.memory_mb as f64),
    },
    Number {
        path: &["containers", "pids-limit"],
        range: range(
            16,
            4 * 1024 * 1024,
            "processes (the Linux kernel's largest pid_max)",
        ),
        flag: None,
        why_min: "Docker reads 0 and -1 as \"no limit\", which would silently switch off the \
                  containers' process cap, and the interpreter, make and their threads need \
                  at least 16",
        why_max: "the Linux kernel never allows more processes than that",
        special: None,
        default: "512",
        get: |c| Some(c.containers.pids_limit as f64),
    },
    Number {
        path: &["containers", "tmpfs-mb"],
        range: range(1, ONE_TIB_MB, "MB (1 TiB)"),
        flag: None,
        why_min: "a tmpfs of size 0 has no size cap at all and may fill half of the host's RAM",
        why_max: "the tmpfs lives in memory, so a larger value is a typo",
        special: None,
        default: "256",
        get: |c| Some(c.containers.tmpfs_mb as f64),
    },
    Number {
        path: &["archives", "max-unpacked-mb"],
        range: ranges::UNPACKED_MB,
        flag: None,
        why_min: "no package unpacks to nothing",
        why_max: "an archive that unpacks to more is a decompression bomb, not a package",
        special: None,
        default: "512",
        get: |c| Some(c.archives.max_unpacked_mb as f64),
    },
    Number {
        path: &["archives", "max-entries"],
        range: ranges::UNPACKED_ENTRIES,
        flag: None,
        why_min: "no package has no files",
        why_max: "an archive with more entries is a bomb, not a package",
        special: None,
        default: "100000",
        get: |c| Some(c.archives.max_entries as f64),
    },
];

/// The first number out of range, as a one-paragraph message that names the
/// key, the value, the allowed range, the fix and, when found, where the key
/// is in `text`.
pub fn check_numbers(c: &Config, text: &str) -> Result<(), String> {
    for number in &NUMBERS {
        let Some(value) = (number.get)(c) else {
            continue;
        };
        if !number.range.contains(value) && number.special != Some(value) {
            return Err(out_of_range(number, value, text));
        }
    }
    Ok(())
}

fn out_of_range(number: &Number, value: f64, text: &str) -> String {
    let (key, parent) = number.path.split_last().expect("a path has a key");
    let (dotted, parent) = (number.path.join("."), parent.join("."));
    let location = key_location(text, number.path)
        .map(|(line, column)| format!(" (line {line}, column {column})"))
        .unwrap_or_default();
    let why = if value < number.range.min || value.is_nan() {
        number.why_min
    } else {
        number.why_max
    };
    let why = match why {
        "" => String::new(),
        why => format!(": {why}"),
    };
    let flag = number
        .flag
        .map(|f| format!(" (the range of {f} on the command line)"))
        .unwrap_or_default();
    let special = match number.special {
        Some(s) => format!(", or {s}"),
        None => String::new(),
    };
    format!(
        "`{dotted}` is {value}{location}, but it must be {range}{special}{flag}{why}. Set \
         `{key}:` under `{parent}:` to a value in that range, or leave it out for the built-in \
         {default}, and run again.",
        range = number.range.describe(),
        default = number.default,
    )
}

#[cfg(test)]
mod tests {
    use super::super::load::{parse, Source, DEFAULT_YAML};
    use super::*;

    /// The built-in config.yaml with `key: value` under its parent, written
    /// into the parent's block (the parent's other keys kept).
    fn with(number: &Number, value: &str) -> String {
        let (key, parents) = number.path.split_last().unwrap();
        let indent = "  ".repeat(parents.len());
        let built_in = parse(DEFAULT_YAML, &Source::Embedded).unwrap();
        let line = match (number.get)(&built_in) {
            Some(v) => format!("{indent}{key}: {v}\n"),
            None => String::new(),
        };
        if !line.is_empty() && DEFAULT_YAML.contains(&line) {
            return DEFAULT_YAML.replacen(&line, &format!("{indent}{key}: {value}\n"), 1);
        }
        // Absent from the built-in (or spelled otherwise): append to the parent's block.
        let mut at = 0;
        for (depth, parent) in parents.iter().enumerate() {
            let head = format!("\n{}{parent}:\n", "  ".repeat(depth));
            at += DEFAULT_YAML[at..].find(&head).unwrap() + head.len();
        }
        let mut text = DEFAULT_YAML.to_string();
        text.insert_str(at, &format!("{indent}{key}: {value}\n"));
        text
    }

    fn line_of(text: &str, number: &Number) -> usize {
        let key = format!("{}:", number.path.last().unwrap());
        let (mut line, mut from) = (0, 0);
        let lines: Vec<&str> = text.lines().collect();
        for part in number.path {
            let want = format!("{part}:");
            let i = lines[from..]
                .iter()
                .position(|l| l.trim_start().starts_with(&want))
                .unwrap();
            line = from + i;
            from = line + 1;
        }
        assert!(lines[line].trim_start().starts_with(&key));
        line + 1
    }

    #[test]
    fn defaults_are_the_built_in_values_and_in_range() {
        let c = parse(DEFAULT_YAML, &Source::Embedded).unwrap();
        for number in &NUMBERS {
            let said: f64 = number
                .default
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap_or(-1.0);
            match (number.get)(&c) {
                Some(v) => {
                    assert_eq!(v, said, "{:?}", number.path);
                    assert!(number.range.contains(v) || number.special == Some(v));
                }
                None => assert!(number.default.starts_with("none"), "{:?}", number.path),
            }
        }
    }

    #[test]
    fn each_number_accepts_its_bounds_and_refuses_beyond() {
        for number in &NUMBERS {
            let r = number.range;
            for ok in [r.min, r.max] {
                let text = with(number, &ok.to_string());
                let c = parse(&text, &Source::Embedded)
                    .unwrap_or_else(|e| panic!("{:?} = {ok}: {e}", number.path));
                assert_eq!((number.get)(&c), Some(ok));
            }
            let below = if r.min.fract() == 0.0 {
                r.min - 1.0
            } else {
                0.0
            };
            for bad in [below, r.max + 1.0] {
                if bad < 0.0 && !number.path.contains(&"pids-limit") {
                    continue; // an unsigned key: serde refuses it, with its location
                }
                if number.special == Some(bad) {
                    continue; // `jobs: 0`
                }
                let text = with(number, &bad.to_string());
                let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
                let dotted = number.path.join(".");
                let line = line_of(&text, number);
                assert!(
                    e.contains(&format!("`{dotted}` is {bad} (line {line}, column ")),
                    "{e}"
                );
                assert!(e.contains(&r.describe()), "{e}");
                let key = number.path.last().unwrap();
                assert!(e.contains(&format!("Set `{key}:` under `")), "{e}");
                assert!(!e.contains('\n'), "one paragraph: {e}");
            }
        }
    }

    #[test]
    fn the_values_the_issue_names_are_refused_like_their_flags() {
        let find = |key: &str| NUMBERS.iter().find(|n| n.path.ends_with(&[key])).unwrap();
        let cases = [
            ("values", "0", "--values"),
            ("min-time", "-5", "--min-time"),
            ("min-time", ".nan", "--min-time"),
            ("min-time", ".inf", "--min-time"),
            ("threads", "0", "--threads"),
            ("threads", "4294967295", "--threads"),
            ("jobs", "4294967295", "build --jobs"),
        ];
        for (key, value, flag) in cases {
            let e = parse(&with(find(key), value), &Source::Embedded)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("the range of {flag} on")),
                "{key}: {value}: {e}"
            );
        }
        // jobs: 0 keeps its meaning.
        assert!(parse(&with(find("jobs"), "0"), &Source::Embedded).is_ok());
    }

    #[test]
    fn memory_zero_is_refused_with_its_location() {
        let text = DEFAULT_YAML.replace("  memory-mb: 4096\n", "  memory-mb: 0\n");
        let line = text.lines().position(|l| l == "  memory-mb: 0").unwrap() + 1;
        let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "the built-in config.yaml is not valid: `containers.memory-mb` is 0 \
                 (line {line}, column 3), but it must be between 64 and 1048576 MB (1 TiB): \
                 Docker reads 0 as \"no limit\""
            )),
            "{e}"
        );
    }

    #[test]
    fn pids_minus_one_is_refused() {
        let text = DEFAULT_YAML.replace("  pids-limit: 512\n", "  pids-limit: -1\n");
        let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
        assert!(e.contains("`containers.pids-limit` is -1 (line "), "{e}");
        assert!(e.contains("between 16 and 4194304"), "{e}");
    }

    #[test]
    fn location_follows_the_key_when_it_moves() {
        let text = DEFAULT_YAML.replace(
            "  memory-mb: 4096\n",
            "  # memory below\n\n      \n  memory-mb:    32   # too small\n",
        );
        let line = text.lines().position(|l| l.contains("32   #")).unwrap() + 1;
        let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
        assert!(e.contains(&format!("is 32 (line {line}, column 3)")), "{e}");
    }

    #[test]
    fn flow_style_is_located_too() {
        let start = DEFAULT_YAML.find("\ncontainers:").unwrap() + 1;
        let end = DEFAULT_YAML.find("\n# Docker Engines").unwrap() + 1;
        let text = format!(
            "{}containers: {{timeout-seconds: 0, memory-mb: 4096, pids-limit: 512, tmpfs-mb: 1, user: \"1:1\"}}\n{}",
            &DEFAULT_YAML[..start],
            &DEFAULT_YAML[end..]
        );
        let line = text
            .lines()
            .position(|l| l.starts_with("containers: {"))
            .unwrap()
            + 1;
        let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
        assert!(e.contains(&format!("is 0 (line {line}, column 14)")), "{e}");
    }
}
