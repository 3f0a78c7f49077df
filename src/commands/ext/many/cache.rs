//! Results of earlier checks, kept on disk under the tool's cache folder:
//! one file per (package, build, images, checker, options), so a second
//! run of a list checks only what changed. The key is a sha256 of
//! everything a result depends on; an entry that cannot be read is a miss.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::regular_file::Links;
use crate::results::PackageResult;

/// The version of the Rust-side verdict rules (`readiness::judge`,
/// `suite::judge_tests`, `graph::judge_graph`, `tsan::judge_races` and what
/// they read). Bump it whenever any of them would judge a check's output
/// differently: cached results were judged by the old rules, and the
/// crate's version does not change between such edits.
pub const RULES_VERSION: u32 = 2;

/// Everything one package's result on one build depends on. Not keyed:
/// the newest versions of dependencies on PyPI (`--no-cache` checks again).
#[derive(Debug, Clone, Serialize)]
pub struct CacheKey<'a> {
    /// pybench-docker's version.
    pub tool: &'a str,
    /// `RULES_VERSION`: the verdict rules the result was judged by.
    pub rules: u32,
    /// The container-side scripts' sha256.
    pub checker: &'a str,
    /// The package's name and its sdist's or folder's sha256.
    pub name: &'a str,
    pub package: &'a str,
    pub interpreter: &'a str,
    /// The image ids the wheel was built and checked in.
    pub builder_image: &'a str,
    pub runtime_image: &'a str,
    /// `share::options_of`: smoke, tests and their threads, the effective
    /// timeout, `--offline`, the wheelhouses, the containers' limits.
    pub options: &'a str,
}

impl CacheKey<'_> {
    /// The entry's name: the sha256 of the key's fields. Pure.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).expect("a key of strings serialises");
        hex::encode(Sha256::digest(json))
    }
}

/// A result is a few KB with its logs' tails; a larger entry is not ours.
const ENTRY_LIMIT: u64 = 16 << 20;

/// The folder of cached results.
pub struct ResultCache {
    dir: PathBuf,
}

impl ResultCache {
    pub fn new(cache: &Path) -> ResultCache {
        ResultCache {
            dir: cache.join("ext-results"),
        }
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.digest()))
    }

    /// The result stored under `key`, if one was and it still reads.
    pub fn get(&self, key: &CacheKey) -> Option<PackageResult> {
        let bytes = crate::regular_file::read(&self.path(key), ENTRY_LIMIT, Links::Refuse).ok()?;
        let result: PackageResult = serde_json::from_slice(&bytes).ok()?;
        (result.interpreter == key.interpreter).then_some(result)
    }

    /// Stores `result` under `key`, whole or not at all.
    pub fn put(&self, key: &CacheKey, result: &PackageResult) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let path = self.path(key);
        crate::report::write::write_atomically(&path, &serde_json::to_vec(result)?)
            .with_context(|| format!("cannot store a result in the cache ({})", path.display()))
    }
}

/// The sha256 of a folder's files (names and bytes, in name order), as
/// git would see them (`.gitignore`d and hidden files left out): what a
/// local package's results are cached under.
pub fn folder_digest(dir: &Path) -> Result<String> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).build() {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if entry.file_type().is_some_and(|t| !t.is_dir()) {
            files.push(entry.into_path());
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    for path in files {
        let relative = path.strip_prefix(dir).unwrap_or(&path);
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        match std::fs::read_link(&path) {
            Ok(target) => hash.update(target.to_string_lossy().as_bytes()),
            Err(_) => {
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                hash.update((bytes.len() as u64).to_le_bytes());
                hash.update(bytes);
            }
        }
        hash.update([0]);
    }
    Ok(hex::encode(hash.finalize()))
}

/// The sha256 of the container-side scripts (`c_extension/*.py`): a new
/// checker judges again.
pub fn checker_digest(scripts: &Path) -> Result<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(scripts)
        .with_context(|| format!("cannot read {}", scripts.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    names.sort();
    let mut hash = Sha256::new();
    for p in names {
        hash.update(p.file_name().unwrap_or_default().as_encoded_bytes());
        hash.update(std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?);
    }
    Ok(hex::encode(hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::packages::tests::result;
    use crate::results::Readiness;

    fn key<'a>(interpreter: &'a str, builder: &'a str) -> CacheKey<'a> {
        CacheKey {
            tool: "0.1.0",
            rules: RULES_VERSION,
            checker: "c",
            name: "pb",
            package: "p",
            interpreter,
            builder_image: builder,
            runtime_image: "sha256:r",
            options: "",
        }
    }

    #[test]
    fn every_field_of_the_key_counts() {
        let base = key("3.13t", "sha256:b").digest();
        assert_eq!(base, key("3.13t", "sha256:b").digest());
        assert_ne!(base, key("3.13", "sha256:b").digest());
        assert_ne!(base, key("3.13t", "sha256:other").digest());
        let k = key("3.13t", "sha256:b");
        for changed in [
            CacheKey {
                tool: "0.2.0",
                ..k.clone()
            },
            CacheKey {
                rules: RULES_VERSION + 1,
                ..k.clone()
            },
            CacheKey {
                checker: "d",
                ..k.clone()
            },
            CacheKey {
                package: "q",
                ..k.clone()
            },
            CacheKey {
                runtime_image: "sha256:s",
                ..k.clone()
            },
            CacheKey {
                options: "--smoke x",
                ..k.clone()
            },
        ] {
            assert_ne!(base, changed.digest(), "{changed:?}");
        }
    }

    #[test]
    fn a_result_is_served_back_and_a_damaged_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        let k = key("3.13t", "sha256:b");
        assert!(cache.get(&k).is_none());
        let r = result("3.13t", Readiness::NeedsGil);
        cache.put(&k, &r).unwrap();
        assert_eq!(cache.get(&k), Some(r));
        assert!(cache.get(&key("3.13t", "sha256:new builder")).is_none());
        std::fs::write(cache.path(&k), b"{not json").unwrap();
        assert!(cache.get(&k).is_none());
    }

    #[test]
    fn a_folders_digest_follows_its_files_not_its_ignored_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("setup.py"), "x").unwrap();
        std::fs::write(d.join(".gitignore"), "build/\n").unwrap();
        let first = folder_digest(d).unwrap();
        std::fs::create_dir_all(d.join("build")).unwrap();
        std::fs::write(d.join("build/out.so"), "binary").unwrap();
        // Not a git repository: the ignore crate reads .gitignore only inside one.
        std::fs::create_dir_all(d.join(".git")).unwrap();
        assert_eq!(first, folder_digest(d).unwrap());
        std::fs::write(d.join("setup.py"), "y").unwrap();
        assert_ne!(first, folder_digest(d).unwrap());
    }
}
