//! End to end: an own CPython next to the releases. Adding it to a built
//! config builds only it; every release's layers come from the cache. (That a
//! changed file changes the archive's digest and so the images' hash is
//! checked by the unit tests of `checkout` and `build::render`.)

mod common;

use common::*;

/// The built-in config plus `extra` pythons entries, written to `dir/c.yaml`.
fn config_with(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let text = stdout(&run(&["config"]));
    let anchor = "\nsources:\n";
    assert!(text.contains(anchor), "the config has a sources section");
    let cfg = dir.join("c.yaml");
    std::fs::write(&cfg, text.replacen(anchor, &format!("{extra}{anchor}"), 1)).unwrap();
    cfg
}

#[test]
fn an_own_checkout_builds_alone_and_runs_beside_the_releases() {
    images();
    let dir = tempfile::tempdir().unwrap();
    // The "checkout": the 3.14.7 release tarball the shared build cached, unpacked.
    let tarball = dirs_cache().join("pybench-docker/sources/Python-3.14.7.tar.xz");
    let status = std::process::Command::new("tar")
        .arg("-xf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "unpacking {}", tarball.display());
    std::fs::rename(dir.path().join("Python-3.14.7"), dir.path().join("cpython")).unwrap();
    let cfg = config_with(
        dir.path(),
        "  - name: my-branch\n    source: cpython\n    variants: [stock]\n",
    );
    let cfg = cfg.to_str().unwrap();

    let summary = dir.path().join("build.json");
    let out = run(&[
        "--config",
        cfg,
        "build",
        "--json",
        summary.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stages = read_json(&summary)["stages"].as_array().unwrap().clone();
    let outcome = |stage: &str| {
        stages
            .iter()
            .find(|s| s["stage"] == stage)
            .unwrap_or_else(|| panic!("no stage {stage} in {stages:?}"))["outcome"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for release in ["3.13", "3.13t", "3.13j", "3.14", "3.14t", "3.14j"] {
        assert_eq!(outcome(release), "cached", "{release} was not rebuilt");
    }
    for image in ["pythons 3.13.15", "builder 3.13.15", "pythons 3.14.7"] {
        assert_eq!(outcome(image), "cached", "{image} was not rebuilt");
    }
    // Built now, or by an earlier run on this engine (CI may find it).
    assert!(["built", "cached"].contains(&outcome("my-branch").as_str()));
    assert_eq!(outcome("source my-branch"), "packed");
    for base in ["base builder-llvm18", "base builder-llvm19", "base runtime"] {
        assert_eq!(outcome(base), "reused", "{base}");
    }
    // No JIT variant, so no LLVM: the plain builder base.
    assert!(["bootstrapped", "reused"].contains(&outcome("base builder").as_str()));

    // Built once, found fresh: a run does not build again.
    let out = run(&["--config", cfg, "info", "--interpreters", "my-branch,3.14"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !stderr(&out).contains("building them first"),
        "{}",
        stderr(&out)
    );
    assert!(text.contains("▶ my-branch\n"), "{text}");
    assert!(
        text.contains("🐍 CPython 3.14.7 /usr/local/bin/python3.14"),
        "{text}"
    );
}

#[test]
fn interpreter_patterns_select_across_versions() {
    images();
    let out = run(&["info", "--interpreters", "*t"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let blocks: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("▶ ")).collect();
    assert_eq!(blocks, ["3.13t", "3.14t"]);
    let out = run(&["info", "--interpreters", "3.15*"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no interpreter matches \"3.15*\""),
        "{}",
        stderr(&out)
    );
}
