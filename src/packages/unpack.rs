//! Unpacking an archive from elsewhere (an sdist, a wheel) on this machine,
//! as root: within caps on its total size and entry count, counted while
//! unpacking (a header may say anything, and a 1 MB gzip can inflate to
//! 1 GiB), with no entry or link that leads outside the folder it is unpacked
//! into, and no device, FIFO, hard link or sparse file.
//!
//! A symbolic link must be relative and climb no `..`: so no chain of links
//! inside the archive can lead out of it, on this machine or when the folder
//! is mounted into a container.

use std::cell::Cell;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};

use crate::config::Archives;

/// What one archive may unpack to (`archives:` in config.yaml).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub bytes: u64,
    pub entries: u64,
}

impl Caps {
    pub fn of(config: &Archives) -> Caps {
        Caps {
            bytes: config.max_unpacked_mb << 20,
            entries: config.max_entries,
        }
    }
}

/// A reader that fails once more than `left` bytes have come through, and
/// says so in `exceeded`.
struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            self.exceeded.set(true);
            return Err(io::Error::other("over the size cap"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn too_large(archive: &Path, caps: Caps) -> anyhow::Error {
    anyhow!(
        "{} unpacks to more than {} MB, the cap on one archive: it is refused as a \
         decompression bomb. If it is a real package that large, raise `archives.max-unpacked-mb` \
         in your config (`pybench-docker config` prints the built-in one).",
        archive.display(),
        caps.bytes >> 20
    )
}

fn too_many(archive: &Path, caps: Caps) -> anyhow::Error {
    anyhow!(
        "{} holds more than {} entries, the cap on one archive: it is refused as a bomb. If it \
         is a real package that large, raise `archives.max-entries` in your config \
         (`pybench-docker config` prints the built-in one).",
        archive.display(),
        caps.entries
    )
}

/// What is left of the caps while one zip archive is unpacked, entry by entry.
pub struct Budget<'a> {
    archive: &'a Path,
    caps: Caps,
    bytes_left: u64,
}

impl<'a> Budget<'a> {
    /// A budget for `archive` of `entries` entries (a zip's directory says how
    /// many; each is still read within the byte cap).
    pub fn new(archive: &'a Path, caps: Caps, entries: usize) -> Result<Budget<'a>> {
        if entries as u64 > caps.entries {
            return Err(too_many(archive, caps));
        }
        Ok(Budget {
            archive,
            caps,
            bytes_left: caps.bytes,
        })
    }

    /// Copies `from` into `to` within the bytes left, whatever its header said.
    pub fn copy(&mut self, from: &mut impl Read, to: &mut impl io::Write) -> Result<()> {
        let copied = io::copy(&mut from.take(self.bytes_left + 1), to)
            .with_context(|| format!("cannot unpack {}", self.archive.display()))?;
        if copied > self.bytes_left {
            return Err(too_large(self.archive, self.caps));
        }
        self.bytes_left -= copied;
        Ok(())
    }
}

/// A link target that stays inside the archive's folder: relative, no `..`.
fn check_link(archive: &Path, entry: &Path, target: &Path) -> Result<()> {
    if target.as_os_str().is_empty()
        || target
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        bail!(
            "{} holds a link {} → {}, which points outside the archive: it is refused. An \
             sdist's links, if any, point to files beside them.",
            archive.display(),
            entry.display(),
            target.display()
        );
    }
    Ok(())
}

/// Unpacks a `.tar.gz` into `dest` within `caps`.
pub fn unpack_tar_gz(archive: &Path, dest: &Path, caps: Caps) -> Result<()> {
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let exceeded = Rc::new(Cell::new(false));
    let capped = Capped {
        inner: flate2::read::GzDecoder::new(file),
        left: caps.bytes,
        exceeded: exceeded.clone(),
    };
    let mut tar = tar::Archive::new(capped);
    let unreadable = |e: io::Error| match exceeded.get() {
        true => too_large(archive, caps),
        false => anyhow!(
            "{} is not a readable sdist archive ({e}); give a .tar.gz or .zip sdist.",
            archive.display()
        ),
    };
    let mut count = 0;
    for entry in tar.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        count += 1;
        if count > caps.entries {
            return Err(too_many(archive, caps));
        }
        let path = entry.path().map_err(unreadable)?.into_owned();
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Directory => {}
            tar::EntryType::Symlink => {
                let target = entry.link_name().map_err(unreadable)?.unwrap_or_default();
                check_link(archive, &path, &target)?;
            }
            other => bail!(
                "{} holds {} as a {other:?} entry: an sdist holds files, folders and links \
                 only, so it is refused.",
                archive.display(),
                path.display()
            ),
        }
        // unpack_in refuses paths that leave `dest`, also through links.
        if !entry.unpack_in(dest).map_err(unreadable)? {
            bail!(
                "{} holds {}, which leads outside the folder it is unpacked into: it is refused.",
                archive.display(),
                path.display()
            );
        }
    }
    Ok(())
}

/// Unpacks a `.zip` into `dest` within `caps`.
pub fn unpack_zip(archive: &Path, dest: &Path, caps: Caps) -> Result<()> {
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let unreadable = |e: &dyn std::fmt::Display| {
        anyhow!(
            "{} is not a readable sdist archive ({e}); give a .tar.gz or .zip sdist.",
            archive.display()
        )
    };
    let mut zip = zip::ZipArchive::new(file).map_err(|e| unreadable(&e))?;
    let mut budget = Budget::new(archive, caps, zip.len())?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let shown = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let Some(relative) = entry.enclosed_name() else {
            bail!(
                "{} holds {shown:?}, which leads outside the folder it is unpacked into: it is \
                 refused.",
                archive.display()
            );
        };
        let target = dest.join(&relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target)?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if entry.is_symlink() {
            let mut body = vec![];
            (&mut entry).take(4096).read_to_end(&mut body)?;
            let link = PathBuf::from(String::from_utf8_lossy(&body).into_owned());
            check_link(archive, &relative, &link)?;
            std::os::unix::fs::symlink(&link, &target)?;
            continue;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        budget.copy(&mut entry, &mut out)?;
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode & 0o755))?;
        }
    }
    Ok(())
}

/// The one top-level folder an sdist unpacked to, or `dest` itself. Found
/// without following links: a lone link would lead the project elsewhere.
pub fn project_root(dest: &Path) -> Result<PathBuf> {
    let entries: Vec<PathBuf> = std::fs::read_dir(dest)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    Ok(match entries.as_slice() {
        [only] if std::fs::symlink_metadata(only)?.file_type().is_dir() => only.clone(),
        _ => dest.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Caps = Caps {
        bytes: 1 << 20,
        entries: 10,
    };

    /// A .tar.gz of `entries`: (path, body, link target).
    fn tar_gz(path: &Path, entries: &[(&str, &[u8], Option<&str>)]) {
        let gz =
            flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), Default::default());
        let mut tar = tar::Builder::new(gz);
        for (name, body, link) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            match link {
                Some(target) => {
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_size(0);
                    tar.append_link(&mut h, name, target).unwrap();
                }
                None => {
                    h.set_size(body.len() as u64);
                    h.set_cksum();
                    tar.append_data(&mut h, name, *body).unwrap();
                }
            }
        }
        tar.into_inner().unwrap().finish().unwrap();
    }

    fn zip_of(path: &Path, entries: &[(&str, &[u8], Option<&str>)]) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for (name, body, link) in entries {
            match link {
                Some(target) => zip.add_symlink(*name, *target, opts).unwrap(),
                None => {
                    zip.start_file(*name, opts).unwrap();
                    std::io::Write::write_all(&mut zip, body).unwrap();
                }
            }
        }
        zip.finish().unwrap();
    }

    fn both(
        dir: &Path,
        entries: &[(&str, &[u8], Option<&str>)],
        caps: Caps,
    ) -> [(String, Result<()>); 2] {
        let (t, z) = (dir.join("a.tar.gz"), dir.join("a.zip"));
        tar_gz(&t, entries);
        zip_of(&z, entries);
        let (ut, uz) = (dir.join("ut"), dir.join("uz"));
        std::fs::create_dir_all(&ut).unwrap();
        std::fs::create_dir_all(&uz).unwrap();
        [
            ("tar".into(), unpack_tar_gz(&t, &ut, caps)),
            ("zip".into(), unpack_zip(&z, &uz, caps)),
        ]
    }

    #[test]
    fn a_plain_archive_unpacks_with_its_inner_links() {
        let dir = tempfile::tempdir().unwrap();
        let entries: &[(&str, &[u8], Option<&str>)] = &[
            ("p-1.0/setup.py", b"x", None),
            ("p-1.0/LICENSE.txt", b"l", None),
            ("p-1.0/LICENSE", b"", Some("LICENSE.txt")),
        ];
        for (kind, r) in both(dir.path(), entries, SMALL) {
            r.unwrap_or_else(|e| panic!("{kind}: {e}"));
            let root = project_root(&dir.path().join(format!("u{}", &kind[..1]))).unwrap();
            assert!(root.ends_with("p-1.0"), "{kind}");
            assert_eq!(std::fs::read(root.join("LICENSE")).unwrap(), b"l", "{kind}");
        }
    }

    #[test]
    fn more_bytes_than_the_cap_are_refused_while_unpacking() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![0u8; 2 << 20];
        let entries: &[(&str, &[u8], Option<&str>)] = &[("p/zeros", &big, None)];
        for (kind, r) in both(dir.path(), entries, SMALL) {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("unpacks to more than 1 MB"), "{kind}: {e}");
            assert!(e.contains("archives.max-unpacked-mb"), "{kind}: {e}");
        }
    }

    #[test]
    fn more_entries_than_the_cap_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..11).map(|i| format!("p/f{i}")).collect();
        let entries: Vec<(&str, &[u8], Option<&str>)> = names
            .iter()
            .map(|n| (n.as_str(), &b"x"[..], None))
            .collect();
        for (kind, r) in both(dir.path(), &entries, SMALL) {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("holds more than 10 entries"), "{kind}: {e}");
        }
    }

    #[test]
    fn links_out_of_the_archive_are_refused() {
        for target in ["/etc", "../../etc", "a/../../b", "."] {
            let dir = tempfile::tempdir().unwrap();
            let entries: &[(&str, &[u8], Option<&str>)] = &[("p", b"", Some(target))];
            for (kind, r) in both(dir.path(), entries, SMALL) {
                if target == "." {
                    r.unwrap();
                    continue;
                }
                let e = r.unwrap_err().to_string();
                assert!(
                    e.contains("points outside the archive"),
                    "{kind} {target}: {e}"
                );
            }
        }
    }

    #[test]
    fn a_lone_link_is_never_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let dest = dir.path().join("dest");
        std::fs::create_dir_all(&dest).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dest.join("pkg")).unwrap();
        assert_eq!(project_root(&dest).unwrap(), dest);
    }

    #[test]
    fn devices_fifos_and_hard_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            Default::default(),
        );
        let mut tar = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Fifo);
        h.set_size(0);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, "p/fifo", &b""[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        let e = unpack_tar_gz(&path, dir.path(), SMALL)
            .unwrap_err()
            .to_string();
        assert!(e.contains("as a Fifo entry"), "{e}");
    }
}
