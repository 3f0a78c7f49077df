//! What every command works with: configuration, plan, project files, an engine
//! and the session. Commands receive it; none of them connects on its own.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use crate::config::Config;
use crate::docker::Engine;
use crate::plan::Plan;
use crate::project::Project;
use crate::session::Session;
use crate::ui::progress::Progress;

pub struct App {
    pub config: Config,
    pub plan: Plan,
    pub project: Project,
    pub engine: Arc<dyn Engine>,
    /// The engine's name when several are in play (`--engine NAME=ADDRESS`);
    /// empty for the one engine of DOCKER_HOST.
    pub engine_name: String,
    pub session: Session,
    pub progress: Progress,
    /// Sources, base tarballs, build logs and ext staging (`$XDG_CACHE_HOME/pybench-docker`).
    pub cache: PathBuf,
}

impl App {
    /// A session on `engine`, without signal handlers or the sweep (the
    /// fleet adds those, commands/fleet/): what unit tests use with a fake
    /// engine.
    pub fn new(config: Config, plan: Plan, project: Project, engine: Arc<dyn Engine>) -> App {
        App {
            config,
            plan,
            project,
            engine,
            engine_name: String::new(),
            session: Session::new(),
            progress: Progress::new(),
            cache: crate::project::cache_dir(),
        }
    }

    /// " on laptop" when several engines are in play, so that their progress
    /// lines tell them apart; "" otherwise.
    pub fn on_engine(&self) -> String {
        match self.engine_name.is_empty() {
            true => String::new(),
            false => format!(" on {}", self.engine_name),
        }
    }

    /// Removes every container this session started; say so when that fails.
    pub async fn cleanup(&self) -> Result<()> {
        self.session.cleanup(self.engine.as_ref()).await?;
        Ok(())
    }
}
