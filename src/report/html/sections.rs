//! The articles of runs and comparisons: a heading, one section per chart,
//! the numbers behind them, and provenance. Pure.

use super::charts::{self, ratio_chart, ratio_text, scaling_chart, trend_chart};
use super::{escape, plural, source_link};
use crate::analysis::compare::{Comparison, RowComparison};
use crate::analysis::significance::DEFAULT_ALPHA;
use crate::report::documents::{CompareDoc, History, Source};
use crate::report::format::{self, Feature, FeatureCell, Status};
use crate::results::{Report, Row};

const DATE: &str = "%Y-%m-%d %H:%M UTC";

fn section(title: &str, body: &str) -> String {
    format!("<section>\n<h3>{}</h3>\n{body}</section>\n", escape(title))
}

fn figure(svg: &str, caption: &str) -> String {
    format!(
        "<figure>{svg}<figcaption>{}</figcaption></figure>\n",
        escape(caption)
    )
}

/// A verdict as a coloured pill.
fn pill(c: &Comparison) -> String {
    format!(
        "<span class=\"pill v-{}\">{}</span>",
        c.verdict.as_str(),
        charts::verdict_words(c.verdict)
    )
}

fn notes(lines: impl IntoIterator<Item = String>) -> String {
    lines
        .into_iter()
        .map(|l| format!("<p class=\"note\">{}</p>\n", escape(&l)))
        .collect()
}

/// One benchmark: its newest run in full, the trend across all its runs.
pub fn run_article(history: &History, id: &str) -> String {
    let (report, source) = history.newest();
    let comparisons = history.newest_comparisons();
    let mut sub = vec![
        format!("baseline {}", format::one_line(&report.baseline)),
        format::repetitions(report),
        report.started_at.format(DATE).to_string(),
    ];
    if history.runs.len() > 1 {
        sub.push(format!("newest of {} runs", history.runs.len()));
    }
    let mut out = format!(
        "<article class=\"card\" id=\"{}\">\n<header class=\"card-head\"><h2>{}</h2>\
         <p class=\"sub\">{} · {}</p></header>\n",
        escape(id),
        escape(&format::invocation(report)),
        escape(&sub.join(" · ")),
        source_link(source)
    );
    let chart = ratio_chart(
        &format!("{}: ratio to the baseline", report.benchmark),
        "ratio to the baseline (log scale; below 1× is faster)",
        &charts::ratio_rows(report, comparisons),
        report.band(),
    );
    let mut body = figure(&chart, &format::legend(report));
    body += &numbers_table(report, comparisons);
    body += &notes(
        format::busy_machine(report)
            .into_iter()
            .chain(format::noise_warning(comparisons, report.band())),
    );
    out += &section("Ratio to the baseline", &body);
    out += &super::memory::section(report, comparisons).unwrap_or_default();
    if let Some(chart) = scaling_chart(report, comparisons) {
        let how = match report.scaling {
            true => "speed-up = t1·N / tN: each of the N threads does the one-thread work",
            false => "speed-up = t1 / tN: the total work is fixed and shared by the N threads",
        };
        let caption = format!(
            "{how}; the dashed line is the ideal, N× at N threads. Each interpreter is \
             compared with itself at one thread."
        );
        out += &section("Scaling with threads", &figure(&chart, &caption));
    }
    if let Some(chart) = charts::versions_chart(report) {
        let caption = format!(
            "Each version's free-threaded (t) and JIT (j) build against the same version's \
             stock build, at one thread: above 1× is what the build costs a single thread, \
             below 1× what it gains. Paired round by round within this run, with 95% \
             intervals; coloured by verdict ({}, p < {DEFAULT_ALPHA}).",
            report.band()
        );
        out += &section("Across versions", &figure(&chart, &caption));
    }
    if history.runs.len() > 1 {
        out += &section("History", &history_body(history));
        out += &super::memory::history(history).unwrap_or_default();
    }
    out += &section("Provenance", &provenance(history));
    out + "</article>\n"
}

/// The figures behind the ratio chart, as the terminal table shows them.
fn numbers_table(report: &Report, comparisons: &[RowComparison]) -> String {
    let scaled = comparisons.iter().any(|c| c.speedup.is_some());
    let mut out = String::from(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Configuration</th><th>Free threading</th>\
         <th>JIT</th><th class=\"num\">Mean ± σ</th><th class=\"num\">Ratio [95% CI]</th>\
         <th class=\"num\">p</th><th>Status</th>",
    );
    if scaled {
        out += "<th class=\"num\">Speed-up vs ×1</th>";
    }
    out += "</tr></thead>\n<tbody>\n";
    for (row, rc) in report.rows.iter().zip(comparisons) {
        let info = row.info.as_ref();
        let ok = row.outcome.is_ok();
        let mean = match rc.values.filter(|_| ok) {
            Some(s) => format!(
                "{} {}",
                format::value(report.measure, s.mean),
                format::spread_of(report.measure, s.stddev)
            ),
            None => "—".into(),
        };
        let comparison = rc.comparison.filter(|_| ok);
        let (ratio, p) = match comparison {
            Some(c) => (
                ratio_text(&c),
                c.p_value.map_or_else(|| "—".into(), format::p_value),
            ),
            None => ("—".into(), "—".into()),
        };
        let status = match (Status::of(row, rc), comparison) {
            (Status::Verdict(_), Some(c)) => pill(&c),
            (other, _) => format!("<span class=\"muted\">{}</span>", escape(&other.text())),
        };
        let class = if report.is_baseline(row) {
            " class=\"baseline\""
        } else {
            ""
        };
        out += &format!(
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{status}</td>",
            escape(&row.label()),
            escape(feature(info, Feature::FreeThreading)),
            escape(FeatureCell::jit(row).text()),
            escape(&mean),
            escape(&ratio),
            escape(&p),
        );
        if scaled {
            let speedup = crate::report::table::speedup_cell(rc);
            out += &format!("<td class=\"num\">{}</td>", escape(&speedup));
        }
        out += "</tr>\n";
    }
    out + "</tbody></table></div>\n"
}

/// A feature cell's words, without the terminal's sparkle (not every
/// machine has a font with emoji, and the page must read the same anywhere).
fn feature(info: Option<&crate::results::InterpreterInfo>, f: Feature) -> &'static str {
    FeatureCell::of(info, f).text().trim_end_matches(" ✨")
}

/// A trend chart per configuration measured in two runs or more.
fn history_body(history: &History) -> String {
    let runs = &history.runs;
    let (first, last) = (runs[0].0.started_at, runs[runs.len() - 1].0.started_at);
    let mut out = format!(
        "<p>{} of {} from {} to {}: each configuration's ratio to its run's baseline, with its \
         95% interval, run by run; the newest run is the one shown above.</p>\n",
        plural(runs.len(), "run", "runs"),
        escape(history.benchmark),
        first.format("%Y-%m-%d"),
        last.format("%Y-%m-%d"),
    );
    let labels = history.trend_labels();
    if labels.is_empty() {
        out += "<p class=\"muted\">No configuration has a ratio in two of these runs.</p>\n";
        return out;
    }
    // Each run's verdicts use its own band; the newest run's is shaded.
    let band = history.newest().0.band();
    out += "<div class=\"trends\">\n";
    for label in labels {
        out += &format!(
            "<figure>{}</figure>\n",
            trend_chart(&label, &history.trend(&label), band)
        );
    }
    out + "</div>\n"
}

/// Where and how the newest run was measured, each configuration's
/// command and image, and the earlier runs.
fn provenance(history: &History) -> String {
    let (report, source) = history.newest();
    let mut out = String::from("<dl class=\"facts\">\n");
    for (term, value) in run_facts(report, source) {
        out += &format!("<dt>{}</dt><dd>{value}</dd>\n", escape(term));
    }
    out += "</dl>\n";
    out += &configurations(report);
    if report.rows.iter().any(|r| r.configure_flags.is_some()) {
        out += &every_build_note();
    }
    if !history.earlier().is_empty() {
        out += &earlier_runs(history);
    }
    out
}

/// The newest run's facts, each a term and its value as HTML.
fn run_facts(report: &Report, source: &Source) -> Vec<(&'static str, String)> {
    let command = escape(&format::invocation(report));
    let machine = format::machine(report).map_or_else(|| "not recorded".into(), |m| escape(&m));
    let mut facts = vec![
        (
            "Command",
            format!("<code>pybench-docker run {command}</code>"),
        ),
        (
            "Session",
            format!("<code>{}</code>", escape(&report.session)),
        ),
        (
            "Started",
            escape(&report.started_at.format(DATE).to_string()),
        ),
        ("Finished", escape(&finished(report))),
        ("Host", escape(&format::host(report))),
        ("Machine while measuring", machine),
        ("Docker", escape(docker_version(report))),
        (
            "Tool",
            escape(&format!("pybench-docker {}", report.tool_version)),
        ),
        ("Measurement", escape(&measurement(report))),
        ("Baseline", escape(&report.baseline)),
    ];
    let images = images(report);
    if !images.is_empty() {
        facts.push(("Images", escape(&images.join(", "))));
    }
    facts.push(("Raw results", source_link(source)));
    facts
}

/// When the run ended and how long it took, or that it did not.
fn finished(report: &Report) -> String {
    match report.finished_at {
        Some(end) => {
            let minutes = (end - report.started_at).num_seconds() as f64 / 60.0;
            format!("{} ({minutes:.1} min)", end.format(DATE))
        }
        None => "unfinished".into(),
    }
}

fn docker_version(report: &Report) -> &str {
    match report.host.docker_version.as_str() {
        "" => "unknown",
        v => v,
    }
}

/// How many processes and values, and the least time per value if set.
fn measurement(report: &Report) -> String {
    let mut measured = format::repetitions(report);
    if report.min_time > 0.0 {
        measured += &format!("; each value at least {} s", report.min_time);
    }
    measured
}

/// Each image the rows ran in, once, with its short id where known.
fn images(report: &Report) -> Vec<String> {
    let mut images: Vec<String> = vec![];
    for row in &report.rows {
        let image = match row.image_id.as_str() {
            "" => row.image.clone(),
            id => format!("{} ({})", row.image, short_id(id)),
        };
        if !row.image.is_empty() && !images.contains(&image) {
            images.push(image);
        }
    }
    images
}

/// The table's configure flags are each build's own: this says which every
/// build gets besides.
fn every_build_note() -> String {
    let every: Vec<String> = EVERY_BUILD
        .iter()
        .map(|f| format!("<code>{}</code>", escape(f)))
        .collect();
    format!(
        "<p class=\"muted\">Configure flags: each build's own (its variant's and the build \
         profile's), beyond those every build gets: {}.</p>\n",
        every.join(", ")
    )
}

/// `954df46f037a` from `sha256:954df46f037a…`.
fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

/// Each configuration: interpreter version, configure flags, command,
/// environment, CPUs, image.
fn configurations(report: &Report) -> String {
    let mut out = String::from(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Configuration</th><th>Python</th>\
         <th>Configure flags</th><th>Command</th><th>Environment</th><th>CPUs</th>\
         <th>Image id</th></tr></thead>\n<tbody>\n",
    );
    for row in &report.rows {
        let python = row.info.as_ref().map_or_else(
            || "—".to_string(),
            |i| format!("{} {}{}", i.implementation, i.version, i.abiflags),
        );
        let banner = row
            .banner
            .as_deref()
            .map(format::one_line)
            .unwrap_or_default();
        let command: Vec<String> = row.command.iter().map(|a| format::shell_quote(a)).collect();
        let env: Vec<String> = row.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let cpus = first_cpuset(row).unwrap_or("—");
        out += &format!(
            "<tr><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td><code>{}</code></td>\
             <td><code>{}</code></td><td class=\"mono\">{}</td>\
             <td class=\"mono\" title=\"{}\">{}</td></tr>\n",
            escape(&row.label()),
            escape(&banner),
            escape(python.trim()),
            configure_flags(row),
            escape(&command.join(" ")),
            escape(&env.join(" ")),
            escape(cpus),
            escape(&format!("{} {}", row.image, row.image_id)),
            escape(short_id(&row.image_id)),
        );
    }
    out + "</tbody></table></div>\n"
}

/// The flags dockerfiles/cpython.Dockerfile gives `./configure` for every
/// build (a test keeps the two in step).
const EVERY_BUILD: [&str; 5] = [
    "--build",
    "--prefix",
    "--enable-option-checking=fatal",
    "--enable-loadable-sqlite-extensions",
    "--without-ensurepip",
];

/// A build's own configure flags, `none` for a build with none beyond
/// every build's, `—` where the file does not say (the distro's python, a
/// file written before they were recorded).
fn configure_flags(row: &Row) -> String {
    match row.configure_flags.as_deref() {
        Some([]) => "<span class=\"muted\">none</span>".into(),
        Some(flags) => format!("<code>{}</code>", escape(&flags.join(" "))),
        None => "<span class=\"muted\">—</span>".into(),
    }
}

fn first_cpuset(row: &Row) -> Option<&str> {
    row.samples.iter().find_map(|s| s.cpuset.as_deref())
}

/// The runs before the newest, newest first.
fn earlier_runs(history: &History) -> String {
    let mut out = String::from(
        "<h4>Earlier runs</h4>\n<div class=\"scroll\"><table>\n<thead><tr><th>Started</th>\
         <th>Session</th><th>Command</th><th>Host</th><th>Tool</th><th>Raw results</th></tr>\
         </thead>\n<tbody>\n",
    );
    for (report, source) in history.earlier().iter().rev() {
        out += &format!(
            "<tr><td>{}</td><td class=\"mono\">{}</td><td><code>{}</code></td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>\n",
            escape(&report.started_at.format(DATE).to_string()),
            escape(&report.session),
            escape(&format::invocation(report)),
            escape(&format::host(report)),
            escape(&report.tool_version),
            source_link(source),
        );
    }
    out + "</tbody></table></div>\n"
}

/// `compare --json`: B against A per configuration.
pub fn compare_article(doc: &CompareDoc, source: &Source, id: &str) -> String {
    let mut out = format!(
        "<article class=\"card\" id=\"{}\">\n<header class=\"card-head\"><h2>compare · {}</h2>\
         <p class=\"sub\">B = {} against A = {} · {}</p></header>\n",
        escape(id),
        escape(&doc.benchmark),
        escape(&doc.b),
        escape(&doc.a),
        source_link(source),
    );
    let method = if doc.runs_a == 1 && doc.runs_b == 1 {
        "One run a side: the intervals hold the noise inside each run, not the larger spread \
         between runs, so read a verdict here as a lead and confirm it with repeated runs."
            .to_string()
    } else {
        let relative = match doc.normalized {
            true => "each configuration relative to its run's baseline",
            false => "as measured (the runs have different baselines)",
        };
        format!(
            "One level per run ({} + {} runs), {relative}; the spread between runs is in the \
             interval.",
            doc.runs_a, doc.runs_b
        )
    };
    let chart = ratio_chart(
        &format!("{}: B against A", doc.benchmark),
        "B / A (log scale; below 1× B is faster)",
        &charts::pairing_rows(doc),
        doc.band(),
    );
    let mut body = figure(&chart, &method);
    body += "<div class=\"scroll\"><table>\n<thead><tr><th>Configuration</th>\
             <th class=\"num\">A</th><th class=\"num\">B</th><th class=\"num\">B / A [95% CI]</th>\
             <th class=\"num\">p</th><th>Status</th></tr></thead>\n<tbody>\n";
    let time = |m: Option<f64>| m.map_or_else(|| "—".into(), |v| format::value(doc.measure, v));
    for p in &doc.rows {
        let (ratio, pv, status) = match &p.comparison {
            Some(c) => (
                ratio_text(c),
                c.p_value.map_or_else(|| "—".into(), format::p_value),
                pill(c),
            ),
            None => (
                "—".into(),
                "—".into(),
                "<span class=\"muted\">not completed</span>".into(),
            ),
        };
        body += &format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{status}</td></tr>\n",
            escape(&p.label),
            escape(&time(p.mean_a)),
            escape(&time(p.mean_b)),
            escape(&ratio),
            escape(&pv),
        );
    }
    body += "</tbody></table></div>\n";
    for (side, labels) in [("A", &doc.only_in_a), ("B", &doc.only_in_b)] {
        if !labels.is_empty() {
            body += &format!(
                "<p class=\"muted\">only in {side}: {}</p>\n",
                escape(&labels.join(", "))
            );
        }
    }
    out += &section("Ratio B / A", &body);
    out += &super::memory::compare_section(doc).unwrap_or_default();
    out + "</article>\n"
}

#[cfg(test)]
#[path = "sections_tests.rs"]
mod tests;
