//! Reading a file this tool did not write (a config, a source tree's
//! `Include/patchlevel.h`, a project's pyproject.toml, what a container left
//! in its output folder): only a regular file, only up to a size limit.
//!
//! A FIFO would block the read forever and a device (`/dev/zero`) never ends,
//! so the file is opened non-blocking and checked with `fstat` on the open
//! descriptor, not by name first (which could change in between). Files a
//! container wrote are opened without following a final symlink, which would
//! otherwise let the container point this root process at any file.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Whether a symlink as the last part of the path is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// A path the user gave: theirs to point where they like.
    Follow,
    /// A file from something untrusted (an archive, a container).
    Refuse,
}

/// The regular file `path`, open for reading; an error of kind
/// `InvalidInput` says what else it is.
pub fn open(path: &Path, links: Links) -> io::Result<File> {
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => refused("a symbolic link"),
            _ => e,
        })?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(refused(describe(kind)));
    }
    Ok(file)
}

/// The regular file `root/relative`, open for reading, where no part below
/// `root` is a symbolic link: a folder a container wrote into, which it
/// could fill with links to anywhere on this machine. The container has
/// ended when this is called, so nothing changes the folder in between.
pub fn open_inside(root: &Path, relative: &Path, links_in: &str) -> io::Result<File> {
    let mut at = root.to_path_buf();
    let mut parts = relative.components().peekable();
    while let Some(part) = parts.next() {
        if !matches!(part, std::path::Component::Normal(_)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} leaves {links_in}", relative.display()),
            ));
        }
        at.push(part);
        if parts.peek().is_some() {
            let kind = std::fs::symlink_metadata(&at)?.file_type();
            if !kind.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} in {links_in} is {}, not a folder",
                        at.display(),
                        describe(kind)
                    ),
                ));
            }
        }
    }
    open(&at, Links::Refuse)
}

/// The bytes of the regular file `path`, at most `limit` of them; an error
/// of kind `InvalidInput` says what else it is, or that it is larger.
pub fn read(path: &Path, limit: u64, links: Links) -> io::Result<Vec<u8>> {
    let file = open(path, links)?;
    let mut bytes = vec![];
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is larger than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_to_string(path: &Path, limit: u64, links: Links) -> io::Result<String> {
    String::from_utf8(read(path, limit, links)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

fn refused(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {what}, not a regular file"),
    )
}

/// "a FIFO", "a directory", …
pub fn describe(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "a regular file"
    }
}

/// A FIFO at `path`, for tests.
#[cfg(test)]
pub fn make_fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read(&p, 5, Links::Refuse).unwrap(), b"12345");
        let e = read(&p, 4, Links::Refuse).unwrap_err();
        assert_eq!(e.to_string(), "it is larger than 4 bytes");
    }

    #[test]
    fn a_fifo_is_refused_at_once_instead_of_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        make_fifo(&fifo);
        let start = std::time::Instant::now();
        let e = read(&fifo, 100, Links::Follow).unwrap_err();
        assert_eq!(e.to_string(), "it is a FIFO, not a regular file");
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn devices_and_folders_are_refused() {
        let e = read(Path::new("/dev/zero"), 100, Links::Follow).unwrap_err();
        assert_eq!(e.to_string(), "it is a device, not a regular file");
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path(), 100, Links::Follow).unwrap_err();
        assert_eq!(e.to_string(), "it is a directory, not a regular file");
    }

    #[test]
    fn inside_a_folder_no_part_may_be_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let (root, elsewhere) = (dir.path().join("out"), dir.path().join("elsewhere"));
        std::fs::create_dir_all(root.join("3.13/dist")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(root.join("3.13/dist/w.whl"), b"w").unwrap();
        std::fs::write(elsewhere.join("secret"), b"s").unwrap();
        let mut ok = open_inside(&root, Path::new("3.13/dist/w.whl"), "the output").unwrap();
        let mut text = String::new();
        ok.read_to_string(&mut text).unwrap();
        assert_eq!(text, "w");
        std::os::unix::fs::symlink(&elsewhere, root.join("3.14")).unwrap();
        let e = open_inside(&root, Path::new("3.14/secret"), "the output").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("in the output is a symbolic link, not a folder"),
            "{e}"
        );
        std::os::unix::fs::symlink(elsewhere.join("secret"), root.join("3.13/dist/x.whl")).unwrap();
        let e = open_inside(&root, Path::new("3.13/dist/x.whl"), "the output").unwrap_err();
        assert_eq!(e.to_string(), "it is a symbolic link, not a regular file");
        let e = open_inside(&root, Path::new("../elsewhere/secret"), "the output").unwrap_err();
        assert!(e.to_string().contains("leaves the output"), "{e}");
    }

    #[test]
    fn a_final_link_is_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("secret");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read(&link, 10, Links::Follow).unwrap(), b"x");
        let e = read(&link, 10, Links::Refuse).unwrap_err();
        assert_eq!(e.to_string(), "it is a symbolic link, not a regular file");
    }
}
