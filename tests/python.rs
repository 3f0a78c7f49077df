//! The Python side's own unit tests (harness, gil.py, jit.py), run with the
//! host's python3 so that `cargo test` covers them. Needs no daemon.

use std::process::Command;

#[test]
fn python_unit_tests_pass() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/benchmarks");
    let out = Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", dir, "-p", "test_*.py"])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 must be installed to run the benchmarks' unit tests");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python unit tests failed:\n{stderr}");
    assert!(stderr.contains("OK"), "{stderr}");
}
