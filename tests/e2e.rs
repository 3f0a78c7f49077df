//! End to end on the real daemon: build (shared, cached), info, run, ext.

mod common;

use common::*;

#[test]
fn info_banners_match_each_build() {
    images();
    let out = run(&["info"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Each interpreter's block starts with "▶ name".
    let block = |name: &str| {
        let start = text
            .find(&format!("▶ {name}\n"))
            .unwrap_or_else(|| panic!("no block for {name}"));
        let rest = &text[start + name.len() + 4..];
        rest[..rest.find("▶ ").unwrap_or(rest.len())].to_string()
    };
    let system = block("system");
    assert!(system.contains("/usr/bin/python3"), "{system}");
    assert!(
        system.contains("Free Threading: unsupported")
            && system.contains("JIT Compiler: unsupported")
    );
    // Each version the same lines; 3.14 reads the JIT's state from sys._jit.
    for (mm, version) in [("3.13", "3.13.15"), ("3.14", "3.14.7")] {
        let stock = block(mm);
        assert!(
            stock.contains(&format!("🐍 CPython {version} /usr/local/bin/python{mm}\n")),
            "{stock}"
        );
        assert!(stock.contains("Free Threading: unsupported"), "{stock}");
        assert!(stock.contains("💻 Linux 64bit with "), "{stock}");
        assert!(block(&format!("{mm}t")).contains("Free Threading: enabled ✨"));
        assert!(block(&format!("{mm}t -X gil=1")).contains("Free Threading: disabled"));
        let jit = block(&format!("{mm}j"));
        assert!(
            jit.contains("JIT Compiler: enabled ✨") && jit.contains("Free Threading: unsupported"),
            "{jit}"
        );
        assert!(block(&format!("{mm}j PYTHON_JIT=0")).contains("JIT Compiler: disabled"));
    }
    assert!(labelled_containers(None)
        .iter()
        .all(|(_, l)| !l.contains_key("pybench-docker.script")
            || l["pybench-docker.script"] != "pyinfo.py"));
}

/// Small but real sampling, so the e2e runs stay short.
const QUICK: [&str; 6] = ["--values", "3", "--warmups", "1", "--min-time", "0.02"];

#[test]
fn run_gil_gives_a_row_per_configuration_and_thread_count() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("gil.json");
    let csv = dir.path().join("gil.csv");
    let md = dir.path().join("gil.md");
    let pyperf = dir.path().join("pyperf");
    let mut args = vec![
        "run",
        "gil",
        "--threads",
        "2",
        "-n",
        "20",
        "--processes",
        "2",
    ];
    args.extend(QUICK);
    let paths = [&json, &csv, &md, &pyperf].map(|p| p.to_str().unwrap().to_string());
    for (flag, path) in ["--json", "--csv", "--markdown", "--pyperf"]
        .iter()
        .zip(&paths)
    {
        args.extend([*flag, path.as_str()]);
    }
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    for name in ["system", "3.14t -X gil=1 ×2", "baseline", "Ratio [95% CI]"] {
        assert!(table.contains(name), "{name} missing from\n{table}");
    }
    let r = read_json(&json);
    let rows = r["rows"].as_array().unwrap();
    let labels: Vec<String> = r["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap().to_string())
        .collect();
    let names = ["system", "3.13", "3.13t", "3.14", "3.14t", "3.14t -X gil=1"];
    let expected: Vec<String> = [1, 2]
        .iter()
        .flat_map(|t| names.iter().map(move |n| format!("{n} ×{t}")))
        .collect();
    assert_eq!(labels, expected);
    for row in rows {
        assert_eq!(row["outcome"]["status"], "ok", "{row}");
        let threads = row["threads"].as_u64().unwrap();
        let samples = row["samples"].as_array().unwrap();
        assert_eq!(samples.len(), 2);
        for s in samples {
            assert_eq!(s["values"].as_array().unwrap().len(), 3, "{s}");
            assert_eq!(s["warmups"].as_array().unwrap().len(), 1, "{s}");
            assert!(s["loops"].as_u64().unwrap() >= 1);
            assert_eq!(s["cpuset"], if threads == 1 { "1" } else { "0-1" });
            assert!(s["host"]["cpu_model"].is_string(), "{s}");
            if threads == 2 {
                assert_eq!(s["thread_values"][0].as_array().unwrap().len(), 2);
            }
        }
        assert!(row["image_id"].as_str().unwrap().starts_with("sha256:"));
        assert!(row["banner"].as_str().unwrap().contains("Free Threading:"));
    }
    let ft: Vec<&str> = rows[..6]
        .iter()
        .map(|r| r["info"]["free_threading"].as_str().unwrap())
        .collect();
    assert_eq!(
        ft,
        [
            "unsupported",
            "unsupported",
            "enabled",
            "unsupported",
            "enabled",
            "disabled"
        ]
    );
    let versions: Vec<&str> = rows[1..6]
        .iter()
        .map(|r| r["info"]["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["3.13.15", "3.13.15", "3.14.7", "3.14.7", "3.14.7"]
    );
    assert_eq!(rows[5]["command"][1], "-X");
    assert_eq!(rows[5]["info"]["flags"]["gil"], 1, "{}", rows[5]["info"]);
    assert!(r["host"]["cpus"].as_u64().unwrap() >= 1);
    assert_eq!(
        (r["values"].as_u64(), r["warmup_values"].as_u64()),
        (Some(3), Some(1))
    );
    for s in r["summary"].as_array().unwrap() {
        let c = &s["comparison"];
        if c["verdict"] != "baseline" {
            assert!(
                c["ci_low"].as_f64().unwrap() <= c["ratio"].as_f64().unwrap(),
                "{s}"
            );
            assert!(c["p_value"].as_f64().is_some(), "{s}");
        }
    }
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 13);
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("| `3.14t -X gil=1 ×2` |"));
    let files = std::fs::read_dir(&pyperf).unwrap().count();
    assert_eq!(files, 12);
    pyperf_reads(&pyperf);
}

/// The real pyperf, installed offline from the wheelhouse `.ci/setup` fills,
/// reads our files: `pyperf stats` on one, `pyperf compare_to` on two.
fn pyperf_reads(dir: &std::path::Path) {
    let wheelhouse = root().join("target/wheelhouse");
    assert!(
        wheelhouse.join("SHA256SUMS").exists(),
        "no pyperf wheel in {}: run .ci/setup first (it downloads pyperf from PyPI)",
        wheelhouse.display()
    );
    let venv = tempfile::tempdir().unwrap();
    let python = venv.path().join("bin/python");
    let ok = |c: &mut std::process::Command| {
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{c:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    };
    ok(std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path()));
    ok(std::process::Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
        ])
        .arg(&wheelhouse)
        .arg("pyperf"));
    let a = dir.join("3.13-x2.json");
    let b = dir.join("3.13t-x2.json");
    let stats = ok(std::process::Command::new(&python)
        .args(["-m", "pyperf", "stats"])
        .arg(&a));
    assert!(
        stats.contains("Mean +- std dev") && stats.contains("Number of run with values: 2"),
        "{stats}"
    );
    let cmp = ok(std::process::Command::new(&python)
        .args(["-m", "pyperf", "compare_to"])
        .arg(&a)
        .arg(&b));
    assert!(
        cmp.contains("gil-2-threads") || cmp.contains("faster") || cmp.contains("slower"),
        "{cmp}"
    );
}

#[test]
fn run_jit_compares_jit_on_and_off_and_compare_reads_the_results() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("jit.json");
    let mut args = vec!["run", "jit", "-n", "1000", "--json", json.to_str().unwrap()];
    args.extend(["--processes", "5", "--values", "3", "--min-time", "0.05"]);
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = read_json(&json);
    let rows = r["rows"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["interpreter"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "system",
            "3.13",
            "3.13j",
            "3.14",
            "3.14j",
            "3.14j PYTHON_JIT=0"
        ]
    );
    let jit: Vec<&str> = rows
        .iter()
        .map(|r| r["info"]["jit"].as_str().unwrap())
        .collect();
    assert_eq!(
        jit,
        [
            "unsupported",
            "unsupported",
            "enabled",
            "unsupported",
            "enabled",
            "disabled"
        ]
    );
    assert_eq!(rows[5]["env"]["PYTHON_JIT"], "0");
    assert_eq!(rows[5]["info"]["env"]["PYTHON_JIT"], "0");

    // The same run against itself: nothing is slower, the gate passes.
    let report = json.to_str().unwrap();
    let out = run(&["compare", report, report, "--fail-on-regression", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("3.14j PYTHON_JIT=0"),
        "{}",
        stdout(&out)
    );

    // Every value but the baseline's three times as slow: significant against
    // the baseline of its run even on a busy machine (the other e2e tests run
    // at the same time), and the gate fails naming the rows.
    let scaled = |factor: f64| -> serde_json::Value {
        let mut slower = r.clone();
        for row in slower["rows"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .filter(|row| row["interpreter"] != "3.13")
        {
            for s in row["samples"].as_array_mut().unwrap() {
                s["seconds"] = (s["seconds"].as_f64().unwrap() * factor).into();
                for v in s["values"].as_array_mut().unwrap() {
                    *v = (v.as_f64().unwrap() * factor).into();
                }
            }
        }
        slower
    };
    let slow = dir.path().join("slow.json");
    std::fs::write(&slow, serde_json::to_vec(&scaled(3.0)).unwrap()).unwrap();
    let cmp = dir.path().join("cmp.json");
    let out = run(&[
        "compare",
        report,
        slow.to_str().unwrap(),
        "--fail-on-regression",
        "10",
        "--json",
        cmp.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("significantly slower in B by more than 10%"),
        "{}",
        stderr(&out)
    );
    let rows = read_json(&cmp)["benchmarks"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 6);
    // What run and compare wrote, report reads (each file checked as it is).
    let summary = dir.path().join("summary.md");
    let cmp_path = cmp.to_str().unwrap();
    let out = run(&[
        "report",
        report,
        cmp_path,
        "--markdown",
        summary.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for row in &rows {
        let slowed = row["label"] != "3.13";
        assert_eq!(row["verdict"] == "degraded", slowed, "{row}");
        assert_eq!(row["unit"] == "normalized", slowed, "{row}");
    }

    // Folders of repeated runs: one level per run, the same verdicts.
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    for (folder, factors) in [(&before, [1.0, 1.02, 0.98]), (&after, [3.0, 3.06, 2.94])] {
        std::fs::create_dir(folder).unwrap();
        for (i, factor) in factors.iter().enumerate() {
            let file = folder.join(format!("{i}.json"));
            std::fs::write(file, serde_json::to_vec(&scaled(*factor)).unwrap()).unwrap();
        }
    }
    let out = run(&[
        "compare",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "--fail-on-regression",
        "10",
        "--json",
        cmp.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("(3 runs)"), "{}", stdout(&out));
    let rows = read_json(&cmp)["benchmarks"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 6);
    for row in rows.iter().filter(|row| row["label"] != "3.13") {
        assert_eq!(
            (&row["verdict"], &row["unit"]),
            (&"degraded".into(), &"runs".into()),
            "{row}"
        );
    }
}

#[test]
fn run_uops_reveals_micro_ops_only_with_the_jit() {
    images();
    let out = run(&["run", "uops"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let jit_start = text.find("▶ 3.13j\n").expect("3.13j block");
    let jit = &text[jit_start..];
    let jit = &jit[..jit[3..].find("▶ ").map(|i| i + 3).unwrap_or(jit.len())];
    assert!(
        jit.contains("Micro-ops unavailable"),
        "before warm-up: {jit}"
    );
    assert!(jit.contains("_START_EXECUTOR"), "{jit}");
    let stock_start = text.find("▶ 3.13\n").expect("3.13 block");
    let stock = &text[stock_start..jit_start.max(stock_start)];
    assert!(
        stock.contains("Micro-ops unavailable") && !stock.contains("_START_EXECUTOR"),
        "{stock}"
    );
    // 3.14 warms up after its own threshold (4096 backward jumps, not 16).
    let start = text.find("▶ 3.14j\n").expect("3.14j block");
    let jit314 = &text[start..];
    let jit314 = &jit314[..jit314[3..]
        .find("▶ ")
        .map(|i| i + 3)
        .unwrap_or(jit314.len())];
    assert!(jit314.contains("_START_EXECUTOR"), "{jit314}");
}

/// `run SCRIPT` once on 3.13 and 3.13t, results to `json`, then `extra` arguments.
fn run_script_once(
    script: &std::path::Path,
    json: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "run",
        script.to_str().unwrap(),
        "--interpreters",
        "3.13,3.13t",
        "--processes",
        "1",
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn user_scripts_run_through_the_same_matrix() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("mine.py");
    std::fs::write(
        &script,
        "import sys\nprint('args', sys.argv[1:])\nsum(range(10**5))\n",
    )
    .unwrap();
    let json = dir.path().join("mine.json");
    let out = run_script_once(&script, &json, &["--", "--flag", "x"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = read_json(&json);
    assert_eq!(r["rows"].as_array().unwrap().len(), 2);
    assert_eq!(r["benchmark"], "mine.py");

    // A script that fails is a failed row; the other rows still run.
    std::fs::write(&script, "import sysconfig\nif not sysconfig.get_config_var('Py_GIL_DISABLED'): raise SystemExit('no luck')\n").unwrap();
    let out = run_script_once(&script, &json, &[]);
    assert!(!out.status.success());
    let r = read_json(&json);
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows[0]["outcome"]["status"], "failed");
    assert!(rows[0]["outcome"]["stderr_tail"]
        .as_str()
        .unwrap()
        .contains("no luck"));
    assert_eq!(rows[1]["outcome"]["status"], "ok");
    assert!(
        stderr(&out).contains("1 of 2 configurations failed"),
        "{}",
        stderr(&out)
    );
}

const NAMED_METRICS: &str = "\
import sys
import harness

threads = int(sys.argv[1])

def spin(loops):
    for _ in range(loops):
        sum(range(2000))

def build(loops):
    for _ in range(loops):
        [str(i) for i in range(500)]

print('threads', threads)
harness.bench('spin', spin, threads=threads)
harness.bench('build', build)
";

#[test]
fn a_user_script_sweeps_threads_and_reports_each_named_benchmark() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("mine.py");
    std::fs::write(&script, NAMED_METRICS).unwrap();
    let json = dir.path().join("mine.json");
    let mut extra = vec!["--threads", "1,2", "--values", "2", "--min-time", "0.01"];
    extra.extend(["--show-output", "--", "{threads}"]);
    let out = run(&[
        "run",
        script.to_str().unwrap(),
        "--interpreters",
        "3.13,3.13t",
        "--processes",
        "3",
        "--json",
        json.to_str().unwrap(),
    ]
    .into_iter()
    .chain(extra)
    .collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("mine.py:spin") && text.contains("mine.py:build"),
        "{text}"
    );
    assert!(
        text.contains("▶ 3.13t ×2 printed (process 1 of 3):"),
        "{text}"
    );
    assert!(text.contains("  threads 2\n"), "{text}");
    let main = read_json(&json);
    let first = &main["rows"][0]["samples"][0];
    assert_eq!(
        first["output"]["stdout"].as_str().unwrap().lines().next(),
        Some("threads 1")
    );
    for (file, name) in [
        ("mine.spin.json", "mine.py:spin"),
        ("mine.build.json", "mine.py:build"),
    ] {
        let r = read_json(&dir.path().join(file));
        assert_eq!(r["benchmark"], name);
        let labels: Vec<&str> = r["summary"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["3.13 ×1", "3.13t ×1", "3.13 ×2", "3.13t ×2"]);
        for row in r["rows"].as_array().unwrap() {
            let measured = row["samples"].as_array().unwrap().iter();
            let measured = measured.filter(|s| s["warmup"] == false).count();
            assert_eq!(
                (measured, &row["outcome"]["status"]),
                (3, &"ok".into()),
                "{row}"
            );
        }
        // Every row but the baseline has its interval and p-value.
        for row in r["summary"].as_array().unwrap() {
            let c = &row["comparison"];
            assert!(
                c["verdict"] == "baseline" || c["p_value"].is_number(),
                "{row}"
            );
        }
    }
    // The thread sweep gives the spin benchmark its speed-up at 2 threads.
    let spin = read_json(&dir.path().join("mine.spin.json"));
    assert!(
        spin["summary"][3]["speedup"].is_number(),
        "{}",
        spin["summary"][3]
    );
}

const PYPERF_SCRIPT: &str = "\
import sys
import pyperf

# Every process (pyperf's workers too) says whether its GIL is on.
print('gil', getattr(sys, '_is_gil_enabled', lambda: None)(), file=sys.stderr)
runner = pyperf.Runner()
runner.bench_func('sum-range', sum, range(1000))
runner.bench_func('sorted', sorted, list(range(300, 0, -1)))
";

#[test]
fn a_pyperf_script_runs_unchanged_on_every_interpreter() {
    images();
    wheels_in_cache();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("pp.py");
    std::fs::write(&script, PYPERF_SCRIPT).unwrap();
    let json = dir.path().join("pp.json");
    let out = run(&[
        "run",
        script.to_str().unwrap(),
        "--processes",
        "2",
        "--json",
        json.to_str().unwrap(),
        "--",
        "--processes",
        "2",
        "--values",
        "2",
        "--warmups",
        "1",
        "--min-time",
        "0.005",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("pp.py:sum-range") && text.contains("pp.py:sorted"),
        "{text}"
    );
    let r = read_json(&dir.path().join("pp.sorted.json"));
    let rows = r["rows"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["interpreter"].as_str().unwrap())
        .collect();
    for expected in [
        "system",
        "3.13",
        "3.13t",
        "3.13t -X gil=1",
        "3.14j PYTHON_JIT=0",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    for row in rows {
        assert_eq!(row["outcome"]["status"], "ok", "{row}");
        let measured = row["samples"].as_array().unwrap().iter();
        for sample in measured.filter(|s| s["warmup"] == false) {
            // pyperf's 2 worker processes × 2 values, per container.
            assert_eq!(sample["values"].as_array().unwrap().len(), 4, "{sample}");
        }
    }
    // pyperf's workers keep the configuration: -X gil=1 reaches them.
    let main = read_json(&json);
    for (name, state) in [("3.13t -X gil=1", "gil True"), ("3.13t", "gil False")] {
        let row = main["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["interpreter"] == name)
            .unwrap();
        let stderr = row["samples"][0]["output"]["stderr"].as_str().unwrap();
        let said: Vec<&str> = stderr.lines().filter(|l| l.starts_with("gil ")).collect();
        assert!(
            said.len() >= 3 && said.iter().all(|l| *l == state),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn a_pyperformance_subset_runs_on_every_build() {
    images();
    wheels_in_cache();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("pf.json");
    // tomli_loads needs tomli, which .ci/setup put in target/wheelhouse;
    // chameleon's package is in no wheelhouse, and PyPI is not asked.
    let house = root().join("target/wheelhouse");
    let out = run(&[
        "run",
        "pyperformance",
        "--benchmarks",
        "nbody,tomli_loads,chameleon",
        "--offline",
        "--wheelhouse",
        house.to_str().unwrap(),
        "--processes",
        "2",
        "--json",
        json.to_str().unwrap(),
        "--",
        "--processes",
        "1",
        "--values",
        "2",
        "--warmups",
        "1",
        "--min-time",
        "0.005",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("│ nbody") && text.contains("│ tomli_loads"),
        "{text}"
    );
    assert!(text.contains("geometric mean"), "{text}");
    assert!(
        stderr(&out).contains("chameleon on 3.13t: no wheel of chameleon==4.6.0"),
        "{}",
        stderr(&out)
    );
    // The third-party package was unpacked on the host and imported on every build.
    for file in ["pf.nbody.json", "pf.tomli_loads.json"] {
        let r = read_json(&dir.path().join(file));
        let rows = r["rows"].as_array().unwrap();
        let names: Vec<&str> = rows
            .iter()
            .map(|r| r["interpreter"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["3.13", "3.13t", "3.13j", "3.14", "3.14t", "3.14j"]);
        for row in rows {
            assert_eq!(row["outcome"]["status"], "ok", "{file}: {row}");
        }
    }
    let r = read_json(&dir.path().join("pf.nbody.json"));
    let rows = r["rows"].as_array().unwrap();
    // Each build against its own version's stock build.
    let t314 = rows.iter().find(|r| r["interpreter"] == "3.14t").unwrap();
    assert_eq!(t314["baseline"], "3.14");
    let summary = r["summary"].as_array().unwrap();
    let c = &summary.iter().find(|s| s["label"] == "3.14t").unwrap()["comparison"];
    assert!(c["ratio"].is_number() && c["verdict"] != "baseline", "{c}");
}

#[test]
fn ext_matrix_checks_gil_and_abi() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let outdir = dir.path().join("mods");
    let json = dir.path().join("ext.json");
    let out = run(&[
        "ext",
        "--out",
        outdir.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    for f in [
        "3.13-greeter_stock.so",
        "3.13-greeter_threaded_v1.so",
        "3.13-greeter_threaded_v2.so",
        "3.14-greeter_stock.so",
        "3.14-greeter_threaded_v1.so",
        "3.14-greeter_threaded_v2.so",
    ] {
        assert!(outdir.join(f).is_file(), "{f}");
    }
    // Nothing was written into the source tree.
    let c_ext: Vec<_> = std::fs::read_dir(root().join("c_extension"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        c_ext.iter().all(|n| !n.to_string_lossy().ends_with(".so")),
        "{c_ext:?}"
    );
    let r = read_json(&json);
    let checks = r["checks"].as_array().unwrap();
    let find = |out: &str, interp: &str, env: bool| {
        checks
            .iter()
            .find(|c| {
                c["output"] == out
                    && c["interpreter"] == interp
                    && c["env"].as_array().unwrap().is_empty() != env
            })
            .unwrap_or_else(|| panic!("no check {out} in {interp}"))
    };
    let v1 = find("3.13-greeter_threaded_v1.so", "3.13t", false);
    assert_eq!(v1["imported"], true);
    assert_eq!(v1["gil_after"], true);
    assert!(
        v1["warnings"]
            .to_string()
            .contains("The global interpreter lock (GIL) has been enabled"),
        "{v1}"
    );
    assert_eq!(v1["greet"], "Hello, pybench!");
    let v2 = find("3.13-greeter_threaded_v2.so", "3.13t", false);
    assert_eq!(
        (v2["imported"].clone(), v2["gil_after"].clone()),
        (true.into(), false.into())
    );
    let forced = find("3.13-greeter_threaded_v1.so", "3.13t", true);
    assert_eq!(forced["gil_after"], false);
    let abi = find("3.13-greeter_stock.so", "3.13t", false);
    assert_eq!(abi["imported"], false);
    assert_eq!(abi["verdict"], "ABI mismatch caught");
    // The same on 3.14: the GIL comes back for v1, stays off for v2, and the
    // ABI guard holds.
    let v1 = find("3.14-greeter_threaded_v1.so", "3.14t", false);
    assert_eq!(
        (v1["imported"].clone(), v1["gil_after"].clone()),
        (true.into(), true.into())
    );
    let v2 = find("3.14-greeter_threaded_v2.so", "3.14t", false);
    assert_eq!(
        (v2["imported"].clone(), v2["gil_after"].clone()),
        (true.into(), false.into())
    );
    let abi = find("3.14-greeter_stock.so", "3.14t", false);
    assert_eq!(abi["verdict"], "ABI mismatch caught");
    assert!(checks.iter().all(|c| c["passed"] == true));
    assert!(stdout(&out).contains("ABI mismatch caught"));
}

#[test]
fn ext_reports_compiler_errors_for_a_users_module() {
    images();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let src = dir.path().join("src/broken.c");
    std::fs::write(&src, "#include <Python.h>\nint oops( {\n").unwrap();
    let out = run(&[
        "ext",
        src.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("compiling broken.c for 3.13") && text.contains("error"),
        "{text}"
    );
}

/// Checked from inside a benchmark container: what the README promises.
const LOCKDOWN_PROBE: &str = r#"
import os, socket
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
problems = []
if os.getuid() == 0: problems.append("runs as root")
if int(status["CapEff"].strip(), 16) != 0: problems.append("has capabilities " + status["CapEff"].strip())
if status.get("NoNewPrivs", "").strip() != "1": problems.append("no-new-privileges is off")
for path in ("/probe", "/app/probe", "/script/probe"):
    try:
        open(path, "w").close(); problems.append(path + " is writable")
    except OSError:
        pass
open("/tmp/ok", "w").close()
if os.path.exists("/var/run/docker.sock") or os.path.exists("/run/docker.sock"): problems.append("docker socket mounted")
ifaces = [i for i in os.listdir("/sys/class/net") if i != "lo"]
if ifaces: problems.append("network interfaces " + ",".join(ifaces))
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2); problems.append("network reachable")
except OSError:
    pass
def first(*paths):
    for p in paths:
        try:
            return open(p).read().strip()
        except OSError:
            pass
    return "unreadable"
pids = first("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max")
if not pids.isdigit(): problems.append("no pid limit: " + pids)
mem = first("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
if not mem.isdigit() or int(mem) > 1 << 50: problems.append("no memory limit: " + mem)
if problems: raise SystemExit("; ".join(problems))
"#;

#[test]
fn benchmark_containers_are_locked_down() {
    images();
    // The variant builds keep their tree in a VOLUME; the images benchmarks
    // and extensions run in must not inherit it (a volume per container).
    for image in ["pythons", "builder"] {
        let tag = format!("pybench-docker/{image}:3.13.15");
        assert_eq!(declared_volumes(&tag), Vec::<String>::new(), "{tag}");
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("probe.py");
    std::fs::write(&script, LOCKDOWN_PROBE).unwrap();
    let json = dir.path().join("probe.json");
    let out = run(&[
        "run",
        script.to_str().unwrap(),
        "--interpreters",
        "system,3.13t",
        "--baseline",
        "system",
        "--repeat",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    let r = read_json(&json);
    for row in r["rows"].as_array().unwrap() {
        assert_eq!(row["outcome"]["status"], "ok", "{row}");
    }
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn the_whole_suite_runs_quickly_on_the_default_matrix() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("suite.json");
    let list = stdout(&run(&["run", "--list"]));
    let names: Vec<String> = list
        .lines()
        .skip(1)
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            // Suite benchmarks have a category in the first column; the
            // built-in ones (gil, jit, uops, ftscalingbench) leave it blank.
            let categorised = !l.starts_with("   ");
            (categorised && words.len() > 2).then(|| words[1].to_string())
        })
        .collect();
    assert!(names.len() >= 10, "{list}");
    let mut args = vec![
        "run",
        "suite",
        "--threads",
        "2",
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend([
        "--processes",
        "1",
        "--values",
        "1",
        "--warmups",
        "0",
        "--min-time",
        "0.005",
    ]);
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Speed-up vs ×1"), "{}", stdout(&out));
    for name in &names {
        let r = read_json(&dir.path().join(format!("suite.{name}.json")));
        let rows = r["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 12, "{name}: 6 interpreters at 1 and 2 threads");
        for row in rows {
            assert_eq!(row["outcome"]["status"], "ok", "{name}: {row}");
            assert_eq!(
                row["samples"][0]["values"].as_array().unwrap().len(),
                1,
                "{name}"
            );
        }
    }
    // Other tests run at the same time: look at this run's session only.
    let session = read_json(&dir.path().join(format!("suite.{}.json", names[0])))["session"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        labelled_containers(Some(&session)).is_empty(),
        "no container of session {session} is left"
    );
}

#[test]
fn ftscalingbench_reports_each_pattern_and_flags_one_that_serialises_on_a_lock() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("fts.json");
    // A tree of our own with the real script's shape: the same path as a
    // release's script (extracted, mounted read-only, imported as a module,
    // each pattern measured through the harness at 1 and 2 threads).
    let out = run(&[
        "run",
        "ftscalingbench",
        "--script-from",
        "tests/fixtures/ftscaling",
        "--interpreters",
        "3.14t",
        "--baseline",
        "3.14t",
        "--threads",
        "2",
        "--processes",
        "8",
        "--values",
        "5",
        "--min-time",
        "0.05",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("│ private_arithmetic") && text.contains("│ one_shared_lock"),
        "{text}"
    );
    // The notes name the patterns that scale badly; the convoy is one of them.
    let note = text
        .lines()
        .find(|l| l.starts_with("3.14t ×2: "))
        .unwrap_or("");
    let badly = note.split("scale badly: ").nth(1).unwrap_or("");
    assert!(badly.contains("one_shared_lock "), "{text}");
    assert!(
        stderr(&out).contains(
            "3.14t: Tools/ftscalingbench/ftscalingbench.py of the tree tests/fixtures/ftscaling"
        ),
        "{}",
        stderr(&out)
    );
    let locked = read_json(&dir.path().join("fts.one_shared_lock.json"));
    assert_eq!(locked["benchmark"], "ftscalingbench:one_shared_lock");
    assert_eq!(locked["part_of"], "ftscalingbench");
    let two = &locked["summary"][1];
    assert_eq!(two["label"], "3.14t ×2", "{two}");
    assert_eq!(two["scaling"], "scales-badly", "{two}");
    assert!(two["speedup_ci"][1].as_f64().unwrap() < 1.0, "{two}");
    let script = &locked["rows"][0]["source_script"];
    assert_eq!(script["path"], "Tools/ftscalingbench/ftscalingbench.py");
    assert_eq!(script["sha256"].as_str().unwrap().len(), 64);
    // The containers' CPUs are ours: one thread on one CPU, two on two.
    let cpusets: Vec<&str> = locked["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["samples"][0]["cpuset"].as_str().unwrap())
        .collect();
    assert_eq!(cpusets, ["1", "0-1"]);
}

/// Holds MIB mebibytes (every page written) while the harness times a loop.
const HOLD: &str = "\
import sys
import harness

held = bytearray(int(sys.argv[1]) * (1 << 20))  # memset: every page resident

def spin(loops):
    for _ in range(loops):
        sum(range(2000))

harness.bench('hold', spin)
print('held', len(held) >> 20, 'MiB')
";

const MIB: f64 = (1u64 << 20) as f64;

/// `run hold.py` on 3.14 and 3.14t, 3 processes each, holding `mib`.
fn run_hold(
    dir: &std::path::Path,
    mib: u32,
    html: Option<&std::path::Path>,
) -> (String, serde_json::Value) {
    let script = dir.join("hold.py");
    std::fs::write(&script, HOLD).unwrap();
    let json = dir.join(format!("hold-{mib}.json"));
    let mib = mib.to_string();
    let mut args = vec![
        "run",
        script.to_str().unwrap(),
        "--interpreters",
        "3.14,3.14t",
        "--processes",
        "3",
        "--values",
        "3",
        "--min-time",
        "0.01",
        "--json",
        json.to_str().unwrap(),
    ];
    if let Some(html) = html {
        args.extend(["--html", html.to_str().unwrap()]);
    }
    args.extend(["--", &mib]);
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    (stdout(&out), read_json(&json))
}

/// The peaks (MiB) of the memory table's rows, by interpreter label.
fn table_peaks(text: &str) -> Vec<(String, f64)> {
    let (_, table) = text
        .split_once("Memory: peak resident set of the benchmark process")
        .unwrap_or_else(|| panic!("no memory table: {text}"));
    table
        .lines()
        .filter(|l| l.starts_with("│ 3.14"))
        .map(|l| {
            let cells: Vec<&str> = l.split(['│', '┆']).map(str::trim).collect();
            let peak = cells[2].split(' ').next().unwrap().parse().unwrap();
            (cells[1].to_string(), peak)
        })
        .collect()
}

#[test]
fn memory_held_by_a_script_is_what_the_table_the_json_and_the_page_say() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let (text, r) = run_hold(dir.path(), 200, Some(&site));
    // The table: both builds at least the 200 MiB, and within 40 MiB above.
    let peaks = table_peaks(&text);
    assert_eq!(peaks.len(), 2, "{text}");
    for (label, mib) in &peaks {
        assert!((200.0..=240.0).contains(mib), "{label}: {mib} MiB\n{text}");
    }
    assert!(
        text.contains("sources: process: VmHWM of /proc/self/status, reset before each value"),
        "{text}"
    );
    // The JSON: every process's own record, and each row's statistics.
    for (i, row) in r["rows"].as_array().unwrap().iter().enumerate() {
        let measured = row["samples"].as_array().unwrap().iter();
        for s in measured.filter(|s| s["warmup"] == false) {
            let m = &s["memory"];
            assert_eq!(m["process_source"], "proc-status", "{m}");
            assert_eq!(m["process_reset"], true, "{m}");
            let peak = m["process_peak"].as_f64().unwrap();
            assert!(m["container_peak"].as_f64().unwrap() >= peak, "{m}");
        }
        let memory = &r["summary"][i]["memory"];
        let mean = memory["summary"]["mean"].as_f64().unwrap() / MIB;
        assert!((200.0..=240.0).contains(&mean), "{memory}");
        assert!(memory["comparison"]["verdict"].is_string(), "{memory}");
    }
    // 3.14t against 3.14: the same 200 MiB plus a slightly larger interpreter.
    let ft = &r["summary"][1]["memory"]["comparison"];
    assert!(ft["ci_low"].as_f64().unwrap() > 0.98, "{ft}");
    assert!(ft["ci_high"].as_f64().unwrap() < 1.1, "{ft}");
    // The page: a memory section with each build's peak.
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        page.contains("Memory: peak resident set"),
        "no memory section"
    );
    let shown: Vec<f64> = page
        .split(" MiB · ")
        .map(|before| before.rsplit('>').next().unwrap_or(""))
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    assert_eq!(shown.len(), 2, "one bar per build: {shown:?}");
    assert!(
        shown.iter().all(|m| (200.0..=240.0).contains(m)),
        "{shown:?}"
    );

    // The same script holding nothing is far below.
    let (text, r) = run_hold(dir.path(), 0, None);
    for (label, mib) in table_peaks(&text) {
        assert!(mib <= 40.0, "{label}: {mib} MiB\n{text}");
    }
    for row in r["summary"].as_array().unwrap() {
        let mean = row["memory"]["summary"]["mean"].as_f64().unwrap() / MIB;
        assert!(mean <= 40.0, "{row}");
    }
    // Other tests and helpers share the daemon: this run's session only.
    let session = r["session"].as_str().unwrap();
    assert!(
        labelled_containers(Some(session)).is_empty(),
        "no container of session {session} is left"
    );
}
