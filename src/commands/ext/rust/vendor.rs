//! Crates fetched on this machine, never in a container: each .crate of a
//! lock is taken from the cache (content-addressed: `crates/<sha256>.crate`),
//! else from a `--crates` folder (cargo's own registry cache is one), else
//! from crates.io unless `--offline`, its sha256 checked every time. They are
//! unpacked in `cargo vendor`'s layout, which the build container reads
//! through a directory source with the network off.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::lock::Crate;
use crate::packages::unpack::{unpack_tar_gz, Caps};

/// Where crates are looked for, in order.
#[derive(Debug, Clone)]
pub struct CrateSources {
    /// The tool's cache folder of crates.
    pub cache: PathBuf,
    /// `--crates DIR`: folders of `name-version.crate` files.
    pub dirs: Vec<PathBuf>,
    /// `--offline`: never crates.io.
    pub offline: bool,
}

/// The URLs a crate is tried from, in order. Pure.
pub fn urls_of(c: &Crate, sources: &CrateSources) -> Vec<String> {
    let mut urls: Vec<String> = (sources.dirs.iter())
        .map(|d| format!("file://{}", d.join(format!("{}.crate", c.stem())).display()))
        .collect();
    if !sources.offline {
        urls.push(c.url());
    }
    urls
}

/// The crate's file in the cache, fetched from the first source that has it
/// with the lock's checksum.
pub fn fetch(c: &Crate, sources: &CrateSources) -> Result<PathBuf> {
    let name = format!("{}.crate", c.sha256);
    // The cache first, whatever the sources: --offline with nothing else
    // given still finds what an earlier run fetched.
    let cached = sources.cache.join(&name);
    if crate::download::sha256_file(&cached).is_ok_and(|s| s.eq_ignore_ascii_case(&c.sha256)) {
        return Ok(cached);
    }
    let mut tried = Vec::new();
    for url in urls_of(c, sources) {
        match crate::download::fetch_pinned(&url, &name, &c.sha256, &sources.cache) {
            Ok(path) => return Ok(path),
            Err(why) => tried.push(format!("{url}: {why}")),
        }
    }
    let hint = if sources.offline {
        "--offline forbids crates.io: put the .crate files in a folder given with --crates DIR (cargo's registry cache, ~/.cargo/registry/cache/index.crates.io-*, is one), or drop --offline"
    } else {
        "check the network, or put the .crate file in a folder given with --crates DIR"
    };
    if tried.is_empty() {
        bail!(
            "crate {} is not in the cache and there is nowhere to fetch it from: {hint}.",
            c.stem()
        );
    }
    bail!(
        "crate {} (sha256 {}) could not be fetched: {}. {hint}.",
        c.stem(),
        c.sha256,
        tried.join("; ")
    )
}

/// `.cargo-checksum.json` of a vendored crate: the package's checksum
/// (cargo compares it with the lock's), no per-file list. Pure.
pub fn checksum_json(c: &Crate) -> String {
    serde_json::json!({"files": {}, "package": c.sha256}).to_string()
}

/// Every crate fetched and unpacked into `dir/<name>-<version>/`.
pub fn vendor(crates: &[Crate], sources: &CrateSources, dir: &Path, caps: Caps) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for c in crates {
        let file = fetch(c, sources)?;
        unpack_one(c, &file, dir, caps)?;
    }
    Ok(())
}

/// One .crate (a .tar.gz of `name-version/…`) into `dir`, with its checksum file.
fn unpack_one(c: &Crate, file: &Path, dir: &Path, caps: Caps) -> Result<()> {
    let tmp = dir.join(format!(".unpack-{}", c.stem()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    unpack_tar_gz(file, &tmp, caps).with_context(|| format!("unpacking crate {}", c.stem()))?;
    let inner = tmp.join(c.stem());
    if !inner.join("Cargo.toml").is_file() {
        let _ = std::fs::remove_dir_all(&tmp);
        bail!(
            "crate {} holds no {}/Cargo.toml: it is not a crate from crates.io.",
            c.stem(),
            c.stem()
        );
    }
    let to = dir.join(c.stem());
    let _ = std::fs::remove_dir_all(&to);
    std::fs::rename(&inner, &to).with_context(|| format!("cannot create {}", to.display()))?;
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::write(to.join(".cargo-checksum.json"), checksum_json(c))
        .with_context(|| format!("cannot write {}", to.display()))?;
    Ok(())
}

/// Cargo's configuration in the build container: crates.io replaced by the
/// vendored folder mounted at `vendored` (none when the sdist vendors its
/// own, through its own .cargo/config.toml), and never the network. Pure.
pub fn cargo_config(vendored: Option<&str>) -> String {
    let mut text = String::from(
        "# Written by pybench-docker: the build container has no network.\n[net]\noffline = true\n",
    );
    if let Some(dir) = vendored {
        text.push_str(&format!(
            "\n[source.crates-io]\nreplace-with = \"pybench-vendored\"\n\n[source.pybench-vendored]\ndirectory = \"{dir}\"\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    /// A .crate file of `name-version` holding a Cargo.toml, and its crate.
    fn crate_file(dir: &Path, name: &str, version: &str) -> (PathBuf, Crate) {
        let stem = format!("{name}-{version}");
        let path = dir.join(format!("{stem}.crate"));
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            Default::default(),
        );
        let mut tar = tar::Builder::new(gz);
        let body = format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\n");
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{stem}/Cargo.toml"), body.as_bytes())
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        let sha256 = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
        (
            path,
            Crate {
                name: name.into(),
                version: version.into(),
                sha256,
            },
        )
    }

    #[test]
    fn crates_come_from_a_folder_into_the_cache_and_are_vendored_in_cargos_layout() {
        let dir = tempfile::tempdir().unwrap();
        let (shelf, cache, vendor_dir) = (
            dir.path().join("shelf"),
            dir.path().join("cache"),
            dir.path().join("vendor"),
        );
        std::fs::create_dir_all(&shelf).unwrap();
        let (_, c) = crate_file(&shelf, "heck", "0.5.0");
        let sources = CrateSources {
            cache: cache.clone(),
            dirs: vec![shelf.clone()],
            offline: true,
        };
        vendor(
            std::slice::from_ref(&c),
            &sources,
            &vendor_dir,
            Caps {
                bytes: 1 << 20,
                entries: 100,
            },
        )
        .unwrap();
        assert!(
            cache.join(format!("{}.crate", c.sha256)).is_file(),
            "content-addressed in the cache"
        );
        assert!(vendor_dir.join("heck-0.5.0/Cargo.toml").is_file());
        let sums: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(vendor_dir.join("heck-0.5.0/.cargo-checksum.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(sums, serde_json::json!({"files": {}, "package": c.sha256}));
        assert_eq!(
            std::fs::read_dir(&vendor_dir).unwrap().count(),
            1,
            "no unpacking folder left"
        );
        // Once cached, the folder is not needed any more, nor given.
        std::fs::remove_dir_all(&shelf).unwrap();
        let offline_only = CrateSources {
            dirs: vec![],
            ..sources
        };
        fetch(&c, &offline_only).unwrap();
    }

    #[test]
    fn a_crate_whose_checksum_differs_from_the_lock_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_, mut c) = crate_file(dir.path(), "heck", "0.5.0");
        c.sha256 = "0".repeat(64);
        let sources = CrateSources {
            cache: dir.path().join("cache"),
            dirs: vec![dir.path().to_path_buf()],
            offline: true,
        };
        let e = fetch(&c, &sources).unwrap_err().to_string();
        assert!(
            e.contains("sha256 mismatch") && e.contains("--offline forbids crates.io"),
            "{e}"
        );
        assert!(!dir
            .path()
            .join("cache")
            .join(format!("{}.crate", c.sha256))
            .exists());
        let nowhere = CrateSources {
            dirs: vec![],
            ..sources
        };
        let e = fetch(&c, &nowhere).unwrap_err().to_string();
        assert!(e.contains("nowhere to fetch it from"), "{e}");
    }

    #[test]
    fn urls_are_the_folders_then_crates_io() {
        let c = Crate {
            name: "heck".into(),
            version: "0.5.0".into(),
            sha256: "a".repeat(64),
        };
        let sources = CrateSources {
            cache: "/c".into(),
            dirs: vec!["/shelf".into()],
            offline: false,
        };
        assert_eq!(
            urls_of(&c, &sources),
            [
                "file:///shelf/heck-0.5.0.crate",
                "https://static.crates.io/crates/heck/heck-0.5.0.crate"
            ]
        );
        let offline = CrateSources {
            offline: true,
            ..sources
        };
        assert_eq!(urls_of(&c, &offline).len(), 1);
    }

    #[test]
    fn the_cargo_config_replaces_crates_io_and_stays_offline() {
        let text = cargo_config(Some("/crates"));
        let v: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(v["net"]["offline"].as_bool(), Some(true));
        assert_eq!(
            v["source"]["crates-io"]["replace-with"].as_str(),
            Some("pybench-vendored")
        );
        assert_eq!(
            v["source"]["pybench-vendored"]["directory"].as_str(),
            Some("/crates")
        );
        let own: toml::Value = toml::from_str(&cargo_config(None)).unwrap();
        assert!(own.get("source").is_none());
    }
}
