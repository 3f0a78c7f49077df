//! Every command that needs Docker runs on a fleet: the engines given with
//! `--engine` or the config's `engines:`, or DOCKER_HOST's alone, a fleet
//! of one. One session on each (one session id, one Ctrl-C for all), the
//! images the command needs brought to each (present, carried from an
//! engine that has them, or built there), then the command on every engine.
//!
//! The same failure rule holds for any number of engines: an engine that
//! fails (unreachable, its build failed, out of disk) fails its own rows
//! with the reason and the others finish; a failed benchmark fails on its
//! engine and the next benchmark still runs; the exit status says so. With
//! one engine, its failure is the command's own error, word for word.

pub mod capability;
pub mod images;
pub mod run;
pub mod shard;
pub mod supply;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use anyhow::Result;
use console::style;

use crate::commands::{build, ext, info, App};
use crate::config::Config;
use crate::docker::address::EngineSpec;
use crate::docker::{DockerEngine, Engine};
use crate::error::{chain, Interrupted};
use crate::plan::{Needs, Plan};
use crate::project::Project;
use crate::session::{self, Session};
use crate::ui::progress::Progress;

pub use capability::Capability;
pub use images::bring_images;

/// DOCKER_HOST's engine (or the default socket), as a fleet member: its
/// name is empty, which no named engine's can be.
pub fn docker_host_engine() -> EngineSpec {
    EngineSpec {
        name: String::new(),
        address: crate::docker::docker_host(),
        tls: None,
    }
}

/// One engine of the command: its session (when it was reached) and, once
/// it failed, why. A failed engine's session stays, so that its containers
/// are removed at the end like every other's.
pub struct Member {
    pub spec: EngineSpec,
    pub app: Option<App>,
    pub failure: Option<anyhow::Error>,
}

impl Member {
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The session, while the engine has not failed.
    pub fn ready(&self) -> Result<&App, String> {
        match (&self.app, &self.failure) {
            (Some(app), None) => Ok(app),
            (_, Some(reason)) => Err(chain(reason)),
            (None, None) => Err("not connected".into()),
        }
    }
}

/// The engines of one command.
pub struct Fleet {
    pub members: Vec<Member>,
}

impl Fleet {
    /// Connects to every engine at once: one session id (so every container
    /// of this run, on any engine, carries the same label), one Ctrl-C for
    /// all, containers of dead sessions swept first.
    pub async fn connect(
        specs: &[EngineSpec],
        config: &Config,
        plan: &Plan,
        project: &Project,
    ) -> Fleet {
        let connections = futures_util::future::join_all(specs.iter().map(|spec| async move {
            match spec.name.is_empty() {
                true => DockerEngine::connect().await,
                false => DockerEngine::connect_to(spec).await,
            }
        }))
        .await;
        let shared = Session::new();
        shared.cancel_on_signals();
        let progress = Progress::new();
        let mut fleet = Fleet { members: vec![] };
        for (spec, connection) in specs.iter().zip(connections) {
            let (app, failure) = match connection {
                Ok(engine) => {
                    let engine: Arc<dyn Engine> = Arc::new(engine);
                    let mut app = App::new(config.clone(), plan.clone(), project.clone(), engine);
                    app.session = shared.clone();
                    app.progress = progress.clone();
                    app.engine_name = spec.name.clone();
                    sweep(&app).await;
                    (Some(app), None)
                }
                Err(e) => (None, Some(anyhow::Error::from(e))),
            };
            fleet.members.push(Member {
                spec: spec.clone(),
                app,
                failure,
            });
        }
        if fleet.several() {
            for m in fleet.members.iter().filter(|m| m.failure.is_some()) {
                say_failed(m.name(), &m.ready().err().unwrap_or_default());
            }
        }
        fleet
    }

    /// Whether engines are told apart: their names on lines and files.
    pub fn several(&self) -> bool {
        self.members.len() > 1
    }

    pub fn first_ready(&self) -> Option<&App> {
        self.members.iter().find_map(|m| m.ready().ok())
    }

    /// Marks engine `i` failed; says so when engines are told apart (alone,
    /// its failure becomes the command's error).
    pub fn fail(&mut self, i: usize, e: anyhow::Error) {
        if self.several() {
            say_failed(self.members[i].name(), &chain(&e));
        }
        self.members[i].failure = Some(e);
    }

    /// The one engine's session, or its failure (`info`, `run uops`).
    pub fn sole(&mut self) -> Result<&App> {
        let member = &mut self.members[0];
        if let Some(e) = member.failure.take() {
            return Err(e);
        }
        member
            .app
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("not connected"))
    }

    /// How a command ends when its failures are engines': Ok when none
    /// failed; alone, the engine's own error; else `summary` of the failed
    /// engines' names and how many there were.
    pub fn end(&mut self, summary: impl FnOnce(&[&str], usize) -> String) -> Result<()> {
        if !self.several() {
            return match self.members[0].failure.take() {
                Some(e) => Err(e),
                None => Ok(()),
            };
        }
        let failed: Vec<&str> = self
            .members
            .iter()
            .filter(|m| m.failure.is_some())
            .map(Member::name)
            .collect();
        match failed.is_empty() {
            true => Ok(()),
            false => Err(anyhow::anyhow!(summary(&failed, self.members.len()))),
        }
    }

    /// Removes this session's containers on every engine it reached.
    pub async fn cleanup(&self) {
        let apps: Vec<&App> = self.members.iter().filter_map(|m| m.app.as_ref()).collect();
        let done = futures_util::future::join_all(apps.iter().map(|a| a.cleanup())).await;
        for (app, result) in apps.iter().zip(done) {
            if let Err(e) = result {
                let on = match app.engine_name.is_empty() {
                    true => String::new(),
                    false => format!(" engine {}:", app.engine_name),
                };
                eprintln!("{}{on} {e}", style("warning:").yellow().bold());
            }
        }
    }

    /// Whether Ctrl-C (or SIGTERM, SIGHUP) stopped the session.
    pub fn interrupted(&self) -> bool {
        self.members
            .iter()
            .filter_map(|m| m.app.as_ref())
            .any(|a| a.session.cancel.is_cancelled())
    }
}

/// Containers left by sessions that died on `app`'s engine, removed.
async fn sweep(app: &App) {
    let on = match app.engine_name.is_empty() {
        true => String::new(),
        false => format!("engine {}: ", app.engine_name),
    };
    match session::sweep_dead_sessions(app.engine.as_ref()).await {
        Ok(0) => {}
        Ok(n) => {
            eprintln!("{on}removed {n} container(s) left behind by an earlier session that died")
        }
        Err(e) => eprintln!(
            "{} {on}could not sweep old containers: {e}",
            style("warning:").yellow().bold()
        ),
    }
}

/// "error: engine NAME: REASON" on stderr.
fn say_failed(name: &str, reason: &str) {
    eprintln!("{} engine {name}: {reason}", style("error:").red().bold());
}

/// `build` on every engine: the images built or carried. An engine that
/// built them itself builds again through its layer cache (seconds, and
/// the summary says what each stage did).
pub async fn build(fleet: &mut Fleet, job: &build::BuildJob) -> Result<()> {
    if let Some(app) = fleet.first_ready() {
        let needs = Needs::everything(&app.plan);
        bring_images(fleet, &needs, Some(job)).await?;
    }
    fleet.end(|failed, _| format!("no images on {} (see above).", failed.join(", ")))
}

/// `ext` on every engine, one after the other (each engine's table whole,
/// under its name when there are several), each writing its own files. The
/// package is prepared on this machine first, once.
pub async fn ext(fleet: &mut Fleet, job: &ext::ExtJob, needs: &Needs) -> Result<()> {
    let Some(first) = fleet.first_ready() else {
        return fleet.end(ext_failed);
    };
    let host = ext::prepare_host_side(first, job)?;
    bring_images(fleet, needs, None).await?;
    if let (ext::ExtJob::Packages(list), ext::HostSide::Packages(host)) = (job, &host) {
        return ext_list(fleet, list, host).await;
    }
    for i in 0..fleet.members.len() {
        let Ok(app) = fleet.members[i].ready() else {
            continue;
        };
        let own;
        let job = match fleet.several() {
            true => {
                println!(
                    "{} engine {}",
                    style("──").dim(),
                    style(app.engine_name.as_str()).bold()
                );
                own = job.for_engine(&app.engine_name);
                &own
            }
            false => job,
        };
        match ext::command(app, job, &host).await {
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => return Err(e),
            Err(e) => fleet.fail(i, e),
            Ok(()) => {}
        }
    }
    fleet.end(ext_failed)
}

/// A list of packages over every ready engine: each checks its share at
/// the same time, the rows merged into one matrix in the list's order. An
/// engine that fails leaves its packages not checked, saying why.
async fn ext_list(
    fleet: &mut Fleet,
    job: &ext::many::ManyJob,
    host: &ext::many::ManyHost,
) -> Result<()> {
    let ready: Vec<usize> = (0..fleet.members.len())
        .filter(|&i| fleet.members[i].ready().is_ok())
        .collect();
    let Some(&first) = ready.first() else {
        return fleet.end(ext_failed);
    };
    let shares = ext::many::shares(host.listed.len(), ready.len());
    let checks = ready.iter().zip(&shares).map(|(&i, share)| {
        let app = fleet.members[i].ready().expect("ready above");
        async move {
            (
                i,
                share,
                ext::many::check_share(app, job, host, share).await,
            )
        }
    });
    let done = futures_util::future::join_all(checks).await;
    let mut rows: Vec<Option<crate::results::PackageRow>> = vec![None; host.listed.len()];
    let mut failures = Vec::new();
    for (i, share, result) in done {
        match result {
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => return Err(e),
            Ok(checked) => {
                for (&index, row) in share.iter().zip(checked) {
                    rows[index] = Some(row);
                }
            }
            Err(e) => {
                let name = fleet.members[i].name().to_string();
                for &index in share {
                    let listed = &host.listed[index];
                    rows[index] = Some(crate::results::PackageRow {
                        name: listed.name.clone(),
                        version: listed.version.clone(),
                        source: listed.described.clone(),
                        identity: listed.identity.clone().unwrap_or_default(),
                        build_requires: vec![],
                        results: vec![],
                        cached: vec![],
                        engine: Some(name.clone()),
                        error: Some(format!("engine {name} failed: {}", chain(&e))),
                    });
                }
                failures.push((i, e));
            }
        }
    }
    let app = fleet.members[first].ready().expect("ready above");
    let doc = ext::many::document(app, rows.into_iter().flatten().collect());
    for (i, e) in failures {
        fleet.fail(i, e);
    }
    let shown = ext::many::present(job, &doc);
    match fleet.end(ext_failed) {
        Ok(()) => shown,
        Err(e) => Err(e),
    }
}

fn ext_failed(failed: &[&str], total: usize) -> String {
    format!(
        "ext failed on {} of {total} engine(s): {} (see above).",
        failed.len(),
        failed.join(", ")
    )
}

/// `info` on its one engine, once the images of its interpreters are there.
pub async fn info(fleet: &mut Fleet, job: &info::InfoJob, needs: &Needs) -> Result<()> {
    bring_images(fleet, needs, None).await?;
    let app = fleet.sole()?;
    info::command(app, job).await
}
