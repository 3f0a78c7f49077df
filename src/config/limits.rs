//! Bounds on the `containers:` limits. Docker reads a memory or pids limit of 0
//! (and a pids limit of -1) as "unlimited", and a tmpfs of size 0 has no size cap,
//! so an innocent-looking 0 would silently switch off part of the container
//! lockdown. Every limit must therefore lie in a sane range, checked at load time,
//! before anything talks to Docker.

use super::locate::key_location;
use super::model::Containers;

/// One numeric key under `containers:` and the range it must lie in.
pub struct Limit {
    /// The key as written in config.yaml.
    pub key: &'static str,
    pub min: i128,
    pub max: i128,
    /// Unit and a readable form of `max`, e.g. "MB (1 TiB)".
    pub unit: &'static str,
    /// Why values below `min` are refused.
    pub why_min: &'static str,
    /// Why values above `max` are refused.
    pub why_max: &'static str,
    /// The value in the built-in config.yaml, suggested in the message.
    pub default: i128,
    pub get: fn(&Containers) -> i128,
}

/// 1 TiB in MB: more memory or tmpfs than this is a typo, not a benchmark.
const ONE_TIB_MB: i128 = 1024 * 1024;

pub const LIMITS: [Limit; 4] = [
    Limit {
        key: "timeout-seconds",
        min: 1,
        max: 7 * 24 * 60 * 60,
        unit: "seconds (7 days)",
        why_min: "a timeout of 0 would kill every container as soon as it starts",
        why_max: "a container that hangs would hold the run for more than a week",
        default: 900,
        get: |c| c.timeout_seconds.into(),
    },
    Limit {
        key: "memory-mb",
        min: 64,
        max: ONE_TIB_MB,
        unit: "MB (1 TiB)",
        why_min: "Docker reads 0 as \"no limit\", which would silently switch off the \
                  containers' memory cap, and CPython builds and benchmarks need at least 64 MB",
        why_max: "no benchmark host has more, so a larger value is a typo",
        default: 4096,
        get: |c| c.memory_mb.into(),
    },
    Limit {
        key: "pids-limit",
        min: 16,
        max: 4 * 1024 * 1024,
        unit: "processes (the Linux kernel's largest pid_max)",
        why_min: "Docker reads 0 and -1 as \"no limit\", which would silently switch off the \
                  containers' process cap, and the interpreter, make and their threads need \
                  at least 16",
        why_max: "the Linux kernel never allows more processes than that",
        default: 512,
        get: |c| c.pids_limit.into(),
    },
    Limit {
        key: "tmpfs-mb",
        min: 1,
        max: ONE_TIB_MB,
        unit: "MB (1 TiB)",
        why_min: "a tmpfs of size 0 has no size cap at all and may fill half of the host's RAM",
        why_max: "the tmpfs lives in memory, so a larger value is a typo",
        default: 256,
        get: |c| c.tmpfs_mb.into(),
    },
];

/// The first limit out of range, as a one-paragraph message that names the key,
/// the value, the allowed range, the fix and, when found, where the key is in `text`.
pub fn check_limits(c: &Containers, text: &str) -> Result<(), String> {
    for limit in &LIMITS {
        let value = (limit.get)(c);
        if !(limit.min..=limit.max).contains(&value) {
            return Err(out_of_range(limit, value, text));
        }
    }
    check_user(&c.user, text)
}

/// Benchmarks and extension imports never need root: an empty user would
/// mean the image's default, which is root.
fn check_user(user: &str, text: &str) -> Result<(), String> {
    let name = user.split(':').next().unwrap_or_default().trim();
    if !matches!(name, "" | "0" | "root") {
        return Ok(());
    }
    let location = key_location(text, &["containers", "user"])
        .map(|(line, column)| format!(" (line {line}, column {column})"))
        .unwrap_or_default();
    Err(format!(
        "`containers.user` is {user:?}{location}, which runs the containers as root: the \
         lockdown assumes an unprivileged user. Set `user:` under `containers:` to a \
         non-root uid:gid such as \"1000:1000\" (the built-in default) and run again."
    ))
}

fn out_of_range(limit: &Limit, value: i128, text: &str) -> String {
    let Limit { key, min, max, .. } = limit;
    let location = key_location(text, &["containers", key])
        .map(|(line, column)| format!(" (line {line}, column {column})"))
        .unwrap_or_default();
    let why = if value < limit.min {
        limit.why_min
    } else {
        limit.why_max
    };
    format!(
        "`containers.{key}` is {value}{location}, but it must be between {min} and {max} {unit}: \
         {why}. Set `{key}:` under `containers:` to a value in that range (the built-in \
         default is {default}) and run again.",
        unit = limit.unit,
        default = limit.default,
    )
}

#[cfg(test)]
mod tests {
    use super::super::load::{parse, Source, DEFAULT_YAML};
    use super::*;

    /// The built-in config.yaml with `key: value` under `containers:`.
    fn with(key: &str, value: i128) -> String {
        let c = parse(DEFAULT_YAML, &Source::Embedded).unwrap().containers;
        let limit = LIMITS.iter().find(|l| l.key == key).unwrap();
        let line = format!("  {key}: {}\n", (limit.get)(&c));
        assert!(DEFAULT_YAML.contains(&line), "{line:?} not in config.yaml");
        DEFAULT_YAML.replace(&line, &format!("  {key}: {value}\n"))
    }

    /// 1-based line of `key` under `containers:`, found independently of `locate`.
    fn line_of(text: &str, key: &str) -> usize {
        let lines: Vec<&str> = text.lines().collect();
        let parent = lines.iter().position(|l| *l == "containers:").unwrap();
        let below = lines[parent..]
            .iter()
            .position(|l| l.starts_with(&format!("  {key}:")));
        parent + below.unwrap() + 1
    }

    #[test]
    fn defaults_are_in_range_and_quoted_right() {
        let c = parse(DEFAULT_YAML, &Source::Embedded).unwrap().containers;
        for limit in &LIMITS {
            assert_eq!((limit.get)(&c), limit.default, "{}", limit.key);
            assert!(limit.min <= limit.default && limit.default <= limit.max);
        }
    }

    #[test]
    fn each_limit_accepts_its_bounds_and_rejects_beyond() {
        for limit in &LIMITS {
            for ok in [limit.min, limit.max] {
                let text = with(limit.key, ok);
                let c = parse(&text, &Source::Embedded)
                    .unwrap_or_else(|e| panic!("{} = {ok}: {e}", limit.key));
                assert_eq!((limit.get)(&c.containers), ok);
            }
            for bad in [limit.min - 1, limit.max + 1] {
                let text = with(limit.key, bad);
                let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
                let (line, key) = (line_of(&text, limit.key), limit.key);
                let wanted = format!("`containers.{key}` is {bad} (line {line}, column 3)");
                assert!(e.contains(&wanted), "{e}");
                assert!(e.contains(&format!("between {} and {}", limit.min, limit.max)));
                assert!(
                    e.contains(&format!("Set `{key}:` under `containers:`")),
                    "{e}"
                );
                assert!(!e.contains('\n'), "one paragraph: {e}");
            }
        }
    }

    #[test]
    fn memory_zero_is_refused_with_its_location() {
        let text = with("memory-mb", 0);
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
    fn root_or_empty_user_is_refused() {
        for user in ["\"\"", "\"0:0\"", "root", "\"0\""] {
            let text = DEFAULT_YAML.replace("user: \"1000:1000\"", &format!("user: {user}"));
            let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
            assert!(e.contains("runs the containers as root"), "{user}: {e}");
        }
        let text = DEFAULT_YAML.replace("user: \"1000:1000\"", "user: \"65534:65534\"");
        assert!(parse(&text, &Source::Embedded).is_ok());
    }

    #[test]
    fn pids_minus_one_is_refused() {
        let e = parse(&with("pids-limit", -1), &Source::Embedded)
            .unwrap_err()
            .to_string();
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
        let text = format!(
            "{}containers: {{timeout-seconds: 0, memory-mb: 4096, pids-limit: 512, tmpfs-mb: 1, user: \"1:1\"}}\n",
            &DEFAULT_YAML[..start]
        );
        let line = text.lines().count();
        let e = parse(&text, &Source::Embedded).unwrap_err().to_string();
        assert!(e.contains(&format!("is 0 (line {line}, column 14)")), "{e}");
    }
}
