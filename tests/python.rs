//! The Python side's own unit tests (harness, gil.py, jit.py, check_package.py, .ci/sizes.py,
//! bench/fidelity.py), run with the host's python3 so that `cargo test` covers them. Needs
//! no daemon.

use std::process::Command;

/// `python3 -m unittest discover` in one folder of ours.
fn unit_tests_in(folder: &str) {
    let dir = format!("{}/{folder}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", &dir, "-p", "test_*.py"])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 must be installed to run the Python side's unit tests");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python unit tests in {folder} failed:\n{stderr}"
    );
    assert!(stderr.contains("OK"), "{stderr}");
}

#[test]
fn python_unit_tests_pass() {
    unit_tests_in("benchmarks");
}

#[test]
fn package_checker_unit_tests_pass() {
    unit_tests_in("c_extension");
}

#[test]
fn size_script_unit_tests_pass() {
    unit_tests_in(".ci");
}

#[test]
fn fidelity_script_unit_tests_pass() {
    unit_tests_in("bench");
}
