//! A GitHub-flavoured Markdown summary: a short header describing the run,
//! then one table row per configuration.

use super::format::{self, Feature, FeatureCell, Status};
use super::memory;
use super::table::ratio_with_ci;
use super::{ExportError, Exporter};
use crate::analysis::compare::{compare_rows, RowComparison};
use crate::results::{Report, Row};

pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn serialize(&self, report: &Report) -> Result<Vec<u8>, ExportError> {
        Ok(render(report).into_bytes())
    }

    fn extension(&self) -> &'static str {
        "md"
    }
}

const DATE: &str = "%Y-%m-%d %H:%M:%S UTC";

fn render(report: &Report) -> String {
    let finished = match report.finished_at {
        Some(t) => format!(" to {}", t.format(DATE)),
        None => " (unfinished)".to_string(),
    };
    let mut lines = vec![
        format!("# pybench-docker: {}", cell(&report.benchmark)),
        String::new(),
        format!("- **Benchmark:** `{}`", code(&format::invocation(report))),
        format!("- **Baseline:** `{}`", code(&report.baseline)),
        format!("- **Runs:** {}", format::repetitions(report)),
        format!("- **Host:** {}", cell(&format::host(report))),
        format!("- **Date:** {}{finished}", report.started_at.format(DATE)),
        format!(
            "- **Tool:** pybench-docker {}, session `{}`",
            cell(&report.tool_version),
            code(&report.session)
        ),
        String::new(),
    ];
    // Several named benchmarks at several thread counts (ftscalingbench's
    // patterns): how each scales; each one's own file has its full table.
    let parts = super::split::split(report);
    if !parts.is_empty() && report.rows.iter().any(|r| r.threads.is_some_and(|n| n > 1)) {
        lines.push(super::scaling::markdown(&parts));
        return lines.join("\n");
    }
    lines.extend([
        "| Interpreter | Free threading | JIT | Mean ± σ | Ratio [95% CI] | p | Status |"
            .to_string(),
        "|---|---|---|--:|--:|--:|---|".to_string(),
    ]);
    for (row, rc) in report.rows.iter().zip(compare_rows(report)) {
        lines.push(table_row(report, row, &rc));
    }
    lines.push(String::new());
    lines.push(cell(&format::legend(report)));
    lines.push(String::new());
    lines.push(cell(&format::unit_and_band(report)));
    let machine = format::machine(report).map(|m| format!("machine while measuring: {m}"));
    for warning in machine
        .into_iter()
        .chain(format::busy_machine(report))
        .chain(format::noise_warning(&compare_rows(report), report.band()))
    {
        lines.push(String::new());
        lines.push(cell(&warning));
    }
    lines.push(String::new());
    lines.extend(memory_section(report));
    lines.join("\n")
}

/// The memory table under the time table, its legend and the memory per
/// extra thread; nothing when no row recorded memory.
fn memory_section(report: &Report) -> Vec<String> {
    let comparisons = compare_rows(report);
    if comparisons.iter().all(|c| c.memory.is_none()) {
        return vec![];
    }
    let mut lines = vec![
        format!("## {}", memory::TITLE),
        String::new(),
        format!("| {} |", memory::HEADERS.join(" | ")),
        "|---|--:|--:|--:|---|--:|--:|".to_string(),
    ];
    for rc in &comparisons {
        let cells: Vec<String> = match &rc.memory {
            Some(m) => memory::cells(&rc.label, m).map(|c| cell(&c)).to_vec(),
            None => [cell(&rc.label)]
                .into_iter()
                .chain(std::iter::repeat_n("—".to_string(), 6))
                .collect(),
        };
        lines.push(format!("| {} |", cells.join(" | ")));
    }
    for note in memory::legend(&comparisons, report.band())
        .into_iter()
        .chain(memory::slope_lines(report))
    {
        lines.push(String::new());
        lines.push(cell(&note));
    }
    lines.push(String::new());
    lines
}

fn table_row(report: &Report, row: &Row, rc: &RowComparison) -> String {
    let info = row.info.as_ref();
    let mean = match rc.values.filter(|_| row.outcome.is_ok()) {
        Some(s) => format!(
            "{} {}",
            format::value(report.measure, s.mean),
            format::spread_of(report.measure, s.stddev)
        ),
        None => "—".to_string(),
    };
    let comparison = rc.comparison.filter(|_| row.outcome.is_ok());
    let ratio = comparison.map_or_else(|| "—".to_string(), |c| ratio_with_ci(&c));
    let p = comparison
        .and_then(|c| c.p_value)
        .map_or_else(|| "—".to_string(), format::p_value);
    let status = match Status::of(row, rc) {
        Status::Verdict(v) => format!("**{v}**"),
        other => cell(&other.text()),
    };
    format!(
        "| `{}` | {} | {} | {mean} | {ratio} | {p} | {status} |",
        code(&row.label()),
        FeatureCell::of(info, Feature::FreeThreading).text(),
        FeatureCell::jit(row).text(),
    )
}

/// Makes text safe inside a table cell: one line, pipes escaped, and
/// characters Markdown would interpret backslash-escaped.
pub(crate) fn cell(text: &str) -> String {
    let mut out = String::new();
    for c in format::one_line(text).chars() {
        if "\\|*_`[]<#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Makes text safe inside a code span in a table: backslashes are literal in
/// code spans, but GFM still splits cells on `|` unless it is escaped, and a
/// backtick would end the span early.
pub(crate) fn code(text: &str) -> String {
    format::one_line(text).replace('|', "\\|").replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn snapshot() {
        let expected = "\
# pybench-docker: gil

- **Benchmark:** `gil --threads 4`
- **Baseline:** `3.13`
- **Runs:** 5 processes (+1 warm-up) × 1 value each
- **Host:** 8 CPUs · linux/x86\\_64 · Docker 27.3.1
- **Date:** 2025-06-01 14:03:00 UTC to 2025-06-01 14:14:40 UTC
- **Tool:** pybench-docker 0.1.0, session `20250601-140300-gil`

| Interpreter | Free threading | JIT | Mean ± σ | Ratio [95% CI] | p | Status |
|---|---|---|--:|--:|--:|---|
| `system` | unsupported | unsupported | 2.47 s ± 17.8 ms | 1.04× [1.04–1.05] | <0.001 | **similar** |
| `3.13` | disabled | unsupported | 2.37 s ± 9.18 ms | 1.00× | — | **baseline** |
| `3.13t` | enabled ✨ | unsupported | 715 ms ± 16.5 ms | 0.30× [0.29–0.31] | <0.001 | **improved** |
| `3.13t -X gil=1` | GIL re-enabled | unsupported | — | — | — | timed out after 600 s |
| `3.13j` | disabled | enabled ✨ | — | — | — | failed: exit code 139 (SIGSEGV) |

ratio = mean / mean of 3.13 at the same thread count, with its 95% interval; improved/degraded: >10% faster/slower and p \\< 0.05 (paired by round); similar: the whole interval within ±10%; otherwise not distinguishable

values: seconds per loop; band ±10%
";
        assert_eq!(render(&fixture::report()), expected);
    }

    #[test]
    fn memory_gets_its_own_table_under_the_time_table() {
        let text = render(&fixture::report_with_memory());
        let (time, memory) = text.split_once("## Memory: peak resident set").unwrap();
        assert!(time.contains("| Mean ± σ |"), "{text}");
        assert!(
            memory.contains("| Interpreter | Peak ± σ | Ratio [95% CI] |"),
            "{text}"
        );
        let ft = memory.lines().find(|l| l.starts_with("| 3.13t |")).unwrap();
        assert!(
            ft.contains("| 19.3 MiB ± 0.0 | 1.245× \\[") && ft.contains("degraded"),
            "{ft}"
        );
        assert!(memory.contains("VmHWM of /proc/self/status"), "{text}");
        assert!(!render(&fixture::report()).contains("Memory"));
    }

    #[test]
    fn escapes_cells() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("x86_64 *bold*"), "x86\\_64 \\*bold\\*");
        assert_eq!(code("3.13t | `x`"), "3.13t \\| 'x'");
    }

    #[test]
    fn failure_reasons_cannot_break_the_table() {
        let mut report = fixture::report();
        report.rows[4].outcome = crate::results::Outcome::Failed {
            reason: "bad | pipe\nand newline".into(),
            stderr_tail: String::new(),
        };
        let text = render(&report);
        let line = text.lines().find(|l| l.starts_with("| `3.13j`")).unwrap();
        assert!(
            line.ends_with("| failed: bad \\| pipe and newline |"),
            "{line}"
        );
    }
}
