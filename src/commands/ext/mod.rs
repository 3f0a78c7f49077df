//! `pybench-docker ext`: C extensions on every CPython build.
//!
//! Single-file modules (the tutorial's greeters, or a user's `.c`): compiled
//! with gcc in the builder image, then imported in interpreters: does it
//! load, does `greet()` work, is the GIL re-enabled, is an ABI mismatch
//! caught? `matrix` decides what to compile and check, `verdict` judges each
//! check, `render` draws the table; this file runs the containers in order.
//!
//! Real packages (a project, an sdist, a PyPI name) go through `package`:
//! pip builds a wheel per interpreter, every extension module is imported,
//! `readiness` gives the verdict and `package_render` draws it.

pub mod builds;
pub mod dynamic;
pub mod fallback;
pub mod graph;
pub mod many;
pub mod matrix;
pub mod package;
pub mod package_host;
pub mod package_render;
pub mod package_run;
pub mod readiness;
pub mod render;
pub mod rust;
pub mod suite;
pub mod tsan;
pub mod verdict;

#[cfg(test)]
pub(crate) mod tests;

use std::path::{Path, PathBuf};

use crate::commands::run::outputs::member_path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use console::style;

use crate::cli::ExtArgs;
use crate::commands::runner::{self, ScriptRun};
use crate::commands::App;
use crate::docker::BindMount;
use crate::error::ChecksFailed;
use crate::packages::source::{classify, ExtSource};
use crate::plan::{Interpreter, Mode, Plan};
use crate::project::Project;
use crate::regular_file::Links;
use crate::results::{self, CheckResult, Compile, CompileEntry, ExtMatrix, ImportCheck};
use matrix::{greeter_matrix, user_matrix};
use package::PackageJob;
use render::render_matrix;
use verdict::read_check;

/// `ext`, checked: single-file modules compiled with gcc, or a package.
#[derive(Debug)]
pub enum ExtJob {
    Modules(ModuleJob),
    Package(PackageJob),
    /// A list of packages: one matrix, shared among the engines.
    Packages(Box<many::ManyJob>),
}

impl ExtJob {
    /// The same job writing where one engine of several writes: wheels and
    /// modules in `OUT/NAME/`, `r.json` → `r.NAME.json`, the page in `DIR/NAME/`.
    pub fn for_engine(&self, name: &str) -> ExtJob {
        let file = |p: &Option<PathBuf>| p.as_ref().map(|p| member_path(p, name));
        let dir = |p: &Option<PathBuf>| p.as_ref().map(|p| p.join(name));
        match self {
            ExtJob::Modules(j) => ExtJob::Modules(ModuleJob {
                out_dir: j.out_dir.join(name),
                json: file(&j.json),
                html: dir(&j.html),
                ..j.clone()
            }),
            ExtJob::Package(j) => ExtJob::Package(PackageJob {
                out_dir: j.out_dir.join(name),
                json: file(&j.json),
                markdown: file(&j.markdown),
                html: dir(&j.html),
                ..j.clone()
            }),
            // Each engine checks its share; the fleet writes one matrix.
            ExtJob::Packages(j) => ExtJob::Packages(j.clone()),
        }
    }
}

/// Single-file modules, checked: what to compile from where, and where results go.
#[derive(Debug, Clone)]
pub struct ModuleJob {
    pub source_dir: PathBuf,
    pub compiles: Vec<Compile>,
    pub checks: Vec<ImportCheck>,
    /// Absolute; never inside `source_dir`.
    pub out_dir: PathBuf,
    pub json: Option<PathBuf>,
    /// `--html DIR`: the page of the JSON document.
    pub html: Option<PathBuf>,
    pub timeout: Option<u64>,
}

fn interpreter<'a>(plan: &'a Plan, name: &str) -> Option<&'a Interpreter> {
    plan.interpreters
        .iter()
        .find(|i| i.name == name && i.mode == Mode::Default)
}

fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Checks the source, module name and output folders before anything starts.
pub fn prepare(args: &ExtArgs, plan: &Plan, project: &Project) -> Result<ExtJob> {
    if args.is_list() {
        return Ok(ExtJob::Packages(Box::new(many::prepare(args)?)));
    }
    let list_only = [
        ("--since", args.since.is_some()),
        ("--no-cache", args.no_cache),
    ];
    if let Some((flag, _)) = list_only.iter().find(|(_, given)| *given) {
        bail!("{flag} is for a list of packages (several paths or --pypi names, or -r FILE); one package is always checked afresh. Drop {flag}, or give a list.");
    }
    let source = classify(args.path(), args.pypi_name())?;
    if !matches!(source, ExtSource::Greeter | ExtSource::CFile(_)) {
        return Ok(ExtJob::Package(package::prepare(args, source)?));
    }
    let package_only = [
        ("--wheelhouse", !args.wheelhouse.is_empty()),
        ("--offline", args.offline),
        ("--smoke", args.smoke.is_some()),
        ("--fail-on", args.fail_on.is_some()),
        ("--markdown", args.markdown.is_some()),
        ("--tests", args.tests.is_some()),
        ("--parallel-threads", args.parallel_threads.is_some()),
        ("pytest arguments after `--`", !args.pytest_args.is_empty()),
        ("--tsan", args.tsan),
    ];
    if let Some((flag, _)) = package_only.iter().find(|(_, given)| *given) {
        bail!("{flag} is for packages (a project folder, an sdist or --pypi NAME), not for single .c files. Drop it, or give a package.");
    }
    let (source_dir, compiles, checks) = match args.path() {
        None => {
            let (mut compiles, mut checks) = (Vec::new(), Vec::new());
            for r in &plan.releases {
                let (c, k) = greeter_matrix(r);
                compiles.extend(c);
                checks.extend(k);
            }
            (project.c_extension(), compiles, checks)
        }
        Some(path) => user_source(path, args.module.as_deref(), plan)?,
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("pybench-ext-out"));
    let out_abs = std::path::absolute(&out_dir)?;
    if out_abs.starts_with(&source_dir) {
        bail!("--out {} is inside the source folder {}: compiled modules never go into the source tree. Choose another folder.", out_dir.display(), source_dir.display());
    }
    if let Some(j) = &args.json {
        crate::report::write::check_output_file("--json", j)?;
    }
    if let Some(dir) = &args.html {
        crate::report::site::check_dir(dir)?;
    }
    Ok(ExtJob::Modules(ModuleJob {
        source_dir,
        compiles,
        checks,
        out_dir: out_abs,
        json: args.json.clone(),
        html: args.html.clone(),
        timeout: args.timeout,
    }))
}

/// A user's single `.c` file: its folder and its matrix.
fn user_source(
    path: &Path,
    module: Option<&str>,
    plan: &Plan,
) -> Result<(PathBuf, Vec<Compile>, Vec<ImportCheck>)> {
    if !path.is_file() {
        bail!("the extension source {} does not exist or is not a file. Give the path of a single .c file.", path.display());
    }
    if path.extension().and_then(|e| e.to_str()) != Some("c") {
        bail!(
            "{} is not a .c file: `ext` compiles a single-file C extension.",
            path.display()
        );
    }
    let path = path.canonicalize()?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let module = module.map(String::from).unwrap_or_else(|| stem.clone());
    let module_ok = module
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !safe_name(&stem) || !module_ok {
        bail!("the file name {stem:?} or module name {module:?} has characters other than letters, digits and '_': rename it or pass --module NAME.");
    }
    let (c, k) = user_matrix(plan, &stem, &module);
    Ok((path.parent().unwrap_or(Path::new("/")).to_path_buf(), c, k))
}

/// What `ext` makes ready on this machine before any engine is used, once
/// for all of them: for a package, its sdist and build requirements (a
/// misspelt PyPI name fails before any image is built).
pub enum HostSide {
    Modules,
    Package(Box<package::HostSide>),
    Packages(Box<many::ManyHost>),
}

pub fn prepare_host_side(app: &App, job: &ExtJob) -> Result<HostSide> {
    Ok(match job {
        ExtJob::Modules(_) => HostSide::Modules,
        ExtJob::Package(job) => HostSide::Package(Box::new(package::prepare_host_side(app, job)?)),
        ExtJob::Packages(job) => HostSide::Packages(Box::new(many::prepare_host_side(app, job)?)),
    })
}

/// The checks on `app`'s engine, which holds the images.
pub async fn command(app: &App, job: &ExtJob, host: &HostSide) -> Result<()> {
    match (job, host) {
        (ExtJob::Modules(job), _) => modules_command(app, job).await,
        (ExtJob::Package(job), HostSide::Package(host)) => package::command(app, job, host).await,
        (ExtJob::Packages(job), HostSide::Packages(host)) => {
            let all: Vec<usize> = (0..host.listed.len()).collect();
            let packages = many::check_share(app, job, host, &all).await?;
            many::present(job, &many::document(app, packages))
        }
        _ => bail!("the package was not prepared on this machine before the check"),
    }
}

async fn modules_command(app: &App, job: &ModuleJob) -> Result<()> {
    let timeout = Duration::from_secs(job.timeout.unwrap_or(app.config.containers.timeout_seconds));
    // A staging folder the unprivileged container user may write to.
    let staging = app.cache.join("ext").join(&app.session.id);
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    set_mode(&staging, 0o777)?;
    let result = compile_and_check(app, job, &staging, timeout).await;
    let copied = result
        .as_ref()
        .ok()
        .map(|_| copy_outputs(&staging, &job.out_dir));
    let _ = std::fs::remove_dir_all(&staging);
    let matrix = result?;
    copied.transpose()?;
    present(job, &matrix)
}

/// The table, compiler errors, the JSON file, and the exit status.
fn present(job: &ModuleJob, matrix: &ExtMatrix) -> Result<()> {
    println!("{}", render_matrix(&matrix.checks));
    for c in matrix.compiles.iter().filter(|c| !c.ok) {
        println!(
            "{} compiling {} for {} failed:\n{}",
            style("✗").red(),
            c.compile.source,
            c.compile.build,
            c.log
        );
    }
    println!("compiled modules: {}", job.out_dir.display());
    let bytes = results::to_json(matrix)?;
    if let Some(j) = &job.json {
        crate::report::write::write_atomically(j, &bytes)?;
    }
    if let Some(dir) = &job.html {
        let (json, now) = (job.json.as_deref(), chrono::Utc::now());
        let said = crate::report::site::write_one(dir, json, "ext.json", bytes, now)?;
        println!("{said}");
    }
    let failed = matrix.checks.iter().filter(|r| !r.passed).count()
        + matrix.compiles.iter().filter(|c| !c.ok).count();
    if failed > 0 {
        return Err(ChecksFailed(format!(
            "{failed} extension check(s) failed; see the table above."
        ))
        .into());
    }
    Ok(())
}

/// Every compile, then every import check, each in its own container.
async fn compile_and_check(
    app: &App,
    job: &ModuleJob,
    staging: &Path,
    timeout: Duration,
) -> Result<ExtMatrix> {
    let total = (job.compiles.len() + job.checks.len()) as u64;
    let task = app.progress.counter("ext", total, false);
    let mut compiles = Vec::new();
    for (done, c) in job.compiles.iter().enumerate() {
        task.step(format!("gcc {} for {}", c.source, c.build));
        let (ok, log) = compile(app, c, &job.source_dir, staging, timeout).await?;
        compiles.push(CompileEntry {
            compile: c.clone(),
            ok,
            log,
        });
        task.set_position(done as u64 + 1);
    }
    let mut checks = Vec::new();
    for (done, k) in job.checks.iter().enumerate() {
        task.step(format!("import {} in {}", k.output, k.interpreter));
        let compiled = compiles
            .iter()
            .any(|c| c.compile.output == k.output && c.ok);
        checks.push(match compiled {
            true => import_check(app, k, staging, timeout).await?,
            false => CheckResult::not_compiled(k),
        });
        task.set_position((job.compiles.len() + done) as u64 + 1);
    }
    task.finish(format!(
        "{} compiles, {} import checks",
        job.compiles.len(),
        job.checks.len()
    ));
    Ok(ExtMatrix { compiles, checks })
}

/// gcc in the builder image, writing the module into the staging folder.
async fn compile(
    app: &App,
    c: &Compile,
    source_dir: &Path,
    staging: &Path,
    timeout: Duration,
) -> Result<(bool, String)> {
    let release = app
        .plan
        .releases
        .iter()
        .find(|r| r.variants.iter().any(|v| v.label() == c.build))
        .context("compile for a build not in the plan")?;
    let interp = interpreter(&app.plan, &c.build).context("no interpreter for the build")?;
    // The script is built from validated, safe names only.
    let script = format!(
        "gcc /app/{src} -shared -fPIC -O3 -Wall $({cfg} --includes) -o /out/{out}",
        src = c.source,
        cfg = c.config_command,
        out = c.output
    );
    let mut shell = interp.clone();
    shell.argv = vec!["sh".into(), "-c".into()];
    let run = ScriptRun {
        interpreter: &shell,
        dir: source_dir,
        script,
        args: vec![],
        extra_env: vec![],
        extra_mounts: vec![BindMount {
            host: staging.display().to_string(),
            container: "/out".into(),
            read_only: false,
        }],
        image: Some(release.builder.clone()),
        timeout,
        what: "gcc",
        cpuset: None,
    };
    let out = runner::run_script(app, &run).await?;
    let ok = out.exit_code == 0 && staging.join(&c.output).is_file();
    Ok((
        ok,
        format!("{}{}", out.stdout, out.stderr).trim().to_string(),
    ))
}

/// check_import.py in the runtime image, with the module mounted read-only.
async fn import_check(
    app: &App,
    k: &ImportCheck,
    staging: &Path,
    timeout: Duration,
) -> Result<CheckResult> {
    let interp = interpreter(&app.plan, &k.interpreter).context("no interpreter for the check")?;
    let checker_dir = app.project.c_extension();
    let run = ScriptRun {
        interpreter: interp,
        dir: &checker_dir,
        script: "check_import.py".into(),
        args: vec![
            "--module".into(),
            k.module.clone(),
            "--path".into(),
            format!("/ext/{}", k.output),
        ],
        extra_env: k.env.clone(),
        extra_mounts: vec![BindMount {
            host: staging.display().to_string(),
            container: "/ext".into(),
            read_only: true,
        }],
        image: None,
        timeout,
        what: "import",
        cpuset: None,
    };
    let out = runner::run_script(app, &run).await?;
    Ok(read_check(k, &out))
}

pub(super) fn set_mode(p: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set permissions on {}", p.display()))
}

/// No compiled greeter or single-file module comes near this.
const MODULE_LIMIT: u64 = 256 << 20;

fn copy_outputs(staging: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for entry in std::fs::read_dir(staging)? {
        let entry = entry?;
        // The containers wrote here: a link would point this root process
        // anywhere, and a FIFO would hang it.
        let bytes = crate::regular_file::read(&entry.path(), MODULE_LIMIT, Links::Refuse)
            .with_context(|| {
                format!(
                    "the compile step left {} in its output folder, which is not copied",
                    entry.path().display()
                )
            })?;
        crate::report::write::write_atomically(&out.join(entry.file_name()), &bytes)?;
    }
    Ok(())
}
