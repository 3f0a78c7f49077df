//! The commands. `dispatch` loads the configuration and checks every argument
//! before anything connects (a typo is reported even without a daemon), and
//! what the command can do with its engines; then connects to them (one
//! engine is a fleet of one), runs the command through the
//! [`Engine`](crate::docker::Engine) trait, and removes whatever the session
//! started.

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

use anyhow::Result;
use console::style;

pub use app::App;

use crate::cli::{Cli, Command};
use crate::config;
use crate::error::{chain, Interrupted, EXIT_FAILED, EXIT_INTERRUPTED};
use crate::plan::{build_plan, Needs};
use crate::project::Project;
use fleet::{Capability, Fleet};

/// A command with its arguments checked, ready to run.
enum Job {
    Build(build::BuildJob),
    Info(info::InfoJob),
    /// One job per benchmark: several for `run suite`.
    Run(Vec<run::RunJob>),
    Ext(Box<ext::ExtJob>),
}

impl Job {
    /// What the command can do with engines, and its name for the message.
    fn capability(&self) -> (Capability, &'static str) {
        match self {
            Job::Build(_) => (Capability::Anywhere, "build"),
            Job::Info(_) => (Capability::One, "info"),
            Job::Run(jobs)
                if jobs
                    .iter()
                    .any(|j| j.settings.benchmark == run::Benchmark::Uops) =>
            {
                (Capability::One, "run uops")
            }
            Job::Run(jobs) if jobs.iter().any(|j| j.shard) => {
                (Capability::TwoOrMore, "run --shard")
            }
            Job::Run(_) => (Capability::Anywhere, "run"),
            Job::Ext(_) => (Capability::ThisMachine, "ext"),
        }
    }

    /// The release images the command needs (pure): a run's and info's
    /// the runtime images of their interpreters' releases; ext's both
    /// images of every release it checks; build's all.
    fn images_needed(&self, plan: &crate::plan::Plan) -> Needs {
        match self {
            Job::Build(_) => Needs::everything(plan),
            Job::Info(job) => Needs::runtime_of(plan, &job.interpreters),
            Job::Run(jobs) => jobs.iter().fold(Needs::default(), |needs, job| {
                needs.and(&Needs::runtime_of(plan, &job.interpreters), plan)
            }),
            Job::Ext(_) => Needs::runtime_and_builder_of(plan, &plan.interpreters),
        }
    }
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
    let (mut config, config_origin) = config::load(cli.config.as_deref())?;
    if let Some(profile) = cli.command.profile() {
        config.build.profile = profile;
    }
    if let Command::Ext(args) = &cli.command {
        if args.tsan {
            config = ext::tsan::thread_sanitized(&config).map_err(anyhow::Error::msg)?;
        }
    }
    let mut plan =
        build_plan(&config).map_err(|p| anyhow::anyhow!("{config_origin} is not valid: {p}"))?;
    if let Command::Ext(args) = &cli.command {
        if !args.interpreters.is_empty() {
            plan = ext::builds::narrow(plan, &args.interpreters).map_err(anyhow::Error::msg)?;
        }
    }
    let project = Project::locate(cli.project_dir.as_deref()).map_err(anyhow::Error::msg)?;
    if let Command::Run(args) = &cli.command {
        if args.list {
            let suite = run::catalog::load(&project.benchmarks())?;
            print!("{}", run::catalog::render_list(&suite));
            return Ok(());
        }
    }
    let job = prepare(&cli.command, &config, &plan, &project)?;
    // The engines named, else DOCKER_HOST's: a fleet of one.
    let engines = crate::docker::address::select(&cli.engines, &config.engines)
        .map_err(anyhow::Error::msg)?
        .unwrap_or_else(|| vec![fleet::docker_host_engine()]);
    let (capability, command) = job.capability();
    capability
        .check(command, &engines)
        .map_err(anyhow::Error::msg)?;
    let needs = job.images_needed(&plan);
    let mut fleet = Fleet::connect(&engines, &config, &plan, &project).await;
    let result = execute(&mut fleet, &job, &needs).await;
    // Whatever happened, nothing this session started stays on any engine.
    fleet.cleanup().await;
    if fleet.interrupted() {
        return Err(Interrupted.into());
    }
    result
}

async fn execute(fleet: &mut Fleet, job: &Job, needs: &Needs) -> Result<()> {
    match job {
        Job::Build(job) => fleet::build(fleet, job).await,
        Job::Info(job) => fleet::info(fleet, job, needs).await,
        Job::Run(jobs) => fleet::run::run(fleet, jobs, needs).await,
        Job::Ext(job) => fleet::ext(fleet, job, needs).await,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The job of a command line, checked as `dispatch` checks it.
    fn job_of(argv: &[&str]) -> (Job, crate::plan::Plan) {
        let cli = Cli::try_parse_from(["pybench-docker"].iter().chain(argv)).unwrap();
        let config = config::parse(config::DEFAULT_YAML, &config::Source::Embedded).unwrap();
        let plan = build_plan(&config).unwrap();
        let project =
            Project::locate(Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))).unwrap();
        let job = prepare(&cli.command, &config, &plan, &project).unwrap();
        (job, plan)
    }

    #[test]
    fn every_command_that_builds_takes_a_profile() {
        use config::Profile;
        let profile = |argv: &[&str]| {
            Cli::try_parse_from(["pybench-docker"].iter().chain(argv))
                .map(|cli| cli.command.profile())
                .map_err(|e| e.to_string())
        };
        for argv in [
            &["build", "--profile", "release"][..],
            &["info", "--profile", "release"],
            &["run", "gil", "--profile", "release"],
            &["ext", "--profile", "release"],
        ] {
            assert_eq!(profile(argv), Ok(Some(Profile::Release)), "{argv:?}");
        }
        assert_eq!(
            profile(&["build", "--profile", "quick"]),
            Ok(Some(Profile::Quick))
        );
        assert_eq!(profile(&["run", "gil"]), Ok(None));
        let e = profile(&["build", "--profile", "fast"]).unwrap_err();
        assert!(e.contains("quick") && e.contains("release"), "{e}");
        assert!(profile(&["compare", "a.json", "b.json", "--profile", "quick"]).is_err());
    }

    #[test]
    fn each_command_has_its_capability_and_needs_only_its_images() {
        let cases: [(&[&str], Capability, &[&str]); 6] = [
            (
                &["build"],
                Capability::Anywhere,
                &[
                    "pythons:3.13.15",
                    "builder:3.13.15",
                    "pythons:3.14.7",
                    "builder:3.14.7",
                ],
            ),
            (
                &["run", "gil", "--interpreters", "3.14,3.14t"],
                Capability::Anywhere,
                &["pythons:3.14.7"],
            ),
            (
                &["run", "gil", "--shard"],
                Capability::TwoOrMore,
                &["pythons:3.13.15", "pythons:3.14.7"],
            ),
            (
                &["run", "uops", "--interpreters", "3.13j"],
                Capability::One,
                &["pythons:3.13.15"],
            ),
            (
                &["info", "--interpreters", "3.14t"],
                Capability::One,
                &["pythons:3.14.7"],
            ),
            (
                &["ext"],
                Capability::ThisMachine,
                &[
                    "pythons:3.13.15",
                    "builder:3.13.15",
                    "pythons:3.14.7",
                    "builder:3.14.7",
                ],
            ),
        ];
        for (argv, capability, images) in cases {
            let (job, plan) = job_of(argv);
            assert_eq!(job.capability().0, capability, "{argv:?}");
            let needed: Vec<String> = job
                .images_needed(&plan)
                .images(&plan)
                .into_iter()
                .map(|i| i.trim_start_matches("pybench-docker/").to_string())
                .collect();
            assert_eq!(needed, images, "{argv:?}");
        }
        // Checked before anything connects: one engine for uops.
        let (job, _) = job_of(&["run", "uops"]);
        let (capability, command) = job.capability();
        let two = [fleet::docker_host_engine(), {
            let mut other = fleet::docker_host_engine();
            other.name = "b".into();
            other.address = "unix:///run/b/docker.sock".into();
            other
        }];
        let e = capability.check(command, &two).unwrap_err();
        assert!(
            e.contains("`run uops` works on one engine at a time"),
            "{e}"
        );
    }
}
