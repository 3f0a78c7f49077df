//! Shared helpers for the end-to-end tests: the real binary against the real
//! daemon. No daemon means these tests fail, loudly; they never skip.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use bollard::query_parameters::ListContainersOptions;

pub const BIN: &str = env!("CARGO_BIN_EXE_pybench-docker");

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the project folder, with plain progress lines.
pub fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .current_dir(root())
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

pub fn run(args: &[&str]) -> Output {
    let out = cmd(args).output().expect("the binary runs");
    eprintln!(
        "$ pybench-docker {}\n--- exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Builds the images once per test binary (seconds on a warm engine).
pub fn images() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = run(&["build"]);
        assert!(
            out.status.success(),
            "`pybench-docker build` failed: is the Docker daemon running and mmdebstrap installed?\n{}",
            stderr(&out)
        );
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn docker() -> bollard::Docker {
    let rt = runtime();
    rt.block_on(async {
        bollard::Docker::connect_with_defaults()
            .expect("docker client")
            .negotiate_version()
            .await
            .expect("the Docker daemon must be running for the end-to-end tests")
    })
}

/// Containers carrying the session label, optionally of one session.
pub fn labelled_containers(session: Option<&str>) -> Vec<(String, HashMap<String, String>)> {
    let filter = match session {
        Some(s) => format!("pybench-docker.session={s}"),
        None => "pybench-docker.session".to_string(),
    };
    let d = docker();
    runtime().block_on(async {
        d.list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), vec![filter])])),
            ..Default::default()
        }))
        .await
        .expect("list containers")
        .into_iter()
        .map(|c| (c.id.unwrap_or_default(), c.labels.unwrap_or_default()))
        .collect()
    })
}

/// The volumes an image declares: every container made from it would get one.
pub fn declared_volumes(image: &str) -> Vec<String> {
    let d = docker();
    runtime().block_on(async {
        d.inspect_image(image)
            .await
            .unwrap_or_else(|e| panic!("inspect {image}: {e}"))
            .config
            .and_then(|c| c.volumes)
            .unwrap_or_default()
    })
}

/// Containers whose owner label names this pid.
pub fn containers_of_pid(pid: u32) -> Vec<String> {
    labelled_containers(None)
        .into_iter()
        .filter(|(_, l)| {
            l.get("pybench-docker.owner")
                .is_some_and(|o| o.split(':').nth(1) == Some(&pid.to_string()))
        })
        .map(|(id, _)| id)
        .collect()
}

pub fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()))
}

/// Waits until `f` holds, for at most `secs`.
pub fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    false
}

/// A copy of the project's folders in a temp dir, to break on purpose.
pub fn project_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["dockerfiles", "benchmarks", "c_extension"] {
        copy_dir(&root().join(sub), &dir.path().join(sub));
    }
    dir
}

/// A project copy whose variant Dockerfile runs `step` right before its build
/// step (after the cached configure-cache stage and arguments), to fail or
/// stall a build on purpose.
pub fn project_with_step(step: &str) -> tempfile::TempDir {
    let project = project_copy();
    let dockerfile = project.path().join("dockerfiles/cpython.Dockerfile");
    let mut text = std::fs::read_to_string(&dockerfile).unwrap();
    // The last one: the configure-cache stage's step starts alike.
    let anchor = "\nRUN set -eux; \\\n    echo \"${PYTHON_SHA256}";
    let at = text.rfind(anchor).expect("the build step moved");
    assert!(
        text[..at].contains("\nFROM configure-cache\n"),
        "the variant's build step is not in its own stage"
    );
    text.insert_str(at, &format!("\nRUN {step}"));
    std::fs::write(&dockerfile, text).unwrap();
    project
}

/// Waits for `child` to exit, failing the test if it takes longer than `secs`.
pub fn exit_within(child: &mut std::process::Child, secs: u64) -> std::process::ExitStatus {
    let t0 = std::time::Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            t0.elapsed().as_secs() < secs,
            "still running after {secs} s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

/// The user's cache folder, where the shared build keeps the sources.
pub fn dirs_cache() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(Into::into)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache"))
}

/// The pinned wheels the tool would download on first use (pyperf,
/// pyperformance, pip), copied from .ci/setup's target/wheelhouse into the
/// tool's cache: the tests never touch the network.
pub fn wheels_in_cache() {
    let dir = dirs_cache().join("pybench-docker/wheels");
    std::fs::create_dir_all(&dir).unwrap();
    for wheel in [
        "pyperf-2.11.0-py3-none-any.whl",
        "pyperformance-1.14.0-py3-none-any.whl",
        "pip-26.3-py3-none-any.whl",
    ] {
        let from = root().join("target/wheelhouse").join(wheel);
        assert!(
            from.exists(),
            "no {wheel} in target/wheelhouse: run .ci/setup first"
        );
        copy_unless_same(&from, &dir.join(wheel));
    }
}

/// Tests run in parallel and read these wheels while others call
/// [`wheels_in_cache`]: a wheel already in place is left alone, and a new one
/// appears whole (copied beside it, then renamed), never truncated mid-read.
fn copy_unless_same(from: &Path, to: &Path) {
    let wanted = std::fs::read(from).unwrap();
    if std::fs::read(to).is_ok_and(|have| have == wanted) {
        return;
    }
    let staging = tempfile::NamedTempFile::new_in(to.parent().unwrap()).unwrap();
    std::fs::write(staging.path(), &wanted).unwrap();
    // A temporary file is private (0600); the wheel copied before was not.
    let readable = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    std::fs::set_permissions(staging.path(), readable).unwrap();
    staging.persist(to).unwrap();
}
