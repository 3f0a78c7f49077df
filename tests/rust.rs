//! End to end on the real daemon: a PyO3 package (tests/packages/pyo3_ft)
//! built by maturin in the builder's Rust layer on three builds (stock 3.14,
//! and both free-threaded ABIs, 3.13t and 3.14t: the ones PyO3 treats
//! apart; the j builds share their stock build's ABI, and 3.13 is left out
//! for CI time), offline: maturin from .ci/setup's wheelhouse, the crates from its
//! target/crates folder (`--crates`), nothing from the network.

mod common;

use common::*;

#[test]
fn a_pyo3_package_builds_and_keeps_the_gil_off_on_the_free_threaded_builds() {
    images();
    wheels_in_cache();
    let (house, crates) = (
        root().join("target/wheelhouse"),
        root().join("target/crates"),
    );
    assert!(
        crates.join("pyo3-0.28.3.crate").is_file(),
        "no crates in target/crates: run .ci/setup first"
    );
    let out_dir = tempfile::tempdir().unwrap();
    let json = out_dir.path().join("r.json");
    let started = std::time::Instant::now();
    let out = run(&[
        "ext",
        root().join("tests/packages/pyo3_ft").to_str().unwrap(),
        "--offline",
        "--wheelhouse",
        house.to_str().unwrap(),
        "--crates",
        crates.to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--interpreters",
        "3.13t,3.14,3.14t",
        "--smoke",
        "import pb_pyo3\nassert pb_pyo3.add(2, 3) == 5\nassert pb_pyo3.built_with() == 'pb_pyo3 (Rust)'",
    ]);
    eprintln!(
        "ext on pb-pyo3 took {:.0} s",
        started.elapsed().as_secs_f64()
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = read_json(&json);
    let results = doc["results"].as_array().unwrap();
    let mut names: Vec<&str> = results
        .iter()
        .map(|r| r["interpreter"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["3.13t", "3.14", "3.14t"]);
    for r in results {
        let interpreter = r["interpreter"].as_str().unwrap();
        assert_eq!(r["readiness"], "ready", "{interpreter}: {}", r["why"]);
        // The compiled module (maturin puts it in a package of its name, whose
        // generated __init__.py re-exports it), for this interpreter's ABI.
        assert_eq!(
            r["build"]["modules"],
            serde_json::json!(["pb_pyo3.pb_pyo3"]),
            "{interpreter}"
        );
        let ft = interpreter.ends_with('t');
        let abi = format!("-cp3{}{}-", &interpreter[2..4], if ft { "t" } else { "" });
        let wheel = r["build"]["wheel"].as_str().unwrap();
        assert!(wheel.contains(&abi), "{interpreter}: {wheel}");
        let module = &r["modules"][0];
        assert_eq!(module["imported"], true, "{interpreter}: {module}");
        // The free-threaded builds start without the GIL and the import keeps it off.
        assert_eq!(module["gil_before"], !ft, "{interpreter}: {module}");
        assert_eq!(module["gil_after"], !ft, "{interpreter}: {module}");
        let smoke = &r["smoke"];
        assert_eq!(smoke["exit_code"], 0, "{interpreter}: {smoke}");
        assert_eq!(
            smoke["errors"],
            serde_json::json!([]),
            "{interpreter}: {smoke}"
        );
    }
    let session = doc["session"].as_str().unwrap();
    assert!(
        labelled_containers(Some(session)).is_empty(),
        "containers left behind"
    );
}
