//! End to end on the real daemon: the JIT probe (docs/jit-probe.md) says
//! whether JIT-compiled code ran, on the default config's builds.

mod common;

use common::*;

/// Each row's probe verdicts, one per measured process.
fn verdicts(row: &serde_json::Value) -> Vec<String> {
    row["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["warmup"] == false)
        .map(|s| s["jit"]["verdict"].as_str().unwrap_or("none").to_string())
        .collect()
}

#[test]
fn the_jit_column_says_whether_jit_code_ran_on_and_off() {
    images();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("jit.json");
    let names = "3.13,3.13j,3.13j PYTHON_JIT=0,3.14j,3.14j PYTHON_JIT=0";
    let mut args = vec!["run", "jit", "-n", "1000", "--interpreters", names];
    args.extend(["--processes", "2", "--values", "3", "--min-time", "0.05"]);
    args.extend(["--baseline", "3.13", "--json", json.to_str().unwrap()]);
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = read_json(&json);
    let rows = r["rows"].as_array().unwrap();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["interpreter"] == name)
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    let two = |v: &str| vec![v.to_string(), v.to_string()];
    assert_eq!(verdicts(row("3.13")), two("off"));
    assert_eq!(verdicts(row("3.13j PYTHON_JIT=0")), two("off"));
    assert_eq!(verdicts(row("3.14j PYTHON_JIT=0")), two("off"));
    assert_eq!(verdicts(row("3.13j")), two("ran"));
    assert_eq!(verdicts(row("3.14j")), two("ran"));

    // The evidence behind each: 3.14 marks entries, 3.13 cannot.
    let evidence = |name: &str| row(name)["samples"][0]["jit"].clone();
    let on314 = evidence("3.14j");
    assert_eq!(on314["marks"], true, "{on314}");
    assert!(on314["entered"].as_u64().unwrap() >= 1, "{on314}");
    assert!(on314["entered_jit_bytes"].as_u64().unwrap() > 0, "{on314}");
    let on313 = evidence("3.13j");
    assert_eq!(on313["marks"], false, "{on313}");
    assert!(
        on313["attached_throughout"].as_u64().unwrap() + on313["created"].as_u64().unwrap() >= 1,
        "{on313}"
    );
    let off = evidence("3.14j PYTHON_JIT=0");
    assert_eq!(
        (off["enabled"].clone(), off["executors_after"].clone()),
        (false.into(), 0.into())
    );

    // The table says it in words.
    let text = stdout(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
            .to_string()
    };
    assert!(line("3.14j").contains(" ran "), "{text}");
    assert!(line("3.14j PYTHON_JIT=0").contains(" off "), "{text}");
}

#[test]
fn info_runs_the_probe_on_a_hot_loop_of_its_own() {
    images();
    let out = run(&["info", "--interpreters", "3.14,3.14j,3.14j PYTHON_JIT=0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let block = |name: &str| {
        let start = text.find(&format!("▶ {name}\n")).unwrap();
        let rest = &text[start + name.len() + 4..];
        rest[..rest.find("▶ ").unwrap_or(rest.len())].to_string()
    };
    assert!(block("3.14").contains("JIT probe, a hot loop: off (built without the JIT)"));
    assert!(
        block("3.14j").contains("JIT probe, a hot loop: ran ("),
        "{text}"
    );
    assert!(block("3.14j PYTHON_JIT=0").contains("JIT probe, a hot loop: off ("));
}

#[test]
fn uops_runs_the_probe_around_more_calls_of_the_warmed_up_loop() {
    images();
    let out = run(&["run", "uops", "--interpreters", "3.14j,3.14j PYTHON_JIT=0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let on = &text[text.find("▶ 3.14j\n").unwrap()..text.find("▶ 3.14j PYTHON_JIT=0").unwrap()];
    assert!(
        on.contains("# JIT probe, 1000 more calls of fib(10): ran ("),
        "{text}"
    );
    let off = &text[text.find("▶ 3.14j PYTHON_JIT=0").unwrap()..];
    assert!(
        off.contains("# JIT probe, 1000 more calls of fib(10): off ("),
        "{text}"
    );
}
