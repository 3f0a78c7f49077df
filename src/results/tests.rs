//! Result files as files: each kind written and read back by its type,
//! read by the kind it names, old files read by the stated rule, and every
//! validation rule refusing with which file, which field and which row.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use super::validate::{maybe, name, names, non_negative, share, text, times, At, Validate};
use super::*;
use crate::report::fixture;

const GIL: &str = include_str!("../../tests/fixtures/report/gil.json");
const JIT_BEFORE_THE_HARNESS: &str =
    include_str!("../../tests/fixtures/report/jit-2026-11-22.json");
const EXT: &str = include_str!("../../tests/fixtures/report/ext.json");

fn value(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap()
}

/// A recorded file as it was before files named their kind.
fn without_kind(recorded: &str) -> Value {
    let mut v: Value = serde_json::from_str(recorded).unwrap();
    let object = v.as_object_mut().unwrap();
    assert!(object.remove("kind").is_some() && object.remove("schema").is_some());
    v
}

fn run_of(doc: ResultDoc) -> Report {
    match doc {
        ResultDoc::Run(r) => *r,
        other => panic!("not a run: {:?}", other.kind()),
    }
}

fn build_summary() -> BuildSummary {
    BuildSummary {
        stages: vec![StageReport {
            stage: "3.13t".into(),
            outcome: "built".into(),
            seconds: 754.5,
        }],
        images: vec![ImageReport {
            image: "pybench-docker/pythons:3.13.15".into(),
            id: "sha256:0123".into(),
            size: 1_234_000_000,
        }],
        seconds: 760.25,
        cpu_seconds: Some(1400.0),
        skipped: false,
    }
}

fn a_comparison() -> CompareFile {
    let a = fixture::report();
    let rows = crate::analysis::pairing::pair_reports(&a, &a, Default::default());
    CompareFile {
        benchmarks: vec![Comparisons {
            measure: Default::default(),
            band: None,
            benchmark: "gil".into(),
            a: "a.json".into(),
            b: "b.json".into(),
            runs_a: 1,
            runs_b: 1,
            normalized: true,
            rows,
            only_in_a: vec!["3.14".into()],
            only_in_b: vec![],
            scaling: vec![],
        }],
    }
}

#[test]
fn every_kind_is_written_with_its_kind_and_schema_and_reads_back_the_same() {
    let run = fixture::report();
    let matrix = match decode("ext.json", EXT.as_bytes()).unwrap() {
        ResultDoc::ExtMatrix(m) => m,
        other => panic!("{:?}", other.kind()),
    };
    let package: ExtPackage =
        serde_json::from_str(include_str!("../../tests/fixtures/report/ext-package.json")).unwrap();
    let packages = crate::report::packages::tests::three();
    let files = [
        (to_json(&run).unwrap(), "run", 2),
        (to_json(&a_comparison()).unwrap(), "compare", 1),
        (to_json(&matrix).unwrap(), "ext-matrix", 1),
        // ext-package 2: the verdicts fell-back, thread-unsafe and tests-fail;
        // 3: tsan and the verdict data-race.
        (to_json(&package).unwrap(), "ext-package", 3),
        (to_json(&packages).unwrap(), "ext-packages", 1),
        (to_json(&build_summary()).unwrap(), "build", 1),
    ];
    for (written, kind, schema) in &files {
        let v = value(written);
        assert_eq!(
            (&v["kind"], &v["schema"]),
            (&json!(kind), &json!(schema)),
            "{kind}"
        );
        // Kind and schema come first, so a reader (or a person) sees them.
        let text = String::from_utf8_lossy(written);
        assert!(text.starts_with(&format!(
            "{{\n  \"kind\": \"{kind}\",\n  \"schema\": {schema},"
        )));
        assert!(text.ends_with("}\n"));
    }
    let back: Vec<ResultDoc> = files
        .iter()
        .map(|(b, _, _)| decode("f", b).unwrap())
        .collect();
    assert!(matches!(&back[0], ResultDoc::Run(r) if **r == run));
    assert!(matches!(&back[1], ResultDoc::Compare(c) if *c == a_comparison()));
    assert!(matches!(&back[2], ResultDoc::ExtMatrix(m) if *m == matrix));
    assert!(matches!(&back[3], ResultDoc::ExtPackage(p) if *p == package));
    assert!(matches!(&back[4], ResultDoc::ExtPackages(p) if *p == packages));
    assert!(matches!(&back[5], ResultDoc::Build(b) if *b == build_summary()));
    let kinds: Vec<Kind> = back.iter().map(ResultDoc::kind).collect();
    assert_eq!(kinds, Kind::ALL);
}

#[test]
fn a_file_is_read_as_the_kind_it_names_whatever_keys_it_has() {
    // A run that also carries the keys of an extension matrix is a run.
    let mut run = value(GIL.as_bytes());
    run["compiles"] = json!([]);
    run["checks"] = json!([]);
    assert_eq!(
        run_of(decode("gil.json", &bytes(&run)).unwrap()).benchmark,
        "gil"
    );
    // A run's keys under the kind of a comparison: read as a comparison,
    // which it is not.
    run["kind"] = json!("compare");
    let e = decode("gil.json", &bytes(&run)).unwrap_err();
    assert!(
        e.starts_with("gil.json is a comparison (`compare --json`) but cannot be read: missing field `benchmarks`"),
        "{e}"
    );
}

#[test]
fn unknown_kinds_and_newer_schemas_are_refused_saying_why() {
    let mut run = value(GIL.as_bytes());
    let cases = [
        (json!("flamegraph"), json!(1), "names its kind \"flamegraph\", which this version of pybench-docker does not know (it knows run, compare, ext-matrix, ext-package, ext-packages, build)"),
        (json!(7), json!(1), "names its kind 7, which"),
        (json!("run"), json!(3), "is a run's result file (`run --json`) of schema 3, newer than this version of pybench-docker reads (up to 2)"),
        (json!("run"), json!("one"), "its \"schema\" is \"one\", not a whole number"),
        (json!("run"), json!(-1), "its \"schema\" is -1, not a whole number"),
    ];
    for (kind, schema, expected) in cases {
        run["kind"] = kind;
        run["schema"] = schema;
        let e = decode("r.json", &bytes(&run)).unwrap_err();
        assert!(e.starts_with("r.json ") && e.contains(expected), "{e}");
        assert!(!e.contains('\n'), "one paragraph: {e}");
    }
}

#[test]
fn files_from_before_kinds_are_read_as_runs_and_nothing_else() {
    // Runs, with and without the harness's values.
    for recorded in [GIL, JIT_BEFORE_THE_HARNESS] {
        let old = run_of(decode("old.json", &bytes(&without_kind(recorded))).unwrap());
        let new = run_of(decode("new.json", recorded.as_bytes()).unwrap());
        assert_eq!(old, new);
    }
    // A package's readiness always had its kind; before schemas, no schema.
    let mut package: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/report/ext-package.json")).unwrap();
    package.as_object_mut().unwrap().remove("schema");
    assert_eq!(
        decode("p.json", &bytes(&package)).unwrap().kind(),
        Kind::ExtPackage
    );
    // Any other file without a kind is refused, with how to write it anew,
    // whatever its keys: no reader guesses a kind from them.
    let one = serde_json::to_value(&a_comparison().benchmarks[0]).unwrap();
    for (name, old) in [
        ("ext.json", without_kind(EXT)),
        ("c.json", one.clone()),
        ("cs.json", json!({"benchmarks": [one]})),
        ("b.json", serde_json::to_value(build_summary()).unwrap()),
        ("n.json", json!({"benchmark": "gil", "rows": []})),
    ] {
        let e = decode(name, &bytes(&old)).unwrap_err();
        assert!(
            e.starts_with(&format!("{name} is not a pybench-docker result file")),
            "{e}"
        );
        assert!(e.contains("has no \"kind\""), "{e}");
        assert!(e.contains("`compare A B --json FILE`"), "{e}");
        assert!(!e.contains('\n'), "one paragraph: {e}");
    }
    let e = decode("empty.json", b"{}").unwrap_err();
    assert!(e.contains("not a pybench-docker result file"), "{e}");
}

/// The recorded gil run with `edit` applied, decoded.
fn edited(edit: impl FnOnce(&mut Value)) -> Result<ResultDoc, String> {
    let mut run = value(GIL.as_bytes());
    edit(&mut run);
    decode("gil.json", &bytes(&run))
}

/// The refusal of an edited run, checked to name the file and the place.
fn refusal(edit: impl FnOnce(&mut Value), place: &str, why: &str) {
    let e = edited(edit).unwrap_err();
    assert!(
        e.starts_with("gil.json is a run's result file (`run --json`) but cannot be used: "),
        "{e}"
    );
    assert!(
        e.contains(&format!("{place} {why}")),
        "expected «{place} {why}» in: {e}"
    );
    assert!(e.ends_with("restore it, or measure again."), "{e}");
    assert!(!e.contains('\n'), "one paragraph: {e}");
}

const ROW_2: &str = "rows[2] (\"3.13t ×1\")";

#[test]
fn times_must_be_positive_and_finite() {
    refusal(
        |r| r["rows"][2]["samples"][1]["values"][2] = json!(-1.0),
        &format!("{ROW_2}.samples[1].values[2]"),
        "is -1, not a positive, finite number of seconds",
    );
    refusal(
        |r| r["rows"][2]["samples"][0]["seconds"] = json!(0.0),
        &format!("{ROW_2}.samples[0].seconds"),
        "is 0, not a positive",
    );
    refusal(
        |r| r["rows"][2]["samples"][4]["warmups"][0] = json!(0),
        &format!("{ROW_2}.samples[4].warmups[0]"),
        "is 0, not a positive",
    );
    // JSON has no NaN or infinity: an overflowing number is not read at all.
    let e = edited(|r| r["rows"][2]["samples"][1]["values"][0] = json!("NaN")).unwrap_err();
    assert!(
        e.contains("cannot be read: invalid type: string \"NaN\", expected f64"),
        "{e}"
    );
    let text = GIL.replacen("\"seconds\": ", "\"seconds\": 1e999, \"was\": ", 1);
    let e = decode("gil.json", text.as_bytes()).unwrap_err();
    assert!(e.contains("cannot be read: number out of range"), "{e}");
    // In memory they can be: the rule holds there too.
    let mut report = fixture::report();
    report.rows[2].samples[1].values[0] = f64::NAN;
    let e = report.validate(&At::root()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "rows[2] (\"3.13t\").samples[1].values[0] is NaN, not a positive, finite number of seconds"
    );
    report.rows[2].samples[1].values[0] = f64::INFINITY;
    assert!(report.validate(&At::root()).is_err());
}

#[test]
fn processes_of_a_harness_run_have_values() {
    refusal(
        |r| r["rows"][2]["samples"][2]["values"] = json!([]),
        &format!("{ROW_2}.samples[2].values"),
        "is empty: every process of a run measured with the harness reports its values",
    );
    // Before the harness, a process kept only its mean: still read.
    let old = decode("jit.json", JIT_BEFORE_THE_HARNESS.as_bytes()).unwrap();
    assert!(run_of(old).rows[0]
        .samples
        .iter()
        .all(|s| s.values.is_empty()));
    // A named benchmark of a process always has values.
    refusal(
        |r| {
            r["rows"][0]["samples"][0]["metrics"] =
                json!([{"name": "sort", "loops": 1, "values": []}])
        },
        "rows[0] (\"system ×1\").samples[0].metrics[0] (\"sort\").values",
        "is empty",
    );
}

#[test]
fn names_texts_and_lists_have_a_size() {
    let long = "x".repeat(limits::NAME_CHARS + 1);
    let name = long.clone();
    refusal(
        move |r| r["benchmark"] = json!(name),
        "benchmark",
        "is a name of 1001 characters, more than the 1000 allowed",
    );
    let name = long.clone();
    refusal(
        move |r| r["rows"][2]["interpreter"] = json!(name),
        "rows[2] (\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…\").interpreter",
        "is a name of 1001 characters",
    );
    refusal(
        |r| r["rows"][2]["outcome"] = json!({"status": "failed", "reason": "x".repeat(limits::TEXT_BYTES + 1), "stderr_tail": ""}),
        &format!("{ROW_2}.outcome.reason"),
        "is a text of 1048577 bytes, more than the 1048576 allowed",
    );
    // A thousand configurations are a page; more are not a run.
    refusal(
        |r| {
            let rows = r["rows"].as_array_mut().unwrap();
            let first = rows[0].clone();
            rows.resize(limits::ROWS + 1, first);
        },
        "rows",
        "has 1001 entries, more than the 1000 allowed",
    );
    assert!(edited(|r| {
        let rows = r["rows"].as_array_mut().unwrap();
        let first = rows[0].clone();
        rows.resize(limits::ROWS, first);
    })
    .is_ok());
}

#[test]
fn other_numbers_are_checked_too() {
    refusal(
        |r| r["rows"][2]["threads"] = json!(0),
        "rows[2] (\"3.13t ×0\").threads",
        "is 0: a benchmark runs on one thread at least",
    );
    refusal(
        |r| r["rows"][2]["samples"][0]["host"]["steal"] = json!(1.5),
        &format!("{ROW_2}.samples[0].host.steal"),
        "is 1.5, not a share between 0 and 1",
    );
    refusal(
        |r| r["min_time"] = json!(-0.1),
        "min_time",
        "is -0.1, not a finite number of at least 0",
    );
    // A process's memory is checked against its values, as when it was parsed.
    let memory = |values: serde_json::Value| {
        json!({"process_source": "proc-status", "process_reset": true,
            "container_source": null, "container_limit": null, "peak_warmups": [],
            "peak_values": values, "container_values": [], "rss_start": null,
            "rss_after_warmups": null, "rss_after_values": null, "process_peak": 9,
            "container_peak_start": null, "container_peak": null})
    };
    refusal(
        |r| r["rows"][2]["samples"][0]["memory"] = memory(json!([1, 2, 3, 4, 5, 6, 7, 8, 9])),
        &format!("{ROW_2}.samples[0].memory"),
        "peak_values has 9 entries for ",
    );
    let mut run = value(GIL.as_bytes());
    let n = run["rows"][2]["samples"][0]["values"]
        .as_array()
        .unwrap()
        .len();
    run["rows"][2]["samples"][0]["memory"] = memory(json!(vec![8; n]));
    let back = run_of(decode("r.json", &bytes(&run)).unwrap());
    assert_eq!(
        back.rows[2].samples[0]
            .memory
            .as_ref()
            .unwrap()
            .value_peak(),
        Some(8)
    );
    assert!(
        back.rows[1].samples[0].memory.is_none(),
        "older processes: none"
    );
    // A comparison's ratio is a ratio of times.
    let mut c = serde_json::to_value(a_comparison()).unwrap();
    c["benchmarks"][0]["rows"][0]["ratio"] = json!(-1.93);
    c["kind"] = json!("compare");
    let e = decode("c.json", &bytes(&c)).unwrap_err();
    assert!(
        e.contains("benchmarks[0] (\"gil\").rows[0] (\"system\").ratio is -1.93, not a positive, finite ratio"),
        "{e}"
    );
}

/// `read` of `path` on another thread: a read that blocks fails the test
/// instead of hanging it.
fn read_within_seconds(path: &Path) -> Result<Vec<u8>, String> {
    let path = path.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(read(&path)));
    rx.recv_timeout(Duration::from_secs(10))
        .expect("reading did not return within 10 s: it blocked")
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn only_regular_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("run.json");
    mkfifo(&fifo);
    let e = read_within_seconds(&fifo).unwrap_err();
    assert!(
        e.contains("run.json is a named pipe (FIFO), not a regular file"),
        "{e}"
    );
    let e = read_within_seconds(Path::new("/dev/zero")).unwrap_err();
    assert!(
        e.starts_with("/dev/zero is a character device, not a regular file"),
        "{e}"
    );
    let e = read_within_seconds(dir.path()).unwrap_err();
    assert!(e.contains("is a folder, not a regular file"), "{e}");
    // A link to a pipe is a pipe.
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    assert!(read_within_seconds(&link)
        .unwrap_err()
        .contains("named pipe"));
    let e = read_within_seconds(&dir.path().join("missing.json")).unwrap_err();
    assert!(
        e.starts_with("cannot read ") && e.contains("missing.json"),
        "{e}"
    );
    // In a folder, a `*.json` that is not a regular file is refused, not skipped.
    let e = json_files(dir.path()).unwrap_err();
    assert!(e.contains("named pipe"), "{e}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    // Sparse: no disk space, but the file system says 256 MiB + 1.
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(limits::FILE_BYTES + 1).unwrap();
    let e = read_within_seconds(&big).unwrap_err();
    assert!(
        e.contains("big.json is larger than the 256 MiB a result file may be (268435457 bytes)"),
        "{e}"
    );
    file.set_len(2).unwrap();
    std::fs::write(&big, b"{}").unwrap();
    assert_eq!(read_within_seconds(&big).unwrap(), b"{}");
}

#[test]
fn a_folder_lists_its_result_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["b.json", "a.json", "notes.txt"] {
        std::fs::write(dir.path().join(name), "{}").unwrap();
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let names: Vec<String> = json_files(dir.path())
        .unwrap()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.json", "b.json"]);
    let file = dir.path().join("a.json");
    assert_eq!(json_files(&file).unwrap(), [file]);
}

#[test]
fn every_readiness_has_its_words_its_grade_and_its_file_word() {
    use clap::ValueEnum;
    for r in Readiness::value_variants() {
        let word = serde_json::to_value(r).unwrap();
        let back: Readiness = serde_json::from_value(word.clone()).unwrap();
        assert_eq!(back, *r);
        assert_eq!(word, json!(r.to_possible_value().unwrap().get_name()));
        assert!(!r.words().is_empty());
    }
    assert_eq!(Readiness::Ready.grade(), Grade::Good);
    assert_eq!(Readiness::NeedsGil.grade(), Grade::Caution);
    assert_eq!(Readiness::Crashes.grade(), Grade::Bad);
}

// The rules one by one.

#[test]
fn a_place_reads_as_a_path_with_names() {
    let root = At::root();
    let rows = root.field("rows");
    let row = rows.named(2, "3.13t");
    let samples = row.field("samples");
    let sample = samples.index(1);
    let values = sample.field("values");
    assert_eq!(
        values.index(0).to_string(),
        "rows[2] (\"3.13t\").samples[1].values[0]"
    );
    assert_eq!(root.field("benchmark").to_string(), "benchmark");
    let long = "x".repeat(50);
    let cut = rows.named(0, &long).to_string();
    assert_eq!(cut, format!("rows[0] (\"{}…\")", "x".repeat(40)));
}

#[test]
fn the_rules_for_times_and_list_sizes() {
    let at = At::root();
    let values = at.field("values");
    assert!(times(&values, &[0.5, 1e-9, 3.0], 3).is_ok());
    for (bad, said) in [
        (-1.0, "is -1, not a positive"),
        (0.0, "is 0, not a positive"),
        (f64::NAN, "is NaN, not"),
        (f64::INFINITY, "is inf, not"),
    ] {
        let e = times(&values, &[1.0, bad], 10).unwrap_err();
        assert_eq!(e.at, "values[1]");
        assert!(e.why.starts_with(said), "{e}");
    }
    let e = times(&values, &[1.0; 4], 3).unwrap_err();
    assert_eq!(
        e.to_string(),
        "values has 4 entries, more than the 3 allowed"
    );
    assert!(non_negative(&at.field("x"), 0.0).is_ok());
    assert!(non_negative(&at.field("x"), -0.5).is_err());
    assert!(share(&at.field("steal"), 1.0).is_ok());
    assert!(share(&at.field("steal"), f64::NAN).is_err());
}

#[test]
fn the_rules_for_names_and_texts() {
    let at = At::root();
    let b = at.field("benchmark");
    assert!(name(&b, &"é".repeat(limits::NAME_CHARS)).is_ok());
    let e = name(&b, &"x".repeat(limits::NAME_CHARS + 1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "benchmark is a name of 1001 characters, more than the 1000 allowed"
    );
    assert!(text(&b, &"x".repeat(limits::TEXT_BYTES)).is_ok());
    assert!(text(&b, &"x".repeat(limits::TEXT_BYTES + 1)).is_err());
    let e = names(&at.field("flags"), &["ok".into(), "y".repeat(2000)]).unwrap_err();
    assert_eq!(e.at, "flags[1]");
    assert!(maybe(&b, None, name).is_ok());
}

#[test]
fn a_package_tests_summary_counts_plain_and_threaded_runs() {
    use super::{FailedTest, TestRun, TestsOutcome};
    let run = |threads, passed, failed: usize| TestRun {
        threads,
        passed,
        failed: vec![FailedTest::default(); failed],
        exit_code: if failed > 0 { 1 } else { 0 },
        ..Default::default()
    };
    let t = TestsOutcome {
        gil_forced_off: true,
        plain: run(1, 2, 0),
        parallel: run(8, 1, 1),
    };
    assert_eq!(t.summary(), "2/2 plain · 1/2 ×8");
    let crashed = TestsOutcome {
        parallel: TestRun {
            signal: Some(11),
            ..run(8, 0, 0)
        },
        ..t.clone()
    };
    assert_eq!(crashed.summary(), "2/2 plain · signal 11 ×8");
    let no_report = TestsOutcome {
        plain: TestRun {
            exit_code: 137,
            ..run(1, 0, 0)
        },
        parallel: TestRun::default(),
        ..t
    };
    assert_eq!(no_report.summary(), "exit 137 plain");
}

#[test]
fn a_packages_tsan_races_are_held_to_the_limits_too() {
    let mut package: ExtPackage =
        serde_json::from_str(include_str!("../../tests/fixtures/report/ext-package.json")).unwrap();
    let race = super::Race {
        kind: "data race".into(),
        summary: "data race a.c:1 in f".into(),
        accesses: vec![super::Access {
            what: "Write of size 1".into(),
            thread: "T1".into(),
            stack: vec![super::Frame {
                function: "f".into(),
                file: Some("x".repeat(limits::TEXT_BYTES + 1)),
                ..Default::default()
            }],
            ..Default::default()
        }],
        location: None,
        threads: vec![],
        count: 1,
    };
    package.results[0].tsan = Some(super::TsanOutcome {
        races: vec![race],
        reports: 1,
        ..Default::default()
    });
    let e = decode("p.json", &to_json(&package).unwrap()).unwrap_err();
    assert!(e.contains("tsan.races[0") && e.contains("file"), "{e}");
}
