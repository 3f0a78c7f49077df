//! This machine's files for an engine on another machine. A bind mount names
//! a path on the engine's host, which a remote engine does not have; there
//! the read-only mounts become volumes, filled once per session through the
//! API (an archive uploaded into a helper container) and mounted where the
//! bind mounts would have been. A file mount (a wheel) cannot be a volume of
//! its own, so the files of one folder share one volume mounted at that
//! folder. The plan and the archives are pure; the engine carries them out.

use std::collections::BTreeMap;
use std::path::Path;

use bollard::models::{Mount, MountType};

use super::BindMount;

/// A volume to create and fill: its name, where it is mounted, and what goes
/// in it: (host path, name inside the volume; "" for a folder's content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeFill {
    pub name: String,
    pub target: String,
    pub content: Vec<(String, String)>,
}

/// The volumes standing in for `mounts`, named after the session and what
/// they hold (the same mounts in one session share their volumes). A
/// writable mount cannot be carried this way: its writes would stay on the
/// other machine. Pure.
pub fn plan(session: &str, mounts: &[BindMount]) -> Result<Vec<VolumeFill>, String> {
    let mut by_target: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for m in mounts {
        if !m.read_only {
            return Err(format!(
                "{} is mounted writable at {}, and the engine is on another machine: what the container writes would not come back here. Run this command on an engine of this machine.",
                m.host, m.container
            ));
        }
        let is_file = Path::new(&m.host).is_file();
        let (target, name) = match is_file {
            true => {
                let target = Path::new(&m.container);
                let parent = target.parent().map(|p| p.display().to_string());
                let name = target.file_name().map(|n| n.to_string_lossy().into_owned());
                (
                    parent.unwrap_or_else(|| "/".into()),
                    name.unwrap_or_default(),
                )
            }
            false => (m.container.clone(), String::new()),
        };
        let content = by_target.entry(target.clone()).or_default();
        if (name.is_empty() && !content.is_empty())
            || content.iter().any(|(_, n)| n.is_empty() || *n == name)
        {
            return Err(format!(
                "two mounts meet at {target} ({} and another): a remote engine can hold only one of them there.",
                m.host
            ));
        }
        content.push((m.host.clone(), name));
    }
    Ok(by_target
        .into_iter()
        .map(|(target, content)| {
            let mut key: Vec<&str> = vec![target.as_str()];
            for (host, name) in &content {
                key.extend([host.as_str(), name.as_str()]);
            }
            VolumeFill {
                name: format!("pybench-docker-{session}-{}", crate::plan::short_hash(&key)),
                target,
                content,
            }
        })
        .collect())
}

/// The container's mounts with every bind mount replaced by its volume. Pure.
pub fn volume_mounts(fills: &[VolumeFill]) -> Vec<Mount> {
    fills
        .iter()
        .map(|f| Mount {
            target: Some(f.target.clone()),
            source: Some(f.name.clone()),
            typ: Some(MountType::VOLUME),
            read_only: Some(true),
            ..Default::default()
        })
        .collect()
}

/// The archive of a volume's content: each folder's files at the top, each
/// file under its name; readable by any user (the containers do not run as
/// root).
pub fn archive(fill: &VolumeFill) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(true);
    for (host, name) in &fill.content {
        match name.is_empty() {
            true => tar.append_dir_all(".", host)?,
            false => tar.append_path_with_name(host, name)?,
        }
    }
    tar.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(host: &Path, container: &str) -> BindMount {
        BindMount {
            host: host.display().to_string(),
            container: container.into(),
            read_only: true,
        }
    }

    #[test]
    fn folders_get_a_volume_each_and_files_share_one_per_folder() {
        let dir = tempfile::tempdir().unwrap();
        let bench = dir.path().join("benchmarks");
        std::fs::create_dir(&bench).unwrap();
        std::fs::write(bench.join("gil.py"), "print('hi')\n").unwrap();
        let (a, b) = (dir.path().join("a.whl"), dir.path().join("b.whl"));
        std::fs::write(&a, "A").unwrap();
        std::fs::write(&b, "B").unwrap();
        let mounts = [
            mount(&bench, "/app"),
            mount(&a, "/opt/wheels/a.whl"),
            mount(&b, "/opt/wheels/b.whl"),
        ];
        let fills = plan("s1", &mounts).unwrap();
        let targets: Vec<&str> = fills.iter().map(|f| f.target.as_str()).collect();
        assert_eq!(targets, ["/app", "/opt/wheels"]);
        assert_eq!(fills[1].content.len(), 2);
        assert!(fills
            .iter()
            .all(|f| f.name.starts_with("pybench-docker-s1-")));
        assert_eq!(
            plan("s1", &mounts).unwrap(),
            fills,
            "same mounts, same volumes"
        );
        assert_ne!(plan("s2", &mounts).unwrap()[0].name, fills[0].name);

        let mut names = vec![];
        let bytes = archive(&fills[1]).unwrap();
        for entry in tar::Archive::new(bytes.as_slice()).entries().unwrap() {
            names.push(entry.unwrap().path().unwrap().display().to_string());
        }
        assert_eq!(names, ["a.whl", "b.whl"]);
        let bytes = archive(&fills[0]).unwrap();
        let mut found = false;
        for entry in tar::Archive::new(bytes.as_slice()).entries().unwrap() {
            found |= entry.unwrap().path().unwrap().ends_with("gil.py");
        }
        assert!(found, "a folder's files are at the top of its volume");

        let mounts = volume_mounts(&fills);
        assert_eq!(mounts[0].typ, Some(MountType::VOLUME));
        assert_eq!(mounts[0].source.as_deref(), Some(fills[0].name.as_str()));
        assert_eq!(mounts[0].read_only, Some(true));
    }

    #[test]
    fn a_writable_mount_or_two_mounts_at_one_place_cannot_be_carried() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = mount(dir.path(), "/out");
        out.read_only = false;
        let e = plan("s", &[out]).unwrap_err();
        assert!(
            e.contains("writable at /out") && e.contains("another machine"),
            "{e}"
        );
        let twice = [mount(dir.path(), "/app"), mount(dir.path(), "/app")];
        assert!(plan("s", &twice)
            .unwrap_err()
            .contains("two mounts meet at /app"));
    }
}
