//! End to end on the real daemon: `ext --tsan` on the racy package and its
//! race-free twin (tests/packages/), on ONE ThreadSanitizer build, 3.14's
//! (quick profile): built on first use (about 25 minutes cold, see
//! docs/measurements.md), then reused.
//!
//! Opt-in: `cargo test --test tsan -- --ignored`. Building the TSan
//! interpreter from nothing and running pip and pytest under TSan take about
//! 45 minutes on 2 CPUs, which CI's budget (a cold run under 60) cannot hold;
//! the parser, the deduplication, the verdict and the rendering run in the
//! unit tests on reports recorded by this test (tests/fixtures/tsan/).

mod common;

use std::path::Path;

use common::*;

/// The default config's 3.14 alone: `--tsan` makes its ThreadSanitizer build.
fn only_314(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tsan-314.yaml");
    std::fs::write(
        &path,
        "pythons:\n  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [stock, t, j]\n",
    )
    .unwrap();
    path
}

/// `ext PACKAGE --tsan --tests` offline; the exit status and the JSON.
fn check_tsan(package: &str) -> (bool, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let config = only_314(dir.path());
    let json = dir.path().join("r.json");
    let markdown = dir.path().join("r.md");
    let house = root().join("target/wheelhouse");
    let source = root().join("tests/packages").join(package);
    let out = run(&[
        "ext",
        source.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--tsan",
        "--offline",
        "--wheelhouse",
        house.to_str().unwrap(),
        "--out",
        dir.path().join("wheels").to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
        "--tests",
        "--parallel-threads",
        "4",
    ]);
    let doc = read_json(&json);
    let session = doc["session"].as_str().unwrap_or_default();
    assert!(
        labelled_containers(Some(session)).is_empty(),
        "a container of session {session} was left behind"
    );
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.contains("#### ThreadSanitizer on 3.14tsan"), "{md}");
    (out.status.success(), doc)
}

#[test]
#[ignore = "builds the ThreadSanitizer interpreter (~25 min cold) and runs pip and pytest under TSan (~20 min): run it with `cargo test --test tsan -- --ignored`"]
fn the_racy_package_reports_a_data_race_at_its_line_and_its_twin_none() {
    wheels_in_cache();
    assert!(
        root()
            .join("target/wheelhouse/pytest_run_parallel-0.10.0-py3-none-any.whl")
            .is_file(),
        "no pytest-run-parallel wheel in target/wheelhouse: run .ci/setup first"
    );
    let (ok, doc) = check_tsan("racy");
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "the 3.14tsan build only: {doc}");
    let r = &results[0];
    assert_eq!(r["interpreter"], "3.14tsan");
    assert_eq!(r["readiness"], "data-race", "{}", r["why"]);
    assert_eq!(r["build"]["tags"][0], "cp314-cp314t-linux_x86_64");
    let why = r["why"].as_str().unwrap();
    assert!(why.contains("pb_racy.c:"), "{why}");
    let tsan = &r["tsan"];
    assert!(
        tsan["log"]
            .as_str()
            .unwrap()
            .contains("WARNING: ThreadSanitizer: data race"),
        "{tsan}"
    );
    // The package's race first, each access's own frame first: pb_render at
    // the snprintf that writes the shared buffer (line 36) or the read of
    // it (line 42).
    let race = &tsan["races"][0];
    assert_eq!(race["kind"], "data race");
    assert_eq!(race["accesses"].as_array().unwrap().len(), 2, "{race}");
    for access in race["accesses"].as_array().unwrap() {
        let top = &access["stack"][0];
        assert_eq!(top["own"], true, "{access}");
        assert_eq!(top["function"], "pb_render", "{access}");
        assert!(
            top["file"].as_str().unwrap().ends_with("pb_racy.c"),
            "{access}"
        );
        let line = top["line"].as_u64().unwrap();
        assert!([36, 42].contains(&line), "{access}");
    }
    assert!(race["count"].as_u64().unwrap() >= 1);
    assert!(!ok, "a data race fails by default");

    let (ok, doc) = check_tsan("race_free");
    let r = &doc["results"][0];
    assert_eq!(r["readiness"], "ready", "{}", r["why"]);
    assert_eq!(r["tests"]["parallel"]["passed"], 2, "{}", r["tests"]);
    // None in the package's code (CPython's own, unsuppressed, would be listed).
    for race in r["tsan"]["races"].as_array().unwrap() {
        for access in race["accesses"].as_array().unwrap() {
            for frame in access["stack"].as_array().unwrap() {
                assert_eq!(frame["own"], false, "{race}");
            }
        }
    }
    assert!(ok);
}
