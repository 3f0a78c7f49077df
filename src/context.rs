//! Deterministic Docker build context tarballs.
//!
//! The same inputs always produce the same bytes (sorted entries, fixed
//! owners, modes and times), so the digest of a context is a usable cache
//! key and rebuilding an unchanged context never invalidates Docker's cache
//! because of a touched mtime.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

use crate::ignore::{IgnoreError, IgnoreRules};

/// How many symlinks may be chained before we call it a loop (like Linux).
const MAX_LINK_DEPTH: usize = 40;

/// Fixed gzip level: changing it changes the bytes, so it is part of the format.
const GZIP_LEVEL: u32 = 6;

/// Everything that can go wrong while assembling a build context.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "could not read {path} while assembling the Docker build context: {source}. \
         Check that it exists and is readable by the current user, or exclude it in .dockerignore."
    )]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{path}: {source}")]
    Ignore {
        path: PathBuf,
        #[source]
        source: IgnoreError,
    },

    #[error(
        "the symlink {link} points to {target}, which is outside the build context {root}; \
         Docker cannot follow it, so the build would see a broken link. Replace the link \
         with a copy of what it points to, make it a relative link that stays inside the \
         context, or exclude it in .dockerignore."
    )]
    SymlinkEscapes {
        link: PathBuf,
        target: PathBuf,
        root: PathBuf,
    },

    #[error(
        "{root}/.dockerignore is a symlink to {target}, outside the build context; Docker \
         would not see those rules, so the context would not match what Docker builds. \
         Replace the symlink with a regular .dockerignore file inside the context."
    )]
    DockerignoreOutside { root: PathBuf, target: PathBuf },

    #[error(
        "the symlink {link} is part of a loop (more than {MAX_LINK_DEPTH} links deep). \
         Fix or remove the link, or exclude it in .dockerignore."
    )]
    SymlinkLoop { link: PathBuf },

    #[error(
        "{path} is not a regular file, directory or symlink (a socket, FIFO or device), \
         which cannot go into a build context. Exclude it in .dockerignore."
    )]
    SpecialFile { path: PathBuf },

    #[error(
        "the path {path:?} cannot be used in the build context: its name is not valid UTF-8. \
         Rename it or exclude it in .dockerignore."
    )]
    NonUtf8 { path: PathBuf },

    #[error(
        "{name:?} is not a valid name inside the build context: {reason}. Use a relative \
         path with `/` separators and no `.`, `..` or empty parts, like `scripts/run.sh`."
    )]
    InvalidName { name: String, reason: &'static str },

    #[error(
        "{name:?} was added to the build context twice (by add_file/add_bytes, or by two \
         add_dir calls that both contain it). Add each path only once."
    )]
    Duplicate { name: String },

    #[error(
        "{name:?} is a file in the build context but {child:?} needs it to be a directory. \
         Rename one of them so files and directories do not collide."
    )]
    NotADirectory { name: String, child: String },

    #[error(
        "{path} changed while the build context was being written (it was {expected} bytes \
         and now has fewer). Re-run once nothing is writing to it."
    )]
    FileChanged { path: PathBuf, expected: u64 },

    #[error(
        "could not write the build context archive: {source}. Check free disk space and \
         that the Docker daemon connection is still open, then retry."
    )]
    Write {
        #[source]
        source: io::Error,
    },
}

/// Reads the `.dockerignore` of a context directory; no file means no rules.
/// A `.dockerignore` that is a symlink leaving the context is refused.
pub fn ignore_rules_for(root: &Path) -> Result<IgnoreRules, ContextError> {
    let path = root.join(".dockerignore");
    let meta = match fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(IgnoreRules::empty()),
        Err(source) => return Err(ContextError::Io { path, source }),
    };
    if meta.file_type().is_symlink() {
        check_link_inside(root, ".dockerignore").map_err(|e| match e {
            ContextError::SymlinkEscapes { target, .. } => ContextError::DockerignoreOutside {
                root: root.to_path_buf(),
                target,
            },
            other => other,
        })?;
    }
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        // A dangling in-context link behaves like a missing file.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(IgnoreRules::empty()),
        Err(source) => return Err(ContextError::Io { path, source }),
    };
    IgnoreRules::parse(&text).map_err(|source| ContextError::Ignore { path, source })
}

/// Where an entry's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Dir,
    File { host: PathBuf, executable: bool },
    Bytes { data: Vec<u8>, executable: bool },
    Symlink { target: String },
}

/// Explicitly added entries override what `add_dir` found under the same
/// name, so a generated Dockerfile can replace one in the project tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    Walked,
    Explicit,
}

/// A path inside the tar, ordered component by component so a directory's
/// contents directly follow it (`a`, `a/b`, `a-b`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TarPath(String);

impl Ord for TarPath {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.split('/').cmp(other.0.split('/'))
    }
}

impl PartialOrd for TarPath {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Collects files for a build context and writes them as a reproducible tar.
#[derive(Debug, Clone, Default)]
pub struct ContextBuilder {
    entries: BTreeMap<TarPath, (Origin, Source)>,
}

impl ContextBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds everything under `root` not excluded by `ignore`, with paths
    /// relative to `root`. Files are read later, when the tar is written.
    pub fn add_dir(&mut self, root: &Path, ignore: &IgnoreRules) -> Result<(), ContextError> {
        let mut found = Vec::new();
        walk(root, "", ignore, &mut found)?;
        for (name, source) in found {
            self.insert(name, Origin::Walked, source)?;
        }
        Ok(())
    }

    /// Adds the host file `host_path` as `name_in_tar`, keeping its executable bit.
    pub fn add_file(&mut self, name_in_tar: &str, host_path: &Path) -> Result<(), ContextError> {
        let name = validate_name(name_in_tar)?;
        let meta = fs::metadata(host_path).map_err(|source| ContextError::Io {
            path: host_path.to_path_buf(),
            source,
        })?;
        if !meta.is_file() {
            return Err(ContextError::SpecialFile {
                path: host_path.to_path_buf(),
            });
        }
        let source = Source::File {
            host: host_path.to_path_buf(),
            executable: is_executable(&meta),
        };
        self.insert(name, Origin::Explicit, source)
    }

    /// Adds in-memory content, e.g. a generated Dockerfile or script.
    pub fn add_bytes(
        &mut self,
        name_in_tar: &str,
        bytes: impl Into<Vec<u8>>,
        executable: bool,
    ) -> Result<(), ContextError> {
        let name = validate_name(name_in_tar)?;
        let source = Source::Bytes {
            data: bytes.into(),
            executable,
        };
        self.insert(name, Origin::Explicit, source)
    }

    fn insert(&mut self, name: String, origin: Origin, source: Source) -> Result<(), ContextError> {
        let key = TarPath(name);
        match self.entries.get(&key) {
            // Two walks may both see the same directory; that is harmless.
            Some((_, Source::Dir)) if source == Source::Dir => return Ok(()),
            Some((old, _)) if *old > origin => return Ok(()),
            Some((old, _)) if *old == origin => {
                return Err(ContextError::Duplicate { name: key.0 })
            }
            _ => {}
        }
        self.entries.insert(key, (origin, source));
        Ok(())
    }

    /// The final entry list: sorted, with every parent directory present.
    fn plan(&self) -> Result<Vec<(String, &Source)>, ContextError> {
        let mut all: BTreeMap<TarPath, &Source> = BTreeMap::new();
        for (path, (_, source)) in &self.entries {
            all.insert(path.clone(), source);
            for (i, _) in path.0.match_indices('/') {
                let parent = TarPath(path.0[..i].to_string());
                match self.entries.get(&parent) {
                    Some((_, Source::Dir)) | None => {
                        all.insert(parent, &Source::Dir);
                    }
                    Some(_) => {
                        return Err(ContextError::NotADirectory {
                            name: parent.0,
                            child: path.0.clone(),
                        })
                    }
                }
            }
        }
        Ok(all.into_iter().map(|(k, v)| (k.0, v)).collect())
    }

    /// Writes the uncompressed tar to `out` and returns the writer.
    pub fn write_tar<W: Write>(&self, out: W) -> Result<W, ContextError> {
        let plan = self.plan()?;
        let mut tar = tar::Builder::new(out);
        for (name, source) in plan {
            append_entry(&mut tar, &name, source)?;
        }
        tar.into_inner()
            .map_err(|source| ContextError::Write { source })
    }

    /// The whole context in memory, optionally gzipped (reproducibly: no
    /// file name, mtime 0, fixed level).
    pub fn to_bytes(&self, gzip: bool) -> Result<Vec<u8>, ContextError> {
        if !gzip {
            return self.write_tar(Vec::new());
        }
        let encoder = GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), Compression::new(GZIP_LEVEL));
        let encoder = self.write_tar(encoder)?;
        encoder
            .finish()
            .map_err(|source| ContextError::Write { source })
    }

    /// Hex sha256 of the uncompressed tar, streamed without buffering it.
    pub fn digest(&self) -> Result<String, ContextError> {
        let hasher = self.write_tar(Sha256::new())?;
        Ok(hex::encode(hasher.finalize()))
    }
}

/// Recursively collects entries under `root/rel_dir` into `out`.
fn walk(
    root: &Path,
    rel_dir: &str,
    ignore: &IgnoreRules,
    out: &mut Vec<(String, Source)>,
) -> Result<(), ContextError> {
    let dir = root.join(rel_dir);
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ContextError::Io { path, source }
    };
    let mut children = Vec::new();
    for item in fs::read_dir(&dir).map_err(io_err(&dir))? {
        let item = item.map_err(io_err(&dir))?;
        let name = item
            .file_name()
            .into_string()
            .map_err(|_| ContextError::NonUtf8 { path: item.path() })?;
        children.push(name);
    }
    // Sorted so the first error reported does not depend on readdir order.
    children.sort();
    for name in children {
        let rel = if rel_dir.is_empty() {
            name
        } else {
            format!("{rel_dir}/{name}")
        };
        visit(root, rel, ignore, out)?;
    }
    Ok(())
}

/// Handles one path found by `walk`.
fn visit(
    root: &Path,
    rel: String,
    ignore: &IgnoreRules,
    out: &mut Vec<(String, Source)>,
) -> Result<(), ContextError> {
    let host = root.join(&rel);
    let meta = fs::symlink_metadata(&host).map_err(|source| ContextError::Io {
        path: host.clone(),
        source,
    })?;
    let excluded = ignore.is_excluded(&rel);
    let kind = meta.file_type();
    if kind.is_dir() {
        // An excluded directory is still entered when a `!` rule may pull
        // something back out of it; its own entry stays out.
        if excluded && !ignore.may_reinclude_under(&rel) {
            return Ok(());
        }
        if !excluded {
            out.push((rel.clone(), Source::Dir));
        }
        return walk(root, &rel, ignore, out);
    }
    if excluded {
        return Ok(());
    }
    let source = if kind.is_symlink() {
        Source::Symlink {
            target: check_link_inside(root, &rel)?,
        }
    } else if kind.is_file() {
        Source::File {
            executable: is_executable(&meta),
            host,
        }
    } else {
        return Err(ContextError::SpecialFile { path: host });
    };
    out.push((rel, source));
    Ok(())
}

/// Verifies the symlink at `root/rel` resolves inside `root` (following any
/// links along the way) and returns its target text for the tar.
fn check_link_inside(root: &Path, rel: &str) -> Result<String, ContextError> {
    let host = root.join(rel);
    let target = fs::read_link(&host).map_err(|source| ContextError::Io {
        path: host.clone(),
        source,
    })?;
    let escapes = || ContextError::SymlinkEscapes {
        link: host.clone(),
        target: target.clone(),
        root: root.to_path_buf(),
    };
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    parts.pop();
    match resolve(root, parts, &target, 0) {
        Ok(_) => {}
        Err(Resolve::Escapes) => return Err(escapes()),
        Err(Resolve::Loop) => return Err(ContextError::SymlinkLoop { link: host }),
    }
    target
        .to_str()
        .map(str::to_string)
        .ok_or(ContextError::NonUtf8 { path: host })
}

enum Resolve {
    Escapes,
    Loop,
}

/// Resolves `target` relative to the directory `parts` (components below
/// `root`), following symlinks found on the way, and returns the final
/// components. Fails when the path would leave `root` at any point.
fn resolve(
    root: &Path,
    mut parts: Vec<String>,
    target: &Path,
    depth: usize,
) -> Result<Vec<String>, Resolve> {
    if depth > MAX_LINK_DEPTH {
        return Err(Resolve::Loop);
    }
    for component in target.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop().ok_or(Resolve::Escapes)?;
            }
            Component::Normal(name) => {
                let name = name.to_str().ok_or(Resolve::Escapes)?.to_string();
                parts.push(name);
                parts = follow(root, parts, depth)?;
            }
            // Absolute targets point into the image's filesystem, not ours.
            Component::RootDir | Component::Prefix(_) => return Err(Resolve::Escapes),
        }
    }
    Ok(parts)
}

/// If the last component of `parts` is a symlink, replaces it by its
/// resolution; missing paths are taken lexically (a dangling link is fine).
fn follow(root: &Path, mut parts: Vec<String>, depth: usize) -> Result<Vec<String>, Resolve> {
    let host = root.join(parts.join("/"));
    let is_link = fs::symlink_metadata(&host)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if !is_link {
        return Ok(parts);
    }
    let Ok(next) = fs::read_link(&host) else {
        return Ok(parts);
    };
    parts.pop();
    resolve(root, parts, &next, depth + 1)
}

/// Checks that a caller-supplied tar name is a clean relative path.
fn validate_name(name: &str) -> Result<String, ContextError> {
    let bad = |reason| ContextError::InvalidName {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if name.starts_with('/') {
        return Err(bad("it is absolute"));
    }
    if name.contains('\\') {
        return Err(bad("it contains a backslash"));
    }
    for part in name.split('/') {
        match part {
            "" => return Err(bad("it has an empty path component")),
            "." | ".." => return Err(bad("it contains a `.` or `..` component")),
            _ => {}
        }
    }
    Ok(name.to_string())
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

/// A GNU header with everything that varies between machines zeroed.
fn base_header(kind: EntryType, mode: u32, size: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn file_mode(executable: bool) -> u32 {
    if executable {
        0o755
    } else {
        0o644
    }
}

/// Writes one planned entry; host files are streamed, not buffered.
fn append_entry<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    source: &Source,
) -> Result<(), ContextError> {
    let write_err = |source| ContextError::Write { source };
    match source {
        Source::Dir => {
            let mut h = base_header(EntryType::Directory, 0o755, 0);
            tar.append_data(&mut h, name, io::empty())
                .map_err(write_err)
        }
        Source::Bytes { data, executable } => {
            let mut h = base_header(
                EntryType::Regular,
                file_mode(*executable),
                data.len() as u64,
            );
            tar.append_data(&mut h, name, data.as_slice())
                .map_err(write_err)
        }
        Source::Symlink { target } => {
            let mut h = base_header(EntryType::Symlink, 0o777, 0);
            tar.append_link(&mut h, name, target).map_err(write_err)
        }
        Source::File { host, executable } => append_host_file(tar, name, host, *executable),
    }
}

/// Streams a host file, sizing the header from the open handle so a file
/// that changed since `add_*` still yields a consistent archive.
fn append_host_file<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    host: &Path,
    executable: bool,
) -> Result<(), ContextError> {
    let io_err = |source| ContextError::Io {
        path: host.to_path_buf(),
        source,
    };
    let file = File::open(host).map_err(io_err)?;
    let size = file.metadata().map_err(io_err)?.len();
    let mut reader = CountingReader {
        inner: file.take(size),
        count: 0,
    };
    let mut h = base_header(EntryType::Regular, file_mode(executable), size);
    tar.append_data(&mut h, name, &mut reader)
        .map_err(|source| ContextError::Write { source })?;
    if reader.count != size {
        return Err(ContextError::FileChanged {
            path: host.to_path_buf(),
            expected: size,
        });
    }
    Ok(())
}

/// Counts bytes read, to detect a file shrinking mid-copy.
struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};
    use tempfile::TempDir;

    fn write(root: &Path, rel: &str, content: &[u8]) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn chmod(root: &Path, rel: &str, mode: u32) {
        fs::set_permissions(root.join(rel), fs::Permissions::from_mode(mode)).unwrap();
    }

    /// (path, type, mode, size, uid, gid, mtime, link target, content)
    type Row = (
        String,
        EntryType,
        u32,
        u64,
        u64,
        u64,
        u64,
        Option<String>,
        Vec<u8>,
    );

    fn read_back(bytes: &[u8]) -> Vec<Row> {
        let mut archive = tar::Archive::new(bytes);
        let mut rows = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let h = entry.header().clone();
            assert!(h.as_gnu().is_some(), "all headers are GNU");
            assert_eq!(h.username().unwrap(), Some(""));
            assert_eq!(h.groupname().unwrap(), Some(""));
            let path = entry.path().unwrap().to_str().unwrap().to_string();
            let link = entry
                .link_name()
                .unwrap()
                .map(|l| l.to_str().unwrap().to_string());
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            rows.push((
                path,
                h.entry_type(),
                h.mode().unwrap(),
                h.size().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.mtime().unwrap(),
                link,
                content,
            ));
        }
        rows
    }

    fn names(bytes: &[u8]) -> Vec<String> {
        read_back(bytes).into_iter().map(|r| r.0).collect()
    }

    fn sample_tree(root: &Path) {
        write(root, "b.txt", b"bee");
        write(root, "a/z.txt", b"zed");
        write(root, "a/run.sh", b"#!/bin/sh\necho hi\n");
        chmod(root, "a/run.sh", 0o755);
        write(root, "a-b/c.txt", b"c");
        fs::create_dir_all(root.join("empty")).unwrap();
    }

    fn build(root: &Path) -> Vec<u8> {
        let mut ctx = ContextBuilder::new();
        ctx.add_dir(root, &ignore_rules_for(root).unwrap()).unwrap();
        ctx.add_bytes("Dockerfile", "FROM scratch\n", false)
            .unwrap();
        ctx.to_bytes(false).unwrap()
    }

    #[test]
    fn reads_back_with_exact_entries_and_metadata() {
        let dir = TempDir::new().unwrap();
        sample_tree(dir.path());
        let rows = read_back(&build(dir.path()));
        let summary: Vec<(&str, EntryType, u32)> =
            rows.iter().map(|r| (r.0.as_str(), r.1, r.2)).collect();
        assert_eq!(
            summary,
            vec![
                ("Dockerfile", EntryType::Regular, 0o644),
                ("a", EntryType::Directory, 0o755),
                ("a/run.sh", EntryType::Regular, 0o755),
                ("a/z.txt", EntryType::Regular, 0o644),
                ("a-b", EntryType::Directory, 0o755),
                ("a-b/c.txt", EntryType::Regular, 0o644),
                ("b.txt", EntryType::Regular, 0o644),
                ("empty", EntryType::Directory, 0o755),
            ]
        );
        for row in &rows {
            assert_eq!((row.4, row.5, row.6), (0, 0, 0), "{}", row.0);
        }
        let z = rows.iter().find(|r| r.0 == "a/z.txt").unwrap();
        assert_eq!((z.3, z.8.as_slice()), (3, b"zed".as_slice()));
    }

    #[test]
    fn identical_bytes_despite_order_mtimes_and_permissions() {
        let one = TempDir::new().unwrap();
        let two = TempDir::new().unwrap();
        sample_tree(one.path());
        // Same content created in another order with other modes and times.
        fs::create_dir_all(two.path().join("empty")).unwrap();
        write(two.path(), "a-b/c.txt", b"c");
        write(two.path(), "a/run.sh", b"#!/bin/sh\necho hi\n");
        chmod(two.path(), "a/run.sh", 0o700);
        write(two.path(), "a/z.txt", b"zed");
        chmod(two.path(), "a/z.txt", 0o600);
        write(two.path(), "b.txt", b"bee");
        chmod(two.path(), "b.txt", 0o664);
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        File::options()
            .write(true)
            .open(two.path().join("b.txt"))
            .unwrap()
            .set_modified(old)
            .unwrap();

        assert_eq!(build(one.path()), build(two.path()));

        // Explicit entries in a different call order give the same bytes too.
        let mut x = ContextBuilder::new();
        x.add_bytes("s/one", "1", false).unwrap();
        x.add_bytes("two", "2", true).unwrap();
        let mut y = ContextBuilder::new();
        y.add_bytes("two", "2", true).unwrap();
        y.add_bytes("s/one", "1", false).unwrap();
        assert_eq!(x.to_bytes(false).unwrap(), y.to_bytes(false).unwrap());
        assert_eq!(x.digest().unwrap(), y.digest().unwrap());
    }

    #[test]
    fn gzip_output_is_deterministic_and_decodes_to_the_tar() {
        let dir = TempDir::new().unwrap();
        sample_tree(dir.path());
        let mut ctx = ContextBuilder::new();
        ctx.add_dir(dir.path(), &IgnoreRules::empty()).unwrap();
        let gz1 = ctx.to_bytes(true).unwrap();
        let gz2 = ctx.clone().to_bytes(true).unwrap();
        assert_eq!(gz1, gz2);
        assert_eq!(&gz1[4..8], &[0, 0, 0, 0], "gzip mtime is zero");
        assert_eq!(gz1[3] & 0x08, 0, "no file name in gzip header");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(gz1.as_slice())
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, ctx.to_bytes(false).unwrap());
    }

    #[test]
    fn digest_is_sha256_of_the_uncompressed_tar() {
        let mut ctx = ContextBuilder::new();
        ctx.add_bytes("x", "y", false).unwrap();
        let tar = ctx.to_bytes(false).unwrap();
        assert_eq!(ctx.digest().unwrap(), hex::encode(Sha256::digest(&tar)));
        ctx.add_bytes("z", "y", false).unwrap();
        assert_ne!(ctx.digest().unwrap(), hex::encode(Sha256::digest(&tar)));
    }

    #[test]
    fn dockerignore_rules_are_applied() {
        let dir = TempDir::new().unwrap();
        let root = dir.path();
        write(
            root,
            ".dockerignore",
            b"# build output\n*.log\nbuild\n!build/keep.txt\n**/__pycache__\n",
        );
        write(root, "app.py", b"");
        write(root, "debug.log", b"");
        write(root, "sub/trace.log", b"");
        write(root, "build/out.o", b"");
        write(root, "build/keep.txt", b"kept");
        write(root, "pkg/__pycache__/m.pyc", b"");
        write(root, "pkg/m.py", b"");
        let mut ctx = ContextBuilder::new();
        ctx.add_dir(root, &ignore_rules_for(root).unwrap()).unwrap();
        assert_eq!(
            names(&ctx.to_bytes(false).unwrap()),
            vec![
                ".dockerignore",
                "app.py",
                "build",
                "build/keep.txt",
                "pkg",
                "pkg/m.py",
                "sub",
                "sub/trace.log",
            ]
        );
    }

    #[test]
    fn bad_dockerignore_names_the_file_and_line() {
        let dir = TempDir::new().unwrap();
        write(dir.path(), ".dockerignore", b"ok\n[oops\n");
        let msg = ignore_rules_for(dir.path()).unwrap_err().to_string();
        assert!(
            msg.contains(".dockerignore") && msg.contains("line 2"),
            "{msg}"
        );
    }

    #[test]
    fn missing_dockerignore_means_no_rules() {
        let dir = TempDir::new().unwrap();
        assert_eq!(ignore_rules_for(dir.path()).unwrap(), IgnoreRules::empty());
    }

    #[test]
    fn directories_come_before_their_contents() {
        let mut ctx = ContextBuilder::new();
        ctx.add_bytes("x/y/z/deep.txt", "d", false).unwrap();
        ctx.add_bytes("x/a.txt", "a", false).unwrap();
        ctx.add_bytes("x.txt", "t", false).unwrap();
        let rows = read_back(&ctx.to_bytes(false).unwrap());
        let got: Vec<(&str, EntryType)> = rows.iter().map(|r| (r.0.as_str(), r.1)).collect();
        assert_eq!(
            got,
            vec![
                ("x", EntryType::Directory),
                ("x/a.txt", EntryType::Regular),
                ("x/y", EntryType::Directory),
                ("x/y/z", EntryType::Directory),
                ("x/y/z/deep.txt", EntryType::Regular),
                ("x.txt", EntryType::Regular),
            ]
        );
    }

    #[test]
    fn executable_bit_becomes_0755() {
        let dir = TempDir::new().unwrap();
        write(dir.path(), "tool", b"#!/bin/sh\n");
        chmod(dir.path(), "tool", 0o744);
        let mut ctx = ContextBuilder::new();
        ctx.add_file("bin/tool", &dir.path().join("tool")).unwrap();
        ctx.add_bytes("entry.sh", "#!/bin/sh\n", true).unwrap();
        ctx.add_bytes("data", "x", false).unwrap();
        let modes: Vec<(String, u32)> = read_back(&ctx.to_bytes(false).unwrap())
            .into_iter()
            .map(|r| (r.0, r.2))
            .collect();
        assert_eq!(
            modes,
            vec![
                ("bin".to_string(), 0o755),
                ("bin/tool".to_string(), 0o755),
                ("data".to_string(), 0o644),
                ("entry.sh".to_string(), 0o755),
            ]
        );
    }

    #[test]
    fn explicit_entries_override_walked_ones() {
        let dir = TempDir::new().unwrap();
        write(dir.path(), "Dockerfile", b"FROM old\n");
        for order in [true, false] {
            let mut ctx = ContextBuilder::new();
            if order {
                ctx.add_dir(dir.path(), &IgnoreRules::empty()).unwrap();
            }
            ctx.add_bytes("Dockerfile", "FROM new\n", false).unwrap();
            if !order {
                ctx.add_dir(dir.path(), &IgnoreRules::empty()).unwrap();
            }
            let rows = read_back(&ctx.to_bytes(false).unwrap());
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].8, b"FROM new\n");
        }
    }

    #[test]
    fn duplicates_and_collisions_are_errors() {
        let mut ctx = ContextBuilder::new();
        ctx.add_bytes("a", "1", false).unwrap();
        let err = ctx.add_bytes("a", "2", false).unwrap_err();
        assert!(matches!(err, ContextError::Duplicate { .. }), "{err}");

        ctx.add_bytes("a/b", "3", false).unwrap();
        let err = ctx.to_bytes(false).unwrap_err();
        assert!(matches!(err, ContextError::NotADirectory { .. }), "{err}");
    }

    #[test]
    fn invalid_names_are_refused() {
        let mut ctx = ContextBuilder::new();
        for bad in ["", "/etc/passwd", "a/../b", "./a", "a//b", "a/"] {
            let err = ctx.add_bytes(bad, "", false).unwrap_err();
            assert!(err.to_string().contains("scripts/run.sh"), "{bad}: {err}");
        }
    }

    #[test]
    fn symlink_inside_root_is_stored_as_link() {
        let dir = TempDir::new().unwrap();
        let root = dir.path();
        write(root, "real/file.txt", b"x");
        symlink("real/file.txt", root.join("direct")).unwrap();
        symlink("../real", root.join("real/loop-up")).unwrap();
        symlink("real", root.join("dirlink")).unwrap();
        symlink("dirlink/file.txt", root.join("via-link")).unwrap();
        symlink("does-not-exist", root.join("dangling")).unwrap();
        let mut ctx = ContextBuilder::new();
        ctx.add_dir(root, &IgnoreRules::empty()).unwrap();
        let links: Vec<(String, Option<String>)> = read_back(&ctx.to_bytes(false).unwrap())
            .into_iter()
            .filter(|r| r.1 == EntryType::Symlink)
            .map(|r| (r.0, r.7))
            .collect();
        let expect = |a: &str, b: &str| (a.to_string(), Some(b.to_string()));
        assert_eq!(
            links,
            vec![
                expect("dangling", "does-not-exist"),
                expect("direct", "real/file.txt"),
                expect("dirlink", "real"),
                expect("real/loop-up", "../real"),
                expect("via-link", "dirlink/file.txt"),
            ]
        );
    }

    fn walk_err(root: &Path) -> ContextError {
        let mut ctx = ContextBuilder::new();
        ctx.add_dir(root, &IgnoreRules::empty()).unwrap_err()
    }

    #[test]
    fn symlinks_leaving_the_root_are_refused() {
        let outer = TempDir::new().unwrap();
        let root = outer.path().join("ctx");
        fs::create_dir(&root).unwrap();
        write(outer.path(), "secret", b"s");

        symlink("/etc/passwd", root.join("abs")).unwrap();
        let msg = walk_err(&root).to_string();
        assert!(msg.contains("abs") && msg.contains("/etc/passwd"), "{msg}");
        assert!(msg.contains("outside the build context"), "{msg}");
        assert!(msg.contains(".dockerignore"), "{msg}");
        fs::remove_file(root.join("abs")).unwrap();

        fs::create_dir(root.join("d")).unwrap();
        symlink("../../secret", root.join("d/up")).unwrap();
        let msg = walk_err(&root).to_string();
        assert!(
            msg.contains("d/up") && msg.contains("../../secret"),
            "{msg}"
        );
        fs::remove_file(root.join("d/up")).unwrap();

        // Each link stays inside lexically, but `hop` leads out.
        symlink("..", root.join("hop")).unwrap();
        symlink("hop/secret", root.join("via")).unwrap();
        let err = walk_err(&root);
        assert!(matches!(err, ContextError::SymlinkEscapes { .. }), "{err}");
    }

    #[test]
    fn ignored_escaping_symlink_is_fine() {
        let dir = TempDir::new().unwrap();
        symlink("/etc", dir.path().join("outside")).unwrap();
        let rules = IgnoreRules::parse("outside").unwrap();
        let mut ctx = ContextBuilder::new();
        ctx.add_dir(dir.path(), &rules).unwrap();
        assert!(names(&ctx.to_bytes(false).unwrap()).is_empty());
    }

    #[test]
    fn symlink_loops_are_reported() {
        let dir = TempDir::new().unwrap();
        symlink("b", dir.path().join("a")).unwrap();
        symlink("a", dir.path().join("b")).unwrap();
        let err = walk_err(dir.path());
        assert!(matches!(err, ContextError::SymlinkLoop { .. }), "{err}");
    }

    #[test]
    fn dockerignore_symlink_outside_is_refused() {
        let outer = TempDir::new().unwrap();
        let root = outer.path().join("ctx");
        fs::create_dir(&root).unwrap();
        write(outer.path(), "rules", b"*\n");
        symlink("../rules", root.join(".dockerignore")).unwrap();
        let err = ignore_rules_for(&root).unwrap_err();
        assert!(
            matches!(err, ContextError::DockerignoreOutside { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("regular .dockerignore"), "{err}");

        // A link to rules inside the context is followed.
        fs::remove_file(root.join(".dockerignore")).unwrap();
        write(&root, "conf/ignore", b"*.tmp\n");
        symlink("conf/ignore", root.join(".dockerignore")).unwrap();
        assert_eq!(ignore_rules_for(&root).unwrap().patterns(), vec!["*.tmp"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn special_files_are_refused() {
        let dir = TempDir::new().unwrap();
        let _sock = std::os::unix::net::UnixListener::bind(dir.path().join("s.sock")).unwrap();
        let err = walk_err(dir.path());
        assert!(matches!(err, ContextError::SpecialFile { .. }), "{err}");
    }

    #[test]
    fn long_paths_round_trip() {
        let long = format!("{}/{}.txt", "d".repeat(80), "f".repeat(120));
        let mut ctx = ContextBuilder::new();
        ctx.add_bytes(&long, "x", false).unwrap();
        let bytes = ctx.to_bytes(false).unwrap();
        assert_eq!(names(&bytes), vec!["d".repeat(80), long.clone()]);
        assert_eq!(bytes, ctx.to_bytes(false).unwrap());
    }

    #[test]
    fn large_files_are_streamed() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("big.bin");
        let chunk: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        let mut f = File::create(&path).unwrap();
        for _ in 0..25 {
            f.write_all(&chunk).unwrap();
        }
        drop(f);
        let mut ctx = ContextBuilder::new();
        ctx.add_file("big.bin", &path).unwrap();

        // A writer that only hashes and counts: nothing is kept in memory.
        struct Sink(Sha256, u64);
        impl Write for Sink {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.update(buf);
                self.1 += buf.len() as u64;
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let sink = ctx.write_tar(Sink(Sha256::new(), 0)).unwrap();
        assert_eq!(sink.1, 512 + 25 * (1 << 20) + 1024);
        assert_eq!(hex::encode(sink.0.finalize()), ctx.digest().unwrap());
    }

    #[test]
    fn file_shrinking_between_add_and_write_is_caught_or_consistent() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"long content").unwrap();
        let mut ctx = ContextBuilder::new();
        ctx.add_file("f", &path).unwrap();
        fs::write(&path, b"short").unwrap();
        // The size is taken when writing, so the archive matches the file now.
        let rows = read_back(&ctx.to_bytes(false).unwrap());
        assert_eq!(rows[0].8, b"short");
    }
}
