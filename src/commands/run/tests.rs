//! The run loop through a fake engine: order, failures, timeouts, Ctrl-C and
//! the partial result file.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::cli::RunArgs;
use crate::commands::test_support::{app_on, interpreter_of, script_stdout};
use crate::docker::fake::{exited, FakeEngine};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

fn bench_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks")
}

fn args(benchmark: &str) -> RunArgs {
    RunArgs {
        benchmark: Some(benchmark.into()),
        ..RunArgs::default()
    }
}

fn ok_for_all(_: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    Ok(exited(0, &script_stdout(1.5), ""))
}

async fn measure(
    engine: Arc<FakeEngine>,
    mut a: RunArgs,
    json: Option<&std::path::Path>,
) -> (Report, bool, tempfile::TempDir) {
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(engine, cache.path());
    a.json = json.map(|p| p.to_path_buf());
    let (report, interrupted) = run_on(&app, &a).await;
    (report, interrupted, cache)
}

/// Prepares `a` and runs its rounds on `app`: the report and whether it was
/// interrupted.
async fn run_on(app: &crate::commands::App, a: &RunArgs) -> (Report, bool) {
    let job = prepare(a, &app.config, &app.plan, &app.project.benchmarks())
        .unwrap()
        .remove(0);
    let configs = matrix::configurations(&job.interpreters, &job.settings.benchmark, 2);
    let mut report = new_report(app, &job, &configs).await.unwrap();
    let interrupted = rounds::run_all(app, &job, &Default::default(), &configs, &mut report)
        .await
        .unwrap();
    (report, interrupted)
}

#[tokio::test]
async fn every_configuration_runs_once_per_round_in_the_same_order() {
    let engine = FakeEngine::new(ok_for_all);
    let mut a = args("gil");
    a.warmup_processes = Some(1);
    a.processes = Some(2);
    let (report, interrupted, _c) = measure(engine.clone(), a, None).await;
    assert!(!interrupted);
    let order: Vec<String> = engine.runs().iter().map(interpreter_of).collect();
    let names: Vec<String> = report.rows.iter().map(|r| r.interpreter.clone()).collect();
    // Four configurations at one thread, then the same four at two (the CPUs).
    assert_eq!(names.len(), 8, "{names:?}");
    assert_eq!(names[..4], names[4..]);
    let threads: Vec<Option<u32>> = report.rows.iter().map(|r| r.threads).collect();
    assert_eq!(threads, [[Some(1); 4], [Some(2); 4]].concat());
    let expected: Vec<String> = (0..3).flat_map(|_| names.clone()).collect();
    assert_eq!(order, expected);
    for row in &report.rows {
        assert_eq!(row.samples.len(), 3);
        assert_eq!(row.samples.iter().filter(|s| s.warmup).count(), 1);
        assert!(row.samples[0].warmup, "the warm-up comes first");
        assert_eq!(row.measured(), vec![1.5, 1.5]);
        assert!(matches!(row.outcome, Outcome::Ok));
        assert!(row.banner.is_some(), "the banner is kept");
    }
    assert_eq!(report.host.docker_version, "0.0-fake");
}

#[tokio::test]
async fn rows_record_their_builds_configure_flags() {
    let mut a = args("gil");
    a.processes = Some(1);
    a.threads = vec![1];
    let (report, _, _c) = measure(FakeEngine::new(ok_for_all), a, None).await;
    let flags: Vec<(&str, Option<String>)> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.interpreter.as_str(),
                r.configure_flags.as_ref().map(|f| f.join(" ")),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("system", None),
            ("3.13", Some(String::new())),
            ("3.13t", Some("--disable-gil".into())),
            ("3.13t -X gil=1", Some("--disable-gil".into())),
        ]
    );
    // And its typed identity, which charts group on.
    let forced = report.rows[3].build.as_ref().unwrap();
    assert_eq!(
        (forced.release.as_str(), forced.version.as_str()),
        ("3.13", "3.13.15")
    );
    assert_eq!(forced.options, crate::options::Variant::FREE_THREADED);
    assert_eq!(forced.mode, crate::domain::Mode::GilForced);
    assert!(report.rows[0].build.is_none());
}

#[tokio::test]
async fn a_failed_row_stops_alone_and_the_others_finish() {
    let engine = FakeEngine::new(|spec| {
        if interpreter_of(spec) == "3.13t" {
            Ok(exited(1, "", "Traceback\nMemoryError: boom\n"))
        } else {
            Ok(exited(0, &script_stdout(2.0), ""))
        }
    });
    let mut a = args("gil");
    a.processes = Some(3);
    a.threads = vec![1];
    let (report, _, _c) = measure(engine.clone(), a, None).await;
    let t = report
        .rows
        .iter()
        .find(|r| r.interpreter == "3.13t")
        .unwrap();
    match &t.outcome {
        Outcome::Failed {
            reason,
            stderr_tail,
        } => {
            assert_eq!(reason, "exit code 1");
            assert!(stderr_tail.contains("MemoryError: boom"));
        }
        other => panic!("{other:?}"),
    }
    let runs_of_t = engine
        .runs()
        .iter()
        .filter(|s| interpreter_of(s) == "3.13t")
        .count();
    assert_eq!(runs_of_t, 1, "a failed row is not run again");
    for row in report.rows.iter().filter(|r| r.interpreter != "3.13t") {
        assert_eq!(row.measured().len(), 3, "{}", row.interpreter);
    }
    let e = present::failures(&report).unwrap_err().to_string();
    assert!(e.contains("1 of 4 configurations failed: 3.13t"), "{e}");
}

#[tokio::test]
async fn a_timed_out_row_says_after_how_long() {
    let engine = FakeEngine::new(|spec| {
        let mut out = exited(0, &script_stdout(1.0), "");
        if interpreter_of(spec) == "3.13t -X gil=1" {
            out.timed_out = true;
            out.exit_code = 137;
        }
        Ok(out)
    });
    let mut a = args("gil");
    a.timeout = Some(7);
    a.processes = Some(3);
    let (report, _, _c) = measure(engine, a, None).await;
    let j = report
        .rows
        .iter()
        .find(|r| r.interpreter == "3.13t -X gil=1")
        .unwrap();
    assert!(
        matches!(j.outcome, Outcome::TimedOut { after_seconds } if after_seconds == 7.0),
        "{:?}",
        j.outcome
    );
    assert!(report
        .rows
        .iter()
        .filter(|r| r.interpreter != "3.13t -X gil=1")
        .all(|r| r.measured().len() == 3));
}

#[tokio::test]
async fn ctrl_c_keeps_finished_rounds_in_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let cache = tempfile::tempdir().unwrap();
    let engine = FakeEngine::new(ok_for_all);
    let app = app_on(engine.clone(), cache.path());
    let cancel = app.session.cancel.clone();
    // The 7th container (3rd of the second round) is where Ctrl-C arrives.
    *engine.on_run.lock().unwrap() = Some(Box::new(move |n| {
        if n == 7 {
            cancel.cancel();
        }
    }));
    let mut a = args("gil");
    a.processes = Some(3);
    a.threads = vec![1];
    a.json = Some(json.clone());
    let (report, interrupted) = run_on(&app, &a).await;
    assert!(interrupted);
    assert_eq!(engine.runs().len(), 7, "nothing starts after Ctrl-C");
    // The file holds the first round, complete, written before the second began.
    let saved: Report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(saved.rows.len(), 4);
    assert!(saved.rows.iter().all(|r| r.measured().len() == 1));
    assert!(
        saved.finished_at.is_none(),
        "a partial file says it is partial"
    );
    // In memory, the two runs of round two that ended are kept too.
    let in_memory: usize = report.rows.iter().map(|r| r.measured().len()).sum();
    assert_eq!(in_memory, 6);
}

#[tokio::test]
async fn a_daemon_error_stops_the_run_with_it() {
    let engine = FakeEngine::new(|_| {
        Err(DockerError::Api {
            op: "create a container".into(),
            message: "no space left on device".into(),
        })
    });
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(engine, cache.path());
    let job = prepare(
        &args("jit"),
        &app.config,
        &app.plan,
        &app.project.benchmarks(),
    )
    .unwrap()
    .remove(0);
    let configs = matrix::configurations(&job.interpreters, &job.settings.benchmark, 2);
    let mut report = new_report(&app, &job, &configs).await.unwrap();
    let e = rounds::run_all(&app, &job, &Default::default(), &configs, &mut report)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("no space left on device"), "{e}");
}

#[tokio::test]
async fn containers_carry_the_session_and_the_lockdown() {
    let engine = FakeEngine::new(ok_for_all);
    let (report, _, _c) = measure(engine.clone(), args("jit"), None).await;
    for spec in engine.runs() {
        assert_eq!(spec.session, report.session);
        assert_eq!(spec.user, "1000:1000");
        assert!(spec.mounts.iter().all(|m| m.read_only));
        assert!(spec.cmd.iter().any(|c| c == "jit.py"), "{:?}", spec.cmd);
    }
    let _ = Duration::ZERO;
}

#[test]
fn schedule_is_round_robin_with_warmups_first() {
    let s = rounds::schedule(2, 1, 2);
    let flat: Vec<(usize, u32, bool)> = s
        .iter()
        .flatten()
        .map(|x| (x.config, x.number, x.warmup))
        .collect();
    assert_eq!(
        flat,
        vec![
            (0, 1, true),
            (1, 1, true),
            (0, 1, false),
            (1, 1, false),
            (0, 2, false),
            (1, 2, false)
        ]
    );
    assert!(rounds::schedule(3, 0, 0).is_empty());
}

#[test]
fn arguments_are_checked_without_an_engine() {
    let cfg = crate::config::parse(
        crate::config::DEFAULT_YAML,
        &crate::config::Source::Embedded,
    )
    .unwrap();
    let plan = crate::plan::build_plan(&cfg).unwrap();
    let e = prepare(&args("gli"), &cfg, &plan, &bench_dir())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("unknown benchmark \"gli\""), "{e}");
    let mut a = args("gil");
    a.baseline = Some("3.99".into());
    let e = prepare(&a, &cfg, &plan, &bench_dir())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("baseline \"3.99\""), "{e}");
    let mut a = args("gil");
    a.interactive = true;
    let e = prepare(&a, &cfg, &plan, &bench_dir())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("--interactive is for `run uops` only"), "{e}");
}

#[tokio::test]
async fn a_script_sweep_keeps_what_it_printed_and_each_named_benchmark() {
    let engine = FakeEngine::new(|spec| {
        let workers = spec.cmd.iter().position(|a| a == "--workers");
        let n = workers.map(|i| spec.cmd[i + 1].clone()).unwrap_or_default();
        let stdout = format!(
            "====================\nFree Threading: unsupported\n====================\n\
             sorted with {n} workers\n\
             PYBENCH_RESULT {{\"schema\":2,\"kind\":\"script\",\"benchmarks\":[\
             {{\"name\":\"sort\",\"loops\":2,\"values\":[0.5,0.7]}},\
             {{\"name\":\"parse\",\"loops\":1,\"values\":[2.0]}}]}}\n"
        );
        Ok(exited(0, &stdout, "a warning\n"))
    });
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("b.py");
    std::fs::write(&script, "pass\n").unwrap();
    let mut a = args(script.to_str().unwrap());
    a.interpreters = vec!["3.13".into(), "3.13t".into()];
    a.processes = Some(2);
    a.threads = vec![1, 2];
    a.script_args = vec!["--workers".into(), "{threads}".into()];
    let (report, _, _c) = measure(engine.clone(), a, None).await;
    let workers: Vec<String> = engine
        .runs()
        .iter()
        .filter_map(|s| {
            s.cmd
                .iter()
                .position(|a| a == "--workers")
                .map(|i| s.cmd[i + 1].clone())
        })
        .collect();
    assert_eq!(workers, ["1", "1", "2", "2", "1", "1", "2", "2"]);
    assert!(
        engine.runs().iter().all(|s| s.cpuset.is_some()),
        "a sweep is pinned"
    );
    let labels: Vec<String> = report.rows.iter().map(|r| r.label()).collect();
    assert_eq!(labels, ["3.13 ×1", "3.13t ×1", "3.13 ×2", "3.13t ×2"]);
    let sample = &report.rows[2].samples[0];
    let output = sample.output.as_ref().expect("the script's output is kept");
    assert_eq!(output.stdout, "sorted with 2 workers");
    assert_eq!(output.stderr, "a warning");
    assert_eq!(sample.metrics.len(), 2);
    let shown = present::script_outputs(&report);
    assert!(shown.contains("▶ 3.13t ×2 printed (process 1 of 2):\n  [stdout]\n  sorted with 2 workers\n  [stderr]\n  a warning\n"), "{shown}");
    let parts = crate::report::split::split(&report);
    let parse = &parts[1].1;
    assert_eq!(parse.benchmark, "b.py:parse");
    assert_eq!(parse.rows[3].measured(), [2.0, 2.0]);
    assert!(
        !parse.scaling,
        "without --work-per-thread the work is fixed"
    );
}

#[tokio::test]
async fn per_version_rows_name_their_own_stock_build() {
    let engine = FakeEngine::new(ok_for_all);
    let mut a = args("gil");
    a.processes = Some(1);
    a.threads = vec![1];
    a.baseline = Some("per-version".into());
    let (report, _, _c) = measure(engine, a, None).await;
    let pairs: Vec<(String, Option<String>)> = report
        .rows
        .iter()
        .map(|r| (r.interpreter.clone(), r.baseline.clone()))
        .collect();
    assert!(
        pairs.iter().all(|(_, b)| b.as_deref() == Some("3.13")),
        "{pairs:?}"
    );
    let base = report
        .rows
        .iter()
        .find(|r| r.interpreter == "3.13t")
        .unwrap();
    assert_eq!(
        report.rows[report.baseline_for(base).unwrap()].interpreter,
        "3.13"
    );
    let text = crate::report::render_table(&report, false);
    assert!(text.contains("its own version's stock build"), "{text}");
}

#[tokio::test]
async fn pyperformance_runs_its_benchmarks_in_each_container_against_each_version() {
    let engine = FakeEngine::new(|spec| {
        let line = "PYBENCH_RESULT {\"schema\":2,\"kind\":\"pyperformance\",\"benchmarks\":[\
             {\"name\":\"nbody\",\"loops\":4,\"values\":[0.1,0.12]}],\
             \"skipped\":[{\"name\":\"float\",\"reason\":\"exit code 1: boom\"}]}";
        let stdout = format!("====================\nx\n====================\n{line}\n");
        assert!(
            spec.cmd.ends_with(&[
                "chameleon".into(),
                "float".into(),
                "nbody".into(),
                "--".into(),
                "--fast".into()
            ]),
            "{:?}",
            spec.cmd
        );
        Ok(exited(0, &stdout, ""))
    });
    let mut a = args("pyperformance");
    a.benchmarks = vec!["nbody".into(), "float".into(), "chameleon".into()];
    a.script_args = vec!["--fast".into()];
    a.processes = Some(2);
    let (report, _, _c) = measure(engine.clone(), a, None).await;
    let spec = &engine.runs()[0];
    let mounts: Vec<&str> = spec.mounts.iter().map(|m| m.container.as_str()).collect();
    assert!(
        mounts.contains(&"/opt/wheels/pyperformance-1.14.0-py3-none-any.whl"),
        "{mounts:?}"
    );
    assert!(spec.mounts.iter().all(|m| m.read_only));
    assert!(spec
        .env
        .iter()
        .any(|(k, v)| k == "PYTHONPATH" && v.ends_with("pyperf-2.11.0-py3-none-any.whl")));
    let names: Vec<&str> = report.rows.iter().map(|r| r.interpreter.as_str()).collect();
    assert_eq!(
        names,
        ["3.13", "3.13t", "3.13j"],
        "every build, no runtime switch"
    );
    assert_eq!(report.baseline, "per-version");
    let parts = crate::report::split::split(&report);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].1.benchmark, "pyperformance:nbody");
    assert!(
        present::skipped_notes(&report).contains(&"float on 3.13t: exit code 1: boom".to_string())
    );
}

#[tokio::test]
async fn pyperformance_containers_get_their_builds_packages() {
    use super::pyperformance_deps::{Deps, InterpreterDeps};
    let engine = FakeEngine::new(|_| {
        let line = "PYBENCH_RESULT {\"schema\":2,\"kind\":\"pyperformance\",\"benchmarks\":[\
             {\"name\":\"nbody\",\"loops\":4,\"values\":[0.1,0.12]}],\"skipped\":[]}";
        Ok(exited(0, &format!("{line}\n"), ""))
    });
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(engine.clone(), cache.path());
    let mut a = args("pyperformance");
    a.benchmarks = vec!["nbody".into(), "chameleon".into()];
    a.processes = Some(1);
    let job = prepare(&a, &app.config, &app.plan, &app.project.benchmarks())
        .unwrap()
        .remove(0);
    let configs = matrix::configurations(&job.interpreters, &job.settings.benchmark, 2);
    let mut report = new_report(&app, &job, &configs).await.unwrap();
    let deps: Deps = [(
        "3.13t".to_string(),
        InterpreterDeps {
            site: Some("/cache/pyperformance-site/3.13t-abc".into()),
            unavailable: vec![("chameleon".into(), "no wheel of chameleon for 3.13t".into())],
        },
    )]
    .into();
    rounds::run_all(&app, &job, &deps, &configs, &mut report)
        .await
        .unwrap();
    for spec in engine.runs() {
        let free_threaded = crate::commands::test_support::interpreter_of(&spec) == "3.13t";
        let site = spec.mounts.iter().find(|m| m.container == "/opt/site");
        assert_eq!(site.is_some(), free_threaded);
        assert!(site.is_none_or(|m| m.read_only && m.host.ends_with("3.13t-abc")));
        let env = |k: &str| {
            spec.env
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            env("PYTHONPATH").unwrap().ends_with(":/opt/site"),
            free_threaded
        );
        assert_eq!(
            env("PYBENCH_UNAVAILABLE").is_some_and(|v| v.contains("no wheel of chameleon")),
            free_threaded
        );
    }
}

#[tokio::test]
async fn a_script_timed_whole_is_said_to_give_one_value_per_process() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("whole.py");
    std::fs::write(&script, "pass\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(FakeEngine::new(ok_for_all), cache.path());
    let mut a = args(script.to_str().unwrap());
    a.interpreters = vec!["3.13".into(), "3.13t".into()];
    a.processes = Some(3);
    let job = prepare(&a, &app.config, &app.plan, &app.project.benchmarks())
        .unwrap()
        .remove(0);
    assert!(job.settings.sampling.values > 1 && job.settings.sampling.warmups > 0);

    let (report, _) = super::measure(&app, &job, &Default::default())
        .await
        .unwrap();

    assert_eq!(
        (report.values, report.warmup_values, report.min_time),
        (1, 0, 0.0)
    );
    assert_eq!(
        crate::report::format::repetitions(&report),
        "3 processes × 1 value each"
    );
}

#[tokio::test]
async fn a_script_with_the_harness_keeps_the_counts_its_processes_gave() {
    let engine = FakeEngine::new(|_| {
        let line = "PYBENCH_RESULT {\"schema\":2,\"kind\":\"script\",\"benchmarks\":[\
                    {\"loops\":4,\"values\":[0.5,0.7,0.6],\"warmups\":[0.9],\"host\":{}}]}";
        Ok(exited(0, &format!("{line}\n"), ""))
    });
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("harnessed.py");
    std::fs::write(&script, "pass\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(engine, cache.path());
    let mut a = args(script.to_str().unwrap());
    a.interpreters = vec!["3.13".into()];
    a.processes = Some(2);
    a.min_time = Some(0.25);
    let job = prepare(&a, &app.config, &app.plan, &app.project.benchmarks())
        .unwrap()
        .remove(0);

    let (report, _) = super::measure(&app, &job, &Default::default())
        .await
        .unwrap();

    assert_eq!(
        (report.values, report.warmup_values, report.min_time),
        (3, 1, 0.25)
    );
}

#[test]
fn the_configured_baseline_gives_way_to_the_runs_first_stock_build_and_says_so() {
    let cfg = crate::config::parse(
        crate::config::DEFAULT_YAML,
        &crate::config::Source::Embedded,
    )
    .unwrap();
    let plan = crate::plan::build_plan(&cfg).unwrap();
    assert_eq!(cfg.benchmarks.baseline, "3.13");
    let chosen = |names: &[&str], baseline: Option<&str>| {
        let mut a = args("gil");
        a.interpreters = names.iter().map(|n| n.to_string()).collect();
        a.baseline = baseline.map(String::from);
        prepare(&a, &cfg, &plan, &bench_dir()).map(|mut jobs| jobs.remove(0))
    };
    let job = chosen(&["3.14t", "3.14"], None).unwrap();
    assert_eq!(
        job.settings.baseline, "3.14",
        "the stock build, not the first"
    );
    assert_eq!(
        job.baseline_note.as_deref(),
        Some("baseline 3.14 (the configured 3.13 is not in this run; --baseline chooses another)")
    );
    let job = chosen(&["3.14t", "3.14t -X gil=1"], None).unwrap();
    assert_eq!(job.settings.baseline, "3.14t", "no stock build: the first");
    let job = chosen(&["3.14", "3.13t", "3.13"], None).unwrap();
    assert_eq!(
        job.settings.baseline, "3.13",
        "the configured one when present"
    );
    assert_eq!(job.baseline_note, None);
    // Named on the command line, it must be there.
    let e = chosen(&["3.14", "3.14t"], Some("3.13"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("the baseline \"3.13\" is not among"), "{e}");
}

#[test]
fn a_pyperf_scripts_own_calibration_claims_no_least_time_and_varying_counts_no_count() {
    let mut report = crate::report::fixture::report();
    report.min_time = 0.1;
    for s in report.rows.iter_mut().flat_map(|r| r.samples.iter_mut()) {
        s.host = None;
        s.values = vec![0.5; 60];
        s.warmups = vec![];
    }
    record_what_the_processes_did(&mut report);
    assert_eq!(
        (report.values, report.warmup_values, report.min_time),
        (60, 0, 0.0)
    );
    report.rows[0].samples[0].values.pop();
    record_what_the_processes_did(&mut report);
    assert_eq!(report.values, 0);
    let said = crate::report::format::repetitions(&report);
    assert!(said.ends_with(" each") && !said.contains("value"), "{said}");
}

/// ftscalingbench's machine line with two patterns: `fast` takes the same
/// time per call at one thread and at two, `locked` three times as long at
/// two.
fn ftscaling_line(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // The machine's speed changes from round to round (4 containers each),
    // and a little from container to container.
    let speed = (1.0 + 0.07 * (n / 4 % 5) as f64) * (1.0 + 0.005 * (n % 3) as f64);
    let two = spec.cmd.windows(2).any(|w| w == ["--threads", "2"]);
    let (fast, locked) = match two {
        true => (0.0101 * speed, 0.03 * speed),
        false => (0.01 * speed, 0.01 * speed),
    };
    let line = format!(
        "PYBENCH_RESULT {{\"schema\":2,\"kind\":\"ftscalingbench\",\"skipped\":[],\"benchmarks\":[\
         {{\"name\":\"fast\",\"loops\":1,\"values\":[{fast}],\"host\":{{}}}},\
         {{\"name\":\"locked\",\"loops\":1,\"values\":[{locked}],\"host\":{{}}}}]}}"
    );
    Ok(exited(0, &format!("{line}\n"), ""))
}

#[tokio::test]
async fn ftscalingbench_mounts_each_builds_script_and_reports_each_pattern() {
    let cache = tempfile::tempdir().unwrap();
    let engine = FakeEngine::new(ftscaling_line);
    let app = crate::commands::test_support::app_with_yaml(
        crate::config::DEFAULT_YAML,
        engine.clone(),
        cache.path(),
    );
    let tree = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ftscaling");
    let mut a = args("ftscalingbench");
    a.script_from = Some(tree.display().to_string());
    a.interpreters = vec!["3.14".into(), "3.14t".into()];
    a.threads = vec![2];
    a.processes = Some(4);
    let job = settings::prepare_in(&a, &app.config, &app.plan, &bench_dir(), cache.path())
        .unwrap()
        .remove(0);
    assert_eq!(job.settings.baseline, "per-version");
    let (report, _) = super::measure(&app, &job, &Default::default())
        .await
        .unwrap();

    for spec in engine.runs() {
        let mount = spec
            .mounts
            .iter()
            .find(|m| m.container == "/ftscalingbench")
            .expect("the script's folder is mounted");
        assert!(mount.read_only);
        assert!(std::path::Path::new(&mount.host)
            .join("ftscalingbench.py")
            .is_file());
        assert_eq!(
            spec.cmd[1..3],
            ["ftscaling.py", "/ftscalingbench/ftscalingbench.py"]
        );
    }
    assert_eq!(
        engine.runs().len(),
        16,
        "2 builds × 2 thread counts × 4 rounds"
    );
    let script = report.rows[0].source_script.as_ref().unwrap();
    assert!(
        script.origin.starts_with("the tree ") && script.origin.ends_with("fixtures/ftscaling")
    );
    let parts = crate::report::split::split(&report);
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["fast", "locked"]);
    assert!(parts
        .iter()
        .all(|(_, p)| p.part_of.as_deref() == Some("ftscalingbench")));
    let lines = crate::report::scaling::lines(&parts);
    let status = |pattern: &str, label: &str| {
        lines
            .iter()
            .find(|l| l.pattern == pattern && l.label == label)
            .and_then(|l| l.status)
    };
    use crate::analysis::scaling::ScalingStatus;
    assert_eq!(status("fast", "3.14t ×2"), Some(ScalingStatus::Scales));
    assert_eq!(
        status("locked", "3.14t ×2"),
        Some(ScalingStatus::ScalesBadly)
    );
}
