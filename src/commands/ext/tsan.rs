//! `ext --tsan`: ThreadSanitizer's reports read into races, and what the
//! containers of a sanitizer build need to make them. Pure.
//!
//! A report (LLVM's `tsan_report.cpp` prints them this way):
//! ```text
//! WARNING: ThreadSanitizer: data race (pid=12)
//!   Write of size 1 at 0x7f… by thread T2:
//!     #0 pb_render /out/3.14tsan/src/pb_racy.c:36:5 (pb_racy.cpython-314t-x86_64-linux-gnu.so+0x1234) (BuildId: …)
//!   Previous read of size 1 at 0x7f… by thread T1:
//!     #0 strlen <null> (python3.14tsan+0x8c2ab)
//!   Location is global 'shared_buffer' of size 32 at 0x7f… (pb_racy…so+0x4040)
//!   Thread T2 (tid=15, running) created by main thread at:
//!     #0 pthread_create <null> (python3.14tsan+0x…)
//! SUMMARY: ThreadSanitizer: data race /out/3.14tsan/src/pb_racy.c:36:5 in pb_render
//! ```
//! The same two sites met again are one race, counted; each access's stack
//! lists the package's frames first.

use std::collections::BTreeMap;

use crate::commands::runner::{self, Parsed};
use crate::config::Config;
use crate::docker::ContainerOutput;
use crate::options::BuildOption;
use crate::plan::{validate_variant, PyVersion, Variant, VariantBuild};
use crate::results::{Access, Frame, Race, Readiness, TsanOutcome};
use crate::toolchain::toolchain;

/// The configuration of `ext --tsan`: each release's ThreadSanitizer build
/// alone (its images are its own: `builder:3.14.7-tsan`). A release that
/// cannot have one is refused, saying why. Pure.
pub fn thread_sanitized(config: &Config) -> Result<Config, String> {
    let mut out = config.clone();
    for release in &mut out.pythons {
        let version = PyVersion::parse(&release.version)?;
        validate_variant(&version, Variant::THREAD_SANITIZER, &config.base.suite).map_err(|why| {
            format!("--tsan checks on each configured release's ThreadSanitizer build, and {why} Leave that release out of the config given with --config (CPython 3.13 and later have one).")
        })?;
        release.variants = vec![Variant::THREAD_SANITIZER];
    }
    Ok(out)
}

/// Where the interpreter writes its reports in the container: the tmpfs
/// `/tmp`, one file per process (`/tmp/pybench-tsan.<pid>`), read back by
/// check_package.py.
pub const LOG_PATH: &str = "/tmp/pybench-tsan";

/// `TSAN_OPTIONS` for the containers of a sanitizer build: CPython's own
/// suppressions (from this source, in the prefix), the toolchain's
/// symbolizer for file:line, every report written to the log and none
/// stopping or failing a process (the verdict reads the log). Pure.
pub fn tsan_options(build: &VariantBuild, llvm: u32) -> String {
    [
        format!(
            "suppressions={}/share/tsan/suppressions_free_threading.txt",
            build.prefix
        ),
        format!("external_symbolizer_path=/usr/lib/llvm-{llvm}/bin/llvm-symbolizer"),
        format!("log_path={LOG_PATH}"),
        "halt_on_error=0".into(),
        "exitcode=0".into(),
        // Older accesses' stacks kept longer: fewer "failed to restore the stack".
        "history_size=4".into(),
    ]
    .join(" ")
}

/// How a sanitizer build's containers differ: the environment of the
/// wheel's build (the package compiled with -fsanitize=thread and line
/// tables) and of the runs (TSAN_OPTIONS), and the image the runs use: the
/// builder, whose toolchain has the symbolizer that turns addresses into
/// file:line (the runtime image has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    pub build_env: Vec<(String, String)>,
    pub run_env: Vec<(String, String)>,
    pub run_image: String,
}

/// The containers of a ThreadSanitizer build `build` whose builder image is
/// `builder`; `None` for any other build. Pure.
pub fn sanitized(build: &VariantBuild, builder: &str) -> Option<Sanitized> {
    if !build.variant.has(BuildOption::ThreadSanitizer) {
        return None;
    }
    let llvm = toolchain(&build.version, build.variant).llvm?;
    let options = ("TSAN_OPTIONS".to_string(), tsan_options(build, llvm));
    Some(Sanitized {
        build_env: vec![
            options.clone(),
            ("CFLAGS".into(), "-fsanitize=thread -g".into()),
            ("CXXFLAGS".into(), "-fsanitize=thread -g".into()),
            ("LDFLAGS".into(), "-fsanitize=thread".into()),
        ],
        run_env: vec![options],
        run_image: builder.to_string(),
    })
}

/// The `tsan_log` of a check or tests step's machine line ("" without one). Pure.
pub fn read_tsan_log(out: &ContainerOutput) -> String {
    match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => (v.get("tsan_log").and_then(|l| l.as_str()))
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

/// The verdict with TSan's findings: a data race outweighs what the
/// package's own checks found short of a failure (ready, works with the
/// GIL, fell back, fails under threads: then also said); a worse verdict
/// stays, the races added to why. Pure.
pub fn judge_races(
    verdict: (Readiness, String),
    tsan: Option<&TsanOutcome>,
) -> (Readiness, String) {
    let Some(tsan) = tsan else {
        return verdict;
    };
    let races: Vec<&Race> = tsan.data_races().collect();
    if races.is_empty() {
        return verdict;
    }
    let seen: u32 = races.iter().map(|r| r.count).sum();
    let first: Vec<String> = (races.iter().take(3))
        .map(|r| match r.count {
            1 => r.sites(),
            n => format!("{} (×{n})", r.sites()),
        })
        .collect();
    let more = match races.len() {
        0..=3 => String::new(),
        n => format!("; {} more in the JSON", n - 3),
    };
    let what = format!(
        "ThreadSanitizer: {} data race{} ({seen} report{}): {}{more}",
        races.len(),
        if races.len() == 1 { "" } else { "s" },
        if seen == 1 { "" } else { "s" },
        first.join("; ")
    );
    match verdict.0 {
        Readiness::Ready => (Readiness::DataRace, what),
        Readiness::NeedsGil | Readiness::FellBack | Readiness::ThreadUnsafe => {
            (Readiness::DataRace, format!("{what}; and {}", verdict.1))
        }
        _ => (verdict.0, format!("{}; {what}", verdict.1)),
    }
}

/// Is this frame the package's own: in one of its extension modules
/// (`pb_racy` → `pb_racy.cpython-314t-…so`), or compiled from its sources
/// under the build's folder? Pure.
fn is_own(frame: &Frame, modules: &[String], work: &str) -> bool {
    let binary = frame.module.rsplit_once('+').map_or("", |(b, _)| b);
    let binary = binary.rsplit('/').next().unwrap_or(binary);
    let in_module = modules.iter().any(|m| {
        let last = m.rsplit('.').next().unwrap_or(m);
        binary.starts_with(&format!("{last}.")) && binary.ends_with(".so")
    });
    let in_sources =
        (frame.file.as_deref()).is_some_and(|f| f.starts_with(&format!("{work}/src/")));
    in_module || in_sources
}

/// `#3 func path/file.c:12:5 (module+0x1f) (BuildId: …)` as a frame. Pure.
fn parse_frame(line: &str) -> Option<Frame> {
    let rest = line.trim_start().strip_prefix('#')?;
    let (index, rest) = rest.split_once(' ')?;
    let index = index.parse().ok()?;
    let rest = match rest.find(" (BuildId:") {
        Some(at) => &rest[..at],
        None => rest,
    };
    // The binary and offset are the last parenthesis.
    let (head, module) = match rest.rfind(" (") {
        Some(at) if rest.ends_with(')') => (&rest[..at], rest[at + 2..rest.len() - 1].to_string()),
        _ => (rest, String::new()),
    };
    let (function, place) = match head.rsplit_once(' ') {
        Some((f, p)) => (f.to_string(), p),
        None => (head.to_string(), "<null>"),
    };
    let (file, line_no, column) = split_place(place);
    Some(Frame {
        index,
        function,
        file,
        line: line_no,
        column,
        module,
        own: false,
    })
}

/// `path/file.c:12:5` → (file, 12, 5); `<null>` → nothing.
fn split_place(place: &str) -> (Option<String>, Option<u32>, Option<u32>) {
    if place == "<null>" || place.is_empty() {
        return (None, None, None);
    }
    let mut parts = place.rsplitn(3, ':');
    let last = parts.next().and_then(|p| p.parse::<u32>().ok());
    let middle = parts.next();
    let first = parts.next();
    match (first, middle.and_then(|m| m.parse::<u32>().ok()), last) {
        (Some(file), Some(line), Some(col)) => (Some(file.to_string()), Some(line), Some(col)),
        _ => match place.rsplit_once(':') {
            Some((file, line)) if line.parse::<u32>().is_ok() => {
                (Some(file.to_string()), line.parse().ok(), None)
            }
            _ => (Some(place.to_string()), None, None),
        },
    }
}

/// `Write of size 4 at 0x… by thread T1:` or `Previous atomic read of size
/// 8 at 0x… by main thread (mutexes: write M0):` as an access. Pure.
fn parse_access(line: &str) -> Option<Access> {
    let text = line.trim().trim_end_matches(':');
    let lower = text.to_ascii_lowercase();
    let body = lower.strip_prefix("previous ").unwrap_or(&lower);
    let atomic = body.starts_with("atomic ");
    let body = body.strip_prefix("atomic ").unwrap_or(body);
    let write = body.starts_with("write of size ");
    if !write && !body.starts_with("read of size ") {
        return None;
    }
    let size = body
        .split_whitespace()
        .nth(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let by = text.find(" by ")?;
    let thread = text[by + 4..]
        .split(" (")
        .next()
        .unwrap_or("")
        .trim_start_matches("thread ")
        .to_string();
    Some(Access {
        what: text.to_string(),
        write,
        atomic,
        size,
        thread,
        stack: vec![],
    })
}

/// What the lines of a report are part of.
enum Section {
    Access,
    Other,
}

/// One report's lines (from `WARNING:` to `SUMMARY:`) as a race, its frames
/// marked own. Pure.
fn parse_report(lines: &[&str], modules: &[String], work: &str) -> Race {
    let kind = lines[0]
        .split("ThreadSanitizer: ")
        .nth(1)
        .unwrap_or("")
        .split(" (pid=")
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let mut race = Race {
        kind,
        count: 1,
        ..Race::default()
    };
    let mut section = Section::Other;
    for line in &lines[1..] {
        let trimmed = line.trim();
        if let Some(summary) = trimmed.strip_prefix("SUMMARY: ThreadSanitizer: ") {
            race.summary = summary.to_string();
        } else if trimmed.starts_with('#') {
            if let (Section::Access, Some(mut frame), Some(access)) =
                (&section, parse_frame(trimmed), race.accesses.last_mut())
            {
                frame.own = is_own(&frame, modules, work);
                access.stack.push(frame);
            }
        } else if let Some(access) = parse_access(trimmed) {
            race.accesses.push(access);
            section = Section::Access;
        } else if trimmed.starts_with("Location is ") {
            race.location = Some(trimmed.to_string());
            section = Section::Other;
        } else if trimmed.starts_with("Thread T") || trimmed.starts_with("Mutex ") {
            if trimmed.starts_with("Thread T") {
                race.threads.push(trimmed.trim_end_matches(':').to_string());
            }
            section = Section::Other;
        } else if !trimmed.is_empty() {
            section = Section::Other;
        }
    }
    for access in &mut race.accesses {
        // The package's frames first, each group in call order.
        access.stack.sort_by_key(|f| (!f.own, f.index));
    }
    race
}

/// A race's identity: its kind and the two sites, in either order.
fn key(race: &Race) -> (String, Vec<String>) {
    let mut sites: Vec<String> = (race.accesses.iter())
        .map(|a| match a.site() {
            Some(f) => format!("{}|{}|{}", f.place(), f.function, f.module),
            None => String::new(),
        })
        .collect();
    sites.sort();
    if sites.is_empty() {
        sites.push(race.summary.clone());
    }
    (race.kind.clone(), sites)
}

/// Every report of `log` as a distinct race, counted: the package's own
/// first, then the most frequent. `modules` are the wheel's extension
/// modules, `work` the build's folder (`/out/3.14tsan`). Pure.
pub fn parse_log(log: &str, modules: &[String], work: &str) -> (Vec<Race>, u32) {
    let lines: Vec<&str> = log.lines().collect();
    let mut found: BTreeMap<(String, Vec<String>), Race> = BTreeMap::new();
    let mut order = Vec::new();
    let mut reports = 0;
    let mut at = 0;
    while at < lines.len() {
        if !lines[at].contains("WARNING: ThreadSanitizer: ") {
            at += 1;
            continue;
        }
        let end = (at + 1..lines.len())
            .find(|&i| {
                lines[i].contains("SUMMARY: ThreadSanitizer: ")
                    || lines[i].contains("WARNING: ThreadSanitizer: ")
            })
            .map(|i| match lines[i].contains("SUMMARY: ") {
                true => i + 1,
                false => i,
            })
            .unwrap_or(lines.len());
        let race = parse_report(&lines[at..end], modules, work);
        reports += 1;
        let k = key(&race);
        match found.get_mut(&k) {
            Some(seen) => seen.count += 1,
            None => {
                order.push(k.clone());
                found.insert(k, race);
            }
        }
        at = end;
    }
    let mut races: Vec<Race> = order.iter().filter_map(|k| found.remove(k)).collect();
    let own = |r: &Race| r.accesses.iter().any(|a| a.stack.iter().any(|f| f.own));
    races.sort_by_key(|r| (!own(r), std::cmp::Reverse(r.count)));
    (races, reports)
}

/// The steps' logs (`(step, text)`) as one outcome: races over all of them,
/// the log cut to its limit. Pure.
pub fn outcome(logs: &[(&str, String)], modules: &[String], work: &str) -> TsanOutcome {
    let mut log = String::new();
    for (step, text) in logs {
        if !text.is_empty() {
            log.push_str(&format!("== {step} ==\n{text}\n"));
        }
    }
    let (races, reports) = parse_log(&log, modules, work);
    let log_truncated = log.len() > TsanOutcome::LOG_BYTES;
    if log_truncated {
        let mut cut = TsanOutcome::LOG_BYTES;
        while !log.is_char_boundary(cut) {
            cut -= 1;
        }
        log.truncate(cut);
    }
    TsanOutcome {
        races,
        reports,
        log,
        log_truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RACY: &str = include_str!("../../../tests/fixtures/tsan/racy.log");

    fn modules() -> Vec<String> {
        vec!["pb_racy".into()]
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
        let a = parse_access(
            "Previous atomic read of size 8 at 0x1 by main thread (mutexes: write M0):",
        )
        .unwrap();
        assert!(!a.write && a.atomic);
        assert_eq!((a.size, a.thread.as_str()), (8, "main thread"));
        assert!(parse_access("Location is global 'x' of size 4 at 0x1").is_none());
    }

    #[test]
    fn a_recorded_report_becomes_one_race_at_the_packages_line() {
        let (races, reports) = parse_log(RACY, &modules(), "/out/3.14tsan");
        assert!(reports >= 2, "{reports}");
        let race = &races[0];
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
        assert_eq!(options, "suppressions=/opt/python/3.14.7-tsan/share/tsan/suppressions_free_threading.txt external_symbolizer_path=/usr/lib/llvm-19/bin/llvm-symbolizer log_path=/tmp/pybench-tsan halt_on_error=0 exitcode=0 history_size=4");
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
        let mixed =
            DEFAULT_YAML.replacen("variants: [stock, t, j]", "variants: [stock, t, tsan]", 1);
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
        assert!(o.data_races().count() >= 1);
    }
}
