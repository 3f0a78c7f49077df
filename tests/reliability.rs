//! Guarantees under faults: signals, dead sessions, timeouts, concurrency,
//! failed builds and bad sources. Real daemon, real binary.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

/// Starts a long gil run and waits until its first container exists.
fn start_long_run(json: &std::path::Path) -> std::process::Child {
    let child = cmd(&[
        "run",
        "gil",
        "-n",
        "40",
        "--threads",
        "1",
        "--repeat",
        "3",
        "--interpreters",
        "3.13,3.13t",
        "--json",
        json.to_str().unwrap(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let pid = child.id();
    assert!(
        wait_for(60, || !containers_of_pid(pid).is_empty()),
        "no container appeared for pid {pid}"
    );
    child
}

#[test]
fn ctrl_c_sigterm_and_sighup_stop_fast_and_remove_every_container() {
    images();
    for sig in ["-INT", "-TERM", "-HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("r.json");
        let mut child = start_long_run(&json);
        let pid = child.id();
        signal(pid, sig);
        let status = exit_within(&mut child, 5);
        assert_eq!(status.code(), Some(130), "{sig}");
        assert!(
            containers_of_pid(pid).is_empty(),
            "{sig}: containers left behind"
        );
        // Whatever finished is kept, and the file is complete JSON.
        if json.exists() {
            let r = read_json(&json);
            assert_eq!(r["benchmark"], "gil");
        }
    }
}

#[test]
fn a_killed_sessions_containers_are_swept_by_the_next_start() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let mut child = start_long_run(&dir.path().join("r.json"));
    let pid = child.id();
    signal(pid, "-KILL");
    child.wait().unwrap();
    assert!(
        !containers_of_pid(pid).is_empty(),
        "kill -9 leaves the running container"
    );
    let out = run(&["info", "--interpreters", "system"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("left behind by an earlier session"),
        "{}",
        stderr(&out)
    );
    assert!(containers_of_pid(pid).is_empty(), "swept");
}

#[test]
fn a_run_past_its_timeout_is_killed_and_reported() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("t.json");
    let t0 = Instant::now();
    let out = run(&[
        "run",
        "gil",
        "-n",
        "45",
        "--threads",
        "1",
        "--repeat",
        "1",
        "--timeout",
        "3",
        "--interpreters",
        "3.13,system",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(t0.elapsed() < Duration::from_secs(60));
    assert!(!out.status.success());
    let r = read_json(&json);
    for row in r["rows"].as_array().unwrap() {
        assert_eq!(row["outcome"]["status"], "timedout", "{row}");
    }
    assert!(stdout(&out).contains("timed out"), "{}", stdout(&out));
    let session = r["session"].as_str().unwrap();
    assert!(
        labelled_containers(Some(session)).is_empty(),
        "killed containers are removed"
    );
}

#[test]
fn two_runs_at_once_do_not_interfere() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    let spawn = |p: &std::path::Path| {
        cmd(&[
            "run",
            "gil",
            "-n",
            "22",
            "--threads",
            "2",
            "--repeat",
            "2",
            "--values",
            "2",
            "--min-time",
            "0.02",
            "--interpreters",
            "3.13,3.13t",
            "--json",
            p.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (ca, cb) = (spawn(&a), spawn(&b));
    let (pa, pb) = (ca.id(), cb.id());
    let (oa, ob) = (
        ca.wait_with_output().unwrap(),
        cb.wait_with_output().unwrap(),
    );
    assert!(
        oa.status.success(),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    assert!(
        ob.status.success(),
        "{}",
        String::from_utf8_lossy(&ob.stderr)
    );
    let (ra, rb) = (read_json(&a), read_json(&b));
    assert_ne!(ra["session"], rb["session"]);
    for r in [&ra, &rb] {
        // Two interpreters at 1 and 2 threads.
        assert_eq!(r["rows"].as_array().unwrap().len(), 4);
        assert!(r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["samples"].as_array().unwrap().len() == 2));
    }
    assert!(containers_of_pid(pa).is_empty() && containers_of_pid(pb).is_empty());
}

#[test]
fn a_failed_build_shows_the_step_and_resumes_from_cache() {
    images();
    // Break the build right after the cached unpack step.
    let project = project_with_step("echo 'pybench: deliberate failure' && false");
    let args = ["--project-dir", project.path().to_str().unwrap(), "build"];
    let out = run(&args);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("failed at: Step"), "{err}");
    assert!(
        err.contains("deliberate failure"),
        "last lines shown: {err}"
    );
    assert!(err.contains("Full log: "), "{err}");
    // The second attempt reuses every step before the failure.
    let out = run(&args);
    assert!(!out.status.success());
    let log_path = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Full log: ").map(str::to_string))
        .unwrap();
    let log = std::fs::read_to_string(log_path.trim_end_matches('.')).unwrap();
    assert!(log.contains("Using cache"), "{log}");
}

#[test]
fn ctrl_c_during_a_build_stops_it_within_five_seconds() {
    images();
    let project = project_with_step("echo pybench-slow-step && sleep 120");
    let log = project.path().join("build.log");
    let mut child = cmd(&["--project-dir", project.path().to_str().unwrap(), "build"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    assert!(
        wait_for(120, || std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("pybench-slow-step")),
        "the slow step never started"
    );
    std::thread::sleep(Duration::from_secs(1));
    signal(child.id(), "-INT");
    let status = exit_within(&mut child, 5);
    assert_eq!(status.code(), Some(130));
}

/// The built-in config with two local mirrors instead of the internet ones:
/// `dir/empty/` (holds nothing) and `dir/full/` (holds the good tarball).
fn local_mirrors(dir: &std::path::Path, sha256: Option<&str>) -> std::path::PathBuf {
    let full = dir.join("full");
    std::fs::create_dir_all(&full).unwrap();
    for version in ["3.13.15", "3.14.7"] {
        let name = format!("Python-{version}.tar.xz");
        let good = dirs_cache().join("pybench-docker/sources").join(&name);
        std::fs::copy(&good, full.join(&name)).expect("the shared build cached the source");
    }
    let mut text = stdout(&run(&["config"]))
        .replace(
            "https://www.python.org/ftp/python/{version}/Python-{version}.tar.xz",
            &format!("file://{}/empty/Python-{{version}}.tar.xz", dir.display()),
        )
        .replace(
            "http://deb.debian.org/debian/pool/main/p/python{major_minor}/python{major_minor}_{debian_version}.orig.tar.xz",
            &format!("file://{}/Python-{{version}}.tar.xz", full.display()),
        );
    if let Some(sha) = sha256 {
        text = text.replace(
            "1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76",
            sha,
        );
    }
    let cfg = dir.join("c.yaml");
    std::fs::write(&cfg, text).unwrap();
    cfg
}

#[test]
fn a_sha256_mismatch_lists_every_mirror_tried() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let cfg = local_mirrors(dir.path(), Some(&"0".repeat(64)));
    let out = cmd(&["--config", cfg.to_str().unwrap(), "build"])
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("/empty/Python-3.13.15.tar.xz"), "{err}");
    assert!(err.contains("/full/Python-3.13.15.tar.xz"), "{err}");
    assert!(err.contains("sha256 mismatch"), "{err}");
    let leftovers: Vec<_> = walk(&dir.path().join("cache/pybench-docker/sources"));
    assert!(leftovers.is_empty(), "no partial files: {leftovers:?}");
}

#[test]
fn a_truncated_cached_source_is_fetched_again() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let cfg = local_mirrors(dir.path(), None);
    let sources = dir.path().join("cache/pybench-docker/sources");
    std::fs::create_dir_all(&sources).unwrap();
    let bytes = std::fs::read(dir.path().join("full/Python-3.13.15.tar.xz")).unwrap();
    std::fs::write(
        sources.join("Python-3.13.15.tar.xz"),
        &bytes[..bytes.len() / 3],
    )
    .unwrap();
    let out = cmd(&["--config", cfg.to_str().unwrap(), "build"])
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("damaged"), "{err}");
    assert_eq!(
        std::fs::read(sources.join("Python-3.13.15.tar.xz"))
            .unwrap()
            .len(),
        bytes.len()
    );
}

fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(p) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => vec![],
    }
}
