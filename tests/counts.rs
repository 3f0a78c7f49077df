//! `run --measure instructions` end to end: the real binary, the real daemon,
//! Callgrind in the Valgrind layer (built on demand). Fails loudly without a
//! daemon.

mod common;
use common::*;

/// A script doing `n` squares a loop, through the harness.
fn squares(n: u32) -> String {
    format!(
        "import harness\n\
         def work(loops):\n    for _ in range(loops):\n        total = 0\n        for i in range({n}):\n            total += i * i\n\
         harness.bench('squares', work)\n"
    )
}

/// The script's version `n` on 3.14, counted in 3 processes, results to `json`.
fn counted_run(dir: &std::path::Path, n: u32, json: &std::path::Path) {
    let script = dir.join(format!("v{n}")).join("squares.py");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::write(&script, squares(n)).unwrap();
    let out = run(&[
        "run",
        script.to_str().unwrap(),
        "--interpreters",
        "3.14",
        "--measure",
        "instructions",
        "--band",
        "1",
        "--processes",
        "3",
        "--values",
        "3",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(" instr ± "), "{text}");
    assert!(text.contains("instructions per loop"), "{text}");
    assert!(text.contains("band ±1%"), "{text}");
    assert!(text.contains("est. cycles"), "{text}");
    assert!(text.contains("a model"), "{text}");
}

#[test]
fn two_percent_more_work_is_degraded_in_instructions_with_a_one_percent_band() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    counted_run(dir.path(), 1000, &a);
    counted_run(dir.path(), 1020, &b);
    let r = read_json(&a);
    assert_eq!(r["measure"], "instructions");
    assert_eq!(r["unit"], "instructions");
    assert_eq!(r["band"], 0.01);
    let row = &r["rows"][0];
    assert!(row["image"].as_str().unwrap().contains("-callgrind-"));
    assert_eq!(row["command"][0], "valgrind");
    let samples = row["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 3);
    // Every process calibrates on counts, so all pick the same loops, and the
    // counts agree to well under the band.
    let loops: Vec<u64> = samples
        .iter()
        .map(|s| s["loops"].as_u64().unwrap())
        .collect();
    assert!(loops.iter().all(|l| *l == loops[0]), "{loops:?}");
    let means: Vec<f64> = samples
        .iter()
        .map(|s| s["seconds"].as_f64().unwrap())
        .collect();
    let (lo, hi) = means
        .iter()
        .fold((f64::MAX, 0f64), |(l, h), m| (l.min(*m), h.max(*m)));
    assert!(hi / lo - 1.0 < 0.001, "{means:?}");
    assert!(
        samples[0]["counts"]["window_overhead"]["Ir"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(samples[0]["cycles"].as_array().unwrap().len(), 3);

    let out = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--json",
    ]
    .into_iter()
    .chain([dir.path().join("c.json").to_str().unwrap()])
    .collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("degraded"), "{text}");
    assert!(text.contains("band ±1%"), "{text}");
    let c = read_json(&dir.path().join("c.json"));
    let pair = &c["benchmarks"][0]["rows"][0];
    assert_eq!(pair["verdict"], "degraded");
    assert!(pair["p_value"].as_f64().unwrap() < 0.05, "{pair}");
    let ratio = pair["ratio"].as_f64().unwrap();
    assert!((1.015..1.025).contains(&ratio), "{ratio}");
}

#[test]
fn more_than_one_thread_is_refused_before_anything_starts() {
    // No daemon is asked: the refusal comes first.
    for threads in [None, Some("1,2")] {
        let mut args = vec!["run", "gil", "--measure", "instructions"];
        if let Some(t) = threads {
            args.extend(["--threads", t]);
        }
        let out = cmd(&args)
            .env("DOCKER_HOST", "unix:///nonexistent.sock")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let e = stderr(&out);
        assert!(e.contains("one at a time"), "{e}");
        assert!(!e.contains("nonexistent"), "{e}");
    }
}
