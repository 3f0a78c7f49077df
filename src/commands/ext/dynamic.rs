//! Build requirements a backend asks for at build time (PEP 517's
//! `get_requires_for_build_wheel`: maturin, setuptools-scm-style backends,
//! in-tree backends): asked once per package in the builder image, without
//! network, then resolved on this machine like the static ones and added to
//! the wheelhouse before any wheel is built.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde::Deserialize;

use super::package::PackageJob;
use super::package_host::{add_build_requirements, package_interpreters, Prepared};
use crate::commands::runner::{self, Parsed, ScriptRun};
use crate::commands::App;
use crate::docker::ContainerOutput;

/// check_package.py's `requires` answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Asked {
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// The answer of the `requires` container, or why there is none. Pure.
pub fn read_asked(out: &ContainerOutput) -> Asked {
    match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => serde_json::from_value(v).unwrap_or_else(|e| Asked {
            error: Some(format!("unreadable answer: {e}")),
            ..Asked::default()
        }),
        _ => Asked {
            error: Some(format!(
                "the step printed no answer (exit code {}): {}",
                out.exit_code,
                runner::tail(&out.stderr, 10)
            )),
            ..Asked::default()
        },
    }
}

/// check_package.py's `requires` arguments. Pure.
pub fn requires_args(work: &str) -> Vec<String> {
    super::package_run::step_args("requires", work)
}

/// Asks the backend in the first build's builder image and adds what it
/// names to `prepared`'s wheelhouse. A backend that cannot be asked is a
/// note: the build then says what it lacked.
pub(super) async fn ask_backend(
    app: &App,
    job: &PackageJob,
    prepared: &mut Prepared,
    staging: &Path,
) -> Result<()> {
    let Some(interp) = package_interpreters(&app.plan).into_iter().next() else {
        return Ok(());
    };
    let Some(release) =
        (app.plan.releases.iter()).find(|r| r.variants.iter().any(|v| v.label() == interp.name))
    else {
        return Ok(());
    };
    if let Some(rust) = &mut prepared.rust {
        // Every build's layer now, before any container: maturin asks for
        // a Rust toolchain (puccinialin) when it finds no cargo.
        let builders = rust_builders(app);
        super::rust::ensure_layers(app, rust, &builders).await?;
    }
    let scripts = app.project.c_extension();
    let (rust_mounts, rust_env) = super::rust::for_step(
        prepared.rust.as_ref(),
        &staging.join("requires"),
        "/out/requires",
    )?;
    // On a ThreadSanitizer build pip runs under TSan too: CPython's
    // suppressions and no exit status of TSan's own, as in every step.
    let mut extra_env = (app.plan.variant_build_of(interp))
        .and_then(|b| super::tsan::sanitized(b, &release.builder))
        .map(|s| s.run_env)
        .unwrap_or_default();
    extra_env.extend(rust_env);
    let mut extra_mounts = super::package_run::builder_mounts(app, prepared, staging);
    extra_mounts.extend(rust_mounts);
    let run = ScriptRun {
        interpreter: interp,
        dir: &scripts,
        script: "check_package.py".into(),
        args: requires_args("/out/requires"),
        extra_env,
        extra_mounts,
        image: Some(super::rust::build_image(
            prepared.rust.as_ref(),
            &release.builder,
        )),
        timeout: Duration::from_secs(job.timeout.unwrap_or(app.config.containers.timeout_seconds)),
        what: "requires",
        cpuset: None,
    };
    let asked = read_asked(&runner::run_script(app, &run).await?);
    if let Some(e) = asked.error {
        prepared.notes.push(format!(
            "the build backend could not be asked for its build-time requirements: {e}"
        ));
    }
    if !asked.requires.is_empty() {
        add_build_requirements(app, job, prepared, &asked.requires)?;
    }
    Ok(())
}

/// The builder image of every build a package is checked on, once each.
fn rust_builders(app: &App) -> Vec<String> {
    let mut builders: Vec<String> = package_interpreters(&app.plan)
        .into_iter()
        .filter_map(|i| {
            (app.plan.releases.iter())
                .find(|r| r.variants.iter().any(|v| v.label() == i.name))
                .map(|r| r.builder.clone())
        })
        .collect();
    builders.sort();
    builders.dedup();
    builders
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::ext::package_host::prepare_on_host;
    use crate::commands::test_support::app_on;
    use crate::docker::fake::{exited, FakeEngine};

    /// A project whose backend is asked at build time, and an empty
    /// wheelhouse beside it, under `dir`.
    fn project_and_wheelhouse(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let (project, house) = (dir.join("pb"), dir.join("house"));
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(&house).unwrap();
        std::fs::write(
            project.join("pyproject.toml"),
            "[build-system]\nrequires = [\"setuptools>=70\"]\nbuild-backend = \"backend\"\n",
        )
        .unwrap();
        (project, house)
    }

    /// A backend that asks for `pb-helper` at build time: the host finds it
    /// in the local wheelhouse and adds it to the package's; one asking for
    /// what no index has fails the package, naming it.
    #[tokio::test]
    async fn what_the_backend_asks_for_joins_the_wheelhouse() {
        let dir = tempfile::tempdir().unwrap();
        let (project, house) = project_and_wheelhouse(dir.path());
        for (file, name) in [
            ("setuptools-80.0-py3-none-any.whl", "setuptools"),
            ("pb_helper-1.0-py3-none-any.whl", "pb-helper"),
        ] {
            crate::packages::testing::write_wheel(
                &house.join(file),
                name,
                if name == "pb-helper" { "1.0" } else { "80.0" },
                &[],
            );
        }
        let args = crate::commands::ext::tests::ext_args(&[
            project.to_str().unwrap(),
            "--offline",
            "--wheelhouse",
            house.to_str().unwrap(),
        ]);
        let source = crate::packages::source::classify(args.path(), None).unwrap();
        let job = crate::commands::ext::package::prepare(&args, source).unwrap();
        for (asked, expected) in [
            ("pb-helper==1.0", Ok(())),
            ("pb-nowhere", Err("pb-nowhere")),
        ] {
            let answer = format!("PYBENCH_RESULT {{\"requires\":[\"{asked}\"],\"error\":null}}\n");
            let engine = FakeEngine::new(move |_| Ok(exited(0, &answer, "")));
            let cache = tempfile::tempdir().unwrap();
            let app = app_on(engine.clone(), cache.path());
            let staging = cache.path().join("staging");
            let mut prepared = prepare_on_host(&app, &job, &staging).unwrap();
            assert_eq!(
                prepared.wheelhouse_files,
                ["setuptools-80.0-py3-none-any.whl"]
            );
            let asked_now = ask_backend(&app, &job, &mut prepared, &staging).await;
            // One container, in a builder image, the sources read-only.
            let runs = engine.runs();
            assert_eq!(runs.len(), 1);
            assert!(
                runs[0].image.contains("builder") && runs[0].cmd.iter().any(|a| a == "requires")
            );
            match expected {
                Ok(()) => {
                    asked_now.unwrap();
                    assert!(prepared
                        .wheelhouse
                        .join("pb_helper-1.0-py3-none-any.whl")
                        .is_file());
                    assert!(prepared
                        .wheelhouse_files
                        .contains(&"pb_helper-1.0-py3-none-any.whl".to_string()));
                    assert_eq!(prepared.requires, ["setuptools>=70", "pb-helper==1.0"]);
                }
                Err(name) => {
                    let e = format!("{:#}", asked_now.unwrap_err());
                    assert!(
                        e.contains("asked for at build time") && e.contains(name),
                        "{e}"
                    );
                }
            }
        }
    }

    /// On a ThreadSanitizer build pip runs under TSan: the step gets the
    /// same TSAN_OPTIONS as every other (CPython's suppressions, TSan's
    /// exit status off), or one unsuppressed report would fail the ask.
    #[tokio::test]
    async fn a_thread_sanitizer_build_is_asked_under_tsan_options() {
        let dir = tempfile::tempdir().unwrap();
        let (project, house) = project_and_wheelhouse(dir.path());
        crate::packages::testing::write_wheel(
            &house.join("setuptools-80.0-py3-none-any.whl"),
            "setuptools",
            "80.0",
            &[],
        );
        let args = crate::commands::ext::tests::ext_args(&[
            project.to_str().unwrap(),
            "--offline",
            "--tsan",
            "--wheelhouse",
            house.to_str().unwrap(),
        ]);
        let source = crate::packages::source::classify(args.path(), None).unwrap();
        let job = crate::commands::ext::package::prepare(&args, source).unwrap();
        let answer = "PYBENCH_RESULT {\"requires\":[],\"error\":null}\n";
        let engine = FakeEngine::new(move |_| Ok(exited(0, answer, "")));
        let cache = tempfile::tempdir().unwrap();
        let config = crate::commands::ext::tsan::thread_sanitized(
            &app_on(engine.clone(), cache.path()).config,
        )
        .unwrap();
        let plan = crate::plan::build_plan(&config).unwrap();
        let project_dir =
            crate::project::Project::locate(Some(Path::new(env!("CARGO_MANIFEST_DIR")))).unwrap();
        let mut app = App::new(config, plan, project_dir, engine.clone());
        app.cache = cache.path().to_path_buf();
        let staging = cache.path().join("staging");
        let mut prepared = prepare_on_host(&app, &job, &staging).unwrap();
        ask_backend(&app, &job, &mut prepared, &staging)
            .await
            .unwrap();
        let runs = engine.runs();
        assert_eq!(runs.len(), 1);
        let options = (runs[0].env.iter())
            .find(|(k, _)| k == "TSAN_OPTIONS")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        assert!(
            options.contains("suppressions=") && options.contains("exitcode=0"),
            "{:?}",
            runs[0].env
        );
    }

    #[test]
    fn the_answer_is_read_or_its_absence_said() {
        let asked = read_asked(&exited(
            0,
            "PYBENCH_RESULT {\"requires\":[\"puccinialin\"],\"error\":null}\n",
            "",
        ));
        assert_eq!(asked.requires, ["puccinialin"]);
        assert_eq!(asked.error, None);
        let none = read_asked(&exited(1, "", "Traceback: boom"));
        assert!(none
            .error
            .unwrap()
            .contains("printed no answer (exit code 1)"));
        assert_eq!(requires_args("/out/requires")[..1], ["requires"]);
    }
}
