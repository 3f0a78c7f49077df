//! What `--html DIR` owns in DIR: the files it wrote there before, listed in
//! DIR/.pybench-docker-site.json. A page is written over its own earlier
//! files only: an `index.html` or a file under `data/` it did not write is
//! never overwritten (the command stops before anything runs), and every
//! other file in DIR is left as it was, and said so.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::regular_file::{self, Links};
use crate::report::write::write_atomically;

/// The list of what the page wrote, in DIR.
pub const MANIFEST: &str = ".pybench-docker-site.json";
const KIND: &str = "pybench-docker-site";
const INDEX: &str = "index.html";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    kind: String,
    /// Paths relative to DIR: `index.html`, `data/r.json`.
    files: BTreeSet<String>,
}

/// DIR as `--html` found it.
#[derive(Debug, Default)]
pub struct Folder {
    /// What an earlier page wrote there.
    pub owned: BTreeSet<String>,
    /// Entries of DIR that are none of the page's: left alone.
    pub others: usize,
}

/// What DIR holds, or why the page may not be written there: it holds an
/// `index.html` or a file under `data/` that an earlier page did not write,
/// or a `data` that is not a folder. A DIR that does not exist holds nothing.
pub fn survey(dir: &Path) -> Result<Folder> {
    if !dir.exists() {
        return Ok(Folder::default());
    }
    let owned = read_manifest(dir)?;
    let mut foreign = vec![];
    let mut others = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        match name.as_str() {
            INDEX if !owned.contains(INDEX) => foreign.push(name),
            super::site::DATA => foreign.extend(foreign_data(dir, &owned)?),
            INDEX | MANIFEST => {}
            _ => others += 1,
        }
    }
    if !foreign.is_empty() {
        foreign.sort();
        let shown: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
        let more = match foreign.len() {
            n if n > 3 => format!(" and {} more", n - 3),
            _ => String::new(),
        };
        bail!(
            "--html {}: the folder holds {}{more}, which pybench-docker did not write there \
             (they are not listed in its {MANIFEST}), and a page never overwrites them. Give a \
             new or empty folder, or move those files away, and run again.",
            dir.display(),
            shown.join(", ")
        );
    }
    Ok(Folder { owned, others })
}

/// The entries under DIR/data that no earlier page wrote.
fn foreign_data(dir: &Path, owned: &BTreeSet<String>) -> Result<Vec<String>> {
    let data = dir.join(super::site::DATA);
    let kind = std::fs::symlink_metadata(&data)?.file_type();
    if !kind.is_dir() {
        bail!(
            "--html {}: {} is {}, not a folder, and the page's copies of its files go there. \
             Give a new or empty folder, or move it away, and run again.",
            dir.display(),
            data.display(),
            regular_file::describe(kind)
        );
    }
    let mut foreign = vec![];
    for entry in std::fs::read_dir(&data)? {
        let relative = format!(
            "{}/{}",
            super::site::DATA,
            entry?.file_name().to_string_lossy()
        );
        if !owned.contains(&relative) {
            foreign.push(relative);
        }
    }
    Ok(foreign)
}

fn read_manifest(dir: &Path) -> Result<BTreeSet<String>> {
    let path = dir.join(MANIFEST);
    let bytes = match regular_file::read(&path, 16 << 20, Links::Refuse) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    match serde_json::from_slice::<Manifest>(&bytes) {
        // Only the page's own paths: a forged list must not point at
        // `data/../../etc/x`, which a stale copy's removal would delete.
        Ok(m) if m.kind == KIND && m.files.iter().all(|f| is_page_path(f)) => Ok(m.files),
        _ => bail!(
            "{} is not the list of files a pybench-docker page wrote. Give a new or empty \
             folder to --html, or remove that file, and run again.",
            path.display()
        ),
    }
}

/// `index.html`, or `data/NAME` with NAME one name (the copies keep their
/// files' own names, hidden ones too).
fn is_page_path(path: &str) -> bool {
    let one_name = |name: &str| {
        let mut parts = Path::new(name).components();
        matches!(parts.next(), Some(std::path::Component::Normal(_))) && parts.next().is_none()
    };
    path == INDEX
        || path
            .strip_prefix(&format!("{}/", super::site::DATA))
            .is_some_and(|name| !name.contains('/') && one_name(name))
}

/// After the page's files are written: removes what an earlier page wrote
/// under `data/` and this one did not (its copies of files no longer shown),
/// and lists what this one wrote.
pub fn record(dir: &Path, before: &Folder, written: &BTreeSet<String>) -> Result<()> {
    for stale in before.owned.difference(written) {
        if stale.starts_with(&format!("{}/", super::site::DATA)) {
            let path = dir.join(stale);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    let manifest = Manifest {
        kind: KIND.into(),
        files: written.clone(),
    };
    let path = dir.join(MANIFEST);
    write_atomically(&path, &serde_json::to_vec_pretty(&manifest)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_new_or_empty_folder_holds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let f = survey(&dir.path().join("new")).unwrap();
        assert!(f.owned.is_empty() && f.others == 0);
        let f = survey(dir.path()).unwrap();
        assert!(f.owned.is_empty() && f.others == 0);
    }

    #[test]
    fn a_users_own_page_or_data_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "my page").unwrap();
        let e = survey(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("holds index.html, which pybench-docker did not write"),
            "{e}"
        );
        assert!(!e.contains('\n'), "one paragraph: {e}");
        std::fs::remove_file(dir.path().join("index.html")).unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/mine.json"), "{}").unwrap();
        let e = survey(dir.path()).unwrap_err().to_string();
        assert!(e.contains("holds data/mine.json"), "{e}");
    }

    #[test]
    fn its_own_files_are_rewritten_and_others_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        for f in ["index.html", "data/a.json", "data/b.json", "notes.txt"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        record(
            dir.path(),
            &Folder::default(),
            &set(&["index.html", "data/a.json", "data/b.json"]),
        )
        .unwrap();
        let before = survey(dir.path()).unwrap();
        assert_eq!(before.others, 1);
        record(dir.path(), &before, &set(&["index.html", "data/a.json"])).unwrap();
        assert!(
            !dir.path().join("data/b.json").exists(),
            "a stale copy goes"
        );
        assert!(dir.path().join("notes.txt").exists());
        assert_eq!(
            survey(dir.path()).unwrap().owned,
            set(&["index.html", "data/a.json"])
        );
    }

    #[test]
    fn a_data_link_or_a_forged_manifest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("data")).unwrap();
        let e = survey(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a symbolic link, not a folder"), "{e}");
        std::fs::remove_file(dir.path().join("data")).unwrap();
        for forged in [
            "[]".to_string(),
            format!(r#"{{"kind":"{KIND}","files":["data/../../victim"]}}"#),
            format!(r#"{{"kind":"{KIND}","files":["/etc/passwd"]}}"#),
        ] {
            std::fs::write(dir.path().join(MANIFEST), forged).unwrap();
            let e = survey(dir.path()).unwrap_err().to_string();
            assert!(
                e.contains("is not the list of files a pybench-docker page wrote"),
                "{e}"
            );
        }
    }
}
