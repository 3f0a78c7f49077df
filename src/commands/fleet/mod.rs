//! Several Docker Engines at once (`--engine`, the config's `engines:`): one
//! session on each, the images brought to every engine (built there or
//! carried from one that has them), the whole matrix run on all of them at
//! the same time, each host's results kept apart and shown side by side.
//! An engine that fails (unreachable, out of disk, killed mid-run) fails its
//! own rows with the reason; the others finish.

pub mod shard;
pub mod supply;

use std::sync::Arc;

use anyhow::Result;
use console::style;

use crate::commands::{build, ext, run, App};
use crate::config::Config;
use crate::docker::address::EngineSpec;
use crate::docker::{DockerEngine, Engine};
use crate::error::{chain, Interrupted};
use crate::plan::Plan;
use crate::project::Project;
use crate::report;
use crate::session::{self, Session};
use crate::ui::progress::Progress;
use supply::{Holdings, Supply};

/// One engine of the command: its session (when it was reached) and, once
/// it failed, why. A failed engine's session stays, so that its containers
/// are removed at the end like every other's.
pub struct Member {
    pub spec: EngineSpec,
    pub app: Option<App>,
    pub failure: Option<String>,
}

impl Member {
    fn name(&self) -> &str {
        &self.spec.name
    }

    /// The session, while the engine has not failed.
    fn ready(&self) -> Result<&App, String> {
        match (&self.app, &self.failure) {
            (Some(app), None) => Ok(app),
            (_, Some(reason)) => Err(reason.clone()),
            (None, None) => Err("not connected".into()),
        }
    }
}

/// Whether `command` (`None`: `build`) may use `specs`: `build` and `run`
/// any engines (this machine's files reach a remote engine's containers as
/// volumes); `ext` several of this machine, as its containers write the
/// wheels back into a folder here; `info` and `run uops` one. Pure.
pub fn engines_fit(command: Option<&str>, specs: &[EngineSpec]) -> Result<(), String> {
    let Some(what) = command else {
        return Ok(());
    };
    if what == "run --shard" && specs.len() < 2 {
        return Err("--shard splits the configurations across engines, and one engine was given. Give two or more you know to be identical machines: --engine a=ADDRESS --engine b=ADDRESS (or `engines:` in the config).".to_string());
    }
    let what = what.trim_end_matches(" --shard");
    if specs.len() > 1 && !["run", "ext"].contains(&what) {
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        return Err(format!(
            "`{what}` works on one engine at a time, and {} were given ({}). Pick one with `--engine NAME`; `build`, `run` and `ext` take several.",
            specs.len(),
            names.join(", ")
        ));
    }
    if what != "ext" {
        return Ok(());
    }
    match specs.iter().find(|s| !s.is_local()) {
        Some(remote) => Err(format!(
            "engine {name} is at {address}, another machine: `ext` writes the wheels it builds into a folder of this machine, which a remote engine cannot reach. Give an engine whose socket is on this machine (unix://), or run pybench-docker on that machine; `pybench-docker --engine {name}={address} build` brings the images there.",
            name = remote.name,
            address = remote.address,
        )),
        None => Ok(()),
    }
}

/// Connects to every engine at once: one session id (so every container of
/// this run, on any engine, carries the same label), one Ctrl-C for all.
pub async fn connect(
    specs: &[EngineSpec],
    config: &Config,
    plan: &Plan,
    project: &Project,
) -> Vec<Member> {
    let connections =
        futures_util::future::join_all(specs.iter().map(DockerEngine::connect_to)).await;
    let shared = Session::new();
    shared.cancel_on_signals();
    let progress = Progress::new();
    let mut members = Vec::new();
    for (spec, connection) in specs.iter().zip(connections) {
        let (app, failure) = match connection {
            Ok(engine) => {
                let engine: Arc<dyn Engine> = Arc::new(engine);
                let mut app = App::new(config.clone(), plan.clone(), project.clone(), engine);
                app.session = shared.clone();
                app.progress = progress.clone();
                app.engine_name = spec.name.clone();
                if let Ok(n @ 1..) = session::sweep_dead_sessions(app.engine.as_ref()).await {
                    eprintln!(
                        "{}: removed {n} container(s) left by an earlier session that died",
                        spec.name
                    );
                }
                (Some(app), None)
            }
            Err(e) => {
                say_failed(&spec.name, &e.to_string());
                (None, Some(e.to_string()))
            }
        };
        members.push(Member {
            spec: spec.clone(),
            app,
            failure,
        });
    }
    members
}

/// Removes this session's containers on every engine it reached.
pub async fn cleanup(members: &[Member]) {
    let apps = members.iter().filter_map(|m| m.app.as_ref());
    for (app, result) in apps
        .clone()
        .zip(futures_util::future::join_all(apps.clone().map(|a| a.cleanup())).await)
    {
        if let Err(e) = result {
            eprintln!(
                "{} engine {}: {e}",
                style("warning:").yellow().bold(),
                app.engine_name
            );
        }
    }
}

/// Brings the release images to every reachable engine: the ones that have
/// them are ready; the others get them carried from one that has them, or
/// built (then carried on to the rest of that architecture). Says which.
/// `build`'s own job, when given, is how an engine builds (its `--jobs`, its
/// summary file); otherwise only what is missing or stale is built.
pub async fn bring_images(
    members: &mut [Member],
    build_job: Option<&build::BuildJob>,
) -> Result<()> {
    let Some(first) = members.iter().find_map(|m| m.ready().ok()) else {
        return Ok(());
    };
    let wanted = build::expected_release_images(first).await?;
    let names: Vec<String> = wanted.iter().map(|(image, _)| image.clone()).collect();
    let mut holdings = Vec::new();
    for m in members.iter() {
        holdings.push(match m.ready() {
            Ok(app) => Some(holdings_of(app.engine.as_ref(), &wanted).await?),
            Err(_) => None,
        });
    }
    let supplies = supply::plan(&holdings);
    for (m, s) in members.iter().zip(&supplies) {
        let how = match s {
            None => continue,
            Some(Supply::Ready) => "images present".to_string(),
            Some(Supply::Build) => "images missing: building them there".to_string(),
            Some(Supply::Carry { from }) => format!(
                "images missing: carrying them from {} (no compiling)",
                members[*from].name()
            ),
        };
        eprintln!("{} engine {}: {how}", style("→").cyan(), m.name());
    }
    build_where_chosen(members, &supplies, build_job).await;
    carry_where_chosen(members, &supplies, &names).await;
    Ok(())
}

/// The engines chosen to build, all at once; a failed build fails its engine.
async fn build_where_chosen(
    members: &mut [Member],
    supplies: &[Option<Supply>],
    build_job: Option<&build::BuildJob>,
) {
    let builders: Vec<usize> = (0..members.len())
        .filter(|i| supplies[*i] == Some(Supply::Build))
        .collect();
    let built = futures_util::future::join_all(builders.iter().map(|i| {
        let app = members[*i].ready().ok();
        async move {
            let Some(app) = app else { return Ok(()) };
            match build_job {
                Some(job) => build::command(app, &job.for_engine(&app.engine_name)).await,
                None => build::ensure_images(app).await,
            }
            .map_err(|e| chain(&e))
        }
    }))
    .await;
    for (i, result) in builders.iter().zip(built) {
        if let Err(reason) = result {
            fail(
                &mut members[*i],
                format!("building the images failed: {reason}"),
            );
        }
    }
}

/// The carries, all at once, each from its engine once that one has the
/// images; a failed carry (or a source whose build failed) fails its engine.
async fn carry_where_chosen(members: &mut [Member], supplies: &[Option<Supply>], names: &[String]) {
    let carries: Vec<(usize, usize)> = (0..members.len())
        .filter_map(|i| match supplies[i] {
            Some(Supply::Carry { from }) => Some((i, from)),
            _ => None,
        })
        .collect();
    let carried = futures_util::future::join_all(carries.iter().map(|(to, from)| {
        let (to, from) = (&members[*to], &members[*from]);
        async move {
            let (Ok(to_app), Ok(from_app)) = (to.ready(), from.ready()) else {
                return Err(format!("{} has no images to give", from.name()));
            };
            supply::carry(from_app.engine.as_ref(), to_app.engine.as_ref(), names)
                .await
                .map_err(|e| e.to_string())
        }
    }))
    .await;
    for ((to, from), result) in carries.iter().zip(carried) {
        match result {
            Ok(c) => eprintln!(
                "{} engine {}: carried {} image(s), {:.2} GB, from {} in {:.0} s",
                style("✓").green(),
                members[*to].name(),
                names.len(),
                c.bytes as f64 / 1e9,
                members[*from].name(),
                c.seconds
            ),
            Err(reason) => fail(
                &mut members[*to],
                format!("carrying the images failed: {reason}"),
            ),
        }
    }
}

async fn holdings_of(engine: &dyn Engine, wanted: &[(String, String)]) -> Result<Holdings> {
    let mut fresh = true;
    for (image, hash) in wanted {
        let facts = engine.inspect_image(image).await?;
        fresh &= facts.is_some_and(|f| f.labels.get(build::render::BUILD_HASH_LABEL) == Some(hash));
    }
    Ok(Holdings {
        fresh,
        arch: engine.host_facts().await.arch,
    })
}

/// "error: engine NAME: REASON" on stderr.
fn say_failed(name: &str, reason: &str) {
    eprintln!("{} engine {name}: {reason}", style("error:").red().bold());
}

fn fail(member: &mut Member, reason: String) {
    say_failed(member.name(), &reason);
    member.failure = Some(reason);
}

/// `run` (one benchmark or a suite) on every engine at once, then each
/// host's table and files, then the hosts side by side.
pub async fn run_everywhere(members: &mut [Member], jobs: &[run::RunJob]) -> Result<()> {
    bring_images(members, None).await?;
    if let Some(note) = shared_machine(members).await {
        eprintln!("{} {note}", style("note:").yellow());
    }
    let mut failures = members.iter().filter(|m| m.ready().is_err()).count();
    for job in jobs {
        let Some(first) = members.iter().find_map(|m| m.ready().ok()) else {
            break;
        };
        let deps = run::prepare_host_side(first, job)?;
        let own_jobs = jobs_per_engine(members, job)?;
        let measured =
            futures_util::future::join_all(members.iter().zip(&own_jobs).map(|(m, own)| {
                let deps = &deps;
                async move {
                    match m.ready() {
                        Ok(app) => run::measure(app, own, deps).await.map_err(|e| chain(&e)),
                        Err(reason) => Err(reason),
                    }
                }
            }))
            .await;
        let mut interrupted = false;
        for ((m, own), result) in members.iter().zip(&own_jobs).zip(&measured) {
            let Ok((report, stopped)) = result else {
                continue;
            };
            println!(
                "{} engine {} ({})",
                style("──").dim(),
                style(m.name()).bold(),
                report::format::host(report)
            );
            match run::present(own, report, *stopped) {
                Err(e) if e.downcast_ref::<Interrupted>().is_some() => interrupted = true,
                Err(e) => {
                    say_failed(m.name(), &chain(&e));
                    failures += 1;
                }
                Ok(()) => {}
            }
        }
        for (m, result) in members.iter_mut().zip(&measured) {
            if let (Err(reason), Ok(_)) = (result, m.ready()) {
                fail(m, reason.clone());
                failures += 1;
            }
        }
        let side_by_side: Vec<report::hosts::HostRun> = members
            .iter()
            .zip(&measured)
            .map(|(m, r)| {
                (
                    m.name(),
                    r.as_ref().map(|(report, _)| report).map_err(|e| e.clone()),
                )
            })
            .collect();
        println!("{}", report::hosts::render(&side_by_side));
        if interrupted {
            return Err(Interrupted.into());
        }
    }
    match failures {
        0 => Ok(()),
        n => Err(anyhow::anyhow!(
            "{n} of {} engine(s) had failures (see above); the others' results are complete.",
            members.len()
        )),
    }
}

/// Each engine its own job: its own result files (`gil.json` →
/// `gil.laptop.json`, the partial ones written after every round included)
/// and, with `--shard`, its share of the configurations among the engines
/// still standing.
fn jobs_per_engine(members: &[Member], job: &run::RunJob) -> Result<Vec<run::RunJob>> {
    let standing: Vec<usize> = (0..members.len())
        .filter(|i| members[*i].ready().is_ok())
        .collect();
    let shares = match job.shard {
        true => {
            let baselines = shard::baselines(&job.interpreters, &job.settings.baseline)
                .map_err(anyhow::Error::msg)?;
            shard::split(&job.interpreters, &baselines, standing.len())
        }
        false => vec![job.interpreters.clone(); standing.len()],
    };
    Ok(members
        .iter()
        .enumerate()
        .map(|(i, m)| run::RunJob {
            outputs: job.outputs.clone().for_member(m.name()),
            interpreters: standing
                .iter()
                .position(|s| *s == i)
                .map_or_else(Vec::new, |k| shares[k].clone()),
            ..job.clone()
        })
        .collect())
}

/// Engines on one machine measure at the same time on the same CPUs: each
/// run disturbs the others. Said, not refused (a test setup does it).
async fn shared_machine(members: &[Member]) -> Option<String> {
    let mut seen: Vec<(String, &str)> = vec![];
    for m in members {
        let Ok(app) = m.ready() else { continue };
        let host = app.engine.host_facts().await.name;
        if let Some((_, other)) = seen.iter().find(|(h, _)| !h.is_empty() && *h == host) {
            return Some(format!(
                "engines {other} and {} run on the same host ({host}): their processes share its CPUs, so each host's figures include the other's load. Compare hosts that are different machines.",
                m.name()
            ));
        }
        seen.push((host, m.name()));
    }
    None
}

/// `ext` on every engine, one after the other (each engine's table whole,
/// under its name), each writing its own files.
pub async fn ext_everywhere(members: &mut [Member], job: &ext::ExtJob) -> Result<()> {
    bring_images(members, None).await?;
    let mut failed = vec![];
    for m in members.iter() {
        let app = match m.ready() {
            Ok(app) => app,
            Err(_) => {
                failed.push(m.name().to_string());
                continue;
            }
        };
        println!("{} engine {}", style("──").dim(), style(m.name()).bold());
        match ext::command(app, &job.for_engine(m.name())).await {
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => return Err(e),
            Err(e) => {
                say_failed(m.name(), &chain(&e));
                failed.push(m.name().to_string());
            }
            Ok(()) => {}
        }
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(anyhow::anyhow!(
            "ext failed on {} of {} engine(s): {} (see above).",
            failed.len(),
            members.len(),
            failed.join(", ")
        )),
    }
}

/// `build` on every engine: the images built or carried, as `run` would.
pub async fn build_everywhere(members: &mut [Member], job: &build::BuildJob) -> Result<()> {
    bring_images(members, Some(job)).await?;
    let failed: Vec<&str> = members
        .iter()
        .filter(|m| m.ready().is_err())
        .map(Member::name)
        .collect();
    match failed.is_empty() {
        true => Ok(()),
        false => Err(anyhow::anyhow!(
            "no images on {} (see above).",
            failed.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::RunArgs;
    use crate::commands::test_support::{app_on, script_stdout};
    use crate::docker::fake::{exited, FakeEngine};
    use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

    fn ok_for_all(_: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
        Ok(exited(0, &script_stdout(1.5), ""))
    }

    fn member(name: &str, engine: Option<Arc<FakeEngine>>, cache: &std::path::Path) -> Member {
        let spec = EngineSpec {
            name: name.into(),
            address: format!("unix:///run/{name}/docker.sock"),
            tls: None,
        };
        match engine {
            Some(engine) => {
                let mut app = app_on(engine, cache);
                app.engine_name = name.into();
                Member {
                    spec,
                    app: Some(app),
                    failure: None,
                }
            }
            None => Member {
                spec,
                app: None,
                failure: Some("cannot reach the Docker daemon".into()),
            },
        }
    }

    async fn give_images(app: &App, engine: &FakeEngine) {
        for (image, hash) in build::expected_release_images(app).await.unwrap() {
            engine.add_image(&image, &[(build::render::BUILD_HASH_LABEL, &hash)]);
        }
    }

    fn gil_job(app: &App, json: &std::path::Path) -> run::RunJob {
        let args = RunArgs {
            benchmark: Some("gil".into()),
            processes: Some(3),
            json: Some(json.to_path_buf()),
            ..RunArgs::default()
        };
        run::prepare(&args, &app.config, &app.plan, &app.project.benchmarks())
            .unwrap()
            .remove(0)
    }

    #[test]
    fn run_takes_several_local_engines_build_any_and_the_others_one() {
        let cache = tempfile::tempdir().unwrap();
        let spec = |m: Member| m.spec;
        let two = [
            spec(member("a", None, cache.path())),
            spec(member("b", None, cache.path())),
        ];
        assert_eq!(engines_fit(Some("run"), &two), Ok(()));
        assert_eq!(engines_fit(None, &two), Ok(()));
        assert_eq!(engines_fit(Some("ext"), &two), Ok(()));
        for one_only in ["info", "run uops"] {
            let e = engines_fit(Some(one_only), &two).unwrap_err();
            assert!(
                e.contains("one engine at a time") && e.contains("(a, b)"),
                "{e}"
            );
            assert_eq!(engines_fit(Some(one_only), &two[..1]), Ok(()));
        }
        let remote = EngineSpec {
            name: "server".into(),
            address: "tcp://server:2376".into(),
            tls: None,
        };
        assert_eq!(
            engines_fit(Some("run"), &[two[0].clone(), remote.clone()]),
            Ok(())
        );
        let e = engines_fit(Some("ext"), std::slice::from_ref(&remote)).unwrap_err();
        assert!(
            e.contains("another machine") && e.contains("--engine server=tcp://server:2376 build"),
            "{e}"
        );
        assert_eq!(engines_fit(None, &[remote]), Ok(()));
        let e = engines_fit(Some("run --shard"), &two[..1]).unwrap_err();
        assert!(
            e.contains("--shard splits") && e.contains("two or more"),
            "{e}"
        );
        assert_eq!(engines_fit(Some("run --shard"), &two), Ok(()));
    }

    #[tokio::test]
    async fn the_empty_engine_gets_the_images_carried_and_both_run_the_whole_matrix() {
        let cache = tempfile::tempdir().unwrap();
        let (a, b) = (FakeEngine::new(ok_for_all), FakeEngine::new(ok_for_all));
        let mut members = vec![
            member("laptop", Some(a.clone()), cache.path()),
            member("server", Some(b.clone()), cache.path()),
        ];
        give_images(members[0].app.as_ref().unwrap(), &a).await;
        let json = cache.path().join("gil.json");
        let job = gil_job(members[0].app.as_ref().unwrap(), &json);

        run_everywhere(&mut members, &[job]).await.unwrap();

        assert!(a.loads().is_empty() && a.builds().is_empty());
        assert_eq!(b.loads().len(), 1, "carried once");
        assert!(
            b.builds().is_empty(),
            "nothing compiled on the empty engine"
        );
        assert_eq!(a.runs().len(), b.runs().len());
        assert!(!a.runs().is_empty());
        for name in ["laptop", "server"] {
            let file = cache.path().join(format!("gil.{name}.json"));
            let r: crate::results::Report =
                serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
            assert_eq!(r.host.engine, name);
            assert!(r.rows.iter().all(|row| row.measured().len() == 3));
        }
    }

    #[tokio::test]
    async fn sharded_engines_each_run_the_baseline_and_their_share() {
        let cache = tempfile::tempdir().unwrap();
        let (a, b) = (FakeEngine::new(ok_for_all), FakeEngine::new(ok_for_all));
        let mut members = vec![
            member("a", Some(a.clone()), cache.path()),
            member("b", Some(b.clone()), cache.path()),
        ];
        for m in &members {
            let app = m.app.as_ref().unwrap();
            give_images(app, if m.name() == "a" { &a } else { &b }).await;
        }
        let json = cache.path().join("gil.json");
        let mut job = gil_job(members[0].app.as_ref().unwrap(), &json);
        job.shard = true;
        let all: Vec<String> = job.interpreters.iter().map(|i| i.name.clone()).collect();

        run_everywhere(&mut members, &[job]).await.unwrap();

        let ran = |e: &FakeEngine| {
            let mut names: Vec<String> = e
                .runs()
                .iter()
                .map(crate::commands::test_support::interpreter_of)
                .collect();
            names.sort();
            names.dedup();
            names
        };
        let (on_a, on_b) = (ran(&a), ran(&b));
        assert!(on_a.contains(&"3.13".to_string()) && on_b.contains(&"3.13".to_string()));
        let mut union: Vec<String> = on_a.iter().chain(&on_b).cloned().collect();
        union.sort();
        union.dedup();
        let mut expected = all.clone();
        expected.sort();
        assert_eq!(union, expected, "every configuration ran somewhere");
        let both: Vec<&String> = on_a.iter().filter(|n| on_b.contains(n)).collect();
        assert_eq!(both, ["3.13"], "only the baseline runs twice");
    }

    #[tokio::test]
    async fn ctrl_c_stops_every_engine_and_each_keeps_its_partial_file() {
        let cache = tempfile::tempdir().unwrap();
        let (a, b) = (FakeEngine::new(ok_for_all), FakeEngine::new(ok_for_all));
        let mut members = vec![
            member("a", Some(a.clone()), cache.path()),
            member("b", Some(b.clone()), cache.path()),
        ];
        // One session on every engine, as `connect` makes it.
        let shared = members[0].app.as_ref().unwrap().session.clone();
        members[1].app.as_mut().unwrap().session = shared.clone();
        for m in &members {
            let app = m.app.as_ref().unwrap();
            give_images(app, if m.name() == "a" { &a } else { &b }).await;
        }
        let token = shared.cancel.clone();
        *a.on_run.lock().unwrap() = Some(Box::new(move |n| {
            if n == 3 {
                token.cancel();
            }
        }));
        let json = cache.path().join("gil.json");
        let job = gil_job(members[0].app.as_ref().unwrap(), &json);
        let full = 3 * job.interpreters.len() * 2;

        let e = run_everywhere(&mut members, &[job]).await.unwrap_err();

        assert!(e.downcast_ref::<Interrupted>().is_some(), "{e}");
        assert!(b.runs().len() < full, "the other engine stopped too");
        for name in ["a", "b"] {
            assert!(
                cache.path().join(format!("gil.{name}.json")).exists(),
                "{name}"
            );
        }
    }

    #[tokio::test]
    async fn engines_on_one_host_are_said_to_share_its_cpus() {
        let cache = tempfile::tempdir().unwrap();
        let fake = || Some(FakeEngine::new(ok_for_all));
        let two = [
            member("a", fake(), cache.path()),
            member("b", fake(), cache.path()),
        ];
        let note = shared_machine(&two).await.unwrap();
        assert!(
            note.contains("engines a and b run on the same host (fake-host)"),
            "{note}"
        );
        let one = [
            member("a", fake(), cache.path()),
            member("gone", None, cache.path()),
        ];
        assert_eq!(shared_machine(&one).await, None);
    }

    #[tokio::test]
    async fn an_unreachable_engine_fails_alone_and_the_others_finish() {
        let cache = tempfile::tempdir().unwrap();
        let a = FakeEngine::new(ok_for_all);
        let mut members = vec![
            member("laptop", Some(a.clone()), cache.path()),
            member("arm", None, cache.path()),
        ];
        give_images(members[0].app.as_ref().unwrap(), &a).await;
        let json = cache.path().join("gil.json");
        let job = gil_job(members[0].app.as_ref().unwrap(), &json);

        let e = run_everywhere(&mut members, &[job]).await.unwrap_err();

        assert!(
            e.to_string().contains("1 of 2 engine(s) had failures"),
            "{e}"
        );
        assert!(cache.path().join("gil.laptop.json").exists());
        assert!(!cache.path().join("gil.arm.json").exists());
        assert!(!a.runs().is_empty());
    }
}
