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
        // A crash stays a crash: TSan would otherwise catch the signal, report
        // it and exit with `exitcode` (0), and a segfault would read as a pass.
        "handle_segv=0".into(),
        "handle_sigbus=0".into(),
        "handle_sigfpe=0".into(),
        "handle_sigill=0".into(),
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
    let races: Vec<&Race> = tsan.package_races().collect();
    if races.is_empty() {
        // Races only in CPython's (or a dependency's) code are not the
        // package's: listed, not judged.
        let elsewhere = tsan.races.len();
        return match elsewhere {
            0 => verdict,
            n => {
                let what = format!(
                    "ThreadSanitizer: no race in the package's code ({n} elsewhere, in the JSON)"
                );
                match verdict.1.is_empty() {
                    true => (verdict.0, what),
                    false => (verdict.0, format!("{}; {what}", verdict.1)),
                }
            }
        };
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
            // file:line where the symbolizer found it (two instructions of
            // one line are one site); the binary and offset only without.
            Some(f) if f.line.is_some() => format!("{}|{}", f.place(), f.function),
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
#[path = "tsan_tests.rs"]
mod tests;
