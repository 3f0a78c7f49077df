//! Unit tests of tsan.rs: recorded reports into races, deduplication, frame order,
//! the verdict and the containers' settings.

use super::*;

const RACY: &str = include_str!("../../../tests/fixtures/tsan/racy.log");

fn modules() -> Vec<String> {
    vec!["pb_racy".into()]
}

/// A report recorded from a C program (tests/fixtures/tsan/counter.log:
/// two threads incrementing one global, clang 19 in the builder base).
#[test]
fn a_recorded_report_of_a_plain_program_reads_whole() {
    let log = include_str!("../../../tests/fixtures/tsan/counter.log");
    let (races, reports) = parse_log(log, &[], "/out/x");
    assert_eq!((races.len(), reports), (1, 1));
    let race = &races[0];
    assert_eq!(race.kind, "data race");
    assert_eq!(race.summary, "data race /race.c:4:80 in work");
    assert_eq!(race.sites(), "race.c:4 in work ↔ race.c:4 in work");
    let (now, before) = (&race.accesses[0], &race.accesses[1]);
    assert_eq!((now.write, now.size, now.thread.as_str()), (true, 4, "T2"));
    assert_eq!(
        before.what,
        "Previous write of size 4 at 0x55fdbb878698 by thread T1"
    );
    let top = &now.stack[0];
    assert_eq!(
        (top.file.as_deref(), top.line, top.column),
        (Some("/race.c"), Some(4), Some(80))
    );
    assert_eq!(top.module, "race+0xe6621");
    assert!(!top.own);
    assert_eq!(
        race.location.as_deref(),
        Some("Location is global 'shared' of size 4 at 0x55fdbb878698 (race+0x1492698)")
    );
    // The program's own output between the lines (stdout and stderr
    // mixed) is passed over.
    assert_eq!(
        race.threads,
        [
            "Thread T2 (tid=13, running) created by main thread at",
            "Thread T1 (tid=12, finished) created by main thread at"
        ]
    );
    // Not the package's: no module or source of it.
    assert!(!race.in_package());
}

#[test]
fn a_frame_reads_function_file_line_column_and_binary() {
    let f = parse_frame("    #2 pb_render /out/3.14tsan/src/pb_racy.c:36:5 (pb_racy.cpython-314t-x86_64-linux-gnu.so+0x1234) (BuildId: 0a1b)").unwrap();
    assert_eq!(f.index, 2);
    assert_eq!(f.function, "pb_render");
    assert_eq!(f.file.as_deref(), Some("/out/3.14tsan/src/pb_racy.c"));
    assert_eq!((f.line, f.column), (Some(36), Some(5)));
    assert_eq!(f.module, "pb_racy.cpython-314t-x86_64-linux-gnu.so+0x1234");
    assert_eq!(f.place(), "pb_racy.c:36");
    let f = parse_frame("#0 strlen <null> (python3.14tsan+0x8c2ab)").unwrap();
    assert_eq!(
        (f.function.as_str(), f.file.as_deref(), f.line),
        ("strlen", None, None)
    );
    assert_eq!(f.place(), "python3.14tsan+0x8c2ab");
    let f = parse_frame("#1 f x.c:7 (m.so+0x1)").unwrap();
    assert_eq!((f.line, f.column), (Some(7), None));
    let f = parse_frame("#4 <null> <null> (libc.so.6+0x29d8f)").unwrap();
    assert_eq!(f.function, "<null>");
    assert!(parse_frame("not a frame").is_none());
}

#[test]
fn an_access_reads_its_kind_size_and_thread() {
    let a = parse_access("  Write of size 4 at 0x7f0000001000 by thread T1:").unwrap();
    assert!(a.write && !a.atomic);
    assert_eq!((a.size, a.thread.as_str()), (4, "T1"));
    let a =
        parse_access("Previous atomic read of size 8 at 0x1 by main thread (mutexes: write M0):")
            .unwrap();
    assert!(!a.write && a.atomic);
    assert_eq!((a.size, a.thread.as_str()), (8, "main thread"));
    assert!(parse_access("Location is global 'x' of size 4 at 0x1").is_none());
}

#[test]
fn a_recorded_report_becomes_one_race_at_the_packages_line() {
    let (races, reports) = parse_log(RACY, &modules(), "/out/3.14tsan");
    // Two processes' logs, the same race in each: one race, seen twice.
    assert_eq!((races.len(), reports), (1, 2));
    let race = &races[0];
    assert_eq!(race.count, 2);
    assert_eq!(
        race.sites(),
        "pb_racy.c:36 in pb_render ↔ pb_racy.c:42 in pb_render"
    );
    // TSan's #0 of the write is vsnprintf; pb_render (#2) comes first, the
    // rest keep their call order.
    let write: Vec<u32> = race.accesses[0]
        .stack
        .iter()
        .map(|f| f.index)
        .take(4)
        .collect();
    assert_eq!(write, [2, 0, 1, 3]);
    assert_eq!(race.accesses[1].stack[0].line, Some(42));
    assert_eq!(race.kind, "data race");
    assert!(race.is_data_race());
    assert_eq!(race.accesses.len(), 2);
    assert!(race.accesses[0].write, "{:?}", race.accesses[0]);
    for access in &race.accesses {
        // The package's frame first, whatever TSan's #0 was.
        let first = &access.stack[0];
        assert!(first.own, "{access:?}");
        assert_eq!(first.function, "pb_render");
        assert!(first.place().starts_with("pb_racy.c:"), "{first:?}");
    }
    assert!(race.summary.starts_with("data race "), "{}", race.summary);
    assert!(race.sites().contains("pb_racy.c:"), "{}", race.sites());
    assert!(
        race.location
            .as_deref()
            .unwrap_or("")
            .contains("shared_buffer"),
        "{race:?}"
    );
    assert!(!race.threads.is_empty());
    // Every report of the same two sites is this one race.
    let same: u32 = races
        .iter()
        .filter(|r| r.sites() == race.sites())
        .map(|r| r.count)
        .sum();
    assert_eq!(same, race.count);
}

#[test]
fn the_same_two_sites_in_either_order_are_one_race_counted() {
    let one = "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 1 at 0x1 by thread T1:\n    #0 memcpy <null> (python+0x1)\n    #1 f /out/w/src/a.c:10:3 (m.so+0x10)\n  Previous read of size 1 at 0x1 by thread T2:\n    #0 f /out/w/src/a.c:12:3 (m.so+0x20)\nSUMMARY: ThreadSanitizer: data race (python+0x1) in memcpy\n";
    let other = "WARNING: ThreadSanitizer: data race (pid=1)\n  Read of size 1 at 0x1 by thread T3:\n    #0 f /out/w/src/a.c:12:3 (m.so+0x20)\n  Previous write of size 1 at 0x1 by thread T4:\n    #0 f /out/w/src/a.c:10:3 (m.so+0x10)\nSUMMARY: ThreadSanitizer: data race /out/w/src/a.c:12:3 in f\n";
    let elsewhere = "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 8 at 0x9 by thread T1:\n    #0 g /usr/src/python/Objects/x.c:5 (python+0x5)\n  Previous write of size 8 at 0x9 by main thread:\n    #0 g /usr/src/python/Objects/x.c:5 (python+0x5)\nSUMMARY: ThreadSanitizer: data race x.c:5 in g\n";
    let log = format!("noise\n{elsewhere}{one}{other}{one}");
    let (races, reports) = parse_log(&log, &["pkg.m".into()], "/out/w");
    assert_eq!(reports, 4);
    assert_eq!(races.len(), 2, "{races:#?}");
    // The package's race first though CPython's came first in the log.
    assert_eq!(races[0].count, 3);
    assert_eq!(races[0].sites(), "a.c:10 in f ↔ a.c:12 in f");
    assert_eq!(races[0].accesses[0].stack[0].function, "f");
    assert_eq!(races[0].accesses[0].stack[1].function, "memcpy");
    assert_eq!(races[0].accesses[0].stack[1].index, 0);
    assert_eq!(races[1].count, 1);
    assert!(!races[1].accesses[0].stack[0].own);
}

#[test]
fn two_instructions_of_one_line_are_one_site() {
    // The same race at a.c:10 ↔ a.c:12, reached through two inlined copies:
    // the binaries' offsets differ, the source lines do not.
    let report = |w: &str, r: &str| {
        format!("WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 1 at 0x1 by thread T1:\n    #0 f /out/w/src/a.c:10:3 (m.so+{w})\n  Previous read of size 1 at 0x1 by thread T2:\n    #0 f /out/w/src/a.c:12:3 (m.so+{r})\nSUMMARY: ThreadSanitizer: data race /out/w/src/a.c:10:3 in f\n")
    };
    let log = report("0x10", "0x20") + &report("0x90", "0xa0");
    let (races, reports) = parse_log(&log, &["m".into()], "/out/w");
    assert_eq!((races.len(), reports), (1, 2), "{races:#?}");
    assert_eq!(races[0].count, 2);
    // Without file:line, the binary and offset are all there is to tell sites apart.
    let bare = |w: &str| {
        format!("WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 1 at 0x1 by thread T1:\n    #0 <null> <null> (m.so+{w})\n  Previous read of size 1 at 0x1 by thread T2:\n    #0 <null> <null> (m.so+0x20)\nSUMMARY: ThreadSanitizer: data race (m.so+{w})\n")
    };
    let (races, _) = parse_log(&(bare("0x10") + &bare("0x90")), &["m".into()], "/out/w");
    assert_eq!(races.len(), 2, "{races:#?}");
}

#[test]
fn the_options_point_at_the_builds_suppressions_and_symbolizer() {
    let plan = crate::plan::build_plan(
        &crate::config::parse(
            &crate::config::DEFAULT_YAML.replace(
                "variants: [stock, t, j]\n  # The release",
                "variants: [tsan]\n  # The release",
            ),
            &crate::config::Source::Embedded,
        )
        .unwrap(),
    )
    .unwrap();
    let build = plan
        .variant_builds()
        .find(|v| v.name == "3.14tsan")
        .unwrap();
    let options = tsan_options(build, 19);
    assert_eq!(options, "suppressions=/opt/python/3.14.7-tsan/share/tsan/suppressions_free_threading.txt external_symbolizer_path=/usr/lib/llvm-19/bin/llvm-symbolizer log_path=/tmp/pybench-tsan halt_on_error=0 exitcode=0 handle_segv=0 handle_sigbus=0 handle_sigfpe=0 handle_sigill=0 history_size=4");
    let s = sanitized(build, "b:1").unwrap();
    assert_eq!(s.run_env, [("TSAN_OPTIONS".to_string(), options)]);
    assert_eq!(s.run_image, "b:1");
    assert!(s
        .build_env
        .contains(&("CFLAGS".into(), "-fsanitize=thread -g".into())));
    assert!(s
        .build_env
        .contains(&("LDFLAGS".into(), "-fsanitize=thread".into())));
    let stock = crate::plan::build_plan(
        &crate::config::parse(
            crate::config::DEFAULT_YAML,
            &crate::config::Source::Embedded,
        )
        .unwrap(),
    )
    .unwrap();
    assert!(stock.variant_builds().all(|v| sanitized(v, "b").is_none()));
}

#[test]
fn tsan_checks_each_release_on_its_thread_sanitizer_build_alone() {
    use crate::config::{parse, Source, DEFAULT_YAML};
    let config = thread_sanitized(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap();
    let plan = crate::plan::build_plan(&config).unwrap();
    let names: Vec<&str> = (plan.interpreters.iter())
        .filter(|i| i.mode == crate::plan::Mode::Default && i.variant.is_some())
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names, ["3.13tsan", "3.14tsan"]);
    let images: Vec<&str> = plan.releases.iter().map(|r| r.builder.as_str()).collect();
    assert_eq!(
        images,
        [
            "pybench-docker/builder:3.13.15-tsan",
            "pybench-docker/builder:3.14.7-tsan"
        ]
    );
    let old = DEFAULT_YAML.replacen("version: 3.13.15", "version: 3.12.9", 1);
    let e = thread_sanitized(&parse(&old, &Source::Embedded).unwrap()).unwrap_err();
    assert!(e.contains("3.12.9") && e.contains("arrived in 3.13"), "{e}");
    // A release listing it among the benchmark builds is refused: its images are its own.
    let mixed = DEFAULT_YAML.replacen("variants: [stock, t, j]", "variants: [stock, t, tsan]", 1);
    let e = crate::plan::build_plan(&parse(&mixed, &Source::Embedded).unwrap()).unwrap_err();
    assert!(e.contains("images of its own"), "{e}");
}

#[test]
fn a_data_race_is_the_verdict_short_of_a_failure() {
    let o = outcome(&[("tests", RACY.to_string())], &modules(), "/out/3.14tsan");
    let (r, why) = judge_races((Readiness::Ready, String::new()), Some(&o));
    assert_eq!(r, Readiness::DataRace);
    assert!(
        why.starts_with("ThreadSanitizer: ") && why.contains("pb_racy.c:"),
        "{why}"
    );
    let (r, why) = judge_races(
        (Readiness::ThreadUnsafe, "fails in 8 threads".into()),
        Some(&o),
    );
    assert_eq!(r, Readiness::DataRace);
    assert!(why.ends_with("; and fails in 8 threads"), "{why}");
    let (r, why) = judge_races((Readiness::Crashes, "signal 11".into()), Some(&o));
    assert_eq!(r, Readiness::Crashes);
    assert!(why.starts_with("signal 11; ThreadSanitizer: "), "{why}");
    // No races, or no TSan: the verdict as it was.
    let clean = outcome(&[("tests", "all fine\n".into())], &modules(), "/w");
    assert_eq!(clean.reports, 0);
    let ready = (Readiness::Ready, "ok".to_string());
    assert_eq!(judge_races(ready.clone(), Some(&clean)), ready);
    assert_eq!(judge_races(ready.clone(), None), ready);
    // A race in CPython alone is listed, not the package's verdict.
    let other = outcome(&[("tests", RACY.to_string())], &["elsewhere".into()], "/w");
    assert!(!other.races.is_empty() && other.package_races().count() == 0);
    let (r, why) = judge_races(ready, Some(&other));
    assert_eq!(r, Readiness::Ready);
    assert!(
        why.starts_with("ok; ThreadSanitizer: no race in the package's code"),
        "{why}"
    );
}

#[test]
fn the_log_comes_from_the_steps_machine_line() {
    let out = crate::docker::fake::exited(
        0,
        "noise\nPYBENCH_RESULT {\"modules\":[],\"tsan_log\":\"WARNING: x\"}\n",
        "",
    );
    assert_eq!(read_tsan_log(&out), "WARNING: x");
    let none = crate::docker::fake::exited(0, "PYBENCH_RESULT {\"modules\":[]}\n", "");
    assert_eq!(read_tsan_log(&none), "");
}

#[test]
fn the_log_is_kept_whole_up_to_its_limit() {
    let long = "x".repeat(TsanOutcome::LOG_BYTES + 10);
    let o = outcome(&[("import", long), ("tests", String::new())], &[], "/w");
    assert!(o.log_truncated);
    assert_eq!(o.log.len(), TsanOutcome::LOG_BYTES);
    let o = outcome(&[("import", RACY.to_string())], &modules(), "/out/3.14tsan");
    assert!(o.log.starts_with("== import ==\n") && !o.log_truncated);
    assert!(o.package_races().count() >= 1);
}
