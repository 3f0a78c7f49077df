//! Writing result files: whole or not at all, and only where the folder exists.

use std::io::Write;
use std::path::Path;

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes to a temporary file beside `path`, syncs, then renames over it, so a
/// crash never leaves a truncated file where a complete one is expected.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.file_name().is_none() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file path",
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".pybench-")
        .tempfile_in(folder_of(path))?;
    tmp.write_all(bytes)?;
    // tempfile creates 0600; a results file is for sharing, like any other.
    std::fs::set_permissions(
        tmp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Fails, before anything runs, when `path`'s folder does not exist: results
/// would otherwise be lost at the end of a long run.
pub fn check_parent_exists(flag: &str, path: &Path) -> anyhow::Result<()> {
    let dir = folder_of(path);
    if !dir.is_dir() {
        anyhow::bail!(
            "{flag} {}: the folder {} does not exist. Create it first, so results are not lost after the run.",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomically(&p, b"one").unwrap();
        write_atomically(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directory_is_an_error_without_debris() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope/r.json");
        assert!(write_atomically(&p, b"x").is_err());
    }
}
