//! Whether a Python package is built with Rust, and where its Cargo.lock
//! files and vendored crates are: read from its folder on the host.

use std::path::{Path, PathBuf};

/// Build requirements that mean a Rust build (PEP 503-normalized names).
const RUST_BACKENDS: [&str; 3] = ["maturin", "setuptools-rust", "puccinialin"];

/// Folders never searched for Cargo files: build outputs, vendored crates
/// (their own Cargo.toml files are not the project's), VCS and caches.
const SKIPPED: [&str; 4] = ["target", "vendor", "node_modules", "__pycache__"];

/// How deep below the project Cargo files are looked for.
const DEPTH: usize = 4;

/// What the project holds of Rust.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RustProject {
    /// Some Cargo.toml below the project.
    pub manifests: Vec<PathBuf>,
    pub locks: Vec<PathBuf>,
    /// A `.cargo/config.toml` that replaces crates.io with a directory (the
    /// sdist ships its crates, `cargo vendor`-style).
    pub vendored_by: Option<PathBuf>,
}

/// A requirement's project name, normalized (`Setuptools_Rust>=1` →
/// `setuptools-rust`). Pure.
fn requirement_name(requirement: &str) -> String {
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(requirement.len());
    let mut name = String::new();
    for c in requirement[..end].chars() {
        let c = if c == '_' || c == '.' {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    name
}

/// Whether the build requirements name a Rust build backend. Pure.
pub fn requires_rust(requires: &[String]) -> bool {
    requires
        .iter()
        .any(|r| RUST_BACKENDS.contains(&requirement_name(r.trim()).as_str()))
}

/// The project's Cargo files, up to a few folders down.
pub fn scan(project: &Path) -> RustProject {
    let mut found = RustProject::default();
    walk(project, 0, &mut found);
    found.manifests.sort();
    found.locks.sort();
    found.vendored_by = [project.to_path_buf()]
        .into_iter()
        .chain(
            found
                .locks
                .iter()
                .filter_map(|l| l.parent().map(Path::to_path_buf)),
        )
        .flat_map(|d| [d.join(".cargo/config.toml"), d.join(".cargo/config")])
        .find(|c| replaces_with_directory(&std::fs::read_to_string(c).unwrap_or_default()));
    found
}

fn walk(dir: &Path, depth: usize, found: &mut RustProject) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        // Not followed: a link could lead anywhere.
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir()
            && depth < DEPTH
            && !name.starts_with('.')
            && !SKIPPED.contains(&name.as_str())
        {
            walk(&e.path(), depth + 1, found);
        } else if kind.is_file() && name == "Cargo.toml" {
            found.manifests.push(e.path());
        } else if kind.is_file() && name == "Cargo.lock" {
            found.locks.push(e.path());
        }
    }
}

/// Whether a cargo configuration's text replaces crates.io with a
/// directory source (vendored crates). Pure.
pub fn replaces_with_directory(text: &str) -> bool {
    let Ok(config) = toml::from_str::<toml::Table>(text) else {
        return false;
    };
    let Some(sources) = config.get("source").and_then(|s| s.as_table()) else {
        return false;
    };
    let target = sources
        .get("crates-io")
        .and_then(|s| s.get("replace-with"))
        .and_then(|r| r.as_str());
    target
        .and_then(|t| sources.get(t))
        .is_some_and(|s| s.get("directory").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_backends_are_recognised_by_their_normalized_names() {
        let r = |s: &[&str]| requires_rust(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert!(r(&["maturin>=1.9,<2"]));
        assert!(r(&["setuptools", "Setuptools_Rust >= 1.5"]));
        assert!(r(&["puccinialin"]));
        assert!(!r(&["setuptools>=70", "cython", "maturinx"]));
        assert_eq!(requirement_name("setuptools.rust[x]>=1"), "setuptools-rust");
    }

    #[test]
    fn cargo_files_are_found_below_the_project_but_not_in_vendored_crates() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for f in [
            "Cargo.toml",
            "Cargo.lock",
            "crates/core/Cargo.toml",
            "vendor/heck/Cargo.toml",
            "target/x/Cargo.lock",
        ] {
            std::fs::create_dir_all(p.join(f).parent().unwrap()).unwrap();
            std::fs::write(p.join(f), "").unwrap();
        }
        let found = scan(p);
        assert_eq!(
            found.manifests,
            [p.join("Cargo.toml"), p.join("crates/core/Cargo.toml")]
        );
        assert_eq!(found.locks, [p.join("Cargo.lock")]);
        assert_eq!(found.vendored_by, None);
        std::fs::create_dir_all(p.join(".cargo")).unwrap();
        std::fs::write(p.join(".cargo/config.toml"), "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"vendor\"\n").unwrap();
        assert_eq!(scan(p).vendored_by, Some(p.join(".cargo/config.toml")));
    }

    #[test]
    fn only_a_directory_replacement_counts_as_vendored() {
        assert!(!replaces_with_directory("[net]\noffline = true\n"));
        assert!(!replaces_with_directory(
            "[source.crates-io]\nreplace-with = \"m\"\n[source.m]\nregistry = \"https://m\"\n"
        ));
        assert!(!replaces_with_directory("not toml ["));
    }
}
