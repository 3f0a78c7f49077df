//! Failures that must be clear, fast and leave nothing behind, without images.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn no_daemon_is_a_clear_error_within_two_seconds() {
    for host in [
        "unix:///tmp/pybench-no-such-daemon.sock",
        "tcp://127.0.0.1:1",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let out = cmd(&["run", "gil", "--json", "r.json"])
            .current_dir(dir.path())
            .env("DOCKER_HOST", host)
            .args(["--project-dir", root().to_str().unwrap()])
            .output()
            .unwrap();
        let took = t0.elapsed();
        let err = stderr(&out);
        assert!(!out.status.success());
        assert!(took < Duration::from_secs(2), "took {took:?}");
        assert!(err.contains("cannot reach the Docker daemon"), "{err}");
        assert!(err.contains(host), "{err}");
        assert!(err.contains("DOCKER_HOST"), "the fix is named: {err}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }
}

#[test]
fn config_errors_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    let text = pybench_default_config().replace("  repeat: 20", "  repeat: 20\n  repaet: 5");
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().position(|l| l.contains("repaet")).unwrap() + 1;
    let out = run(&["--config", path.to_str().unwrap(), "run", "gil"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("unknown field `repaet`"), "{err}");
    assert!(err.contains(&format!("line {line}, column 3")), "{err}");

    std::fs::write(
        &path,
        pybench_default_config().replace("timeout-seconds: 900", "timeout-seconds: soon"),
    )
    .unwrap();
    let out = run(&["--config", path.to_str().unwrap(), "build"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line "), "{}", stderr(&out));
}

#[test]
fn missing_config_file_is_named() {
    let out = run(&["--config", "/nonexistent/pybench.yaml", "info"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("/nonexistent/pybench.yaml"));
}

#[test]
fn bad_arguments_are_refused_before_anything_runs() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "gil", "--threads", "0"], "'0' for '--threads"),
        (&["run", "gil", "-n", "-1"], "'-1' for '-n"),
        (&["run", "gli"], "unknown benchmark \"gli\""),
        (&["run", "/no/such/bench.py"], "does not exist"),
        (
            &["run", "gil", "--interpreters", "3.13,3.12"],
            "unknown interpreter \"3.12\"",
        ),
        (
            &["run", "gil", "--baseline", "3.13j PYTHON_JIT=0"],
            "baseline",
        ),
        (&["run", "jit", "--repeat", "0"], "'0' for '--processes"),
        (
            &["run", "jit", "--min-time", "0"],
            "is not between 0.001 and 60 seconds",
        ),
        (
            &["compare", "/no/a.json", "/no/b.json"],
            "cannot read /no/a.json",
        ),
        (
            &["run", "gil", "--json", "/no/such/dir/r.json"],
            "does not exist",
        ),
        (&["ext", "/no/such/module.c"], "does not exist"),
    ];
    for (args, needle) in cases {
        // Checked before connecting: the argument is reported, not the daemon.
        let out = cmd(args)
            .env("DOCKER_HOST", "unix:///nope")
            .output()
            .unwrap();
        assert!(
            stderr(&out).contains(needle),
            "{args:?} without a daemon: {}",
            stderr(&out)
        );
        let before = labelled_containers(None).len();
        let out = run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr(&out);
        assert!(
            err.contains(needle),
            "{args:?}: expected {needle:?} in {err}"
        );
        // One paragraph: no Rust backtraces or debug dumps.
        assert!(
            !err.contains("panicked") && !err.contains("DockerResponseServerError"),
            "{err}"
        );
        assert_eq!(
            labelled_containers(None).len(),
            before,
            "{args:?} left containers"
        );
    }
    let out = run(&["run", "gil", "--interpreters", "nope"]);
    assert!(
        stderr(&out).contains("\"3.13t -X gil=1\""),
        "the valid names are listed"
    );
}

fn pybench_default_config() -> String {
    stdout(&run(&["config"]))
}
