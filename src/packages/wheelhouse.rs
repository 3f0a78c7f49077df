//! The wheelhouse a package's build reads: its build requirements resolved
//! for every interpreter target, gathered in one folder that is mounted
//! read-only into the builder containers (which have no network).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

use super::index::{Candidate, Origin, PackageIndex};
use super::resolve::resolve;
use super::wheel_tags::Target;
use crate::file_name::FileName;

/// The wheels every target needs, by file name. Resolution only: nothing is
/// downloaded yet.
pub fn plan(
    requires: &[String],
    targets: &[Target],
    indexes: &[&dyn PackageIndex],
) -> Result<BTreeMap<FileName, Candidate>> {
    let mut all = BTreeMap::new();
    for t in targets {
        for c in resolve(requires, t, indexes)?.into_values() {
            all.insert(c.file.clone(), c);
        }
    }
    Ok(all)
}

/// Puts every planned wheel into `dest`: local ones linked or copied,
/// remote ones downloaded into `cache` first (verified by sha256).
pub fn gather(
    wheels: &BTreeMap<FileName, Candidate>,
    cache: &Path,
    dest: &Path,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let mut out = Vec::new();
    for (file, c) in wheels {
        let source = match &c.origin {
            Origin::Local(p) => p.clone(),
            Origin::Remote { url, sha256 } => crate::download::fetch_pinned(url, file, sha256, cache)
                .map_err(|why| {
                    anyhow!(
                        "downloading the build requirement {file} failed ({why}). Check the network, \
                         or put the wheel in a folder and pass it with --wheelhouse (and --offline)."
                    )
                })?,
        };
        let target = dest.join(file);
        // Gathered before (the build's requirements, then those the backend
        // asked for): the name may be a hard link to `source` itself, and
        // copying onto it would truncate both, the cache's file with them.
        if target.symlink_metadata().is_ok() {
            std::fs::remove_file(&target)
                .with_context(|| format!("cannot replace {}", target.display()))?;
        }
        if std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target).with_context(|| {
                format!("cannot copy {} to {}", source.display(), target.display())
            })?;
        }
        out.push(target);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::index::Wheelhouse;
    use super::*;

    #[test]
    fn wheels_for_every_target_land_in_one_folder() {
        let dir = tempfile::tempdir().unwrap();
        let house = dir.path().join("house");
        std::fs::create_dir(&house).unwrap();
        for (file, name, req) in [
            (
                "pb_a-1.0-py3-none-any.whl",
                "pb-a",
                vec!["pb-b; python_version >= \"3.14\""],
            ),
            ("pb_b-2.0-py3-none-any.whl", "pb-b", vec![]),
        ] {
            super::super::testing::write_wheel(&house.join(file), name, "1.0", &req);
        }
        let index = Wheelhouse { dirs: vec![house] };
        let t = |minor| Target {
            major: 3,
            minor,
            free_threaded: false,
        };
        let only_313 = plan(&["pb-a".into()], &[t(13)], &[&index]).unwrap();
        assert_eq!(only_313.len(), 1);
        let both = plan(&["pb-a".into()], &[t(13), t(14)], &[&index]).unwrap();
        assert_eq!(both.len(), 2);
        let dest = dir.path().join("dest");
        let files = gather(&both, &dir.path().join("cache"), &dest).unwrap();
        assert_eq!(files.len(), 2);
        assert!(dest.join("pb_b-2.0-py3-none-any.whl").is_file());
    }

    #[test]
    fn gathering_twice_into_one_folder_leaves_the_source_whole() {
        let dir = tempfile::tempdir().unwrap();
        let house = dir.path().join("house");
        std::fs::create_dir(&house).unwrap();
        let file = "pb_b-2.0-py3-none-any.whl";
        super::super::testing::write_wheel(&house.join(file), "pb-b", "2.0", &[]);
        let size = std::fs::metadata(house.join(file)).unwrap().len();
        let index = Wheelhouse {
            dirs: vec![house.clone()],
        };
        let target = Target {
            major: 3,
            minor: 14,
            free_threaded: true,
        };
        let planned = plan(&["pb-b".into()], &[target], &[&index]).unwrap();
        let dest = dir.path().join("dest");
        for _ in 0..2 {
            gather(&planned, &dir.path().join("cache"), &dest).unwrap();
        }
        assert_eq!(std::fs::metadata(house.join(file)).unwrap().len(), size);
        assert_eq!(std::fs::metadata(dest.join(file)).unwrap().len(), size);
    }
}
