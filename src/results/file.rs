//! Result files read from disk: only regular files, only up to
//! [`limits::FILE_BYTES`], and a folder's `*.json` files in name order.
//!
//! A FIFO would block the reader until something writes to it, and a
//! device such as `/dev/zero` never ends: both are refused before a byte is
//! read. The file is opened without blocking and checked again on the open
//! handle (it could have been swapped since it was looked at), and the
//! size limit holds while reading, not only by what the file system said.

use std::fs::{FileType, Metadata, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::decode::{decode, ResultDoc};
use super::limits;

/// Reads and decodes one result file.
pub fn load(path: &Path) -> Result<ResultDoc, String> {
    decode(&path.display().to_string(), &read(path)?)
}

/// A result file's bytes: refused, with the reason, when it is not a
/// regular file or larger than [`limits::FILE_BYTES`].
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| {
        format!(
            "cannot read {}: {e}. Give a result file pybench-docker wrote with --json.",
            path.display()
        )
    };
    regular(path, &std::fs::metadata(path).map_err(cannot)?)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    regular(path, &metadata)?;
    bounded(file, metadata.len(), limits::FILE_BYTES).map_err(|e| match e {
        Bounded::Io(e) => cannot(e),
        Bounded::TooLarge => too_large(path, None),
    })
}

/// Refuses anything but a regular file (symbolic links followed), and one
/// larger than the limit.
fn regular(path: &Path, metadata: &Metadata) -> Result<(), String> {
    if !metadata.is_file() {
        let why = match metadata.is_dir() {
            true => "",
            false => " (a pipe or a device is not read: it could wait forever, or never end)",
        };
        return Err(format!(
            "{} is {}, not a regular file: give a result file pybench-docker wrote with \
             --json{why}.",
            path.display(),
            what_it_is(&metadata.file_type()),
        ));
    }
    match metadata.len() > limits::FILE_BYTES {
        true => Err(too_large(path, Some(metadata.len()))),
        false => Ok(()),
    }
}

fn what_it_is(t: &FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn too_large(path: &Path, size: Option<u64>) -> String {
    let size = size.map_or_else(String::new, |s| format!(" ({s} bytes)"));
    format!(
        "{} is larger than the {} a result file may be{size}: pybench-docker's are far smaller \
         (a run of 10 configurations × 20 processes is about 250 kB). Is it the right file?",
        path.display(),
        limits::FILE_SIZE_TEXT
    )
}

#[derive(Debug)]
enum Bounded {
    Io(std::io::Error),
    TooLarge,
}

/// Every byte of `reader`, refused past `limit` however long it turns out
/// to be (a file that grows, or one the file system sized wrong); `size`
/// is what the file system said, to allocate once.
fn bounded(reader: impl Read, size: u64, limit: u64) -> Result<Vec<u8>, Bounded> {
    let mut bytes = Vec::with_capacity(size.min(limit) as usize);
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(Bounded::Io)?;
    match bytes.len() as u64 > limit {
        true => Err(Bounded::TooLarge),
        false => Ok(bytes),
    }
}

/// The files a path given for results stands for: a folder's `*.json`
/// entries in name order, or the path itself. A `*.json` entry that is not
/// a regular file is refused, not skipped.
pub fn json_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| format!("cannot list {}: {e}.", path.display()))?;
    let mut files = vec![];
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}.", path.display()))?;
        let file = entry.path();
        if file.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let metadata = std::fs::metadata(&file)
            .map_err(|e| format!("cannot read {}: {e}.", file.display()))?;
        regular(&file, &metadata)?;
        files.push(file);
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_while_reading_whatever_the_size_said() {
        let endless = std::io::repeat(b'x');
        assert!(matches!(bounded(endless, 0, 1000), Err(Bounded::TooLarge)));
        let bytes = bounded(&b"12345"[..], 5, 5).unwrap();
        assert_eq!(bytes, b"12345");
        assert!(matches!(
            bounded(&b"123456"[..], 5, 5),
            Err(Bounded::TooLarge)
        ));
    }
}
