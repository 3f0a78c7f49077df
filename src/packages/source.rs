//! What `ext` was asked to check: one `.c` file, a project folder, an sdist
//! archive, or a name on PyPI; and the project folder each becomes.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};

use super::pyproject::{build_system, BuildSystem};
use super::unpack::{project_root, unpack_tar_gz, unpack_zip, Caps};
use crate::regular_file::{read_to_string, Links};

/// pyproject.toml is a few KB; a larger one is not a build configuration.
const PYPROJECT_LIMIT: u64 = 1 << 20;

#[derive(Debug, Clone, PartialEq)]
pub enum ExtSource {
    /// The greeter modules of the tutorial.
    Greeter,
    /// A single-file module, compiled with gcc.
    CFile(PathBuf),
    /// A folder with pyproject.toml or setup.py.
    Project(PathBuf),
    /// `NAME-VERSION.tar.gz` or `.zip`.
    Sdist(PathBuf),
    Pypi {
        name: String,
        version: Option<String>,
    },
}

fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    [".tar.gz", ".tgz", ".zip"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Reads `ext`'s arguments; every mistake is found here, before anything runs.
pub fn classify(path: Option<&Path>, pypi: Option<&str>) -> Result<ExtSource> {
    match (path, pypi) {
        (Some(p), Some(n)) => bail!(
            "both a path ({}) and --pypi {n} were given: `ext` checks one package at a time. \
             Drop one of them.",
            p.display()
        ),
        (None, None) => Ok(ExtSource::Greeter),
        (None, Some(spec)) => {
            let (name, version) = parse_pypi(spec)?;
            Ok(ExtSource::Pypi { name, version })
        }
        (Some(p), None) if p.is_dir() => {
            project_build_system(p)?;
            Ok(ExtSource::Project(p.canonicalize()?))
        }
        (Some(p), None) if p.is_file() && is_archive(p) => Ok(ExtSource::Sdist(p.canonicalize()?)),
        (Some(p), None) if p.is_file() && p.extension().is_some_and(|e| e == "c") => {
            Ok(ExtSource::CFile(p.to_path_buf()))
        }
        (Some(p), None) if p.exists() => bail!(
            "{} is neither a .c file, a project folder nor an sdist (.tar.gz, .zip). \
             Give one of those, or --pypi NAME.",
            p.display()
        ),
        (Some(p), None) => bail!(
            "{} does not exist. Give a .c file, a project folder (with pyproject.toml or \
             setup.py), an sdist archive, or --pypi NAME.",
            p.display()
        ),
    }
}

/// `NAME` or `NAME==VERSION`. Pure.
pub fn parse_pypi(spec: &str) -> Result<(String, Option<String>)> {
    let (name, version) = match spec.split_once("==") {
        Some((n, v)) => (n.trim(), Some(v.trim())),
        None => (spec.trim(), None),
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    let version_ok = version.is_none_or(|v| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+!-".contains(c))
    });
    if !name_ok || !version_ok {
        bail!(
            "--pypi {spec:?} is not NAME or NAME==VERSION (like numpy or numpy==2.3.0); \
             other specifiers are not taken, pick the exact version."
        );
    }
    Ok((name.to_string(), version.map(String::from)))
}

/// A project folder's build system, or why it cannot be built.
pub fn project_build_system(dir: &Path) -> Result<BuildSystem> {
    let pyproject = dir.join("pyproject.toml");
    // Regular and small: the folder may come from an sdist of anyone's.
    let text = match read_to_string(&pyproject, PYPROJECT_LIMIT, Links::Refuse) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(anyhow!("cannot read {}: {e}", pyproject.display())),
    };
    build_system(text.as_deref(), dir.join("setup.py").is_file()).map_err(|e| {
        anyhow!(
            "{} cannot be built as a Python project: {e}. Give the folder that holds \
             pyproject.toml or setup.py.",
            dir.display()
        )
    })
}

/// Unpacks an sdist into `dest` within `caps` and returns its project
/// folder (the one top-level folder sdists have, or `dest` itself).
pub fn unpack_sdist(archive: &Path, dest: &Path, caps: Caps) -> Result<PathBuf> {
    std::fs::create_dir_all(dest)?;
    let lower = archive.to_string_lossy().to_lowercase();
    if lower.ends_with(".zip") {
        unpack_zip(archive, dest, caps)?;
    } else {
        unpack_tar_gz(archive, dest, caps)?;
    }
    let root = project_root(dest)?;
    project_build_system(&root)?;
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_and_versions() {
        assert_eq!(parse_pypi("numpy").unwrap(), ("numpy".into(), None));
        assert_eq!(
            parse_pypi("zstandard==0.25.0").unwrap(),
            ("zstandard".into(), Some("0.25.0".into()))
        );
        for bad in ["", "numpy>=2", "-x", "a b", "x=="] {
            let e = parse_pypi(bad).unwrap_err().to_string();
            assert!(e.contains("NAME==VERSION"), "{bad}: {e}");
        }
    }

    #[test]
    fn arguments_are_classified_before_anything_runs() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(classify(None, None).unwrap(), ExtSource::Greeter);
        std::fs::write(d.join("m.c"), "").unwrap();
        assert_eq!(
            classify(Some(&d.join("m.c")), None).unwrap(),
            ExtSource::CFile(d.join("m.c"))
        );
        let e = classify(Some(d), None).unwrap_err().to_string();
        assert!(e.contains("pyproject.toml or setup.py"), "{e}");
        std::fs::write(d.join("setup.py"), "").unwrap();
        assert!(matches!(
            classify(Some(d), None).unwrap(),
            ExtSource::Project(_)
        ));
        let e = classify(Some(&d.join("m.c")), Some("numpy"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("one package at a time"), "{e}");
        std::fs::write(d.join("notes.txt"), "").unwrap();
        let e = classify(Some(&d.join("notes.txt")), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither a .c file"), "{e}");
        let e = classify(Some(&d.join("nope")), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
    }

    fn tar_gz(path: &Path, files: &[(&str, &str)]) {
        let gz =
            flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), Default::default());
        let mut tar = tar::Builder::new(gz);
        for (name, body) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, name, body.as_bytes()).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }

    #[test]
    fn sdists_unpack_to_their_project_folder() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("pb-x-1.0.tar.gz");
        tar_gz(
            &archive,
            &[("pb-x-1.0/setup.py", "x"), ("pb-x-1.0/x.c", "y")],
        );
        let caps = Caps {
            bytes: 1 << 20,
            entries: 100,
        };
        let root = unpack_sdist(&archive, &dir.path().join("u"), caps).unwrap();
        assert_eq!(root, dir.path().join("u/pb-x-1.0"));
        assert!(root.join("x.c").is_file());
        let empty = dir.path().join("empty.tar.gz");
        tar_gz(&empty, &[("README", "x")]);
        let e = unpack_sdist(&empty, &dir.path().join("v"), caps)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be built"), "{e}");
        std::fs::write(dir.path().join("junk.zip"), "not a zip").unwrap();
        let e = unpack_sdist(&dir.path().join("junk.zip"), &dir.path().join("w"), caps)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a readable sdist"), "{e}");
    }

    /// The case: an sdist whose only entry is a link to a host folder
    /// that looks like a project. It must not become the project.
    #[test]
    fn a_lone_link_to_a_host_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join("host-project");
        std::fs::create_dir_all(&host).unwrap();
        std::fs::write(host.join("setup.py"), "").unwrap();
        let archive = dir.path().join("evil-1.0.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&archive).unwrap(),
            Default::default(),
        );
        let mut tar = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        tar.append_link(&mut h, "evil-1.0", &host).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        let caps = Caps {
            bytes: 1 << 20,
            entries: 100,
        };
        let e = unpack_sdist(&archive, &dir.path().join("u"), caps)
            .unwrap_err()
            .to_string();
        assert!(e.contains("points outside the archive"), "{e}");
    }
}
