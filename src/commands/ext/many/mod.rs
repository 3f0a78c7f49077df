//! `ext --pypi A B …`, `ext -r FILE`, `ext DIR DIR …`: many packages at
//! once, one matrix (package × build).
//!
//! On this machine, once: the list read (`list`), each package's identity
//! (its sdist's sha256 from PyPI, or its folder's) and the checker's. On
//! each engine, its share of the list (`share`): every (package, build)
//! whose result the cache (`cache`) holds for the same package, images,
//! checker and options is served from it; the others are prepared on the
//! host like one package is (sdist, wheelhouse), then built and checked,
//! as many containers at a time as the engine has CPUs, each result
//! stored as it comes. `present` draws the matrix and the tally, says
//! what came from the cache and what changed since `--since`.

pub mod cache;
pub mod list;
mod present;
mod share;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use super::package::{self, PackageJob};
use crate::cli::ExtArgs;
use crate::commands::App;
use crate::packages::index::{PyPi, PYPI};
use crate::packages::source::ExtSource;
use crate::results::{PackageRow, ResultDoc};
pub use present::present;
pub use share::{check_share, shares};

/// A list of packages, validated.
#[derive(Debug, Clone)]
pub struct ManyJob {
    pub sources: Vec<ExtSource>,
    /// What every package is checked with (its `source` is the list's first).
    pub each: PackageJob,
    /// `--since FILE`: the earlier file's rows.
    pub since: Option<(PathBuf, Vec<PackageRow>)>,
    /// False with `--no-cache`: everything checked again.
    pub use_cache: bool,
}

/// Checks a list's arguments, reads its files and `--since`, before anything starts.
pub fn prepare(args: &ExtArgs) -> Result<ManyJob> {
    let sources = list::packages(&args.source, &args.pypi, &args.requirements)?;
    if args.offline && sources.iter().any(|s| matches!(s, ExtSource::Pypi { .. })) {
        bail!("--offline forbids PyPI, and the list names packages on PyPI (--pypi or a name in -r). Give their sdists or folders instead, or drop --offline.");
    }
    if matches!(args.tests, Some(Some(_))) {
        bail!("--tests PATH gives one package's tests, and a list has many: use --tests alone (each package's own tests), or check the package on its own.");
    }
    let each = package::prepare(args, sources[0].clone())?;
    let since = match &args.since {
        None => None,
        Some(path) => Some((path.clone(), read_since(path)?)),
    };
    Ok(ManyJob {
        sources,
        each,
        since,
        use_cache: !args.no_cache,
    })
}

/// An earlier list's rows. A one-package file is refused: it records where
/// the package came from, not its project name, so no row could match it.
fn read_since(path: &std::path::Path) -> Result<Vec<PackageRow>> {
    match crate::results::load(path).map_err(|e| anyhow::anyhow!("--since: {e}"))? {
        ResultDoc::ExtPackages(doc) => Ok(doc.packages),
        ResultDoc::ExtPackage(_) => bail!(
            "--since {} is one package's readiness (an ext-package file), which does not record the project's name, so the list's rows cannot be matched with it. Give an ext-packages file: the one `ext --json` wrote for a list (for one package, a list of one: `ext -r FILE --json OUT` with the package on FILE's one line).",
            path.display()
        ),
        other => bail!(
            "--since {} is {}, not the readiness of packages. Give a file `ext --json` wrote for a list of packages (an ext-packages file).",
            path.display(),
            other.kind().describe()
        ),
    }
}

/// A package of the list as this machine found it: what it is called and
/// what its results are cached under, or why it cannot be checked.
#[derive(Debug, Clone)]
pub struct Listed {
    pub source: ExtSource,
    pub name: String,
    pub version: Option<String>,
    pub described: String,
    pub identity: Result<String, String>,
}

/// What is made ready on this machine once for every engine: each
/// package's identity, and the checker's.
pub struct ManyHost {
    pub listed: Vec<Listed>,
    pub checker: String,
}

/// Every package's identity: PyPI asked for the sdist (its sha256 and
/// version), a local folder or archive hashed. A package PyPI does not
/// have is noted, not fatal: the others are still checked.
pub fn prepare_host_side(app: &App, job: &ManyJob) -> Result<ManyHost> {
    let pypi = PyPi::new(PYPI, &app.cache.join("wheels"));
    let listed = job
        .sources
        .iter()
        .map(|source| identify(&pypi, source))
        .collect();
    let checker = cache::checker_digest(&app.project.c_extension())?;
    Ok(ManyHost { listed, checker })
}

fn identify(pypi: &PyPi, source: &ExtSource) -> Listed {
    let file_name = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    };
    match source {
        ExtSource::Pypi { name, version } => match pypi.sdist(name, version.as_deref()) {
            Ok(sdist) => Listed {
                // The version found, so that the sdist fetched later is this one.
                source: ExtSource::Pypi {
                    name: name.clone(),
                    version: Some(sdist.version.clone()),
                },
                name: sdist.name.clone(),
                version: Some(sdist.version.clone()),
                described: format!(
                    "{} {} from PyPI ({})",
                    sdist.name, sdist.version, sdist.file
                ),
                identity: Ok(format!("sha256:{}", sdist.sha256)),
            },
            Err(e) => Listed {
                source: source.clone(),
                name: name.clone(),
                version: version.clone(),
                described: format!("{name} from PyPI"),
                identity: Err(format!("{e:#}")),
            },
        },
        ExtSource::Project(dir) => Listed {
            source: source.clone(),
            name: file_name(dir),
            version: None,
            described: dir.display().to_string(),
            identity: cache::folder_digest(dir)
                .map(|d| format!("tree:{d}"))
                .map_err(|e| format!("{e:#}")),
        },
        ExtSource::Sdist(archive) => Listed {
            source: source.clone(),
            name: list::name_of(source),
            version: None,
            described: archive.display().to_string(),
            identity: crate::download::sha256_file(archive)
                .map(|d| format!("sha256:{d}"))
                .with_context(|| format!("cannot read {}", archive.display()))
                .map_err(|e| format!("{e:#}")),
        },
        ExtSource::Greeter | ExtSource::CFile(_) => {
            unreachable!("lists hold packages only (list::packages)")
        }
    }
}

/// The list's document: the builds of `app`'s plan, the rows in the list's order.
pub fn document(app: &App, packages: Vec<PackageRow>) -> crate::results::ExtPackages {
    crate::results::ExtPackages {
        builds: super::package_host::package_interpreters(&app.plan)
            .iter()
            .map(|i| i.name.clone())
            .collect(),
        packages,
        session: app.session.id.clone(),
    }
}
