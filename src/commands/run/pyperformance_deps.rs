//! The third-party packages of pyperformance's benchmarks (django, sympy,
//! tomli, …): resolved on the host for every interpreter build's ABI, from
//! `--wheelhouse` folders and PyPI, unpacked once into a site folder per
//! build in the cache, and mounted read-only. A benchmark whose packages have
//! no wheel for a build is skipped there, with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::packages::index::{Candidate, PackageIndex, PyPi, Wheelhouse, PYPI};
use crate::packages::install::install_wheels;
use crate::packages::resolve::resolve;
use crate::packages::unpack::Caps;
use crate::packages::wheel_tags::Target;
use crate::packages::wheelhouse::gather;
use crate::plan::Interpreter;

/// What one interpreter's containers get.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InterpreterDeps {
    /// Unpacked wheels, mounted at `SITE_IN_CONTAINER`; None when no chosen
    /// benchmark needs anything there.
    pub site: Option<PathBuf>,
    /// Benchmarks that cannot run there, with why.
    pub unavailable: Vec<(String, String)>,
}

/// By interpreter name.
pub type Deps = BTreeMap<String, InterpreterDeps>;

pub const SITE_IN_CONTAINER: &str = "/opt/site";

/// Wheels for one target, and the benchmarks left out. Each benchmark is
/// resolved alone (a benchmark that cannot run must not take the others
/// down); one that pins a package another already pinned differently is
/// left out too. Pure over the indexes.
pub fn plan_target(
    needs: &[(String, Vec<String>)],
    target: &Target,
    indexes: &[&dyn PackageIndex],
) -> (BTreeMap<String, Candidate>, Vec<(String, String)>) {
    let mut wheels: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut unavailable = Vec::new();
    for (bench, requirements) in needs.iter().filter(|(_, r)| !r.is_empty()) {
        match resolve(requirements, target, indexes) {
            Err(e) => unavailable.push((bench.clone(), e.to_string())),
            Ok(chosen) => {
                let clash = chosen.iter().find_map(|(name, c)| {
                    wheels
                        .get(name)
                        .filter(|have| have.wheel.version != c.wheel.version)
                        .map(|have| {
                            format!(
                                "{name} {} is pinned, another benchmark needs {}",
                                c.wheel.version, have.wheel.version
                            )
                        })
                });
                match clash {
                    Some(why) => unavailable.push((bench.clone(), why)),
                    None => wheels.extend(chosen),
                }
            }
        }
    }
    (wheels, unavailable)
}

/// A folder name that changes with the set of wheels. Pure.
pub fn site_name(target: &Target, wheels: &BTreeMap<String, Candidate>) -> String {
    let files: Vec<&str> = wheels.values().map(|c| c.file.as_str()).collect();
    format!("{}-{}", target.label(), crate::plan::short_hash(&files))
}

/// Downloads and unpacks what every interpreter needs (once per build and
/// set of wheels; later runs find it in the cache).
pub fn prepare(
    cache: &Path,
    caps: Caps,
    interpreters: &[Interpreter],
    needs: &[(String, Vec<String>)],
    wheelhouses: &[PathBuf],
    offline: bool,
) -> Result<Deps> {
    let mut deps = Deps::new();
    if needs.iter().all(|(_, r)| r.is_empty()) {
        return Ok(deps);
    }
    let mut dirs = wheelhouses.to_vec();
    dirs.push(cache.join("wheels"));
    let local = Wheelhouse { dirs };
    let pypi = PyPi::new(PYPI, &cache.join("wheels"));
    let mut indexes: Vec<&dyn PackageIndex> = vec![&local];
    if !offline {
        indexes.push(&pypi);
    }
    let mut per_target: BTreeMap<Target, InterpreterDeps> = BTreeMap::new();
    for interp in interpreters {
        let Some(target) = crate::commands::ext::package::target_of(interp) else {
            let unavailable = needs
                .iter()
                .filter(|(_, r)| !r.is_empty())
                .map(|(b, r)| (b.clone(), format!("needs {}; third-party packages are provided for the builds only, not the distro's python", r.join(", "))))
                .collect();
            deps.insert(
                interp.name.clone(),
                InterpreterDeps {
                    site: None,
                    unavailable,
                },
            );
            continue;
        };
        let for_target = match per_target.entry(target) {
            std::collections::btree_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::btree_map::Entry::Vacant(new) => {
                let (wheels, unavailable) = plan_target(needs, &target, &indexes);
                let site = match wheels.is_empty() {
                    true => None,
                    false => Some(site_folder(cache, caps, &target, &wheels)?),
                };
                new.insert(InterpreterDeps { site, unavailable })
            }
        };
        deps.insert(interp.name.clone(), for_target.clone());
    }
    Ok(deps)
}

/// The unpacked wheels of one target, made once.
fn site_folder(
    cache: &Path,
    caps: Caps,
    target: &Target,
    wheels: &BTreeMap<String, Candidate>,
) -> Result<PathBuf> {
    let root = cache.join("pyperformance-site");
    let site = root.join(site_name(target, wheels));
    if site.is_dir() {
        return Ok(site);
    }
    let staging = root.join(format!(
        ".{}-{}",
        site_name(target, wheels),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&staging);
    let by_file: BTreeMap<crate::file_name::FileName, Candidate> = wheels
        .values()
        .map(|c| (c.file.clone(), c.clone()))
        .collect();
    let files = gather(&by_file, &cache.join("wheels"), &staging.join("wheels"))?;
    install_wheels(&files, &staging.join("site"), caps)?;
    std::fs::rename(staging.join("site"), &site)?;
    let _ = std::fs::remove_dir_all(&staging);
    Ok(site)
}

/// The environment that tells run_pyperformance.py what it cannot run. Pure.
pub fn unavailable_env(d: &InterpreterDeps) -> Option<(String, String)> {
    if d.unavailable.is_empty() {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> = d
        .unavailable
        .iter()
        .map(|(b, why)| (b.clone(), why.clone().into()))
        .collect();
    Some((
        "PYBENCH_UNAVAILABLE".into(),
        serde_json::Value::Object(map).to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packages::testing::write_wheel;

    const T313T: Target = Target {
        major: 3,
        minor: 13,
        free_threaded: true,
    };

    #[test]
    fn each_benchmark_is_resolved_alone_and_clashes_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        for (file, name, version) in [
            ("six-1.16.0-py2.py3-none-any.whl", "six", "1.16.0"),
            ("six-1.17.0-py2.py3-none-any.whl", "six", "1.17.0"),
            ("genshi-0.7.7-py3-none-any.whl", "genshi", "0.7.7"),
            (
                "greenlet-3.2.4-cp313-cp313-manylinux_2_24_x86_64.whl",
                "greenlet",
                "3.2.4",
            ),
        ] {
            write_wheel(&dir.path().join(file), name, version, &[]);
        }
        let house = Wheelhouse {
            dirs: vec![dir.path().to_path_buf()],
        };
        let needs = vec![
            (
                "genshi".to_string(),
                vec!["genshi==0.7.7".to_string(), "six==1.16.0".to_string()],
            ),
            ("nbody".to_string(), vec![]),
            (
                "sqlalchemy".to_string(),
                vec!["greenlet==3.2.4".to_string()],
            ),
            ("other".to_string(), vec!["six==1.17.0".to_string()]),
        ];
        let (wheels, unavailable) = plan_target(&needs, &T313T, &[&house]);
        assert_eq!(wheels.keys().collect::<Vec<_>>(), ["genshi", "six"]);
        let out: Vec<&str> = unavailable.iter().map(|(b, _)| b.as_str()).collect();
        assert_eq!(out, ["sqlalchemy", "other"]);
        assert!(
            unavailable[0]
                .1
                .contains("no wheel of greenlet==3.2.4 for 3.13t"),
            "{}",
            unavailable[0].1
        );
        assert!(
            unavailable[1]
                .1
                .contains("six 1.17.0 is pinned, another benchmark needs 1.16.0"),
            "{}",
            unavailable[1].1
        );
        let name = site_name(&T313T, &wheels);
        assert!(name.starts_with("3.13t-"), "{name}");
        let env = unavailable_env(&InterpreterDeps {
            site: None,
            unavailable,
        })
        .unwrap();
        assert_eq!(env.0, "PYBENCH_UNAVAILABLE");
        assert!(env.1.starts_with("{\"other\":"), "{}", env.1);
    }

    #[test]
    fn sites_are_unpacked_once_per_build_and_set_of_wheels() {
        let cache = tempfile::tempdir().unwrap();
        let house = tempfile::tempdir().unwrap();
        write_wheel(
            &house.path().join("tomli-2.0.1-py3-none-any.whl"),
            "tomli",
            "2.0.1",
            &[],
        );
        let plan = crate::plan::build_plan(
            &crate::config::parse(
                &crate::config::tutorial_yaml(),
                &crate::config::Source::Embedded,
            )
            .unwrap(),
        )
        .unwrap();
        let builds: Vec<Interpreter> = plan
            .interpreters
            .iter()
            .filter(|i| i.variant.is_some())
            .cloned()
            .collect();
        let needs = vec![("tomli_loads".to_string(), vec!["tomli==2.0.1".to_string()])];
        let offline = |cache: &Path| {
            prepare(
                cache,
                Caps::of(&crate::config::load(None).unwrap().0.archives),
                &builds,
                &needs,
                &[house.path().to_path_buf()],
                true,
            )
            .unwrap()
        };
        let deps = offline(cache.path());
        let t = &deps["3.13t"];
        let site = t.site.clone().unwrap();
        assert!(site.join("tomli-2.0.1.dist-info/METADATA").is_file());
        assert!(t.unavailable.is_empty());
        assert_ne!(deps["3.13"].site, deps["3.13t"].site, "one site per ABI");
        assert_eq!(offline(cache.path())["3.13t"].site, Some(site));
    }
}
