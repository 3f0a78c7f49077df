//! `ext PACKAGE` in containers: per interpreter build, pip builds and
//! installs the wheel in the builder image; the runtime image imports each
//! extension module in its own process (and runs the smoke code); with
//! `--tests`, a third container runs the package's own tests, plainly and
//! in threads. Every container without network.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::StreamExt;

use super::graph::{graph_arg, judge_graph, read_graph};
use super::package::PackageJob;
use super::package_host::{package_interpreters, Prepared};
use super::readiness::{judge, read_build, read_check};
use super::suite::{read_tests, tests_args, tests_budget, threads_for, TestsJob, TESTS_MOUNT};
use super::tsan::{self, judge_races, read_tsan_log, sanitized, Sanitized};
use crate::commands::runner::{self, ScriptRun};
use crate::commands::App;
use crate::docker::BindMount;
use crate::plan::Interpreter;
use crate::results::{
    BuildOutcome, ImportGraph, ModuleCheck, PackageResult, SmokeOutcome, TestsOutcome, TsanOutcome,
};
use crate::wheels::PIP;

/// Every interpreter's build and check, as many at a time as the engine has CPUs.
pub(super) async fn check_everywhere(
    app: &App,
    job: &PackageJob,
    prepared: &Prepared,
    staging: &Path,
) -> Result<Vec<PackageResult>> {
    let interpreters = package_interpreters(&app.plan);
    let task = app
        .progress
        .counter("ext", interpreters.len() as u64, false);
    let parallel = app.engine.host_facts().await.cpus.max(1) as usize;
    let timeout = Duration::from_secs(job.timeout.unwrap_or(app.config.containers.timeout_seconds));
    let cpus = app.engine.host_facts().await.cpus;
    let shared = Shared {
        app,
        job,
        staging,
        timeout,
        threads: threads_for(job.tests.as_ref().and_then(|t| t.threads), cpus),
    };
    let mut done = 0;
    let mut results = Vec::new();
    let mut runs = futures_util::stream::iter(
        interpreters
            .into_iter()
            .map(|i| one_interpreter(&shared, prepared, i)),
    )
    .buffered(parallel);
    while let Some(r) = runs.next().await {
        let r = r?;
        done += 1;
        task.step(format!("{}: {}", r.interpreter, r.readiness.words()));
        task.set_position(done);
        results.push(r);
    }
    task.finish(format!("{} interpreters", results.len()));
    Ok(results)
}

/// What a builder container of a package reads and writes: the project and
/// the wheelhouse read-only, pip's wheel, the staging folder as /out.
pub(super) fn builder_mounts(app: &App, prepared: &Prepared, staging: &Path) -> Vec<BindMount> {
    vec![
        mount(&prepared.project, "/src", true),
        mount(&prepared.wheelhouse, "/wheelhouse", true),
        mount(&PIP.cached(&app.cache), &PIP.in_container(), true),
        mount(staging, "/out", false),
    ]
}

fn mount(host: &Path, container: &str, read_only: bool) -> BindMount {
    BindMount {
        host: host.display().to_string(),
        container: container.into(),
        read_only,
    }
}

/// What every interpreter's containers share.
pub(super) struct Shared<'a> {
    app: &'a App,
    job: &'a PackageJob,
    staging: &'a Path,
    timeout: Duration,
    /// Threads each test runs in for --tests.
    threads: u32,
}

impl<'a> Shared<'a> {
    pub(super) fn new(
        app: &'a App,
        job: &'a PackageJob,
        staging: &'a Path,
        timeout: Duration,
        threads: u32,
    ) -> Shared<'a> {
        Shared {
            app,
            job,
            staging,
            timeout,
            threads,
        }
    }
}

/// Build, install and check on one interpreter.
pub(super) async fn one_interpreter(
    shared: &Shared<'_>,
    prepared: &Prepared,
    interp: &Interpreter,
) -> Result<PackageResult> {
    let Shared {
        app,
        staging,
        timeout,
        ..
    } = *shared;
    let release = app
        .plan
        .releases
        .iter()
        .find(|r| r.variants.iter().any(|v| v.label() == interp.name))
        .context("an interpreter without a release")?;
    let work = format!("/out/{}", interp.slug());
    let scripts = app.project.c_extension();
    let sanitizer =
        (app.plan.variant_build_of(interp)).and_then(|b| sanitized(b, &release.builder));
    let rust = prepared.rust.as_ref();
    let (rust_mounts, rust_env) = super::rust::for_step(rust, &staging.join(interp.slug()), &work)?;
    let mut extra_env = sanitizer
        .as_ref()
        .map(|s| s.build_env.clone())
        .unwrap_or_default();
    extra_env.extend(rust_env);
    let mut extra_mounts = builder_mounts(app, prepared, staging);
    extra_mounts.extend(rust_mounts);
    let build_run = ScriptRun {
        interpreter: interp,
        dir: &scripts,
        script: "check_package.py".into(),
        args: build_args(&work, &prepared.test_requires),
        extra_env,
        extra_mounts,
        image: Some(super::rust::build_image(rust, &release.builder)),
        timeout,
        what: "wheel",
        cpuset: None,
    };
    let build = read_build(&runner::run_script(app, &build_run).await?);
    let free_threaded = interp.variant.is_some_and(|v| v.is_free_threaded());
    let (modules, smoke, graph, tests, tsan) =
        check_built(shared, interp, &work, &build, sanitizer.as_ref()).await?;
    let verdict = judge(
        &build,
        &modules,
        smoke.as_ref(),
        tests.as_ref(),
        free_threaded,
    );
    let verdict = judge_graph(verdict, graph.as_ref(), &build, free_threaded);
    let (readiness, why) = judge_races(verdict, tsan.as_ref());
    Ok(PackageResult {
        interpreter: interp.name.clone(),
        free_threaded,
        build,
        modules,
        smoke,
        tests,
        graph,
        tsan,
        readiness,
        why,
    })
}

/// What the checks of a built package found: the imports, the smoke run and
/// the graph; its tests; on a sanitizer build, TSan's reports of them all.
type Found = (
    Vec<ModuleCheck>,
    Option<SmokeOutcome>,
    Option<ImportGraph>,
    Option<TestsOutcome>,
    Option<TsanOutcome>,
);

/// The checks of a build (nothing when it did not build), each step's TSan
/// log gathered on a sanitizer build.
async fn check_built(
    shared: &Shared<'_>,
    interp: &Interpreter,
    work: &str,
    build: &BuildOutcome,
    sanitizer: Option<&Sanitized>,
) -> Result<Found> {
    if !build.built {
        return Ok((vec![], None, None, None, None));
    }
    let mut logs = vec![];
    let ((modules, smoke, graph), log) = run_check(shared, interp, work, build, sanitizer).await?;
    logs.push(("imports and smoke", log));
    // The tests need the package imported: after a failed import they would only repeat it.
    let importable = modules.iter().all(|m| m.imported && m.signal.is_none());
    let tests = match &shared.job.tests {
        Some(tests) if importable => {
            let (outcome, log) = run_tests(shared, tests, interp, work, sanitizer).await?;
            logs.push(("tests", log));
            Some(outcome)
        }
        _ => None,
    };
    let tsan = sanitizer.map(|_| tsan::outcome(&logs, &build.modules, work));
    Ok((modules, smoke, graph, tests, tsan))
}

type Checked = (Vec<ModuleCheck>, Option<SmokeOutcome>, Option<ImportGraph>);

/// Each extension module imported alone, the package whole, the smoke run:
/// in the interpreter's own image, reading the build's folder only.
async fn run_check(
    shared: &Shared<'_>,
    interp: &Interpreter,
    work: &str,
    build: &BuildOutcome,
    sanitizer: Option<&Sanitized>,
) -> Result<(Checked, String)> {
    let scripts = shared.app.project.c_extension();
    let job = shared.job;
    let mut args = check_args(
        work,
        &build.modules,
        job.smoke.as_deref(),
        job.smoke_threads,
    );
    args.extend(graph_arg(build));
    let check_run = ScriptRun {
        interpreter: interp,
        dir: &scripts,
        script: "check_package.py".into(),
        args,
        extra_env: sanitizer.map(|s| s.run_env.clone()).unwrap_or_default(),
        extra_mounts: vec![mount(shared.staging, "/out", true)],
        image: sanitizer.map(|s| s.run_image.clone()),
        timeout: shared.timeout,
        what: "import",
        cpuset: None,
    };
    let out = runner::run_script(shared.app, &check_run).await?;
    let (modules, smoke) = read_check(&out)
        .map_err(|why| anyhow::anyhow!("checking the package on {}: {why}", interp.name))?;
    Ok(((modules, smoke, read_graph(&out)), read_tsan_log(&out)))
}

/// The package's own tests on one interpreter, in its runtime image,
/// reading the build's folder only (and `--tests PATH`, read-only).
async fn run_tests(
    shared: &Shared<'_>,
    tests: &TestsJob,
    interp: &Interpreter,
    work: &str,
    sanitizer: Option<&Sanitized>,
) -> Result<(TestsOutcome, String)> {
    let scripts = shared.app.project.c_extension();
    let mut mounts = vec![mount(shared.staging, "/out", true)];
    if let Some(path) = &tests.path {
        // A file is run from its folder, whose conftest.py it may need.
        let folder = if path.is_file() {
            path.parent().unwrap_or(path)
        } else {
            path
        };
        mounts.push(mount(folder, TESTS_MOUNT, true));
    }
    let run = ScriptRun {
        interpreter: interp,
        dir: &scripts,
        script: "check_package.py".into(),
        args: tests_args(work, shared.threads, tests_budget(shared.timeout), tests),
        extra_env: sanitizer.map(|s| s.run_env.clone()).unwrap_or_default(),
        extra_mounts: mounts,
        image: sanitizer.map(|s| s.run_image.clone()),
        timeout: shared.timeout,
        what: "tests",
        cpuset: None,
    };
    let out = runner::run_script(shared.app, &run).await?;
    Ok((read_tests(&out), read_tsan_log(&out)))
}

/// The arguments every check_package.py step that runs pip takes: the
/// step's name, pip's wheel, the sources, the work folder and the
/// wheelhouse, as the builder container mounts them. Pure.
pub fn step_args(step: &str, work: &str) -> Vec<String> {
    [
        step,
        "--pip",
        &PIP.in_container(),
        "--src",
        "/src",
        "--work",
        work,
        "--wheelhouse",
        "/wheelhouse",
    ]
    .map(String::from)
    .to_vec()
}

/// check_package.py's build arguments; the tests' requirements are
/// installed beside the package when there are any. Pure.
pub fn build_args(work: &str, test_requires: &[String]) -> Vec<String> {
    let mut args = step_args("build", work);
    for requirement in test_requires {
        args.push(format!("--test-requires={requirement}"));
    }
    args
}

/// check_package.py's check arguments. Pure.
pub fn check_args(
    work: &str,
    modules: &[String],
    smoke: Option<&str>,
    threads: u32,
) -> Vec<String> {
    let mut args: Vec<String> = ["check", "--work", work, "--modules", &modules.join(",")]
        .map(String::from)
        .to_vec();
    if let Some(code) = smoke {
        args.extend([
            "--smoke-threads".into(),
            threads.to_string(),
            format!("--smoke={code}"),
        ]);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_support::{app_on, interpreter_of};
    use crate::docker::fake::{exited, FakeEngine};
    use crate::docker::{ContainerOutput, ContainerSpec, DockerError};
    use crate::results::Readiness;

    const RUN_OK: &str = r#"{"passed":2,"skipped":0,"failed":[],"threads":THREADS,"exit_code":0,"signal":null,"seconds":0.5,"output":""}"#;
    const RUN_RACY: &str = r#"{"passed":1,"skipped":0,"failed":[{"test":"tests/test_render.py::test_render_round_trips","message":"AssertionError: assert '17' == '1042'","reruns":3,"failed_reruns":3}],"threads":THREADS,"exit_code":1,"signal":null,"seconds":0.5,"output":"..."}"#;

    /// The three steps as check_package.py answers them for a package
    /// whose tests race only without the GIL.
    fn racy_package(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
        let ft = interpreter_of(spec).ends_with('t');
        let step = spec
            .cmd
            .iter()
            .find(|a| ["build", "check", "tests"].contains(&a.as_str()));
        let line = match step.map(String::as_str) {
            Some("build") => r#"{"built":true,"stage":null,"wheel":"pb-1.0-cp313-cp313-linux_x86_64.whl","tags":["cp313-cp313-linux_x86_64"],"modules":["pb_racy"],"missing":null,"log":""}"#.to_string(),
            Some("check") => format!(
                r#"{{"modules":[{{"module":"pb_racy","imported":true,"gil_before":{b},"gil_after":{b},"warnings":[],"error":null,"missing":null,"signal":null,"exit_code":0}}],"smoke":null}}"#,
                b = !ft
            ),
            _ => {
                let threads = spec.cmd.iter().skip_while(|a| *a != "--threads").nth(1).unwrap();
                let parallel = if ft { RUN_RACY } else { RUN_OK };
                format!(
                    r#"{{"gil_forced_off":{ft},"plain":{},"parallel":{}}}"#,
                    RUN_OK.replace("THREADS", "1"),
                    parallel.replace("THREADS", threads)
                )
            }
        };
        Ok(exited(0, &format!("PYBENCH_RESULT {line}\n"), ""))
    }

    #[tokio::test]
    async fn tests_run_after_the_import_and_a_race_only_under_threads_is_named() {
        let engine = FakeEngine::new(racy_package);
        let cache = tempfile::tempdir().unwrap();
        let app = app_on(engine.clone(), cache.path());
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join("setup.py"), "").unwrap();
        let args = super::super::tests::ext_args(&[
            project.path().to_str().unwrap(),
            "--tests",
            "--",
            "-k",
            "render",
        ]);
        let source = crate::packages::source::classify(args.path(), None).unwrap();
        let job = super::super::package::prepare(&args, source).unwrap();
        let prepared = Prepared {
            project: project.path().to_path_buf(),
            described: "pb".into(),
            wheelhouse: cache.path().to_path_buf(),
            wheelhouse_files: vec![],
            requires: vec![],
            test_requires: vec!["pytest".into(), "pytest-run-parallel".into()],
            dependencies: vec![],
            notes: vec![],
            rust: None,
        };
        let results = check_everywhere(&app, &job, &prepared, cache.path())
            .await
            .unwrap();
        let verdicts: Vec<(&str, Readiness)> = results
            .iter()
            .map(|r| (r.interpreter.as_str(), r.readiness))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("3.13", Readiness::Ready),
                ("3.13t", Readiness::ThreadUnsafe),
                ("3.13j", Readiness::Ready)
            ]
        );
        assert!(
            results[1].why.starts_with("passes plainly, fails in 4 threads, GIL off: tests/test_render.py::test_render_round_trips"),
            "{}",
            results[1].why
        );
        assert_eq!(
            results[0].tests.as_ref().unwrap().summary(),
            "2/2 plain · 2/2 ×4"
        );
        // Three containers per build; the tests in the runtime image reading /out
        // only, at least 4 threads on a 2-CPU engine, pytest's own arguments last.
        let runs = engine.runs();
        assert_eq!(runs.len(), 9);
        for spec in &runs {
            if spec.cmd.iter().any(|a| a == "build") {
                assert!(spec
                    .cmd
                    .iter()
                    .any(|a| a == "--test-requires=pytest-run-parallel"));
            }
            if !spec.cmd.iter().any(|a| a == "tests") {
                continue;
            }
            assert!(!spec.image.contains("builder"), "{}", spec.image);
            assert!(spec.mounts.iter().all(|m| m.read_only), "{:?}", spec.mounts);
            let tail: Vec<&str> = spec
                .cmd
                .iter()
                .rev()
                .take(7)
                .rev()
                .map(String::as_str)
                .collect();
            // The pytest runs' budget: the container's 900 s timeout less a margin.
            assert_eq!(
                tail,
                ["--threads", "4", "--budget", "840", "--", "-k", "render"]
            );
        }
    }

    /// The steps of a sanitizer build as check_package.py answers them, the
    /// check and tests steps with a recorded TSan log of pb_racy.
    fn racy_under_tsan(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
        let log =
            serde_json::to_string(include_str!("../../../tests/fixtures/tsan/racy.log")).unwrap();
        let step = spec
            .cmd
            .iter()
            .find(|a| ["build", "check", "tests"].contains(&a.as_str()));
        let line = match step.map(String::as_str) {
            Some("build") => r#"{"built":true,"stage":null,"wheel":"pb_racy-1.0-cp314-cp314t-linux_x86_64.whl","tags":["cp314-cp314t-linux_x86_64"],"modules":["pb_racy"],"missing":null,"log":""}"#.to_string(),
            Some("check") => r#"{"modules":[{"module":"pb_racy","imported":true,"gil_before":false,"gil_after":false,"warnings":[],"error":null,"missing":null,"signal":null,"exit_code":0}],"smoke":null,"tsan_log":""}"#.to_string(),
            _ => format!(
                r#"{{"gil_forced_off":true,"plain":{},"parallel":{},"tsan_log":{log}}}"#,
                RUN_OK.replace("THREADS", "1"),
                RUN_RACY.replace("THREADS", "4")
            ),
        };
        Ok(exited(0, &format!("PYBENCH_RESULT {line}\n"), ""))
    }

    #[tokio::test]
    async fn a_sanitizer_build_compiles_with_tsan_runs_in_its_builder_and_names_the_race() {
        use crate::config::{parse, Source, DEFAULT_YAML};
        let engine = FakeEngine::new(racy_under_tsan);
        let cache = tempfile::tempdir().unwrap();
        let config =
            super::super::tsan::thread_sanitized(&parse(DEFAULT_YAML, &Source::Embedded).unwrap())
                .unwrap();
        let plan = crate::plan::build_plan(&config).unwrap();
        let project_dir =
            crate::project::Project::locate(Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))))
                .unwrap();
        let mut app = App::new(config, plan, project_dir, engine.clone());
        app.cache = cache.path().to_path_buf();
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join("setup.py"), "").unwrap();
        let args =
            super::super::tests::ext_args(&[project.path().to_str().unwrap(), "--tsan", "--tests"]);
        let source = crate::packages::source::classify(args.path(), None).unwrap();
        let job = super::super::package::prepare(&args, source).unwrap();
        let prepared = Prepared {
            project: project.path().to_path_buf(),
            described: "pb".into(),
            wheelhouse: cache.path().to_path_buf(),
            wheelhouse_files: vec![],
            requires: vec![],
            test_requires: vec![],
            dependencies: vec![],
            notes: vec![],
            rust: None,
        };
        let results = check_everywhere(&app, &job, &prepared, cache.path())
            .await
            .unwrap();
        let verdicts: Vec<(&str, Readiness)> = results
            .iter()
            .map(|r| (r.interpreter.as_str(), r.readiness))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("3.13tsan", Readiness::DataRace),
                ("3.14tsan", Readiness::DataRace)
            ]
        );
        let r = &results[1];
        assert!(r.why.starts_with("ThreadSanitizer: "), "{}", r.why);
        assert!(
            r.why.contains("; and passes plainly, fails in 4 threads"),
            "{}",
            r.why
        );
        let tsan = r.tsan.as_ref().unwrap();
        assert!(
            tsan.log.starts_with("== tests ==\n"),
            "the check step logged nothing"
        );
        assert!(tsan.package_races().count() >= 1);
        // Every container of a build has TSAN_OPTIONS; the wheel's compile
        // has -fsanitize=thread; all run in the build's builder image (its
        // symbolizer), never the runtime image.
        let runs = engine.runs();
        assert_eq!(runs.len(), 6);
        for spec in &runs {
            let interp = interpreter_of(spec);
            let version = if interp.starts_with("3.13") {
                "3.13.15"
            } else {
                "3.14.7"
            };
            assert_eq!(spec.image, format!("pybench-docker/builder:{version}-tsan"));
            let env = |k: &str| {
                spec.env
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            let options = env("TSAN_OPTIONS").unwrap();
            assert!(
                options.starts_with(&format!(
                    "suppressions=/opt/python/{version}-tsan/share/tsan/"
                )),
                "{options}"
            );
            let building = spec.cmd.iter().any(|a| a == "build");
            assert_eq!(env("CFLAGS").is_some(), building, "{:?}", spec.cmd);
        }
    }
}
