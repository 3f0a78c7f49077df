//! The commands. `dispatch` loads the configuration and checks every argument
//! before anything connects (a typo is reported even without a daemon), then
//! connects, runs the command through the [`Engine`](crate::docker::Engine)
//! trait, and removes whatever the session started.

mod app;
pub mod build;
pub mod compare;
pub mod ext;
pub mod fleet;
pub mod info;
pub mod report;
pub mod run;
pub mod runner;
#[cfg(test)]
pub mod test_support;

use std::io::Write;
use std::sync::Arc;

use anyhow::Result;
use console::style;

pub use app::App;

use crate::cli::{Cli, Command};
use crate::config;
use crate::docker::DockerEngine;
use crate::error::{chain, Interrupted, EXIT_FAILED, EXIT_INTERRUPTED};
use crate::plan::build_plan;
use crate::project::Project;

/// A command with its arguments checked, ready to run.
enum Job {
    Build(build::BuildJob),
    Info(info::InfoJob),
    /// One job per benchmark: several for `run suite`.
    Run(Vec<run::RunJob>),
    Ext(Box<ext::ExtJob>),
}

/// Runs the command line; returns the process exit code.
pub async fn main(cli: Cli) -> i32 {
    match dispatch(cli).await {
        Ok(()) => 0,
        Err(e) if e.downcast_ref::<Interrupted>().is_some() || is_interrupted_build(&e) => {
            let _ = writeln!(
                std::io::stderr(),
                "{} interrupted; this session's containers were removed.",
                style("stopped:").yellow().bold()
            );
            EXIT_INTERRUPTED
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "{} {}",
                style("error:").red().bold(),
                chain(&e)
            );
            EXIT_FAILED
        }
    }
}

fn is_interrupted_build(e: &anyhow::Error) -> bool {
    e.downcast_ref::<build::BuildError>()
        .is_some_and(|b| matches!(b, build::BuildError::Interrupted))
}

async fn dispatch(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Config => {
            print!("{}", config::DEFAULT_YAML);
            return Ok(());
        }
        Command::Compare(args) => return compare::command(args),
        Command::Report(args) => return report::command(args),
        _ => {}
    }
    let (config, config_origin) = config::load(cli.config.as_deref())?;
    let plan =
        build_plan(&config).map_err(|p| anyhow::anyhow!("{config_origin} is not valid: {p}"))?;
    let project = Project::locate(cli.project_dir.as_deref()).map_err(anyhow::Error::msg)?;
    if let Command::Run(args) = &cli.command {
        if args.list {
            let suite = run::catalog::load(&project.benchmarks())?;
            print!("{}", run::catalog::render_list(&suite));
            return Ok(());
        }
    }
    let job = prepare(&cli.command, &config, &plan, &project)?;
    let engines = crate::docker::address::select(&cli.engines, &config.engines)
        .map_err(anyhow::Error::msg)?;
    check_engines_fit(&job, engines.as_deref().unwrap_or_default())?;
    if let Some(specs) = &engines {
        if specs.len() > 1 {
            return on_several_engines(specs, &job, &config, &plan, &project).await;
        }
    }
    // One engine: DOCKER_HOST's, or the one `--engine` or the config names.
    let named = engines.and_then(|specs| specs.into_iter().next());
    let engine = match &named {
        Some(spec) => DockerEngine::connect_to(spec).await?,
        None => DockerEngine::connect().await?,
    };
    let mut app = App::start(config, plan, project, Arc::new(engine)).await;
    app.engine_name = named.map(|spec| spec.name).unwrap_or_default();
    let result = execute(&app, &job).await;
    // Whatever happened, nothing this session started stays behind.
    if let Err(e) = app.cleanup().await {
        eprintln!("{} {e}", style("warning:").yellow().bold());
    }
    if app.session.cancel.is_cancelled() {
        return Err(Interrupted.into());
    }
    result
}

/// Which engines the command may use (see [`fleet::engines_fit`]),
/// checked before anything connects.
fn check_engines_fit(job: &Job, specs: &[crate::docker::address::EngineSpec]) -> Result<()> {
    let command = match job {
        Job::Build(_) => None,
        Job::Run(jobs)
            if jobs
                .iter()
                .any(|j| matches!(j.settings.benchmark, run::Benchmark::Uops)) =>
        {
            Some("run uops")
        }
        Job::Run(jobs) if jobs.iter().any(|j| j.shard) => Some("run --shard"),
        Job::Run(_) => Some("run"),
        Job::Info(_) => Some("info"),
        Job::Ext(_) => Some("ext"),
    };
    fleet::engines_fit(command, specs).map_err(anyhow::Error::msg)
}

/// `build`, `run` or `ext` on several engines.
async fn on_several_engines(
    specs: &[crate::docker::address::EngineSpec],
    job: &Job,
    config: &config::Config,
    plan: &crate::plan::Plan,
    project: &Project,
) -> Result<()> {
    let mut members = fleet::connect(specs, config, plan, project).await;
    let result = match job {
        Job::Build(job) => fleet::build_everywhere(&mut members, job).await,
        Job::Run(jobs) => fleet::run_everywhere(&mut members, jobs).await,
        Job::Ext(job) => fleet::ext_everywhere(&mut members, job).await,
        Job::Info(_) => unreachable!("checked by check_engines_fit"),
    };
    // Whatever happened, nothing this session started stays on any engine.
    fleet::cleanup(&members).await;
    let cancelled = members
        .iter()
        .filter_map(|m| m.app.as_ref())
        .any(|a| a.session.cancel.is_cancelled());
    if cancelled {
        return Err(Interrupted.into());
    }
    result
}

/// Every argument checked against the configuration and the plan. Pure but
/// for checks that named files and folders exist.
fn prepare(
    command: &Command,
    config: &config::Config,
    plan: &crate::plan::Plan,
    project: &Project,
) -> Result<Job> {
    Ok(match command {
        Command::Build(args) => Job::Build(build::prepare(args)?),
        Command::Info(args) => Job::Info(info::prepare(args, plan)?),
        Command::Run(args) => Job::Run(run::prepare(args, config, plan, &project.benchmarks())?),
        Command::Ext(args) => Job::Ext(Box::new(ext::prepare(args, plan, project)?)),
        Command::Config | Command::Compare(_) | Command::Report(_) => {
            unreachable!("handled before anything is loaded")
        }
    })
}

/// Runs every benchmark's job; a failed row in one does not stop the others,
/// an interruption stops them all.
async fn run_each(app: &App, jobs: &[run::RunJob]) -> Result<()> {
    let mut failed = vec![];
    for job in jobs {
        match run::command(app, job).await {
            Ok(()) => {}
            Err(e) if e.downcast_ref::<Interrupted>().is_some() || jobs.len() == 1 => {
                return Err(e)
            }
            Err(e) => {
                eprintln!(
                    "{} {}: {}",
                    style("error:").red().bold(),
                    job.settings.benchmark.name(),
                    chain(&e)
                );
                failed.push(job.settings.benchmark.name());
            }
        }
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(anyhow::anyhow!(
            "{} of {} benchmarks had failures: {} (see above).",
            failed.len(),
            jobs.len(),
            failed.join(", ")
        )),
    }
}

async fn execute(app: &App, job: &Job) -> Result<()> {
    match job {
        Job::Build(job) => build::command(app, job).await,
        Job::Info(job) => info::command(app, job).await,
        Job::Run(jobs) => run_each(app, jobs).await,
        Job::Ext(job) => ext::command(app, job).await,
    }
}
