//! ThreadSanitizer's races of `ext --tsan` in words: the lines the terminal
//! and Markdown print under a build's verdict, and the HTML list of the
//! report page. Each race once, its two accesses with their first frames
//! (the package's first), where the memory is, the threads. Pure.

use super::html::escape;
use crate::results::{Access, Frame, PackageResult, Race};

/// Frames shown per access; the JSON and its log have them all.
const FRAMES_SHOWN: usize = 4;

/// Races shown per build, the package's own first; the JSON has them all.
pub const RACES_SHOWN: usize = 20;

/// The races a page or the terminal shows, and how many more the JSON holds. Pure.
pub fn shown(races: &[Race]) -> (&[Race], usize) {
    let n = races.len().min(RACES_SHOWN);
    (&races[..n], races.len() - n)
}

/// The line under the shown races when some were left out.
pub fn more_races(left_out: usize) -> Option<String> {
    (left_out > 0).then(|| format!("… and {left_out} more race(s) in the JSON"))
}

/// `pb_render pb_racy.c:36:5`, or the function and its binary.
fn frame_words(f: &Frame) -> String {
    let place = match (&f.file, f.line, f.column) {
        (Some(file), Some(l), Some(c)) => {
            format!("{}:{l}:{c}", file.rsplit('/').next().unwrap_or(file))
        }
        _ => f.place(),
    };
    format!("{} {place}", f.function)
}

/// `Write of size 1 … by thread T2: pb_render pb_racy.c:36:5 ← …`
fn access_line(a: &Access) -> String {
    let frames: Vec<String> = a.stack.iter().take(FRAMES_SHOWN).map(frame_words).collect();
    let more = match a.stack.len().saturating_sub(FRAMES_SHOWN) {
        0 => String::new(),
        n => format!(" (+{n} frames)"),
    };
    format!("{}: {}{more}", a.what, frames.join(" · "))
}

/// The race's heading: `data race ×12: pb_racy.c:36 in pb_render ↔ …`.
pub fn race_heading(race: &Race) -> String {
    let times = match race.count {
        1 => String::new(),
        n => format!(" ×{n}"),
    };
    format!("{}{times}: {}", race.kind, race.sites())
}

/// The race under its heading, a line each: the accesses, the location,
/// the threads.
pub fn race_details(race: &Race) -> Vec<String> {
    let mut lines: Vec<String> = race.accesses.iter().map(access_line).collect();
    lines.extend(race.location.clone());
    if !race.threads.is_empty() {
        lines.push(race.threads.join("; "));
    }
    lines
}

/// The races of every sanitized build as Markdown sections; empty when
/// there are none.
pub fn races_markdown(results: &[PackageResult]) -> String {
    let mut out = String::new();
    for r in results {
        let Some(tsan) = &r.tsan else { continue };
        out.push_str(&format!(
            "\n#### ThreadSanitizer on {}: {} distinct, {} report{}\n\n",
            r.interpreter,
            tsan.races.len(),
            tsan.reports,
            if tsan.reports == 1 { "" } else { "s" }
        ));
        let (races, left_out) = shown(&tsan.races);
        for (i, race) in races.iter().enumerate() {
            out.push_str(&format!("{}. **{}**\n", i + 1, race_heading(race)));
            for line in race_details(race) {
                out.push_str(&format!("   - `{}`\n", line.replace('`', "'")));
            }
        }
        if let Some(more) = more_races(left_out) {
            out.push_str(&format!("\n{more}\n"));
        }
        if tsan.races.is_empty() {
            out.push_str("No race reported.\n");
        }
    }
    out
}

/// The races of every sanitized build as an HTML section; empty when no
/// build was sanitized.
pub fn races_html(results: &[PackageResult]) -> String {
    let mut body = String::new();
    for r in results {
        let Some(tsan) = &r.tsan else { continue };
        body += &format!(
            "<h4>{}: {} distinct race{}, {} report{}</h4>\n",
            escape(&r.interpreter),
            tsan.races.len(),
            if tsan.races.len() == 1 { "" } else { "s" },
            tsan.reports,
            if tsan.reports == 1 { "" } else { "s" }
        );
        if tsan.races.is_empty() {
            body += "<p>No race reported.</p>\n";
            continue;
        }
        body += "<ol class=\"races\">\n";
        let (races, left_out) = shown(&tsan.races);
        for race in races {
            body += &format!("<li><strong>{}</strong><ul>", escape(&race_heading(race)));
            for line in race_details(race) {
                body += &format!("<li class=\"mono\">{}</li>", escape(&line));
            }
            body += "</ul></li>\n";
        }
        body += "</ol>\n";
        if let Some(more) = more_races(left_out) {
            body += &format!("<p>{}</p>\n", escape(&more));
        }
    }
    match body.is_empty() {
        true => String::new(),
        false => format!("<section>\n<h3>ThreadSanitizer</h3>\n{body}</section>\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{BuildOutcome, Readiness, TsanOutcome};

    fn frame(index: u32, function: &str, file: Option<&str>, own: bool) -> Frame {
        Frame {
            index,
            function: function.into(),
            file: file.map(String::from),
            line: file.map(|_| 36),
            column: file.map(|_| 5),
            module: "m.so+0x1".into(),
            own,
        }
    }

    fn result(tsan: Option<TsanOutcome>) -> PackageResult {
        PackageResult {
            interpreter: "3.14tsan".into(),
            free_threaded: true,
            build: BuildOutcome::default(),
            modules: vec![],
            smoke: None,
            tests: None,
            graph: None,
            tsan,
            readiness: Readiness::DataRace,
            why: String::new(),
        }
    }

    fn race() -> Race {
        let access = |what: &str| Access {
            what: what.into(),
            write: what.starts_with("Write"),
            stack: vec![
                frame(2, "pb_render", Some("/out/w/src/pb_racy.c"), true),
                frame(0, "memcpy", None, false),
                frame(1, "snprintf", None, false),
                frame(3, "cfunction_call", Some("Objects/methodobject.c"), false),
                frame(4, "_PyEval_EvalFrameDefault", Some("Python/ceval.c"), false),
            ],
            ..Access::default()
        };
        Race {
            kind: "data race".into(),
            summary: "data race (python+0x1) in memcpy".into(),
            accesses: vec![
                access("Write of size 1 at 0x1 by thread T2"),
                access("Previous read of size 1 at 0x1 by thread T1"),
            ],
            location: Some("Location is global 'shared_buffer' of size 32 at 0x1".into()),
            threads: vec!["Thread T2 (tid=9, running) created by main thread at".into()],
            count: 12,
        }
    }

    #[test]
    fn a_race_reads_as_its_sites_then_its_accesses_package_frames_first() {
        let r = race();
        assert_eq!(
            race_heading(&r),
            "data race ×12: pb_racy.c:36 in pb_render ↔ pb_racy.c:36 in pb_render"
        );
        let lines = race_details(&r);
        assert_eq!(lines[0], "Write of size 1 at 0x1 by thread T2: pb_render pb_racy.c:36:5 · memcpy m.so+0x1 · snprintf m.so+0x1 · cfunction_call methodobject.c:36:5 (+1 frames)");
        assert!(lines[2].contains("shared_buffer"));
        assert!(lines[3].starts_with("Thread T2"));
    }

    #[test]
    fn markdown_and_html_show_the_races_per_build() {
        let with = result(Some(TsanOutcome {
            races: vec![race()],
            reports: 12,
            ..TsanOutcome::default()
        }));
        let md = races_markdown(std::slice::from_ref(&with));
        assert!(
            md.contains("#### ThreadSanitizer on 3.14tsan: 1 distinct, 12 reports"),
            "{md}"
        );
        assert!(
            md.contains("1. **data race ×12: pb_racy.c:36 in pb_render"),
            "{md}"
        );
        assert!(
            md.contains("   - `Location is global 'shared_buffer'"),
            "{md}"
        );
        let html = races_html(&[with]);
        assert!(html.contains("<h3>ThreadSanitizer</h3>"), "{html}");
        assert!(
            html.contains("3.14tsan: 1 distinct race, 12 reports"),
            "{html}"
        );
        assert!(
            html.contains("Location is global &#39;shared_buffer&#39;")
                || html.contains("Location is global &#x27;shared_buffer&#x27;"),
            "{html}"
        );
        let clean = result(Some(TsanOutcome::default()));
        assert!(races_markdown(std::slice::from_ref(&clean)).contains("No race reported."));
        assert!(races_html(&[clean]).contains("No race reported."));
        assert_eq!(races_markdown(&[result(None)]), "");
        assert_eq!(races_html(&[result(None)]), "");
    }

    #[test]
    fn many_races_show_the_first_ones_and_say_how_many_more() {
        let many = result(Some(TsanOutcome {
            races: vec![race(); RACES_SHOWN + 3],
            reports: 99,
            ..TsanOutcome::default()
        }));
        let md = races_markdown(std::slice::from_ref(&many));
        assert!(md.contains(&format!("{RACES_SHOWN}. **data race")), "{md}");
        assert!(
            !md.contains(&format!("{}. **data race", RACES_SHOWN + 1)),
            "{md}"
        );
        assert!(md.contains("… and 3 more race(s) in the JSON"), "{md}");
        let html = races_html(&[many]);
        assert_eq!(html.matches("<li><strong>").count(), RACES_SHOWN);
        assert!(html.contains("… and 3 more race(s) in the JSON"), "{html}");
        assert_eq!(shown(&[race()]).1, 0);
    }
}
