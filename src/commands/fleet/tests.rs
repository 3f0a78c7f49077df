//! Fleets through fake engines: one engine as a fleet of one (the images it
//! needs built there, its files and errors its own), several (the images a
//! command needs carried to the empty one, shards, Ctrl-C, an engine that
//! fails alone), and the same failure rule for both.

use std::path::Path;
use std::sync::Arc;

use super::images::announcement;
use super::supply::{Holdings, Supply};
use super::*;
use crate::cli::RunArgs;
use crate::commands::run::{self, RunJob};
use crate::commands::test_support::{
    app_on, app_with_yaml, interpreter_of, offline_yaml, script_stdout,
};
use crate::docker::fake::{exited, FakeEngine};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

fn ok_for_all(_: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    Ok(exited(0, &script_stdout(1.5), ""))
}

fn spec(name: &str) -> EngineSpec {
    EngineSpec {
        name: name.into(),
        address: format!("unix:///run/{name}/docker.sock"),
        tls: None,
    }
}

/// A member on `engine` (the tutorial's config), or an unreachable one.
fn member(name: &str, engine: Option<Arc<FakeEngine>>, cache: &Path) -> Member {
    match engine {
        Some(engine) => on(name, app_on(engine, cache)),
        None => Member {
            spec: spec(name),
            app: None,
            failure: Some(anyhow::anyhow!("cannot reach the Docker daemon")),
        },
    }
}

fn on(name: &str, mut app: App) -> Member {
    app.engine_name = name.into();
    Member {
        spec: spec(name),
        app: Some(app),
        failure: None,
    }
}

/// Every release image of the plan, current, on `engine`.
async fn give_images(app: &App, engine: &FakeEngine) {
    let needs = Needs::everything(&app.plan);
    for (image, hash) in build::expected_images(app, &needs).await.unwrap() {
        engine.add_image(&image, &[(build::render::BUILD_HASH_LABEL, &hash)]);
    }
}

fn run_args(benchmark: &str, json: &Path) -> RunArgs {
    RunArgs {
        benchmark: Some(benchmark.into()),
        processes: Some(3),
        json: Some(json.to_path_buf()),
        ..RunArgs::default()
    }
}

fn jobs(app: &App, args: &RunArgs) -> Vec<RunJob> {
    run::prepare(args, &app.config, &app.plan, &app.project.benchmarks()).unwrap()
}

fn needs_of(app: &App, jobs: &[RunJob]) -> Needs {
    Needs::runtime_of(&app.plan, &jobs[0].interpreters)
}

async fn run_on(fleet: &mut Fleet, jobs: &[RunJob]) -> Result<()> {
    let needs = needs_of(fleet.first_ready().unwrap(), jobs);
    super::run::run(fleet, jobs, &needs).await
}

#[tokio::test]
async fn the_empty_engine_gets_the_needed_image_carried_and_both_run_the_whole_matrix() {
    let cache = tempfile::tempdir().unwrap();
    let (a, b) = (FakeEngine::new(ok_for_all), FakeEngine::new(ok_for_all));
    let mut fleet = Fleet {
        members: vec![
            member("laptop", Some(a.clone()), cache.path()),
            member("server", Some(b.clone()), cache.path()),
        ],
    };
    let first = fleet.first_ready().unwrap();
    give_images(first, &a).await;
    let json = cache.path().join("gil.json");
    let jobs = jobs(first, &run_args("gil", &json));

    run_on(&mut fleet, &jobs).await.unwrap();

    assert!(a.loads().is_empty() && a.builds().is_empty());
    assert_eq!(
        b.loads(),
        [["pybench-docker/pythons:3.13.15"]],
        "the runtime image, once; a run needs no builder image"
    );
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
async fn one_engine_is_a_fleet_of_one_that_builds_only_what_the_run_needs() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = offline_yaml(dir.path());
    let engine = FakeEngine::new(ok_for_all);
    let app = app_with_yaml(&yaml, engine.clone(), &dir.path().join("cache"));
    for base in app.plan.bases() {
        engine.add_image(&base.image, &[]);
    }
    let json = dir.path().join("gil.json");
    let mut args = run_args("gil", &json);
    args.interpreters = vec!["3.14".into(), "3.14t".into()];
    let jobs = jobs(&app, &args);
    assert_eq!(
        jobs[0].settings.baseline, "3.14",
        "the configured 3.13 is not in the run"
    );
    // DOCKER_HOST's engine: no name.
    let mut fleet = Fleet {
        members: vec![on("", app)],
    };

    run_on(&mut fleet, &jobs).await.unwrap();

    let built: Vec<String> = engine.builds().into_iter().map(|b| b.request.tag).collect();
    assert_eq!(
        built.len(),
        5,
        "3.14's configure cache, three variants, pythons: {built:?}"
    );
    assert!(built.iter().all(|t| t.contains("3.14.7")), "{built:?}");
    assert!(!built.iter().any(|t| t.contains("builder")), "{built:?}");
    assert!(json.is_file(), "one engine's file keeps its name");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gil"))
        .collect();
    assert_eq!(names, ["gil.json"]);
    assert_eq!(
        engine.runs().len(),
        3 * 2 * 2,
        "3 processes × 2 builds × 2 thread counts"
    );

    // Now present: a second run builds nothing.
    let before = engine.builds().len();
    run_on(&mut fleet, &jobs).await.unwrap();
    assert_eq!(engine.builds().len(), before);
}

#[tokio::test]
async fn alone_an_engines_failure_is_the_commands_own_error_word_for_word() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = offline_yaml(dir.path());
    let engine = FakeEngine::new(ok_for_all);
    let app = app_with_yaml(&yaml, engine.clone(), &dir.path().join("cache"));
    for base in app.plan.bases() {
        engine.add_image(&base.image, &[]);
    }
    let broken = app.plan.releases[0].variants[1].clone();
    *engine.fail_build_of.lock().unwrap() = Some(broken.image.clone());
    let jobs = jobs(&app, &run_args("gil", &dir.path().join("gil.json")));
    let mut fleet = Fleet {
        members: vec![on("", app)],
    };

    let e = run_on(&mut fleet, &jobs).await.unwrap_err();

    assert!(
        matches!(
            e.downcast_ref::<build::BuildError>(),
            Some(build::BuildError::Stage(_))
        ),
        "the build's own error: {e}"
    );
    assert!(
        e.to_string()
            .starts_with(&format!("building {} failed", broken.label())),
        "{e}"
    );
    assert!(engine.runs().is_empty());

    // Unreachable, alone: the connection's own words.
    let mut gone = Fleet {
        members: vec![member("gone", None, dir.path())],
    };
    let e = super::run::run(&mut gone, &jobs, &Needs::default())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "cannot reach the Docker daemon");
}

/// Fails every container of the suite's benchmark `name` as a daemon
/// error would; the others measure.
fn failing_benchmark(
    name: &'static str,
) -> impl Fn(&ContainerSpec) -> Result<ContainerOutput, DockerError> {
    move |spec| match spec.cmd.iter().any(|a| a == name) {
        true => Err(DockerError::Other("the daemon went away".into())),
        false => ok_for_all(spec),
    }
}

#[tokio::test]
async fn a_failed_benchmark_fails_on_its_engine_and_the_next_one_still_runs() {
    let cache = tempfile::tempdir().unwrap();
    let json = cache.path().join("s.json");
    let mut args = run_args("suite", &json);
    args.category = Some("locks".into());
    args.interpreters = vec!["3.13".into()];
    args.threads = vec![1];
    // Alone and with a second engine: the same rule.
    for engines in [1, 2] {
        let probe = app_on(FakeEngine::new(ok_for_all), cache.path());
        let jobs = jobs(&probe, &args);
        assert!(jobs.len() >= 2);
        let first: &'static str = Box::leak(jobs[0].settings.benchmark.name().into_boxed_str());
        let broken = FakeEngine::new(failing_benchmark(first));
        let mut members = vec![member("a", Some(broken.clone()), cache.path())];
        give_images(members[0].app.as_ref().unwrap(), &broken).await;
        if engines == 2 {
            let fine = FakeEngine::new(ok_for_all);
            members.push(member("b", Some(fine.clone()), cache.path()));
            give_images(members[1].app.as_ref().unwrap(), &fine).await;
        }
        let mut fleet = Fleet { members };

        let e = run_on(&mut fleet, &jobs).await.unwrap_err().to_string();

        let second = jobs[1].settings.benchmark.name();
        assert!(
            broken.runs().iter().any(|s| s.cmd.contains(&second)),
            "{second} ran after {first} failed ({engines} engine(s))"
        );
        match engines {
            1 => assert!(
                e.starts_with(&format!(
                    "1 of {} benchmarks had failures: {first}",
                    jobs.len()
                )),
                "{e}"
            ),
            _ => assert!(e.starts_with("1 of 2 engine(s) had failures"), "{e}"),
        }
    }
}

#[tokio::test]
async fn sharded_engines_each_run_the_baseline_and_their_share() {
    let cache = tempfile::tempdir().unwrap();
    let (a, b) = (FakeEngine::new(ok_for_all), FakeEngine::new(ok_for_all));
    let mut fleet = Fleet {
        members: vec![
            member("a", Some(a.clone()), cache.path()),
            member("b", Some(b.clone()), cache.path()),
        ],
    };
    for (m, e) in fleet.members.iter().zip([&a, &b]) {
        give_images(m.app.as_ref().unwrap(), e).await;
    }
    let json = cache.path().join("gil.json");
    let mut jobs = jobs(fleet.first_ready().unwrap(), &run_args("gil", &json));
    jobs[0].shard = true;
    let all: Vec<String> = jobs[0]
        .interpreters
        .iter()
        .map(|i| i.name.clone())
        .collect();

    run_on(&mut fleet, &jobs).await.unwrap();

    let ran = |e: &FakeEngine| {
        let mut names: Vec<String> = e.runs().iter().map(interpreter_of).collect();
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
    let mut fleet = Fleet {
        members: vec![
            member("a", Some(a.clone()), cache.path()),
            member("b", Some(b.clone()), cache.path()),
        ],
    };
    // One session on every engine, as `connect` makes it.
    let shared = fleet.members[0].app.as_ref().unwrap().session.clone();
    fleet.members[1].app.as_mut().unwrap().session = shared.clone();
    for (m, e) in fleet.members.iter().zip([&a, &b]) {
        give_images(m.app.as_ref().unwrap(), e).await;
    }
    let token = shared.cancel.clone();
    *a.on_run.lock().unwrap() = Some(Box::new(move |n| {
        if n == 3 {
            token.cancel();
        }
    }));
    let json = cache.path().join("gil.json");
    let jobs = jobs(fleet.first_ready().unwrap(), &run_args("gil", &json));
    let full = 3 * jobs[0].interpreters.len() * 2;

    let e = run_on(&mut fleet, &jobs).await.unwrap_err();

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
    let two = Fleet {
        members: vec![
            member("a", fake(), cache.path()),
            member("b", fake(), cache.path()),
        ],
    };
    let note = super::run::shared_machine(&two).await.unwrap();
    assert!(
        note.contains("engines a and b run on the same host (fake-host)"),
        "{note}"
    );
    let one = Fleet {
        members: vec![
            member("a", fake(), cache.path()),
            member("gone", None, cache.path()),
        ],
    };
    assert_eq!(super::run::shared_machine(&one).await, None);
}

#[tokio::test]
async fn an_unreachable_engine_fails_alone_and_the_others_finish() {
    let cache = tempfile::tempdir().unwrap();
    let a = FakeEngine::new(ok_for_all);
    let mut fleet = Fleet {
        members: vec![
            member("laptop", Some(a.clone()), cache.path()),
            member("arm", None, cache.path()),
        ],
    };
    give_images(fleet.first_ready().unwrap(), &a).await;
    let json = cache.path().join("gil.json");
    let jobs = jobs(fleet.first_ready().unwrap(), &run_args("gil", &json));

    let e = run_on(&mut fleet, &jobs).await.unwrap_err();

    assert!(
        e.to_string().contains("1 of 2 engine(s) had failures"),
        "{e}"
    );
    assert!(cache.path().join("gil.laptop.json").exists());
    assert!(!cache.path().join("gil.arm.json").exists());
    assert!(!a.runs().is_empty());
}

#[test]
fn each_engine_says_how_it_gets_its_images_and_docker_hosts_only_what_it_does() {
    let missing = Holdings {
        missing: vec!["ns/pythons:3.14.7".into()],
        stages: false,
        arch: "x86_64".into(),
    };
    let fresh = Holdings {
        missing: vec![],
        stages: true,
        arch: "x86_64".into(),
    };
    let say = |engine, supply, h: &Holdings, build| announcement(engine, supply, h, "main", build);
    assert_eq!(
        say("second", Supply::Ready, &fresh, false).as_deref(),
        Some("engine second: images present")
    );
    assert_eq!(say("", Supply::Ready, &fresh, false), None);
    assert_eq!(say("", Supply::Build, &fresh, true), None);
    assert_eq!(
        say("", Supply::Build, &missing, false).as_deref(),
        Some("images are missing or out of date (ns/pythons:3.14.7); building them first")
    );
    assert_eq!(
        say("second", Supply::Carry { from: 0 }, &missing, false).as_deref(),
        Some("engine second: images missing: carrying them from main (no compiling): ns/pythons:3.14.7")
    );
    assert_eq!(
        say("b", Supply::Build, &missing, false).as_deref(),
        Some("engine b: images missing: building them there (ns/pythons:3.14.7)")
    );
    let checked = say("a", Supply::Build, &fresh, true).unwrap();
    assert!(checked.contains("building to check them"), "{checked}");
    let carried = say("a", Supply::Ready, &fresh, true).unwrap();
    assert!(carried.contains("nothing to build"), "{carried}");
}

#[tokio::test]
async fn a_package_is_prepared_on_this_machine_before_any_image_is_built() {
    let cache = tempfile::tempdir().unwrap();
    let engine = FakeEngine::new(ok_for_all);
    let app = app_on(engine.clone(), cache.path());
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("pyproject.toml"),
        "[build-system]\nrequires = [\"no-such-requirement>=1\"]\n",
    )
    .unwrap();
    let args = crate::commands::ext::tests::ext_args(&[
        project.path().to_str().unwrap(),
        "--offline",
        "--out",
        cache.path().join("out").to_str().unwrap(),
    ]);
    let job = crate::commands::ext::prepare(&args, &app.plan, &app.project).unwrap();
    let needs = Needs::everything(&app.plan);
    let mut fleet = Fleet {
        members: vec![on("", app)],
    };

    let e = ext(&mut fleet, &job, &needs).await.unwrap_err().to_string();

    assert!(e.contains("no-such-requirement"), "{e}");
    assert!(
        engine.builds().is_empty(),
        "no image was built for a package that cannot be"
    );
    assert!(engine.runs().is_empty());
}
