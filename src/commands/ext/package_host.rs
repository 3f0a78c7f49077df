//! The host side of `ext PACKAGE`: the package's folder (a project, an
//! unpacked sdist, or one fetched from PyPI) and the wheelhouse of its
//! requirements, resolved for every interpreter build before any container
//! starts (the containers have no network).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::package::PackageJob;
use crate::commands::App;
use crate::file_name::FileName;
use crate::packages::index::{Candidate, PackageIndex, PyPi, Wheelhouse, PYPI};
use crate::packages::requirements;
use crate::packages::source::{project_build_system, unpack_sdist, ExtSource};
use crate::packages::unpack::Caps;
use crate::packages::wheel_tags::Target;
use crate::packages::wheelhouse;
use crate::plan::{Interpreter, Mode, Plan};
use crate::wheels::PIP;

/// The interpreters a package is checked on: every build as built (no -X
/// or environment variants), the distro's python excluded.
pub fn package_interpreters(plan: &Plan) -> Vec<&Interpreter> {
    plan.interpreters
        .iter()
        .filter(|i| i.mode == Mode::Default && i.variant.is_some())
        .collect()
}

/// The wheel target of an interpreter build. Pure.
pub fn target_of(i: &Interpreter) -> Option<Target> {
    Some(Target {
        major: i.version.as_ref()?.major,
        minor: i.version.as_ref()?.minor,
        free_threaded: i.variant?.is_free_threaded(),
    })
}

/// Where the package is, on the host, ready to mount: a folder.
fn project_folder(app: &App, job: &PackageJob, staging: &Path) -> Result<(PathBuf, String)> {
    let (cache, caps) = (&app.cache, Caps::of(&app.config.archives));
    match &job.source {
        ExtSource::Project(dir) => Ok((dir.clone(), dir.display().to_string())),
        ExtSource::Sdist(archive) => Ok((
            unpack_sdist(archive, &staging.join("sdist"), caps)?,
            archive.display().to_string(),
        )),
        ExtSource::Pypi { name, version } => {
            if job.offline {
                bail!("--pypi downloads the sdist from PyPI, which --offline forbids. Download it yourself and give `ext` the archive, or drop --offline.");
            }
            let pypi = PyPi::new(PYPI, &cache.join("wheels"));
            let sdist = pypi.sdist(name, version.as_deref())?;
            let archive = crate::download::fetch_pinned(&sdist.url, &sdist.file, &sdist.sha256, &cache.join("sdists"))
                .map_err(|why| anyhow::anyhow!("downloading {} from PyPI failed ({why}). Check the network, or download the sdist yourself and give `ext` its path.", sdist.file))?;
            Ok((
                unpack_sdist(&archive, &staging.join("sdist"), caps)?,
                format!(
                    "{} {} from PyPI ({})",
                    sdist.name, sdist.version, sdist.file
                ),
            ))
        }
        _ => unreachable!("package jobs are made for projects, sdists and PyPI names"),
    }
}

/// Everything the containers need, resolved and fetched on the host.
#[derive(Clone)]
pub(super) struct Prepared {
    pub(super) project: PathBuf,
    pub(super) described: String,
    pub(super) wheelhouse: PathBuf,
    pub(super) wheelhouse_files: Vec<String>,
    pub(super) requires: Vec<String>,
    /// `--tests`: what the tests need, installed beside the package.
    pub(super) test_requires: Vec<String>,
    /// `[project] dependencies`, installed with the package.
    pub(super) dependencies: Vec<String>,
    /// What could not be resolved, said before the table.
    pub(super) notes: Vec<String>,
    /// A Rust package's crates and toolchain layers.
    pub(super) rust: Option<super::rust::RustBuild>,
}

/// Every build a package is checked on, as wheel targets.
fn targets_of(app: &App) -> Vec<Target> {
    package_interpreters(&app.plan)
        .into_iter()
        .filter_map(target_of)
        .collect()
}

pub(super) fn prepare_on_host(app: &App, job: &PackageJob, staging: &Path) -> Result<Prepared> {
    // pip's wheel is mounted into every build container: a list's packages
    // need it as much as one package does.
    PIP.ensure(&app.cache)?;
    let (project, described) = project_folder(app, job, staging)?;
    let build_system = project_build_system(&project)?;
    let sources = super::rust::CrateSources {
        cache: app.cache.join("crates"),
        dirs: job.crates.clone(),
        offline: job.offline,
    };
    let caps = Caps::of(&app.config.archives);
    let rust = super::rust::prepare(&project, &build_system.requires, &sources, staging, caps)?;
    let targets = targets_of(app);
    let (local, pypi) = indexes_of(app, job);
    let mut indexes: Vec<&dyn PackageIndex> = vec![&local];
    if !job.offline {
        indexes.push(&pypi);
    }
    let mut planned = wheelhouse::plan(&build_system.requires, &targets, &indexes)?;
    let mut test_requires = Vec::new();
    if job.tests.is_some() {
        // Resolved on their own: the tests' pins need not agree with the build's.
        let tests = requirements::tests_of(&project)?;
        let wheels = wheelhouse::plan(&tests.requires, &targets, &indexes)
            .with_context(|| format!("resolving the tests' requirements ({})", tests.from))?;
        planned.extend(wheels);
        test_requires = tests.requires;
    }
    let (dependencies, notes) = plan_dependencies(&project, &targets, &indexes, &mut planned)?;
    let wheelhouse = staging.join("wheelhouse");
    wheelhouse::gather(&planned, &app.cache.join("wheels"), &wheelhouse)?;
    Ok(Prepared {
        project,
        described,
        wheelhouse,
        wheelhouse_files: planned.keys().map(|f| f.to_string()).collect(),
        requires: build_system.requires,
        test_requires,
        dependencies,
        notes,
        rust,
    })
}

/// Where a job's requirements are found: its `--wheelhouse` folders and the
/// cache, then PyPI (unless `--offline`).
fn indexes_of(app: &App, job: &PackageJob) -> (Wheelhouse, PyPi) {
    let mut local_dirs = job.wheelhouses.clone();
    local_dirs.push(app.cache.join("wheels"));
    (
        Wheelhouse { dirs: local_dirs },
        PyPi::new(PYPI, &app.cache.join("wheels")),
    )
}

/// Requirements the build backend asked for at build time, resolved for
/// every build and added to the package's wheelhouse.
pub(super) fn add_build_requirements(
    app: &App,
    job: &PackageJob,
    prepared: &mut Prepared,
    requires: &[String],
) -> Result<()> {
    let targets = targets_of(app);
    let (local, pypi) = indexes_of(app, job);
    let mut indexes: Vec<&dyn PackageIndex> = vec![&local];
    if !job.offline {
        indexes.push(&pypi);
    }
    let planned = wheelhouse::plan(requires, &targets, &indexes).with_context(|| {
        format!(
            "resolving what the build backend asked for at build time ({})",
            requires.join(", ")
        )
    })?;
    wheelhouse::gather(&planned, &app.cache.join("wheels"), &prepared.wheelhouse)?;
    for file in planned.keys() {
        let file = file.to_string();
        if !prepared.wheelhouse_files.contains(&file) {
            prepared.wheelhouse_files.push(file);
        }
    }
    prepared.requires.extend(requires.iter().cloned());
    Ok(())
}

/// The package's runtime dependencies resolved for each target into
/// `planned`, so that it is installed and imported with them. A target they
/// cannot be resolved for is noted, not fatal: the package is then
/// installed without them and its whole import says what is missing.
fn plan_dependencies(
    project: &Path,
    targets: &[Target],
    indexes: &[&dyn PackageIndex],
    planned: &mut BTreeMap<FileName, Candidate>,
) -> Result<(Vec<String>, Vec<String>)> {
    let Some(dependencies) = requirements::runtime_of(project)? else {
        let note = "the runtime dependencies are not declared in pyproject.toml's [project] (dynamic, or setup.py only): the package is installed with those the wheelhouse has".to_string();
        return Ok((vec![], vec![note]));
    };
    let mut notes = Vec::new();
    if dependencies.is_empty() {
        return Ok((dependencies, notes));
    }
    for t in targets {
        match wheelhouse::plan(&dependencies, std::slice::from_ref(t), indexes) {
            Ok(wheels) => planned.extend(wheels),
            Err(e) => notes.push(format!("dependencies for {}: {e:#}", t.label())),
        }
    }
    Ok((dependencies, notes))
}

/// A package made ready on this machine, once for every engine: its
/// folder and the wheelhouse of its build requirements (and pip), in a
/// folder of the cache removed when this is dropped.
pub struct HostSide {
    pub(super) prepared: Prepared,
    dir: PathBuf,
}

impl Drop for HostSide {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn prepare_host_side(app: &App, job: &PackageJob) -> Result<HostSide> {
    let dir = app
        .cache
        .join("ext")
        .join(format!("{}-host", app.session.id));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let prepared = match prepare_on_host(app, job, &dir) {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    Ok(HostSide { prepared, dir })
}
