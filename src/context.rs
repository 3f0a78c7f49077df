//! Docker build contexts: a few named files written as a reproducible tar.
//!
//! The same files always give the same bytes (sorted names, mtime 0, owner
//! 0:0, mode 0644 or 0755), so an unchanged context never defeats Docker's
//! layer cache because of a touched mtime or a different umask.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header};

/// Fixed gzip level: changing it changes the bytes, so it is part of the format.
const GZIP_LEVEL: u32 = 6;

/// Everything that can go wrong while assembling a build context.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "could not read {path} for the Docker build context: {source}. Check that it \
         exists and is readable by the current user."
    )]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "{name:?} is not a valid file name in the build context: use a plain name \
         without `/`, like `Dockerfile`."
    )]
    InvalidName { name: String },

    #[error("{name:?} was added to the build context twice; add each file only once.")]
    Duplicate { name: String },

    #[error(
        "could not write the build context archive: {source}. Check free memory and \
         retry."
    )]
    Write {
        #[source]
        source: io::Error,
    },
}

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
enum Content {
    Bytes(Vec<u8>),
    /// Read when the tar is written, so cloning a context copies no tarball.
    Host(PathBuf),
}

/// The files of a build context, each at the top level of the tar.
#[derive(Debug, Clone, Default)]
pub struct ContextBuilder {
    files: BTreeMap<String, (Content, bool)>,
}

impl ContextBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the host file `host_path` as `name_in_tar` (mode 0644, whatever
    /// its mode on the host). It is read when the tar is written.
    pub fn add_file(&mut self, name_in_tar: &str, host_path: &Path) -> Result<(), ContextError> {
        self.insert(name_in_tar, Content::Host(host_path.to_path_buf()), false)
    }

    /// Adds in-memory content, e.g. a rendered Dockerfile.
    pub fn add_bytes(
        &mut self,
        name_in_tar: &str,
        bytes: impl Into<Vec<u8>>,
        executable: bool,
    ) -> Result<(), ContextError> {
        self.insert(name_in_tar, Content::Bytes(bytes.into()), executable)
    }

    fn insert(&mut self, name: &str, content: Content, exe: bool) -> Result<(), ContextError> {
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
            return Err(ContextError::InvalidName { name: name.into() });
        }
        if self.files.contains_key(name) {
            return Err(ContextError::Duplicate { name: name.into() });
        }
        self.files.insert(name.to_string(), (content, exe));
        Ok(())
    }

    /// The whole context as a tar, optionally gzipped (reproducibly: no
    /// file name, mtime 0, fixed level).
    pub fn to_bytes(&self, gzip: bool) -> Result<Vec<u8>, ContextError> {
        let write_err = |source| ContextError::Write { source };
        if !gzip {
            return self.write_tar(Vec::new());
        }
        let encoder = GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), Compression::new(GZIP_LEVEL));
        self.write_tar(encoder)?.finish().map_err(write_err)
    }

    fn write_tar<W: Write>(&self, out: W) -> Result<W, ContextError> {
        let write_err = |source| ContextError::Write { source };
        let mut tar = tar::Builder::new(out);
        for (name, (content, executable)) in &self.files {
            let host;
            let data = match content {
                Content::Bytes(data) => data,
                Content::Host(path) => {
                    host = fs::read(path).map_err(|source| ContextError::Io {
                        path: path.clone(),
                        source,
                    })?;
                    &host
                }
            };
            let mode = if *executable { 0o755 } else { 0o644 };
            let mut header = fixed_header(mode, data.len() as u64);
            tar.append_data(&mut header, name, data.as_slice())
                .map_err(write_err)?;
        }
        tar.into_inner().map_err(write_err)
    }
}

/// A GNU header for a regular file with everything that varies between
/// machines (times, owners, names of owners) fixed.
fn fixed_header(mode: u32, size: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(EntryType::Regular);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    use tempfile::TempDir;

    /// (path, mode, uid, gid, mtime, content) of every entry.
    type Row = (String, u32, u64, u64, u64, Vec<u8>);

    fn read_back(bytes: &[u8]) -> Vec<Row> {
        let mut archive = tar::Archive::new(bytes);
        let mut rows = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let h = entry.header().clone();
            assert!(h.as_gnu().is_some(), "all headers are GNU");
            assert_eq!(h.entry_type(), EntryType::Regular);
            assert_eq!(h.username().unwrap(), Some(""));
            assert_eq!(h.groupname().unwrap(), Some(""));
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            rows.push((
                entry.path().unwrap().to_str().unwrap().to_string(),
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.mtime().unwrap(),
                content,
            ));
        }
        rows
    }

    #[test]
    fn entries_are_sorted_with_fixed_metadata() {
        let mut ctx = ContextBuilder::new();
        ctx.add_bytes("run.sh", "#!/bin/sh\n", true).unwrap();
        ctx.add_bytes("Dockerfile", "FROM scratch\n", false)
            .unwrap();
        ctx.add_bytes("a.txt", "a", false).unwrap();
        let rows = read_back(&ctx.to_bytes(false).unwrap());
        let summary: Vec<(&str, u32)> = rows.iter().map(|r| (r.0.as_str(), r.1)).collect();
        assert_eq!(
            summary,
            vec![("Dockerfile", 0o644), ("a.txt", 0o644), ("run.sh", 0o755)]
        );
        for row in &rows {
            assert_eq!((row.2, row.3, row.4), (0, 0, 0), "{}", row.0);
        }
        assert_eq!(rows[0].5, b"FROM scratch\n");
    }

    #[test]
    fn same_files_give_the_same_bytes_whatever_the_order_mode_or_mtime() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("src.tar.xz");
        fs::write(&path, b"tarball").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();

        let mut one = ContextBuilder::new();
        one.add_file("Python.tar.xz", &path).unwrap();
        one.add_bytes("Dockerfile", "FROM x\n", false).unwrap();
        let mut two = ContextBuilder::new();
        two.add_bytes("Dockerfile", "FROM x\n", false).unwrap();
        two.add_bytes("Python.tar.xz", "tarball", false).unwrap();

        let bytes = one.to_bytes(false).unwrap();
        assert_eq!(bytes, two.to_bytes(false).unwrap());
        assert_eq!(bytes, one.clone().to_bytes(false).unwrap());
    }

    #[test]
    fn gzip_output_is_deterministic_and_decodes_to_the_tar() {
        let mut ctx = ContextBuilder::new();
        ctx.add_bytes("Dockerfile", "FROM x\n", false).unwrap();
        let gz = ctx.to_bytes(true).unwrap();
        assert_eq!(gz, ctx.to_bytes(true).unwrap());
        assert_eq!(&gz[4..8], &[0, 0, 0, 0], "gzip mtime is zero");
        assert_eq!(gz[3] & 0x08, 0, "no file name in gzip header");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, ctx.to_bytes(false).unwrap());
    }

    #[test]
    fn bad_names_duplicates_and_missing_files_are_errors() {
        let mut ctx = ContextBuilder::new();
        for bad in ["", ".", "..", "a/b", "/etc/passwd", "a\\b"] {
            let err = ctx.add_bytes(bad, "", false).unwrap_err();
            assert!(matches!(err, ContextError::InvalidName { .. }), "{bad}");
        }
        ctx.add_bytes("a", "1", false).unwrap();
        let err = ctx.add_bytes("a", "2", false).unwrap_err();
        assert!(matches!(err, ContextError::Duplicate { .. }), "{err}");

        ctx.add_file("gone", Path::new("/nonexistent/Python.tar.xz"))
            .unwrap();
        let msg = ctx.to_bytes(false).unwrap_err().to_string();
        assert!(msg.contains("/nonexistent/Python.tar.xz"), "{msg}");
    }
}
