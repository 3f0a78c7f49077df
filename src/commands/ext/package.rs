//! `ext PROJECT|SDIST|--pypi NAME`: a real package on every interpreter build.
//!
//! On the host: the sdist is fetched (for --pypi) and unpacked, the build
//! requirements are resolved for every target and gathered into a
//! wheelhouse (`package_host`). Then per interpreter, containers without
//! network (`package_run`): pip builds and installs the wheel in the builder
//! image; the runtime image imports each extension module in its own process
//! (and runs the smoke code, and with `--tests` the package's own tests).
//! `readiness` judges; `package_render` draws; this file checks the
//! arguments and writes the results.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::package_host::Prepared;
pub use super::package_host::{prepare_host_side, target_of, HostSide};
use super::package_render::{render_markdown, render_readiness};
use super::package_run::check_everywhere;
use super::suite::TestsJob;
use crate::cli::ExtArgs;
use crate::commands::App;
use crate::error::ChecksFailed;
use crate::packages::source::ExtSource;
use crate::regular_file::open_inside;
use crate::results::{self, ExtPackage, PackageResult, Readiness};

/// A package check, validated: where it comes from and what to report.
#[derive(Debug, Clone)]
pub struct PackageJob {
    pub source: ExtSource,
    pub wheelhouses: Vec<PathBuf>,
    /// `--crates DIR`: folders of .crate files for a Rust package.
    pub crates: Vec<PathBuf>,
    pub offline: bool,
    pub smoke: Option<String>,
    pub smoke_threads: u32,
    pub fail_on: Vec<Readiness>,
    pub out_dir: PathBuf,
    pub json: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    /// `--html DIR`: the page of the JSON document.
    pub html: Option<PathBuf>,
    pub timeout: Option<u64>,
    /// `--tests`: the package's own tests, plainly and in threads.
    pub tests: Option<TestsJob>,
}

/// Checks every argument of a package check before anything starts.
pub fn prepare(args: &ExtArgs, source: ExtSource) -> Result<PackageJob> {
    if args.module.is_some() {
        bail!("--module names the module of a single .c file; a package's modules are found in its wheel. Drop --module.");
    }
    for dir in &args.wheelhouse {
        if !dir.is_dir() {
            bail!("--wheelhouse {} is not a folder. Give a folder of .whl files (build requirements), e.g. one filled by `pip download --only-binary=:all: --dest DIR setuptools`.", dir.display());
        }
    }
    for dir in &args.crates {
        if !dir.is_dir() {
            bail!("--crates {} is not a folder. Give a folder of NAME-VERSION.crate files, such as cargo's ~/.cargo/registry/cache/index.crates.io-* after `cargo fetch`.", dir.display());
        }
    }
    if args
        .smoke
        .as_deref()
        .is_some_and(|s| s.trim().is_empty() || s.trim() == "-m")
    {
        bail!("--smoke needs Python code, like --smoke \"import mypkg; mypkg.run()\", or \"-m mypkg.selftest\".");
    }
    for (flag, path) in [("--json", &args.json), ("--markdown", &args.markdown)] {
        if let Some(p) = path {
            crate::report::write::check_output_file(flag, p)?;
        }
    }
    if let Some(dir) = &args.html {
        crate::report::site::check_dir(dir)?;
    }
    let tests = tests_job(args)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("pybench-ext-out"));
    Ok(PackageJob {
        source,
        wheelhouses: args
            .wheelhouse
            .iter()
            .map(|d| d.canonicalize())
            .collect::<Result<_, _>>()?,
        crates: (args.crates.iter())
            .map(|d| d.canonicalize())
            .collect::<Result<_, _>>()?,
        offline: args.offline,
        smoke: args.smoke.clone(),
        smoke_threads: args.smoke_threads,
        fail_on: args
            .fail_on
            .clone()
            .unwrap_or_else(Readiness::failing_by_default),
        out_dir: std::path::absolute(out_dir)?,
        json: args.json.clone(),
        markdown: args.markdown.clone(),
        html: args.html.clone(),
        timeout: args.timeout,
        tests,
    })
}

/// `--tests [PATH]`, `--parallel-threads` and pytest's arguments, checked.
fn tests_job(args: &ExtArgs) -> Result<Option<TestsJob>> {
    let Some(path) = &args.tests else {
        if args.parallel_threads.is_some() || !args.pytest_args.is_empty() {
            bail!("--parallel-threads and pytest arguments after `--` are for --tests: add --tests (after the package), or drop them.");
        }
        return Ok(None);
    };
    let path = match path {
        None => None,
        Some(p) if p.exists() => Some(p.canonicalize()?),
        Some(p) => bail!("--tests {}: no such file or folder. Give a folder (or file) of tests on this machine, or --tests alone for the package's own tests.", p.display()),
    };
    Ok(Some(TestsJob {
        path,
        pytest_args: args.pytest_args.clone(),
        threads: args.parallel_threads,
    }))
}

/// Every build's wheel and check on `app`'s engine, the wheels into
/// `job.out_dir`, then the verdicts.
pub async fn command(app: &App, job: &PackageJob, host: &HostSide) -> Result<()> {
    let staging = app.cache.join("ext").join(&app.session.id);
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    super::set_mode(&staging, 0o777)?;
    let mut prepared = host.prepared.clone();
    let result = async {
        super::dynamic::ask_backend(app, job, &mut prepared, &staging).await?;
        let results = check_everywhere(app, job, &prepared, &staging).await?;
        copy_wheels(&staging, &results, &job.out_dir)?;
        Ok::<_, anyhow::Error>(results)
    }
    .await;
    let _ = std::fs::remove_dir_all(&staging);
    present(job, &prepared, &result?, &app.session.id)
}

/// Each interpreter's wheel into `out/<interpreter>/`.
pub(super) fn copy_wheels(staging: &Path, results: &[PackageResult], out: &Path) -> Result<()> {
    for r in results {
        let Some(wheel) = &r.build.wheel else {
            continue;
        };
        let slug = crate::plan::slug_of(&r.interpreter);
        let from = Path::new(&slug).join("dist").join(wheel);
        // The container wrote this folder: nothing in it is followed out of it.
        let mut wheel_file = match open_inside(staging, &from, "the build's output folder") {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => bail!(
                "the wheel of {} is not copied: {e}. The build left something other than a \
                 wheel file; look into {} before trusting its output.",
                r.interpreter,
                staging.display()
            ),
        };
        let dir = out.join(&slug);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let to = dir.join(wheel);
        let mut copy = std::fs::File::create(&to)
            .with_context(|| format!("cannot create {}", to.display()))?;
        std::io::copy(&mut wheel_file, &mut copy)
            .with_context(|| format!("cannot copy {}", staging.join(&from).display()))?;
    }
    Ok(())
}

/// The table, the files, and the exit status `--fail-on` asks for.
fn present(
    job: &PackageJob,
    prepared: &Prepared,
    results: &[PackageResult],
    session: &str,
) -> Result<()> {
    for note in &prepared.notes {
        println!("note: {note}");
    }
    println!("{}", render_readiness(&prepared.described, results));
    println!("wheels: {}", job.out_dir.display());
    let bytes = results::to_json(&ExtPackage {
        package: prepared.described.clone(),
        build_requires: prepared.requires.clone(),
        wheelhouse: prepared.wheelhouse_files.clone(),
        results: results.to_vec(),
        session: session.to_string(),
        test_requires: prepared.test_requires.clone(),
        dependencies: prepared.dependencies.clone(),
    })?;
    if let Some(j) = &job.json {
        crate::report::write::write_atomically(j, &bytes)?;
    }
    if let Some(m) = &job.markdown {
        crate::report::write::write_atomically(
            m,
            render_markdown(&prepared.described, results).as_bytes(),
        )?;
    }
    if let Some(dir) = &job.html {
        let (json, now) = (job.json.as_deref(), chrono::Utc::now());
        let said = crate::report::site::write_one(dir, json, "ext-package.json", bytes, now)?;
        println!("{said}");
    }
    let failing: Vec<String> = results
        .iter()
        .filter(|r| job.fail_on.contains(&r.readiness))
        .map(|r| format!("{} ({})", r.interpreter, r.readiness.words()))
        .collect();
    if !failing.is_empty() {
        return Err(ChecksFailed(format!(
            "the package is not ready on {}; see the table above (--fail-on chooses which verdicts fail).",
            failing.join(", ")
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::package_host::prepare_on_host;
    use super::super::package_run::{build_args, check_args};
    use super::super::readiness::read_build;
    use super::*;
    use crate::commands::test_support::{app_on, interpreter_of};
    use crate::docker::fake::{exited, FakeEngine};
    use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

    /// pip and check_package.py as the containers would answer: every build
    /// makes a wheel; on free-threaded builds `pb._slow` re-enables the GIL.
    fn pip_and_checker(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
        let ft = interpreter_of(spec).ends_with('t');
        let t = if ft { "t" } else { "" };
        let line = if spec.cmd.iter().any(|a| a == "build") {
            let out = spec.mounts.iter().find(|m| m.container == "/out").unwrap();
            let work = spec
                .cmd
                .iter()
                .skip_while(|a| *a != "--work")
                .nth(1)
                .unwrap();
            let dist = Path::new(&out.host)
                .join(work.trim_start_matches("/out/"))
                .join("dist");
            std::fs::create_dir_all(&dist).unwrap();
            let wheel = format!("pb-1.0-cp313-cp313{t}-linux_x86_64.whl");
            std::fs::write(dist.join(&wheel), b"PK").unwrap();
            format!(
                r#"{{"built":true,"stage":null,"wheel":"{wheel}","tags":["cp313-cp313{t}-linux_x86_64"],"modules":["pb._core","pb._slow"],"missing":null,"log":""}}"#
            )
        } else {
            let module = |name: &str, after: bool| {
                format!(
                    r#"{{"module":"{name}","imported":true,"gil_before":{},"gil_after":{after},"warnings":[],"error":null,"missing":null,"signal":null,"exit_code":0}}"#,
                    !ft
                )
            };
            format!(
                r#"{{"modules":[{},{}],"smoke":null}}"#,
                module("pb._core", !ft),
                module("pb._slow", true)
            )
        };
        Ok(exited(0, &format!("PYBENCH_RESULT {line}\n"), ""))
    }

    #[tokio::test]
    async fn a_package_is_built_and_judged_on_every_build() {
        let engine = FakeEngine::new(pip_and_checker);
        let cache = tempfile::tempdir().unwrap();
        let app = app_on(engine.clone(), cache.path());
        let project = tempfile::tempdir().unwrap();
        std::fs::write(
            project.path().join("pyproject.toml"),
            "[build-system]\nrequires = [\"setuptools>=70\"]\n",
        )
        .unwrap();
        let house = tempfile::tempdir().unwrap();
        crate::packages::testing::write_wheel(
            &house.path().join("setuptools-80.0-py3-none-any.whl"),
            "setuptools",
            "80.0",
            &[],
        );
        let out = tempfile::tempdir().unwrap();
        let args = super::super::tests::ext_args(&[
            project.path().to_str().unwrap(),
            "--offline",
            "--wheelhouse",
            house.path().to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ]);
        let source = crate::packages::source::classify(args.path(), None).unwrap();
        let job = prepare(&args, source).unwrap();
        let staging = cache.path().join("staging");
        std::fs::create_dir_all(&staging).unwrap();
        let prepared = prepare_on_host(&app, &job, &staging).unwrap();
        assert_eq!(
            prepared.wheelhouse_files,
            ["setuptools-80.0-py3-none-any.whl"]
        );
        assert!(staging
            .join("wheelhouse/setuptools-80.0-py3-none-any.whl")
            .is_file());
        let results = check_everywhere(&app, &job, &prepared, &staging)
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
                ("3.13t", Readiness::NeedsGil),
                ("3.13j", Readiness::Ready)
            ]
        );
        assert!(
            results[1].why.starts_with("pb._slow re-enabled"),
            "{}",
            results[1].why
        );

        // Builds in the builder image with the sources and wheelhouse read-only;
        // checks in the interpreter's own image, reading /out only.
        let runs = engine.runs();
        assert_eq!(runs.len(), 6);
        for spec in &runs {
            let building = spec.cmd.iter().any(|a| a == "build");
            assert_eq!(spec.image.contains("builder"), building, "{}", spec.image);
            for m in &spec.mounts {
                let writable = building && m.container == "/out";
                assert_eq!(m.read_only, !writable, "{} in {:?}", m.container, spec.cmd);
            }
        }
        copy_wheels(&staging, &results, out.path()).unwrap();
        assert!(out
            .path()
            .join("3.13t/pb-1.0-cp313-cp313t-linux_x86_64.whl")
            .is_file());
        // --html: the readiness page of the JSON document, without --json too.
        let site = out.path().join("site");
        let job = PackageJob {
            html: Some(site.clone()),
            ..job
        };
        present(&job, &prepared, &results, "s1").unwrap();
        let page = std::fs::read_to_string(site.join("index.html")).unwrap();
        assert!(page.contains("2 of 3 builds ready"), "{page}");
        assert!(page.contains("href=\"data/ext-package.json\">ext-package.json</a>"));
        assert!(site.join("data/ext-package.json").is_file());
    }

    /// A build container that answers with a wheel name outside its folder:
    /// the answer is refused, so the name is never joined onto a path.
    #[test]
    fn a_wheel_name_from_a_container_is_a_plain_file_name() {
        let answer = |wheel: &str| {
            exited(
                0,
                &format!("PYBENCH_RESULT {{\"built\":true,\"stage\":null,\"wheel\":\"{wheel}\",\"tags\":[],\"modules\":[],\"missing\":null,\"log\":\"\"}}\n"),
                "",
            )
        };
        for wheel in ["../../../../etc/passwd", "/etc/passwd", "x\\u0000.whl"] {
            let build = read_build(&answer(wheel));
            assert!(!build.built && build.wheel.is_none(), "{wheel}: {build:?}");
            assert!(
                build.log.contains("is not a plain file name"),
                "{}",
                build.log
            );
        }
    }

    /// A build container that leaves its `dist` as a link to this machine's
    /// files, or its wheel as a link: nothing is copied from outside.
    #[test]
    fn a_build_containers_links_are_not_followed_out_of_its_folder() {
        let build = read_build(&exited(
            0,
            "PYBENCH_RESULT {\"built\":true,\"stage\":null,\"wheel\":\"pb-1.0-py3-none-any.whl\",\"tags\":[],\"modules\":[],\"missing\":null,\"log\":\"\"}\n",
            "",
        ));
        assert!(build.built);
        let dir = tempfile::tempdir().unwrap();
        let (staging, secret, out) = (
            dir.path().join("staging"),
            dir.path().join("secret"),
            dir.path().join("out"),
        );
        std::fs::create_dir_all(staging.join("3.13t")).unwrap();
        std::fs::create_dir_all(&secret).unwrap();
        std::fs::write(secret.join("pb-1.0-py3-none-any.whl"), b"host file").unwrap();
        std::os::unix::fs::symlink(&secret, staging.join("3.13t/dist")).unwrap();
        let result = PackageResult {
            interpreter: "3.13t".into(),
            free_threaded: true,
            build,
            modules: vec![],
            smoke: None,
            tests: None,
            graph: None,
            tsan: None,
            readiness: Readiness::Ready,
            why: String::new(),
        };
        let e = copy_wheels(&staging, std::slice::from_ref(&result), &out)
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a symbolic link, not a folder"), "{e}");
        assert!(!out.join("3.13t/pb-1.0-py3-none-any.whl").exists());
        // A wheel that is itself a link is refused the same way.
        std::fs::remove_file(staging.join("3.13t/dist")).unwrap();
        std::fs::create_dir_all(staging.join("3.13t/dist")).unwrap();
        std::os::unix::fs::symlink(
            secret.join("pb-1.0-py3-none-any.whl"),
            staging.join("3.13t/dist/pb-1.0-py3-none-any.whl"),
        )
        .unwrap();
        let e = copy_wheels(&staging, &[result], &out)
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a symbolic link, not a regular file"), "{e}");
    }

    #[test]
    fn package_flags_are_checked_before_anything_runs() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        std::fs::write(dir.path().join("setup.py"), "").unwrap();
        let prepared = |extra: &[&str]| {
            let mut argv = vec![d];
            argv.extend_from_slice(extra);
            let args = super::super::tests::ext_args(&argv);
            let source = crate::packages::source::classify(args.path(), args.pypi_name())?;
            prepare(&args, source)
        };
        let e = prepared(&["--module", "x"]).unwrap_err().to_string();
        assert!(e.contains("Drop --module"), "{e}");
        let e = prepared(&["--wheelhouse", "/no/such/dir"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a folder"), "{e}");
        let e = prepared(&["--smoke", "-m"]).unwrap_err().to_string();
        assert!(e.contains("--smoke needs Python code"), "{e}");
        let e = prepared(&["--parallel-threads", "8"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("are for --tests"), "{e}");
        let e = prepared(&["--", "-x"]).unwrap_err().to_string();
        assert!(e.contains("are for --tests"), "{e}");
        let e = prepared(&["--tests", "/no/such/tests"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such file or folder"), "{e}");
        let tests = prepared(&["--tests", d, "--parallel-threads", "16", "--", "-x"])
            .unwrap()
            .tests
            .unwrap();
        assert_eq!(tests.threads, Some(16));
        assert_eq!(tests.pytest_args, ["-x"]);
        assert!(tests.path.is_some());
        assert_eq!(prepared(&["--tests"]).unwrap().tests.unwrap().path, None);
        let job = prepared(&["--fail-on", "needs-gil,crashes"]).unwrap();
        assert_eq!(job.fail_on, [Readiness::NeedsGil, Readiness::Crashes]);
        assert_eq!(
            prepared(&[]).unwrap().fail_on,
            Readiness::failing_by_default()
        );
    }

    #[test]
    fn container_arguments() {
        assert_eq!(
            build_args("/out/3.13t", &[])[..3],
            ["build", "--pip", "/opt/wheels/pip-26.3-py3-none-any.whl"]
        );
        let modules = vec!["pb._core".to_string(), "pb._extra".to_string()];
        assert_eq!(
            check_args("/out/3.13t", &modules, None, 8),
            [
                "check",
                "--work",
                "/out/3.13t",
                "--modules",
                "pb._core,pb._extra"
            ]
        );
        let with_smoke = check_args("/w", &modules, Some("-m pb.selftest"), 4);
        assert_eq!(
            with_smoke[5..],
            ["--smoke-threads", "4", "--smoke=-m pb.selftest"]
        );
    }
}
