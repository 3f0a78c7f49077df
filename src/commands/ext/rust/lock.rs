//! A Cargo.lock read for the crates a build needs: every registry package
//! with its sha256, so that each is fetched and checked on the host. Git
//! dependencies and other registries are refused: they cannot be pinned by
//! a checksum from crates.io.

use anyhow::{bail, Result};
use serde::Deserialize;

/// crates.io as a lock names it (both index protocols).
const CRATES_IO: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// One crate of crates.io, pinned by its lock.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Crate {
    pub name: String,
    pub version: String,
    /// The .crate file's sha256, lowercase hex.
    pub sha256: String,
}

impl Crate {
    /// `name-version`: the .crate file's stem and its vendored folder.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// Where crates.io serves the file.
    pub fn url(&self) -> String {
        format!(
            "https://static.crates.io/crates/{0}/{0}-{1}.crate",
            self.name, self.version
        )
    }
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
}

/// The registry crates of a Cargo.lock's text (`file` names it in errors),
/// sorted. Packages without a source (the project's own, path
/// dependencies) need nothing fetched. Pure.
pub fn crates_of(text: &str, file: &str) -> Result<Vec<Crate>> {
    let lock: Lock = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("{file} is not a readable Cargo.lock: {e}"))?;
    // Format 2 has no `version` line and a checksum per package, like 3 and
    // 4; format 1 keeps checksums in [metadata], which the check below finds.
    let mut crates = Vec::new();
    for p in lock.package {
        let Some(source) = p.source else { continue };
        if source.starts_with("git+") {
            bail!("{file} pins {} {} from git ({source}): a git dependency cannot be fetched and checked on this machine from crates.io. Vendor it in the sdist (`cargo vendor`, with its .cargo/config.toml), or check a release that uses crates.io only.", p.name, p.version);
        }
        if !CRATES_IO.contains(&source.as_str()) {
            bail!("{file} pins {} {} from {source}, a registry other than crates.io: only crates.io crates are fetched. Vendor the crates in the sdist (`cargo vendor`).", p.name, p.version);
        }
        let Some(sha256) = p.checksum else {
            bail!(
                "{file} has no checksum for {} {} (a format-1 lock keeps them in [metadata]): regenerate it with a recent cargo (`cargo generate-lockfile`), or check the package's newer release.",
                p.name,
                p.version
            );
        };
        let c = Crate {
            name: p.name,
            version: p.version,
            sha256: sha256.to_ascii_lowercase(),
        };
        check_crate(&c, file)?;
        crates.push(c);
    }
    crates.sort();
    crates.dedup();
    Ok(crates)
}

/// A name, version and checksum that can become a URL and a folder name
/// and nothing else. Pure.
fn check_crate(c: &Crate, file: &str) -> Result<()> {
    let plain = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars().all(|ch| {
                ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || extra.contains(&ch)
            })
    };
    let hex = c.sha256.len() == 64 && c.sha256.chars().all(|ch| ch.is_ascii_hexdigit());
    if !plain(&c.name, &[]) || !plain(&c.version, &['.', '+']) || c.version.starts_with('.') || !hex
    {
        bail!("{file} names a crate {:?} {:?} (checksum {:?}) that is not a crates.io name, version and sha256: the lock is damaged; regenerate it with `cargo generate-lockfile`.", c.name, c.version, c.sha256);
    }
    Ok(())
}

/// Crates of several locks as one list; one name and version with two
/// checksums is refused. Pure.
pub fn merge(lists: Vec<Vec<Crate>>) -> Result<Vec<Crate>> {
    let mut all: Vec<Crate> = lists.into_iter().flatten().collect();
    all.sort();
    all.dedup();
    for pair in all.windows(2) {
        if pair[0].stem() == pair[1].stem() {
            bail!("two Cargo.lock files of the package pin {} with different checksums ({} and {}): one of them is damaged.", pair[0].stem(), pair[0].sha256, pair[1].sha256);
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUM: &str = "2304e00983f87ffb38b55b444b5e3b60a884b5d30c0fca7d82fe33449bbe55ea";

    fn lock(extra: &str) -> String {
        format!(
            "version = 4\n\n[[package]]\nname = \"heck\"\nversion = \"0.5.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{SUM}\"\n\n[[package]]\nname = \"pb-pyo3\"\nversion = \"1.0.0\"\ndependencies = [\"heck\"]\n{extra}"
        )
    }

    #[test]
    fn registry_crates_are_read_with_their_checksums_and_the_project_is_skipped() {
        let crates = crates_of(&lock(""), "Cargo.lock").unwrap();
        assert_eq!(
            crates,
            [Crate {
                name: "heck".into(),
                version: "0.5.0".into(),
                sha256: SUM.into()
            }]
        );
        assert_eq!(
            crates[0].url(),
            "https://static.crates.io/crates/heck/heck-0.5.0.crate"
        );
        assert_eq!(crates[0].stem(), "heck-0.5.0");
    }

    #[test]
    fn the_test_packages_lock_is_read() {
        let text = include_str!("../../../../tests/packages/pyo3_ft/Cargo.lock");
        let crates = crates_of(text, "Cargo.lock").unwrap();
        assert!(crates
            .iter()
            .any(|c| c.name == "pyo3" && c.version == "0.28.3"));
        assert!(crates.iter().all(|c| c.name != "pb-pyo3"));
    }

    #[test]
    fn git_dependencies_other_registries_and_old_locks_are_refused() {
        let git = "\n[[package]]\nname = \"gitdep\"\nversion = \"0.1.0\"\nsource = \"git+https://github.com/o/gitdep?rev=abc#abc\"\n";
        let e = crates_of(&lock(git), "x/Cargo.lock")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("gitdep 0.1.0 from git") && e.contains("cargo vendor"),
            "{e}"
        );
        let other = "\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://my.registry/index\"\nchecksum = \"00\"\n";
        let e = crates_of(&lock(other), "Cargo.lock")
            .unwrap_err()
            .to_string();
        assert!(e.contains("a registry other than crates.io"), "{e}");
        // Format 2 (no version line) has checksums per package: read.
        let v2 = lock("").replace("version = 4\n", "");
        assert!(!v2.contains("version = 4"), "{v2}");
        assert!(crates_of(&v2, "Cargo.lock").is_ok());
        // Format 1: checksums in [metadata], none per package.
        let v1 = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[metadata]\n";
        let e = crates_of(v1, "Cargo.lock").unwrap_err().to_string();
        assert!(
            e.contains("a format-1 lock keeps them in [metadata]"),
            "{e}"
        );
        let e = crates_of("[[package]", "Cargo.lock")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a readable Cargo.lock"), "{e}");
    }

    #[test]
    fn names_that_would_leave_a_url_or_a_folder_are_refused() {
        for (name, version) in [
            ("../etc", "1.0.0"),
            ("heck", "../../x"),
            ("a/b", "1"),
            ("heck", ".1"),
        ] {
            let text = lock("").replace(
                "\"heck\"\nversion = \"0.5.0\"",
                &format!("\"{name}\"\nversion = \"{version}\""),
            );
            let e = crates_of(&text, "Cargo.lock").unwrap_err().to_string();
            assert!(e.contains("is damaged"), "{name} {version}: {e}");
        }
        let e = crates_of(&lock("").replace(SUM, "abc"), "Cargo.lock")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is damaged"), "{e}");
    }

    #[test]
    fn two_locks_merge_and_disagreeing_checksums_are_refused() {
        let a = crates_of(&lock(""), "a").unwrap();
        assert_eq!(merge(vec![a.clone(), a.clone()]).unwrap(), a);
        let mut b = a.clone();
        b[0].sha256 = "f".repeat(64);
        let e = merge(vec![a, b]).unwrap_err().to_string();
        assert!(e.contains("heck-0.5.0 with different checksums"), "{e}");
    }
}
