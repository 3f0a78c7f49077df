//! What every command shares: configuration, plan, project files, the daemon
//! connection and the session; then dispatch to the command.

use std::path::PathBuf;

use std::io::Write;

use anyhow::{Context, Result};
use console::style;

use crate::build::{self, BuildCtx};
use crate::cli::{Cli, Command};
use crate::config::{self, Config};
use crate::docker::Engine;
use crate::paths::Project;
use crate::plan::{build_plan, Plan};
use crate::progress::Progress;
use crate::session::{self, Session};

/// Exit code after Ctrl-C / SIGTERM, as shells expect.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Returned by commands whose checks ran but did not all pass (a failed row).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChecksFailed(pub String);

pub struct App {
    pub config: Config,
    pub plan: Plan,
    pub project: Project,
    pub engine: Engine,
    pub session: Session,
    pub progress: Progress,
}

pub async fn main(cli: Cli) -> i32 {
    match dispatch(cli).await {
        Ok(()) => 0,
        Err(e) => {
            if e.downcast_ref::<build::BuildError>()
                .is_some_and(|b| matches!(b, build::BuildError::Interrupted))
                || e.downcast_ref::<Interrupted>().is_some()
            {
                let _ = writeln!(
                    std::io::stderr(),
                    "{} interrupted; this session's containers were removed.",
                    style("stopped:").yellow().bold()
                );
                return EXIT_INTERRUPTED;
            }
            let _ = writeln!(
                std::io::stderr(),
                "{} {}",
                style("error:").red().bold(),
                chain(&e)
            );
            1
        }
    }
}

/// The session was cancelled by a signal.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

async fn dispatch(cli: Cli) -> Result<()> {
    if let Command::Config = cli.command {
        print!("{}", config::DEFAULT_YAML);
        return Ok(());
    }
    let app = App::start(cli.config.as_deref(), cli.project_dir.as_deref()).await?;
    let result = match cli.command {
        Command::Build(args) => build_command(&app, args.json).await,
        Command::Info(args) => crate::info::command(&app, &args).await,
        Command::Run(args) => crate::run::command(&app, &args).await,
        Command::Ext(args) => crate::ext::command(&app, &args).await,
        Command::Config => unreachable!("handled above"),
    };
    // Whatever happened, nothing this session started stays behind.
    if let Err(e) = app.session.cleanup(&app.engine).await {
        eprintln!("{} {e}", style("warning:").yellow().bold());
    }
    if app.session.cancel.is_cancelled() {
        return Err(Interrupted.into());
    }
    result
}

impl App {
    pub async fn start(
        config_path: Option<&std::path::Path>,
        project_dir: Option<&std::path::Path>,
    ) -> Result<App> {
        let (config, config_origin) = config::load(config_path)?;
        let plan = build_plan(&config)
            .map_err(|p| anyhow::anyhow!("{config_origin} is not valid: {p}"))?;
        let project = Project::locate(project_dir).map_err(anyhow::Error::msg)?;
        let engine = Engine::connect().await?;
        let session = Session::new();
        session.cancel_on_signals();
        match session::sweep_dead_sessions(&engine).await {
            Ok(0) => {}
            Ok(n) => {
                eprintln!("removed {n} container(s) left behind by an earlier session that died")
            }
            Err(e) => eprintln!(
                "{} could not sweep old containers: {e}",
                style("warning:").yellow().bold()
            ),
        }
        Ok(App {
            config,
            plan,
            project,
            engine,
            session,
            progress: Progress::new(),
        })
    }

    fn build_ctx(&self) -> BuildCtx<'_> {
        BuildCtx {
            engine: &self.engine,
            config: &self.config,
            plan: &self.plan,
            dockerfiles: self.project.dockerfiles(),
            progress: &self.progress,
            cancel: self.session.cancel.clone(),
        }
    }

    /// Builds the images when they are missing or were built from another plan.
    pub async fn ensure_images(&self) -> Result<()> {
        let hash = build::expected_hash(&self.plan, &self.project.dockerfiles())?;
        if build::images_fresh(&self.engine, &self.plan, &hash).await? {
            return Ok(());
        }
        self.progress.println(format!(
            "{} images are missing or out of date; building them first",
            style("→").cyan()
        ));
        let summary = build::build_all(&self.build_ctx()).await?;
        self.progress.println(build::render_summary(&summary));
        Ok(())
    }
}

async fn build_command(app: &App, json: Option<PathBuf>) -> Result<()> {
    let summary = build::build_all(&app.build_ctx()).await?;
    println!("{}", build::render_summary(&summary));
    if let Some(path) = json {
        let bytes = serde_json::to_vec_pretty(&summary)?;
        crate::output::write_atomically(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
