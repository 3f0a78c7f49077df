//! The Rust side of `ext PACKAGE`: what the host prepares, what the build
//! containers get, and the whole flow through the fake engine.

use std::path::Path;

use sha2::Digest;

use super::*;
use crate::commands::ext::package_host::prepare_on_host;
use crate::commands::ext::package_run::check_everywhere;
use crate::commands::test_support::{app_on, interpreter_of};
use crate::docker::fake::{exited, FakeEngine};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};
use crate::results::Readiness;

const CAPS: Caps = Caps {
    bytes: 1 << 20,
    entries: 100,
};

/// A maturin project under `dir` whose Cargo.lock pins one crate, that
/// crate's file in `dir/shelf`, and the shelf.
fn maturin_project(dir: &Path) -> (PathBuf, PathBuf) {
    let (project, shelf) = (dir.join("pb"), dir.join("shelf"));
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::create_dir_all(&shelf).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[build-system]\nrequires = [\"maturin>=1.9,<2\"]\nbuild-backend = \"maturin\"\n",
    )
    .unwrap();
    std::fs::write(project.join("Cargo.toml"), "[package]\nname = \"pb\"\n").unwrap();
    let file = shelf.join("heck-0.5.0.crate");
    let gz =
        flate2::write::GzEncoder::new(std::fs::File::create(&file).unwrap(), Default::default());
    let mut tar = tar::Builder::new(gz);
    let body = b"[package]\nname = \"heck\"\nversion = \"0.5.0\"\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "heck-0.5.0/Cargo.toml", &body[..])
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(&file).unwrap()));
    std::fs::write(
        project.join("Cargo.lock"),
        format!("version = 4\n\n[[package]]\nname = \"heck\"\nversion = \"0.5.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{sha}\"\n\n[[package]]\nname = \"pb\"\nversion = \"1.0.0\"\n"),
    )
    .unwrap();
    (project, shelf)
}

fn sources(dir: &Path, shelf: &Path) -> CrateSources {
    CrateSources {
        cache: dir.join("cache"),
        dirs: vec![shelf.to_path_buf()],
        offline: true,
    }
}

#[test]
fn a_rust_package_gets_its_crates_vendored_and_others_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (project, shelf) = maturin_project(dir.path());
    let requires = vec!["maturin>=1.9,<2".to_string()];
    let work = dir.path().join("work");
    let rust = prepare(
        &project,
        &requires,
        &sources(dir.path(), &shelf),
        &work,
        CAPS,
    )
    .unwrap()
    .unwrap();
    assert_eq!(rust.vendor, Some(work.join("crates")));
    assert_eq!(rust.crates, 1);
    assert!(work
        .join("crates/heck-0.5.0/.cargo-checksum.json")
        .is_file());
    // A C package: nothing.
    let c = dir.path().join("c");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::write(c.join("setup.py"), "").unwrap();
    let none = prepare(
        &c,
        &["setuptools".into()],
        &sources(dir.path(), &shelf),
        &work,
        CAPS,
    );
    assert_eq!(none.unwrap(), None);
    // A C package with a Rust example deeper down: still nothing.
    std::fs::create_dir_all(c.join("examples/rust")).unwrap();
    std::fs::write(c.join("examples/rust/Cargo.toml"), "[package]\n").unwrap();
    let none = prepare(
        &c,
        &["setuptools".into()],
        &sources(dir.path(), &shelf),
        &work,
        CAPS,
    );
    assert_eq!(none.unwrap(), None);
}

#[test]
fn a_rust_package_without_a_lock_is_refused_unless_its_sdist_vendors_its_crates() {
    let dir = tempfile::tempdir().unwrap();
    let (project, shelf) = maturin_project(dir.path());
    std::fs::remove_file(project.join("Cargo.lock")).unwrap();
    let requires = vec!["maturin".to_string()];
    let s = sources(dir.path(), &shelf);
    let e = prepare(&project, &requires, &s, dir.path(), CAPS)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("but no Cargo.lock") && e.contains("cargo generate-lockfile"),
        "{e}"
    );
    // Requirements naming maturin without any Cargo file: refused the same way.
    std::fs::remove_file(project.join("Cargo.toml")).unwrap();
    let e = prepare(&project, &requires, &s, dir.path(), CAPS)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("builds with Rust (its build requirements: maturin)"),
        "{e}"
    );
    // Vendored in the sdist: its own configuration is used, nothing fetched.
    std::fs::write(project.join("Cargo.toml"), "").unwrap();
    std::fs::create_dir_all(project.join(".cargo")).unwrap();
    std::fs::write(
        project.join(".cargo/config.toml"),
        "[source.crates-io]\nreplace-with = \"v\"\n[source.v]\ndirectory = \"vendor\"\n",
    )
    .unwrap();
    let rust = prepare(&project, &requires, &s, dir.path(), CAPS)
        .unwrap()
        .unwrap();
    assert_eq!(rust.vendor, None);
    let (mounts, _) = mounts_and_env(&rust, "/out/3.13");
    assert!(mounts.is_empty());
}

#[test]
fn a_build_step_gets_the_crates_read_only_and_a_writable_offline_cargo_home() {
    let dir = tempfile::tempdir().unwrap();
    let rust = RustBuild {
        vendor: Some(dir.path().join("crates")),
        crates: 3,
        layers: [("b:3.13".to_string(), "b:3.13-rust-1".to_string())].into(),
    };
    let host_work = dir.path().join("3.13t");
    let (mounts, env) = for_step(Some(&rust), &host_work, "/out/3.13t").unwrap();
    assert_eq!(
        mounts,
        [BindMount {
            host: dir.path().join("crates").display().to_string(),
            container: "/crates".into(),
            read_only: true
        }]
    );
    let get = |k: &str| {
        env.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("CARGO_HOME"), Some("/out/3.13t/cargo-home"));
    assert_eq!(get("CARGO_NET_OFFLINE"), Some("true"));
    let config = std::fs::read_to_string(host_work.join("cargo-home/config.toml")).unwrap();
    assert!(config.contains("directory = \"/crates\""), "{config}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(host_work.join("cargo-home"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o777, "the container's user writes there");
    assert_eq!(build_image(Some(&rust), "b:3.13"), "b:3.13-rust-1");
    assert_eq!(build_image(None, "b:3.13"), "b:3.13");
    assert_eq!(for_step(None, &host_work, "/w").unwrap(), (vec![], vec![]));
}

/// pip and check_package.py as the containers answer for a PyO3 package
/// that declares `gil_used = false`: the backend asks for nothing more.
fn pyo3_package(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    let t = if interpreter_of(spec).ends_with('t') {
        "t"
    } else {
        ""
    };
    let step = spec
        .cmd
        .iter()
        .find(|a| ["requires", "build", "check"].contains(&a.as_str()));
    let line = match step.map(String::as_str) {
        Some("requires") => r#"{"requires":[],"error":null}"#.to_string(),
        Some("build") => format!(
            r#"{{"built":true,"stage":null,"wheel":"pb-1.0-cp313-cp313{t}-linux_x86_64.whl","tags":["cp313-cp313{t}-linux_x86_64"],"modules":["pb"],"missing":null,"log":""}}"#
        ),
        _ => format!(
            r#"{{"modules":[{{"module":"pb","imported":true,"gil_before":{b},"gil_after":{b},"warnings":[],"error":null,"missing":null,"signal":null,"exit_code":0}}],"smoke":null}}"#,
            b = t.is_empty()
        ),
    };
    Ok(exited(0, &format!("PYBENCH_RESULT {line}\n"), ""))
}

/// The maturin project's job, offline with maturin's wheel and its crates'
/// folder, on a fake engine holding the builder and the packages base.
fn maturin_job(dir: &Path) -> crate::commands::ext::package::PackageJob {
    let (project, shelf) = maturin_project(dir);
    let house = dir.join("house");
    std::fs::create_dir_all(&house).unwrap();
    crate::packages::testing::write_wheel(
        &house.join("maturin-1.16.0-py3-none-any.whl"),
        "maturin",
        "1.16.0",
        &[],
    );
    let args = crate::commands::ext::tests::ext_args(&[
        project.to_str().unwrap(),
        "--offline",
        "--wheelhouse",
        house.to_str().unwrap(),
        "--crates",
        shelf.to_str().unwrap(),
    ]);
    let source = crate::packages::source::classify(args.path(), None).unwrap();
    crate::commands::ext::package::prepare(&args, source).unwrap()
}

#[tokio::test]
async fn a_rust_package_is_asked_and_built_in_the_rust_layer_with_its_crates() {
    let dir = tempfile::tempdir().unwrap();
    let job = maturin_job(dir.path());
    let engine = FakeEngine::new(pyo3_package);
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(engine.clone(), cache.path());
    let builder = app.plan.releases[0].builder.clone();
    engine.add_image(&builder, &[]);
    let cfg = &app.config.base;
    let tools = layer::tools_base(&app.config.images.namespace, &cfg.suite, &cfg.mirror);
    engine.add_image(&tools.image, &[]);
    let staging = cache.path().join("staging");
    let mut prepared = prepare_on_host(&app, &job, &staging).unwrap();
    assert_eq!(prepared.rust.as_ref().unwrap().crates, 1);
    crate::commands::ext::dynamic::ask_backend(&app, &job, &mut prepared, &staging)
        .await
        .unwrap();
    // One layer, built offline on the builder image, from the packages base.
    let builds = engine.builds();
    assert_eq!(builds.len(), 1);
    let layer = &builds[0].request;
    assert!(
        layer.tag.starts_with(&format!("{builder}-rust-")),
        "{}",
        layer.tag
    );
    assert!(!layer.network);
    assert_eq!(layer.build_args["BUILDER"], builder);
    assert_eq!(layer.build_args["TOOLS"], tools.image);
    let results = check_everywhere(&app, &job, &prepared, &staging)
        .await
        .unwrap();
    let verdicts: Vec<Readiness> = results.iter().map(|r| r.readiness).collect();
    assert_eq!(verdicts, [Readiness::Ready; 3]);
    // The backend is asked and every wheel built in the layer, with the
    // crates read-only and cargo offline; the imports run in the runtime
    // images, without them.
    let runs = engine.runs();
    assert_eq!(runs.len(), 7);
    for spec in &runs {
        let building = spec.cmd.iter().any(|a| a == "build" || a == "requires");
        assert_eq!(
            spec.image == layer.tag,
            building,
            "{} {:?}",
            spec.image,
            spec.cmd
        );
        let crates = spec.mounts.iter().find(|m| m.container == "/crates");
        assert_eq!(crates.is_some_and(|m| m.read_only), building);
        let offline = spec
            .env
            .iter()
            .any(|(k, v)| k == "CARGO_NET_OFFLINE" && v == "true");
        assert_eq!(offline, building);
    }
    assert!(staging.join("requires/cargo-home/config.toml").is_file());
    // A second package on the same engine reuses the layer.
    let mut again = prepare_on_host(&app, &job, &cache.path().join("s2")).unwrap();
    crate::commands::ext::dynamic::ask_backend(&app, &job, &mut again, &staging)
        .await
        .unwrap();
    assert_eq!(engine.builds().len(), 1);
}

#[tokio::test]
async fn a_thread_sanitizer_builder_gets_no_rust_layer_and_says_so() {
    let engine = FakeEngine::new(pyo3_package);
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(engine.clone(), cache.path());
    let e = layer::ensure(&app, "pybench-docker/builder:3.14.7-tsan")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("not built with --tsan"), "{e}");
    assert!(engine.builds().is_empty());
}
