//! An own CPython (`source: PATH` in the config): a checkout or a source
//! tarball, turned into the one archive a variant build unpacks.
//!
//! A checkout is packed as `cpython/…` into a reproducible `.tar.gz`: the
//! files git would track (the tree's `.gitignore` rules apply, `.git` and
//! other hidden entries stay out), sorted, with fixed owners and mtimes, so an
//! unchanged tree gives the same bytes and the same sha256, and Docker's layer
//! cache skips the build. A tarball is used as it is.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

use crate::regular_file::Links;

/// One mtime for every packed file: make sees no file newer than another, so
/// it regenerates nothing a release tarball would not (as in a fresh clone).
const PACKED_MTIME: u64 = 1_577_836_800; // 2020-01-01

/// patchlevel.h is 1 KB of defines in every release; a larger one is not it.
const PATCHLEVEL_LIMIT: u64 = 1 << 20;

/// The CPython version a source declares: `Include/patchlevel.h` of a
/// directory, or the name of a tarball (`Python-3.14.7.tar.xz`). `None` when
/// neither says. A development version's `+` is dropped (`3.15.0a1+`).
pub fn read_version(source: &Path) -> Result<Option<String>, String> {
    if source.is_dir() {
        let header = source.join("Include").join("patchlevel.h");
        // A FIFO here would block the read for ever, a device never end.
        let text = crate::regular_file::read_to_string(&header, PATCHLEVEL_LIMIT, Links::Follow)
            .map_err(|e| {
            format!(
                "{} is not a CPython source tree: cannot read {} ({e}). Point `source:` at the top of a CPython checkout.",
                source.display(),
                header.display()
            )
        })?;
        return Ok(py_version_define(&text));
    }
    if !source.is_file() {
        return Err(format!(
            "`source: {}` does not exist. Give the path of a CPython checkout or source tarball (relative paths start at the config file's folder).",
            source.display()
        ));
    }
    let name = source.file_name().and_then(|n| n.to_str()).unwrap_or("");
    Ok(name
        .strip_prefix("Python-")
        .and_then(|rest| rest.split(".tar").next())
        .map(str::to_string))
}

/// The value of `#define PY_VERSION "…"`. Pure.
fn py_version_define(header: &str) -> Option<String> {
    header.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("#define")?.trim_start();
        let value = rest.strip_prefix("PY_VERSION")?.trim();
        let value = value.strip_prefix('"')?.split('"').next()?;
        Some(value.trim_end_matches('+').to_string())
    })
}

/// The archive a build unpacks and its sha256: a tarball as it is, a checkout
/// packed into `cache_dir/<name>.tar.gz`. Blocking; run off the async runtime.
pub fn archive(source: &Path, name: &str, cache_dir: &Path) -> Result<(PathBuf, String), String> {
    if source.is_file() {
        let digest =
            sha256_of(source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        return Ok((source.to_path_buf(), digest));
    }
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| format!("cannot create {}: {e}", cache_dir.display()))?;
    let out = cache_dir.join(format!("{name}.tar.gz"));
    let partial = cache_dir.join(format!("{name}.tar.gz.partial-{}", std::process::id()));
    let files = tracked_files(source)?;
    if let Err(e) = pack(source, &files, &partial) {
        // Nothing half-written stays in the cache.
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "cannot pack {} into {}: {e}",
            source.display(),
            partial.display()
        ));
    }
    std::fs::rename(&partial, &out)
        .map_err(|e| format!("cannot move {} into place: {e}", out.display()))?;
    let digest = sha256_of(&out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    Ok((out, digest))
}

/// Paths under `root`, relative and sorted, that git would track: ignore
/// rules apply even without a `.git` folder (an unpacked tarball), hidden
/// entries are left out, symlinks are kept as links.
fn tracked_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| format!("cannot walk {}: {e}", root.display()))?;
        let kind = entry.file_type();
        if kind.is_some_and(|k| k.is_file() || k.is_symlink()) {
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            files.push(rel.to_path_buf());
        }
    }
    if files.is_empty() {
        return Err(format!("{} holds no files to build.", root.display()));
    }
    Ok(files)
}

/// Writes `files` of `root` as `cpython/<path>` into a gzip tar at `out`.
fn pack(root: &Path, files: &[PathBuf], out: &Path) -> io::Result<()> {
    let gz = GzBuilder::new()
        .mtime(0)
        .write(BufWriter::new(File::create(out)?), Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for rel in files {
        let path = root.join(rel);
        let meta = std::fs::symlink_metadata(&path)?;
        let mut header = Header::new_gnu();
        header.set_mtime(PACKED_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        let name = Path::new("cpython").join(rel);
        if meta.file_type().is_symlink() {
            header.set_entry_type(EntryType::Symlink);
            header.set_mode(0o777);
            header.set_size(0);
            tar.append_link(&mut header, &name, std::fs::read_link(&path)?)?;
        } else {
            header.set_entry_type(EntryType::Regular);
            header.set_mode(if is_executable(&meta) { 0o755 } else { 0o644 });
            header.set_size(meta.len());
            tar.append_data(&mut header, &name, File::open(&path)?)?;
        }
    }
    let mut writer = tar.into_inner()?.finish()?;
    writer.flush()
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

fn sha256_of(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small tree shaped like a CPython checkout.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "Include/patchlevel.h",
            "/* Version as a string */\n#define PY_VERSION              \"3.15.0a1+\"\n",
        );
        write("configure", "#!/bin/sh\necho configuring\n");
        write("Python/ceval.c", "int main;\n");
        write(".gitignore", "*.o\n/build/\n");
        write("Python/ceval.o", "object code");
        write("build/lib/x.so", "built");
        write(".git/HEAD", "ref: refs/heads/main\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = dir.path().join("configure");
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    }

    fn entries(archive: &Path) -> Vec<(String, u32)> {
        let gz = flate2::read::GzDecoder::new(File::open(archive).unwrap());
        let mut tar = tar::Archive::new(gz);
        tar.entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    e.header().mode().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn versions_come_from_patchlevel_or_the_tarball_name() {
        let t = tree();
        assert_eq!(read_version(t.path()).unwrap().as_deref(), Some("3.15.0a1"));
        let tarball = t.path().join("Python-3.14.7.tar.xz");
        std::fs::write(&tarball, "x").unwrap();
        assert_eq!(read_version(&tarball).unwrap().as_deref(), Some("3.14.7"));
        let other = t.path().join("main.tar.gz");
        std::fs::write(&other, "x").unwrap();
        assert_eq!(read_version(&other).unwrap(), None);
        let e = read_version(&t.path().join("Python")).unwrap_err();
        assert!(e.contains("not a CPython source tree"), "{e}");
        let e = read_version(&t.path().join("nope")).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
        assert_eq!(
            py_version_define("#define PY_VERSION \"3.14.7\"").as_deref(),
            Some("3.14.7")
        );
        assert_eq!(py_version_define("#define PY_MINOR_VERSION 14"), None);
    }

    #[test]
    fn a_fifo_patchlevel_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("Include")).unwrap();
        crate::regular_file::make_fifo(&dir.path().join("Include/patchlevel.h"));
        let start = std::time::Instant::now();
        let e = read_version(dir.path()).unwrap_err();
        assert!(e.contains("it is a FIFO, not a regular file"), "{e}");
        assert!(
            e.contains("Point `source:` at the top of a CPython checkout"),
            "{e}"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn a_checkout_is_packed_without_ignored_files_reproducibly() {
        let t = tree();
        let cache = tempfile::tempdir().unwrap();
        let (path, digest) = archive(t.path(), "my-branch", cache.path()).unwrap();
        assert_eq!(path, cache.path().join("my-branch.tar.gz"));
        assert_eq!(
            entries(&path),
            [
                ("cpython/Include/patchlevel.h".to_string(), 0o644),
                ("cpython/Python/ceval.c".to_string(), 0o644),
                ("cpython/configure".to_string(), 0o755),
            ]
        );
        // Touching a file changes nothing; changing one changes the digest.
        let ceval = t.path().join("Python/ceval.c");
        std::fs::write(&ceval, "int main;\n").unwrap();
        assert_eq!(
            archive(t.path(), "my-branch", cache.path()).unwrap().1,
            digest
        );
        std::fs::write(&ceval, "int main2;\n").unwrap();
        assert_ne!(
            archive(t.path(), "my-branch", cache.path()).unwrap().1,
            digest
        );
        // No partial file is left behind.
        let left: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn a_tarball_is_used_as_it_is() {
        let t = tree();
        let tarball = t.path().join("Python-3.14.7.tar.xz");
        std::fs::write(&tarball, "xz bytes").unwrap();
        let cache = tempfile::tempdir().unwrap();
        let (path, digest) = archive(&tarball, "rel", cache.path()).unwrap();
        assert_eq!(path, tarball);
        assert_eq!(digest, hex::encode(Sha256::digest(b"xz bytes")));
    }
}
