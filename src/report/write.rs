//! Writing result files: whole or not at all, only where the folder exists,
//! and only over a regular file.
//!
//! A file is written to a temporary file beside it and renamed over it, so a
//! crash never leaves a truncated file. Renaming over a device, a FIFO, a
//! socket or a symbolic link would replace it with a plain file, which as
//! root means `--json /dev/null` replaces /dev/null for everyone: such a
//! target is refused, before anything runs and again when written.

use std::io::Write;
use std::path::Path;

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Why `path` may not be replaced by a result file, if it may not: it
/// exists and is not a regular file (a link is not followed).
fn not_replaceable(path: &Path) -> Option<&'static str> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => {
            Some(crate::regular_file::describe(meta.file_type()))
        }
        _ => None,
    }
}

/// Writes to a temporary file beside `path`, syncs, then renames over it, so a
/// crash never leaves a truncated file where a complete one is expected.
/// Refuses a `path` that is there and not a regular file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.file_name().is_none() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file path",
        ));
    }
    if let Some(what) = not_replaceable(path) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {what}, which a result file never replaces"),
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

/// Checks an output file before anything runs: absent in a folder that
/// exists (results would otherwise be lost at the end of a long run), or a
/// regular file, which is replaced whole.
pub fn check_output_file(flag: &str, path: &Path) -> anyhow::Result<()> {
    if let Some(what) = not_replaceable(path) {
        anyhow::bail!(
            "{flag} {}: it is {what}, not a regular file. Results are written to a new file \
             and renamed over the path, which would replace {what} with a plain file. Give \
             the path of a regular file, or of one to create.",
            path.display()
        );
    }
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
        let e = check_output_file("--json", &p).unwrap_err().to_string();
        assert!(e.contains("does not exist. Create it first"), "{e}");
    }

    /// A FIFO, a link, a folder and a device stay what they are.
    #[test]
    fn only_a_regular_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        crate::regular_file::make_fifo(&fifo);
        let target = dir.path().join("target");
        std::fs::write(&target, b"mine").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        for (path, what) in [
            (fifo.as_path(), "a FIFO"),
            (link.as_path(), "a symbolic link"),
            (folder.as_path(), "a directory"),
            (Path::new("/dev/null"), "a device"),
        ] {
            let e = check_output_file("--json", path).unwrap_err().to_string();
            assert!(
                e.contains(&format!("it is {what}, not a regular file")),
                "{e}"
            );
            assert!(!e.contains('\n'), "one paragraph: {e}");
        }
        for path in [&fifo, &link, &folder] {
            let e = write_atomically(path, b"x").unwrap_err();
            assert!(
                e.to_string().contains("which a result file never replaces"),
                "{e}"
            );
        }
        let kinds = |p: &Path| std::fs::symlink_metadata(p).unwrap().file_type();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kinds(&fifo)));
        assert!(kinds(&link).is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"mine");
        check_output_file("--json", &target).unwrap();
        check_output_file("--json", &dir.path().join("new.json")).unwrap();
    }
}
