//! Many named benchmarks measured at several thread counts (ftscalingbench's
//! patterns): one line per pattern and configuration at N > 1 threads, with
//! its one-thread and N-thread times, the speed-up with its 95 % interval,
//! the efficiency and the scaling status; then the patterns that scale
//! badly, named. As a terminal table and as Markdown. Pure.

use comfy_table::{presets, Cell, CellAlignment, Table};

use crate::analysis::compare::{compare_rows, RowComparison};
use crate::analysis::scaling::{ScalingComparison, ScalingRule, ScalingStatus};
use crate::analysis::stats::summarize;
use crate::report::documents::History;
use crate::report::format;
use crate::results::{Report, Row};

/// Named parts of a run: each part's name and its newest report.
pub type Parts = Vec<(String, Report)>;

/// The parts of each run that measured several named benchmarks at several
/// thread counts: `(run, its parts)`, per engine.
pub fn groups<'a>(histories: &'a [History<'a>]) -> Vec<(String, Parts)> {
    let mut out: Vec<(String, String, Parts)> = vec![];
    for h in histories {
        let (report, _) = h.newest();
        let Some(run) = &report.part_of else {
            continue;
        };
        let name = (report.benchmark.strip_prefix(run.as_str()))
            .and_then(|rest| rest.strip_prefix(':'))
            .unwrap_or(&report.benchmark)
            .to_string();
        let engine = report.host.engine.clone();
        match out.iter_mut().find(|(r, e, _)| r == run && *e == engine) {
            Some((_, _, parts)) => parts.push((name, report.clone())),
            None => out.push((run.clone(), engine, vec![(name, report.clone())])),
        }
    }
    out.into_iter()
        .filter(|(_, _, parts)| !lines(parts).is_empty())
        .map(|(run, engine, parts)| match engine.is_empty() {
            true => (run, parts),
            false => (format!("{run} on {engine}"), parts),
        })
        .collect()
}

/// One pattern on one configuration at N threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub pattern: String,
    /// `3.14t ×2`.
    pub label: String,
    pub interpreter: String,
    pub threads: u32,
    /// Mean of the process means at one thread and at N; `None` where a side
    /// did not complete.
    pub one: Option<f64>,
    pub many: Option<f64>,
    pub speedup: Option<f64>,
    pub interval: Option<(f64, f64)>,
    pub efficiency: Option<f64>,
    pub status: Option<ScalingStatus>,
    /// Against the row's baseline's speed-up (another build), with its name.
    pub vs_baseline: Option<(String, ScalingComparison)>,
}

fn mean_time(row: Option<&Row>) -> Option<f64> {
    let row = row.filter(|r| r.outcome.is_ok())?;
    summarize(&row.measured()).map(|s| s.mean)
}

/// Every pattern's lines, in the parts' order, configurations in the run's order.
pub fn lines(parts: &[(String, Report)]) -> Vec<Line> {
    let mut out = vec![];
    for (pattern, report) in parts {
        let comparisons = compare_rows(report);
        for (row, rc) in report.rows.iter().zip(&comparisons) {
            let Some(n) = row.threads.filter(|n| *n > 1) else {
                continue;
            };
            let one = report
                .rows
                .iter()
                .find(|r| r.interpreter == row.interpreter && r.threads == Some(1));
            out.push(line(pattern, report, row, one, rc, n));
        }
    }
    out
}

fn line(
    pattern: &str,
    report: &Report,
    row: &Row,
    one: Option<&Row>,
    rc: &RowComparison,
    n: u32,
) -> Line {
    Line {
        pattern: pattern.to_string(),
        label: row.label(),
        interpreter: row.interpreter.clone(),
        threads: n,
        one: mean_time(one),
        many: mean_time(Some(row)),
        speedup: rc.speedup,
        interval: rc.speedup_ci,
        efficiency: rc.efficiency,
        status: rc.scaling,
        vs_baseline: rc
            .scaling_vs_baseline
            .map(|c| (report.baseline_name(row).to_string(), c)),
    }
}

/// A speed-up or an interval's end: two decimals, three where two would
/// round onto 1 (an end of 0.996 says "slower than one thread", 1.00 would
/// not) or below 0.1 (0.005×, not 0.00×).
fn bound(x: f64) -> String {
    match ((x - 1.0).abs() < 0.005 && x != 1.0) || x < 0.095 {
        true => format!("{x:.3}"),
        false => format!("{x:.2}"),
    }
}

/// `1.92× [1.85–1.99]`.
pub fn speedup_text(line: &Line) -> String {
    match (line.speedup, line.interval) {
        (Some(s), Some((low, high))) => format!("{}× [{}–{}]", bound(s), bound(low), bound(high)),
        (Some(s), None) => format!("{}×", bound(s)),
        (None, _) => "—".into(),
    }
}

/// The status in words, or why there is none.
pub fn status_text(line: &Line) -> String {
    match (line.status, line.speedup, line.one.zip(line.many)) {
        (Some(s), ..) => s.words().to_string(),
        (None, Some(_), _) => "no interval".into(),
        (None, None, None) => "did not run".into(),
        (None, None, Some(_)) => "—".into(),
    }
}

fn vs_baseline_text(line: &Line) -> String {
    match &line.vs_baseline {
        Some((base, c)) => {
            let interval = match (c.ci_low, c.ci_high) {
                (Some(l), Some(h)) => format!(" [{l:.2}–{h:.2}]"),
                _ => String::new(),
            };
            format!(
                "{}{interval} {} vs {base}",
                format::ratio(c.ratio),
                c.verdict.words()
            )
        }
        None => "—".into(),
    }
}

/// The table's cells for one line.
fn cells(line: &Line, with_baseline: bool) -> Vec<String> {
    let time = |t: Option<f64>| t.map_or("—".into(), format::duration);
    let mut cells = vec![
        line.pattern.clone(),
        line.label.clone(),
        time(line.one),
        time(line.many),
        speedup_text(line),
        line.efficiency
            .map_or("—".into(), |e| format!("{:.0}%", e * 100.0)),
        status_text(line),
    ];
    if with_baseline {
        cells.push(vs_baseline_text(line));
    }
    cells
}

const HEADERS: [&str; 7] = [
    "Pattern",
    "Configuration",
    "×1",
    "×N",
    "Speed-up [95% CI]",
    "Efficiency",
    "Scaling",
];

/// The terminal table, its legend and the patterns that scale badly.
pub fn render(parts: &[(String, Report)]) -> String {
    let all = lines(parts);
    let with_baseline = all.iter().any(|l| l.vs_baseline.is_some());
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .force_no_tty();
    let mut headers: Vec<&str> = HEADERS.to_vec();
    if with_baseline {
        headers.push("Speed-up vs baseline's");
    }
    table.set_header(headers);
    for line in &all {
        table.add_row(cells(line, with_baseline).into_iter().map(Cell::new));
    }
    for column in [2, 3, 4, 5] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = format!("{table}\n{}\n", legend(parts));
    for note in badly_notes(&all) {
        out += &note;
        out.push('\n');
    }
    out
}

/// How to read the table.
fn legend(parts: &[(String, Report)]) -> String {
    let per_thread = parts.first().is_none_or(|(_, r)| r.scaling);
    let how = match per_thread {
        true => "speed-up = t1·N/tN (each of the N threads does the one-thread work)",
        false => "speed-up = t1/tN (the total work is shared by the N threads)",
    };
    format!(
        "×1, ×N: mean time per call at 1 and N threads; {how}, the geometric mean of the \
         rounds' ratios with its 95% interval (paired by round); {}",
        ScalingRule::DEFAULT.legend()
    )
}

/// One line per configuration with patterns that scale badly, naming them
/// with their speed-ups; and how many scale, per configuration.
pub fn badly_notes(lines: &[Line]) -> Vec<String> {
    let mut labels: Vec<&str> = vec![];
    for l in lines {
        if !labels.contains(&l.label.as_str()) {
            labels.push(&l.label);
        }
    }
    let mut notes = vec![];
    for label in labels {
        let of: Vec<&Line> = lines.iter().filter(|l| l.label == label).collect();
        let count = |s: ScalingStatus| of.iter().filter(|l| l.status == Some(s)).count();
        let badly: Vec<String> = of
            .iter()
            .filter(|l| l.status == Some(ScalingStatus::ScalesBadly))
            .map(|l| format!("{} {}", l.pattern, speedup_text(l)))
            .collect();
        let mut note = format!(
            "{label}: {} of {} scale, {} between, {} scale badly",
            count(ScalingStatus::Scales),
            match of.len() {
                1 => "1 pattern".to_string(),
                n => format!("{n} patterns"),
            },
            count(ScalingStatus::Between),
            badly.len()
        );
        if !badly.is_empty() {
            note += &format!(": {}", badly.join(", "));
        }
        notes.push(note);
    }
    notes
}

/// The same table in GitHub-flavoured Markdown, with the notes.
pub fn markdown(parts: &[(String, Report)]) -> String {
    let all = lines(parts);
    let with_baseline = all.iter().any(|l| l.vs_baseline.is_some());
    let mut headers: Vec<&str> = HEADERS.to_vec();
    if with_baseline {
        headers.push("Speed-up vs baseline's");
    }
    let mut out = format!("| {} |\n", headers.join(" | "));
    out += &format!(
        "|---|---|--:|--:|--:|--:|---|{}\n",
        match with_baseline {
            true => "---|",
            false => "",
        }
    );
    for line in &all {
        let cells: Vec<String> = cells(line, with_baseline)
            .iter()
            .map(|c| super::markdown::cell(c))
            .collect();
        out += &format!("| {} |\n", cells.join(" | "));
    }
    out += &format!("\n{}\n", super::markdown::cell(&legend(parts)));
    for note in badly_notes(&all) {
        out += &format!("\n- {}", super::markdown::cell(&note));
    }
    out + "\n"
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::fixture;
    use crate::results::Metric;

    /// A run of two patterns at 1 and 2 threads on 3.14t: `fast` scales,
    /// `locked` is slower with two threads than with one, every round.
    pub fn two_patterns() -> Report {
        let mut r = fixture::report();
        r.benchmark = "ftscalingbench".into();
        r.baseline = "3.14t".into();
        let template = r.rows[1].clone();
        let noise = [1.0, 1.3, 0.9, 1.1, 1.2];
        r.rows = [1, 2]
            .into_iter()
            .map(|threads| {
                let mut row = template.clone();
                row.interpreter = "3.14t".into();
                row.threads = Some(threads);
                row.samples = noise
                    .iter()
                    .enumerate()
                    .map(|(i, k)| {
                        let wobble = 1.0 + 0.01 * i as f64;
                        let (fast, locked) = match threads {
                            1 => (k * 0.010, k * 0.020),
                            _ => (k * 0.0104 * wobble, k * 0.060 * wobble),
                        };
                        let mut s = template.samples[0].clone();
                        s.warmup = false;
                        s.seconds = fast;
                        s.values = vec![fast];
                        s.metrics = vec![
                            Metric {
                                name: "fast".into(),
                                loops: 1,
                                values: vec![fast],
                                ..Metric::default()
                            },
                            Metric {
                                name: "locked".into(),
                                loops: 1,
                                values: vec![locked],
                                ..Metric::default()
                            },
                        ];
                        s
                    })
                    .collect();
                row
            })
            .collect();
        r
    }

    #[test]
    fn an_end_next_to_one_keeps_the_digit_that_puts_it_on_its_side() {
        assert_eq!(
            (bound(0.9962), bound(1.0041), bound(1.0)),
            ("0.996".into(), "1.004".into(), "1.00".into())
        );
        assert_eq!((bound(0.97), bound(1.62)), ("0.97".into(), "1.62".into()));
        // A tiny speed-up keeps its digits too: 0.005×, not 0.00×.
        assert_eq!(bound(0.0047), "0.005");
    }

    #[test]
    fn each_pattern_gets_its_speedup_interval_and_status() {
        let parts = crate::report::split::split(&two_patterns());
        let all = lines(&parts);
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(
            (all[0].pattern.as_str(), all[0].label.as_str()),
            ("fast", "3.14t ×2")
        );
        assert_eq!(all[0].status, Some(ScalingStatus::Scales), "{:?}", all[0]);
        assert_eq!(
            all[1].status,
            Some(ScalingStatus::ScalesBadly),
            "{:?}",
            all[1]
        );
        let text = render(&parts);
        assert!(text.contains("│ locked"), "{text}");
        assert!(text.contains("scales badly"), "{text}");
        assert!(
            text.contains("3.14t ×2: 1 of 2 patterns scale, 0 between, 1 scale badly: locked 0.6"),
            "{text}"
        );
        let md = markdown(&parts);
        assert!(md.starts_with("| Pattern | Configuration |"), "{md}");
        let whole = crate::report::Format::Markdown
            .exporter()
            .serialize(&two_patterns())
            .unwrap();
        let whole = String::from_utf8(whole).unwrap();
        assert!(
            whole.starts_with("# pybench-docker: ftscalingbench"),
            "{whole}"
        );
        assert!(whole.contains(&md), "{whole}");
        assert!(md.contains("| locked | 3.14t ×2 |"), "{md}");
        assert!(md.contains("- 3.14t ×2: 1 of 2"), "{md}");
    }
}
