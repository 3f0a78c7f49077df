//! CPython's own scaling benchmark, `Tools/ftscalingbench/ftscalingbench.py`,
//! taken from a CPython source: a verified release tarball, an own tarball or
//! an own checkout. Its text stays the source's: it is copied byte for byte
//! into the cache, under its own sha256, and mounted read-only into the
//! containers. Which patterns it registers is read from its text, so that
//! `--patterns` is checked before anything starts.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::regular_file::{self, Links};

/// Where the script lives in a CPython tree.
pub const PATH_IN_TREE: &str = "Tools/ftscalingbench/ftscalingbench.py";

/// Its file name, in the cache and in the container.
pub const FILE_NAME: &str = "ftscalingbench.py";

/// The script is a few hundred lines; anything far larger is not it.
const SCRIPT_LIMIT: u64 = 4 << 20;

/// One source's script, copied into the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// What it came from, as people say it: `3.14.7's source tarball`.
    pub origin: String,
    /// The folder holding [`FILE_NAME`] (mounted read-only).
    pub dir: PathBuf,
    pub sha256: String,
    /// The patterns it registers with `@register_benchmark`, in its order.
    pub patterns: Vec<String>,
}

/// The names of the functions decorated with `@register_benchmark`, in the
/// order they appear (also inside an `if` block, where a pattern is only
/// registered on some interpreters). Pure.
pub fn registered_patterns(text: &str) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    let mut decorated = false;
    for line in text.lines().map(str::trim) {
        if line == "@register_benchmark" {
            decorated = true;
            continue;
        }
        if !decorated || line.starts_with('@') || line.is_empty() {
            continue;
        }
        decorated = false;
        let name = line
            .strip_prefix("def ")
            .and_then(|rest| rest.split('(').next())
            .map(str::trim)
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if let Some(name) = name {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Whether a tar entry's path is the script: `<top folder>/Tools/…/ftscalingbench.py`. Pure.
pub fn is_script_entry(entry: &Path) -> bool {
    let mut parts = entry.components();
    parts.next();
    parts.as_path() == Path::new(PATH_IN_TREE)
}

/// The script of an unpacked tree (a checkout); `None` when it has none.
pub fn from_tree(root: &Path, origin: &str, cache: &Path) -> Result<Option<Script>, String> {
    let path = root.join(PATH_IN_TREE);
    if !path.exists() {
        return Ok(None);
    }
    // The user's tree: a regular file (a FIFO would block), of a script's size.
    let bytes = regular_file::read(&path, SCRIPT_LIMIT, Links::Follow)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    store(&bytes, origin, cache).map(Some)
}

/// The script of a source tarball (`.tar.xz`, `.tar.gz`, `.tgz` or `.tar`);
/// `None` when it has none. What was found is remembered in the cache under
/// the tarball's sha256, so the tarball is read once.
pub fn from_tarball(
    tarball: &Path,
    tarball_sha256: &str,
    origin: &str,
    cache: &Path,
) -> Result<Option<Script>, String> {
    let index = cache.join("sources").join(tarball_sha256);
    if let Ok(known) = fs::read_to_string(&index) {
        let known = known.trim();
        if known == "none" {
            return Ok(None);
        }
        let hex = known.len() == 64 && known.chars().all(|c| c.is_ascii_hexdigit());
        if let (true, Ok(bytes)) = (hex, fs::read(cache.join(known).join(FILE_NAME))) {
            if sha256_hex(&bytes) == known {
                return store(&bytes, origin, cache).map(Some);
            }
        }
    }
    let found =
        read_entry(tarball).map_err(|e| format!("cannot read {}: {e}", tarball.display()))?;
    let script = found
        .map(|bytes| store(&bytes, origin, cache))
        .transpose()?;
    let remembered = script.as_ref().map_or("none", |s| s.sha256.as_str());
    write_atomically(&index, remembered.as_bytes())?;
    Ok(script)
}

/// The script's bytes from a tarball, read entry by entry until found.
fn read_entry(tarball: &Path) -> io::Result<Option<Vec<u8>>> {
    let file = io::BufReader::new(regular_file::open(tarball, Links::Follow)?);
    let name = tarball.to_string_lossy().to_ascii_lowercase();
    let reader: Box<dyn Read> = if name.ends_with(".xz") {
        Box::new(liblzma::read::XzDecoder::new(file))
    } else if name.ends_with(".gz") || name.ends_with(".tgz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let entry = entry?;
        if entry.header().entry_type().is_file() && is_script_entry(&entry.path()?) {
            let mut bytes = vec![];
            entry.take(SCRIPT_LIMIT + 1).read_to_end(&mut bytes)?;
            if bytes.len() as u64 > SCRIPT_LIMIT {
                let why = format!("its {PATH_IN_TREE} is larger than {SCRIPT_LIMIT} bytes");
                return Err(io::Error::new(io::ErrorKind::InvalidData, why));
            }
            return Ok(Some(bytes));
        }
    }
    Ok(None)
}

#[cfg(unix)]
fn readable_by_all(file: &fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn readable_by_all(_: &fs::File) -> io::Result<()> {
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Copies the script into `cache/<sha256>/ftscalingbench.py` (once: the name
/// is its content) and reads its patterns.
fn store(bytes: &[u8], origin: &str, cache: &Path) -> Result<Script, String> {
    let sha256 = sha256_hex(bytes);
    let dir = cache.join(&sha256);
    let path = dir.join(FILE_NAME);
    let stored = fs::read(&path).is_ok_and(|b| b == bytes);
    if !stored {
        write_atomically(&path, bytes)?;
    }
    Ok(Script {
        origin: origin.to_string(),
        dir,
        sha256,
        patterns: registered_patterns(&String::from_utf8_lossy(bytes)),
    })
}

/// Writes through a temporary file renamed into place, the folder made first.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: io::Error| format!("cannot write {}: {e}", path.display());
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(fail)?;
    let mut partial = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    io::Write::write_all(&mut partial, bytes).map_err(fail)?;
    // Readable by the containers' user, whoever runs the tool.
    readable_by_all(partial.as_file()).map_err(fail)?;
    partial.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A script with the shape of the real one: a decorator, patterns, one
    /// registered only inside an `if`.
    pub const TINY: &str = "WORK_SCALE = 100\nALL_BENCHMARKS = {}\n\ndef register_benchmark(func):\n    ALL_BENCHMARKS[func.__name__] = func\n    return func\n\n@register_benchmark\ndef object_cfunction():\n    pass\n\n@register_benchmark\ndef create_dict ():\n    d = {}\n\nif hasattr(__builtins__, 'frozendict'):\n    @register_benchmark\n    def create_frozendict():\n        pass\n\ndef bench_one_thread(func):\n    pass\n";

    #[test]
    fn the_registered_patterns_in_order_including_conditional_ones() {
        assert_eq!(
            registered_patterns(TINY),
            ["object_cfunction", "create_dict", "create_frozendict"]
        );
        // A decorator line not followed by a def names nothing.
        assert!(registered_patterns("@register_benchmark\nx = 1\n").is_empty());
        assert!(registered_patterns("").is_empty());
    }

    #[test]
    fn the_entry_is_found_under_any_top_folder_only() {
        assert!(is_script_entry(Path::new(
            "Python-3.14.7/Tools/ftscalingbench/ftscalingbench.py"
        )));
        assert!(is_script_entry(Path::new(
            "cpython/Tools/ftscalingbench/ftscalingbench.py"
        )));
        assert!(!is_script_entry(Path::new(
            "Tools/ftscalingbench/ftscalingbench.py"
        )));
        assert!(!is_script_entry(Path::new(
            "a/b/Tools/ftscalingbench/ftscalingbench.py"
        )));
    }

    /// A `.tar.xz` or `.tar.gz` holding `files` under `top/`.
    pub fn tarball(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let mut builder = tar::Builder::new(vec![]);
        for (path, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, format!("top/{path}"), text.as_bytes())
                .unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let path = dir.join(name);
        let mut out: Box<dyn io::Write> = match name.ends_with(".xz") {
            true => Box::new(liblzma::write::XzEncoder::new(
                fs::File::create(&path).unwrap(),
                1,
            )),
            false => Box::new(flate2::write::GzEncoder::new(
                fs::File::create(&path).unwrap(),
                flate2::Compression::fast(),
            )),
        };
        out.write_all(&tar).unwrap();
        drop(out);
        path
    }

    #[test]
    fn a_tarball_gives_its_script_once_and_remembers_one_without() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        for name in ["Python-9.9.9.tar.xz", "own.tar.gz"] {
            let with = tarball(dir.path(), name, &[("README", "hi"), (PATH_IN_TREE, TINY)]);
            let script = from_tarball(&with, "aa", "9.9.9's source", &cache)
                .unwrap()
                .unwrap();
            assert_eq!(
                fs::read_to_string(script.dir.join(FILE_NAME)).unwrap(),
                TINY
            );
            assert_eq!(script.sha256, sha256_hex(TINY.as_bytes()));
            assert_eq!(script.patterns.len(), 3);
            // Remembered: the tarball is not read again.
            fs::remove_file(&with).unwrap();
            let again = from_tarball(&with, "aa", "9.9.9's source", &cache).unwrap();
            assert_eq!(again, Some(script));
        }
        let without = tarball(dir.path(), "old.tar.xz", &[("README", "hi")]);
        assert_eq!(from_tarball(&without, "bb", "old", &cache).unwrap(), None);
        assert_eq!(
            fs::read_to_string(cache.join("sources/bb")).unwrap(),
            "none"
        );
        let e = from_tarball(&dir.path().join("nope.tar.xz"), "cc", "x", &cache).unwrap_err();
        assert!(e.starts_with("cannot read"), "{e}");
    }

    #[test]
    fn a_tree_gives_its_script_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let tree = dir.path().join("cpython");
        assert_eq!(from_tree(&tree, "tree", &cache).unwrap(), None);
        let file = tree.join(PATH_IN_TREE);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, TINY).unwrap();
        let script = from_tree(&tree, "tree", &cache).unwrap().unwrap();
        assert_eq!(script.origin, "tree");
        assert!(script.dir.join(FILE_NAME).is_file());
        // A FIFO in its place is refused, not waited on.
        fs::remove_file(&file).unwrap();
        regular_file::make_fifo(&file);
        let e = from_tree(&tree, "tree", &cache).unwrap_err();
        assert!(e.starts_with("cannot read") && e.contains("FIFO"), "{e}");
    }
}
