//! Installing pure and binary wheels without pip: a wheel is a zip whose
//! root is site-packages, plus `NAME.data/purelib` and `platlib` folders that
//! belong there too (PEP 427). Scripts, headers and data files are not
//! needed to import a package, so they are left out. Used for the
//! third-party packages of pyperformance's benchmarks, unpacked on the host
//! and mounted read-only.

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::unpack::{Budget, Caps};

/// Where a wheel entry goes in site-packages; None for what is not imported. Pure.
pub fn site_path(entry: &str) -> Option<PathBuf> {
    let path = Path::new(entry);
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut parts = path.components();
    let first = parts.next()?.as_os_str().to_string_lossy().into_owned();
    if first.ends_with(".data") {
        let scheme = parts.next()?.as_os_str().to_string_lossy().into_owned();
        let rest = parts.as_path();
        return (matches!(scheme.as_str(), "purelib" | "platlib") && !rest.as_os_str().is_empty())
            .then(|| rest.to_path_buf());
    }
    Some(path.to_path_buf())
}

/// Unpacks every wheel into `dest` (created; must not exist yet), each
/// within `caps`.
pub fn install_wheels(wheels: &[PathBuf], dest: &Path, caps: Caps) -> Result<()> {
    if dest.exists() {
        bail!("{} exists already", dest.display());
    }
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    for wheel in wheels {
        let file = std::fs::File::open(wheel)
            .with_context(|| format!("cannot open {}", wheel.display()))?;
        let mut zip = zip::ZipArchive::new(file)
            .with_context(|| format!("{} is not a wheel", wheel.display()))?;
        let mut budget = Budget::new(wheel, caps, zip.len())?;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i)?;
            if entry.is_dir() {
                continue;
            }
            let name = entry.name()?.to_string();
            let Some(relative) = site_path(&name) else {
                continue;
            };
            let target = dest.join(relative);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut out = std::fs::File::create(&target)
                .with_context(|| format!("cannot write {}", target.display()))?;
            budget.copy(&mut entry, &mut out)?;
            if let Some(mode) = entry.unix_mode() {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(
                    &target,
                    std::fs::Permissions::from_mode(mode & 0o755 | 0o444),
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_land_where_pip_would_put_them() {
        assert_eq!(
            site_path("tomli/_parser.py"),
            Some("tomli/_parser.py".into())
        );
        assert_eq!(
            site_path("x-1.0.data/platlib/x/_c.so"),
            Some("x/_c.so".into())
        );
        assert_eq!(site_path("x-1.0.data/purelib/y.py"), Some("y.py".into()));
        assert_eq!(site_path("x-1.0.data/scripts/tool"), None);
        assert_eq!(site_path("x-1.0.data/headers/x.h"), None);
        assert_eq!(site_path("../evil.py"), None);
        assert_eq!(site_path("/etc/passwd"), None);
    }

    #[test]
    fn wheels_are_unpacked_into_a_new_folder() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = dir.path().join("pb_a-1.0-py3-none-any.whl");
        super::super::testing::write_wheel(&wheel, "pb-a", "1.0", &[]);
        let site = dir.path().join("site");
        let caps = Caps {
            bytes: 1 << 20,
            entries: 100,
        };
        install_wheels(std::slice::from_ref(&wheel), &site, caps).unwrap();
        assert!(site.join("pb_a-1.0.dist-info/METADATA").is_file());
        assert!(
            install_wheels(std::slice::from_ref(&wheel), &site, caps).is_err(),
            "never over an existing folder"
        );
        let tight = Caps { bytes: 10, ..caps };
        let e = install_wheels(&[wheel], &dir.path().join("site2"), tight)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unpacks to more than 0 MB"), "{e}");
    }
}
