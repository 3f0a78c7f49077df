//! The built-in config.yaml as the ground a user's file is laid over: a
//! mapping the user leaves out, in whole or in part, keeps the built-in
//! values, so `containers: {user: "1000:1000"}` alone is a whole config.
//! Lists and values the user gives replace the built-in ones whole (a
//! `pythons:` list is the user's list, not the built-in one plus it), so
//! what a file means can be read off the file and the built-in one.
//!
//! serde fills a left-out key from the function named in the struct's
//! `#[serde(default = "…")]`, which it calls for every mapping it reads.
//! While the built-in file itself is being read, there is nothing to fill
//! from yet: the functions give `Default` values then, which its complete
//! text never uses (a test keeps it complete).

use std::sync::OnceLock;

use super::load::{parse_text, Source, DEFAULT_YAML};
use super::model::*;

static BUILT_IN: OnceLock<Config> = OnceLock::new();

/// The built-in configuration, read once.
pub fn built_in() -> &'static Config {
    BUILT_IN.get_or_init(|| {
        parse_text(DEFAULT_YAML, &Source::Embedded).expect("the built-in config.yaml is valid")
    })
}

/// The built-in value of one mapping, or `Default` while the built-in file
/// is being read.
fn part<T: Clone + Default>(pick: fn(&Config) -> &T) -> T {
    BUILT_IN.get().map(|c| pick(c).clone()).unwrap_or_default()
}

pub fn config() -> Config {
    part(|c| c)
}
pub fn sources() -> Sources {
    part(|c| &c.sources)
}
pub fn build() -> Build {
    part(|c| &c.build)
}
pub fn base() -> Base {
    part(|c| &c.base)
}
pub fn images() -> Images {
    part(|c| &c.images)
}
pub fn benchmarks() -> Benchmarks {
    part(|c| &c.benchmarks)
}
pub fn gil() -> GilDefaults {
    part(|c| &c.benchmarks.gil)
}
pub fn jit() -> JitDefaults {
    part(|c| &c.benchmarks.jit)
}
pub fn containers() -> Containers {
    part(|c| &c.containers)
}
pub fn archives() -> Archives {
    part(|c| &c.archives)
}

#[cfg(test)]
mod tests {
    use super::super::load::parse;
    use super::*;

    /// Every key the model has is written in the built-in text, so that no
    /// `Default` value stands in for a missing one.
    #[test]
    fn the_built_in_text_names_every_key() {
        fn keys(value: &serde_yaml::Value, at: &str, out: &mut Vec<String>) {
            if let serde_yaml::Value::Mapping(m) = value {
                for (k, v) in m {
                    if v.is_null() {
                        continue; // an absent Option
                    }
                    let path = format!("{at}.{}", k.as_str().unwrap());
                    out.push(path.clone());
                    keys(v, &path, out);
                }
            }
        }
        let (mut model, mut text) = (vec![], vec![]);
        keys(&serde_yaml::to_value(built_in()).unwrap(), "", &mut model);
        keys(&serde_yaml::from_str(DEFAULT_YAML).unwrap(), "", &mut text);
        let missing: Vec<&String> = model.iter().filter(|k| !text.contains(k)).collect();
        assert!(missing.is_empty(), "not in config.yaml: {missing:?}");
    }

    #[test]
    fn a_partial_section_keeps_the_built_in_rest() {
        let c = parse("containers:\n  user: \"2000:2000\"\n", &Source::Embedded).unwrap();
        assert_eq!(c.containers.user, "2000:2000");
        assert_eq!(c.containers.memory_mb, built_in().containers.memory_mb);
        assert_eq!(c.pythons, built_in().pythons);
        let c = parse("benchmarks:\n  gil:\n    threads: 2\n", &Source::Embedded).unwrap();
        assert_eq!(c.benchmarks.gil.threads, Some(2));
        assert_eq!(c.benchmarks.gil.n, built_in().benchmarks.gil.n);
        assert_eq!(c.benchmarks.repeat, built_in().benchmarks.repeat);
    }

    #[test]
    fn lists_replace_the_built_in_ones_whole() {
        let c = parse(
            "base:\n  runtime-packages: [python3]\nsources:\n  mirrors: [\"file:///m/{version}\"]\n",
            &Source::Embedded,
        )
        .unwrap();
        assert_eq!(c.base.runtime_packages, ["python3"]);
        assert_eq!(c.base.builder_packages, built_in().base.builder_packages);
        assert_eq!(c.sources.mirrors, ["file:///m/{version}"]);
    }

    #[test]
    fn an_empty_file_is_the_built_in_config() {
        for text in ["", "{}\n", "# nothing\n"] {
            assert_eq!(
                &parse(text, &Source::Embedded).unwrap(),
                built_in(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_typo_in_a_partial_file_still_names_its_line() {
        let e = parse("containers:\n  usr: \"1:1\"\n", &Source::Embedded)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown field `usr`") && e.contains("line 2, column 3"),
            "{e}"
        );
    }
}
