//! Loading `config.yaml`: the embedded default or a user's file, parsed strictly
//! and then checked for things serde cannot see (hex digests, known placeholders).

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::builtin::built_in;
use super::depth::{too_deep, MAX_DEPTH};
use super::model::{Config, PythonRelease};
use super::numbers::check_numbers;
use super::user::check_user;
use super::values::check_base;
use crate::regular_file::{self, Links};

/// No configuration is larger (the built-in one is 5 KB); a larger file is
/// the wrong file.
const CONFIG_LIMIT: u64 = 1 << 20;

/// The default configuration, compiled into the binary.
pub const DEFAULT_YAML: &str = include_str!("../../config.yaml");

/// Where a configuration came from, for error messages and result metadata.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Embedded,
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Embedded => write!(f, "the built-in config.yaml"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error(
        "cannot read the configuration file {path}: {source}. Check the path given to --config."
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin} is not valid: {message}{location}. Fix that line (`pybench-docker config` prints the built-in file with every key) and run again.")]
    Syntax {
        origin: String,
        message: String,
        location: String,
    },
    #[error("{origin} is not valid: {problem}")]
    Invalid { origin: String, problem: String },
}

pub fn load(path: Option<&Path>) -> Result<(Config, Source), ConfigError> {
    match path {
        None => Ok((built_in().clone(), Source::Embedded)),
        Some(p) => {
            let text =
                regular_file::read_to_string(p, CONFIG_LIMIT, Links::Follow).map_err(|source| {
                    ConfigError::Read {
                        path: p.to_path_buf(),
                        source,
                    }
                })?;
            let origin = Source::File(p.to_path_buf());
            let mut config = parse(&text, &origin)?;
            let dir = p.parent().unwrap_or(Path::new("."));
            resolve_own_sources(&mut config, dir).map_err(|problem| ConfigError::Invalid {
                origin: origin.to_string(),
                problem,
            })?;
            Ok((config, origin))
        }
    }
}

/// A user's configuration, laid over the built-in one, and checked.
pub fn parse(text: &str, origin: &Source) -> Result<Config, ConfigError> {
    built_in();
    parse_text(text, origin)
}

/// [`parse`] without making sure the built-in configuration is read first:
/// what reads the built-in configuration.
pub fn parse_text(text: &str, origin: &Source) -> Result<Config, ConfigError> {
    if let Some((line, depth)) = too_deep(text) {
        return Err(ConfigError::Invalid {
            origin: origin.to_string(),
            problem: format!(
                "it nests {depth} levels deep at line {line}, deeper than the {MAX_DEPTH} any \
                 configuration needs (the built-in one nests 4). Write it as plain mappings and \
                 lists, starting from `pybench-docker config`, which prints the built-in file."
            ),
        });
    }
    if serde_yaml::from_str::<serde_yaml::Value>(text).is_ok_and(|v| v.is_null()) {
        // No content at all: nothing is laid over the built-in configuration.
        return parse_text("{}", origin);
    }
    let config: Config = serde_yaml::from_str(text).map_err(|e| {
        let location = e
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        // The library appends its own "at line X column Y"; we say it once, our way.
        let message = e.to_string();
        let message = match message.find(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        ConfigError::Syntax {
            origin: origin.to_string(),
            message,
            location,
        }
    })?;
    check(&config, text).map_err(|problem| ConfigError::Invalid {
        origin: origin.to_string(),
        problem,
    })?;
    Ok(config)
}

/// Checks serde cannot express. Each message says what is wrong and what to write instead.
fn check(c: &Config, text: &str) -> Result<(), String> {
    check_pythons(&c.pythons)?;
    check_mirrors(&c.sources.mirrors)?;
    check_numbers(c, text)?;
    check_user(&c.containers.user, text)?;
    check_base(&c.base)?;
    check_namespace(&c.images.namespace)
}

/// Makes every own `source` absolute (relative to the config file) and fills
/// in its version from the source itself when the entry leaves it out.
pub fn resolve_own_sources(config: &mut Config, config_dir: &Path) -> Result<(), String> {
    for p in &mut config.pythons {
        let Some(source) = &p.source else { continue };
        let source = config_dir.join(source);
        let found = crate::checkout::read_version(&source)?;
        match (p.version.is_empty(), found) {
            (true, Some(v)) => p.version = v,
            (true, None) => {
                return Err(format!(
                    "cannot tell the CPython version of {}: its name does not say it and it is not a directory with Include/patchlevel.h. Add `version: 3.x.y` to its entry.",
                    source.display()
                ))
            }
            (false, Some(v)) if crate::plan::PyVersion::parse(&v) != crate::plan::PyVersion::parse(&p.version) => {
                return Err(format!(
                    "the entry for {} says version {}, but the source is {v}. Remove `version:` (it is read from the source) or point `source:` at the right tree.",
                    source.display(),
                    p.version
                ))
            }
            _ => {}
        }
        crate::plan::PyVersion::parse(&p.version)
            .map_err(|e| format!("{} (the version of {})", e, source.display()))?;
        p.source = Some(source);
    }
    Ok(())
}

fn check_pythons(pythons: &[PythonRelease]) -> Result<(), String> {
    if pythons.is_empty() {
        return Err(
            "`pythons` is empty: list at least one CPython release with its sha256.".into(),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in pythons {
        if p.source.is_some() {
            check_own_source(p)?;
        } else {
            crate::plan::PyVersion::parse(&p.version)?;
            check_release(p)?;
        }
        let key = p.name.clone().unwrap_or_else(|| p.version.clone());
        if !seen.insert(key.clone()) {
            return Err(format!(
                "{key} is listed twice under `pythons`; keep one entry."
            ));
        }
    }
    Ok(())
}

/// An own CPython: a name to go by, no pinned sha256 (its content is the key).
fn check_own_source(p: &PythonRelease) -> Result<(), String> {
    let source = p
        .source
        .as_ref()
        .map(|s| s.display().to_string())
        .unwrap_or_default();
    let Some(name) = &p.name else {
        return Err(format!(
            "the entry with `source: {source}` needs a `name:` (e.g. `name: my-branch`): its interpreters are called my-branch, my-branch-t, ..."
        ));
    };
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'))
        && name.len() <= 64;
    if !valid {
        return Err(format!(
            "`name: {name}` (for `source: {source}`) must start with a lowercase letter and hold only lowercase letters, digits, '-', '.' and '_' (at most 64), e.g. `my-branch`: it becomes part of image tags and interpreter names."
        ));
    }
    if !p.sha256.is_empty() {
        return Err(format!(
            "`{name}` has both `source:` and `sha256:`; remove `sha256:`: an own source is identified by its content, hashed at build time."
        ));
    }
    if p.variants.is_empty() {
        return Err(format!(
            "`{name}` has no variants: list some of stock, t, j."
        ));
    }
    Ok(())
}

fn check_release(p: &PythonRelease) -> Result<(), String> {
    if let Some(name) = &p.name {
        return Err(format!(
            "`name: {name}` is only for an own `source:`; a release is named by its version ({}). Remove `name:`, or add `source:`.",
            p.version
        ));
    }
    if p.sha256.len() != 64
        || !p
            .sha256
            .chars()
            .all(|ch| matches!(ch, '0'..='9' | 'a'..='f'))
    {
        return Err(format!(
            "the sha256 of CPython {} must be 64 lowercase hex digits, got {:?}. \
             Compute it with `sha256sum Python-{}.tar.xz`.",
            p.version, p.sha256, p.version
        ));
    }
    if p.variants.is_empty() {
        return Err(format!(
            "CPython {} has no variants: list some of stock, t, j.",
            p.version
        ));
    }
    Ok(())
}

fn check_mirrors(mirrors: &[String]) -> Result<(), String> {
    if mirrors.is_empty() {
        return Err("`sources.mirrors` is empty: list at least one URL template.".into());
    }
    mirrors.iter().try_for_each(|m| check_template(m))
}

fn check_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty()
        || !namespace
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-/".contains(ch))
    {
        return Err(format!(
            "`images.namespace` {namespace:?} is not a valid image repository prefix: use lowercase letters, digits, '.', '_', '-' and '/'."
        ));
    }
    Ok(())
}

/// A mirror URL template: only known placeholders, and a scheme we can fetch.
fn check_template(t: &str) -> Result<(), String> {
    check_placeholders(t)?;
    if !(t.starts_with("http://") || t.starts_with("https://") || t.starts_with("file://")) {
        return Err(format!(
            "mirror template {t:?} must start with http://, https:// or file://."
        ));
    }
    Ok(())
}

fn check_placeholders(t: &str) -> Result<(), String> {
    const KNOWN: [&str; 3] = ["version", "major_minor", "debian_version"];
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("mirror template {t:?} has an unclosed '{{'."));
        };
        let name = &rest[open + 1..open + close];
        if !KNOWN.contains(&name) {
            return Err(format!(
                "mirror template {t:?} uses {{{name}}}; the known placeholders are {{version}}, {{major_minor}} and {{debian_version}}."
            ));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, &Source::Embedded).unwrap_err().to_string()
    }

    #[test]
    fn embedded_default_parses() {
        let c = parse(DEFAULT_YAML, &Source::Embedded).unwrap();
        assert_eq!(c.pythons[0].version, "3.13.15");
        assert_eq!(c.benchmarks.baseline, "3.13");
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let text = DEFAULT_YAML.replace("  repeat: 20", "  repaet: 20");
        let line = text.lines().position(|l| l.contains("repaet")).unwrap() + 1;
        let e = err(&text);
        assert!(e.contains("unknown field `repaet`"), "{e}");
        assert!(e.contains(&format!("line {line}, column 3")), "{e}");
    }

    #[test]
    fn wrong_type_names_line_and_column() {
        let text = DEFAULT_YAML.replace("  repeat: 20", "  repeat: lots");
        let line = text.lines().position(|l| l.contains("lots")).unwrap() + 1;
        let e = err(&text);
        assert!(e.contains(&format!("line {line}")), "{e}");
        assert!(
            e.contains("invalid type") || e.contains("invalid value"),
            "{e}"
        );
    }

    #[test]
    fn unknown_variant_is_rejected() {
        let e = err(&DEFAULT_YAML.replace("[stock, t, j]", "[stock, nogil]"));
        assert!(e.contains("nogil"), "{e}");
    }

    #[test]
    fn bad_sha256_is_explained() {
        let e = err(&DEFAULT_YAML.replace(
            "1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76",
            "1E66",
        ));
        assert!(e.contains("64 lowercase hex digits"), "{e}");
    }

    #[test]
    fn unknown_placeholder_is_rejected() {
        let e = err(&DEFAULT_YAML.replace("Python-{version}.tar.xz", "Python-{ver}.tar.xz"));
        assert!(e.contains("{ver}"), "{e}");
    }

    #[test]
    fn template_checks_keep_their_order_and_messages() {
        assert_eq!(check_template("https://x/{version}/{major_minor}"), Ok(()));
        assert_eq!(check_template("file:///srv/{debian_version}"), Ok(()));
        let unclosed = check_template("ftp://x/{version").unwrap_err();
        assert_eq!(
            unclosed,
            "mirror template \"ftp://x/{version\" has an unclosed '{'."
        );
        let unknown = check_template("ftp://x/{ver}").unwrap_err();
        assert!(unknown.starts_with("mirror template \"ftp://x/{ver}\" uses {ver};"));
        let scheme = check_template("ftp://x/{version}").unwrap_err();
        assert_eq!(
            scheme,
            "mirror template \"ftp://x/{version}\" must start with http://, https:// or file://."
        );
    }

    #[test]
    fn bad_version_is_rejected() {
        let e = err(&DEFAULT_YAML.replace("version: 3.13.15", "version: three"));
        assert!(e.contains("three"), "{e}");
    }

    #[test]
    fn missing_file_says_which() {
        let e = load(Some(Path::new("/nonexistent/pb.yaml")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/pb.yaml"), "{e}");
    }

    /// The built-in config plus `entry` under `pythons`, written next to a
    /// CPython-shaped tree `cpython/` (version `patchlevel`), then loaded.
    fn load_with(entry: &str, patchlevel: &str) -> Result<Config, String> {
        let dir = tempfile::tempdir().unwrap();
        let include = dir.path().join("cpython/Include");
        std::fs::create_dir_all(&include).unwrap();
        std::fs::write(
            include.join("patchlevel.h"),
            format!("#define PY_VERSION \"{patchlevel}\"\n"),
        )
        .unwrap();
        let text = DEFAULT_YAML.replacen("\nsources:\n", &format!("{entry}\nsources:\n"), 1);
        let cfg = dir.path().join("c.yaml");
        std::fs::write(&cfg, text).unwrap();
        load(Some(&cfg)).map(|(c, _)| c).map_err(|e| e.to_string())
    }

    #[test]
    fn an_own_source_is_resolved_next_to_the_config() {
        let c = load_with(
            "  - name: my-branch\n    source: cpython\n    variants: [stock, t]\n",
            "3.15.0a1+",
        )
        .unwrap();
        let own = c.pythons.last().unwrap();
        assert_eq!(own.version, "3.15.0a1");
        assert!(own.source.as_ref().unwrap().is_absolute());
        assert!(own.source.as_ref().unwrap().ends_with("cpython"));
    }

    #[test]
    fn own_sources_are_checked_with_the_fix() {
        let cases = [
            ("  - source: cpython\n    variants: [t]\n", "needs a `name:`"),
            ("  - name: 3.14\n    source: cpython\n    variants: [t]\n", "must start with a lowercase letter"),
            ("  - name: a b\n    source: cpython\n    variants: [t]\n", "must start with a lowercase letter"),
            ("  - name: mine\n    source: cpython\n    sha256: abc\n    variants: [t]\n", "remove `sha256:`"),
            ("  - name: mine\n    source: nowhere\n    variants: [t]\n", "does not exist"),
            ("  - name: mine\n    source: cpython\n    version: 3.14.1\n    variants: [t]\n", "the source is 3.14.7"),
            ("  - name: mine\n    source: cpython\n    variants: []\n", "has no variants"),
            ("  - name: 3.13.15\n    version: 3.13.15\n    sha256: 1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76\n    variants: [t]\n", "only for an own `source:`"),
            ("  - name: mine\n    source: cpython\n    variants: [t]\n  - name: mine\n    source: cpython\n    variants: [j]\n", "mine is listed twice"),
        ];
        for (entry, want) in cases {
            let e = load_with(entry, "3.14.7").unwrap_err();
            assert!(e.contains(want), "{entry:?}: {e}");
        }
        // A tarball whose name does not say its version needs `version:`.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tar.gz"), "x").unwrap();
        let mut c = parse(DEFAULT_YAML, &Source::Embedded).unwrap();
        c.pythons[0].source = Some("main.tar.gz".into());
        c.pythons[0].version.clear();
        let e = resolve_own_sources(&mut c, dir.path()).unwrap_err();
        assert!(e.contains("Add `version: 3.x.y`"), "{e}");
    }
}
