//! Several engines' runs of one benchmark side by side: one row per
//! configuration, one column per host. Every cell is that host's own ratio
//! to its own baseline: statistics never mix hosts, a 2-core laptop's
//! processes are never pooled with a server's.

use comfy_table::{presets, Cell, ContentArrangement, Table};

use super::format::{self, Status};
use crate::analysis::compare::compare_rows;
use crate::results::Report;

/// One engine's run, or why the engine has none.
pub type HostRun<'a> = (&'a str, Result<&'a Report, String>);

/// The hosts side by side, as data: the terminal and the HTML page draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct SideBySide {
    pub benchmark: String,
    /// Per host: its name and what it is (host name, CPUs, Docker, CPU model).
    pub hosts: Vec<(String, String)>,
    /// Per configuration: its label and one cell per host ("—": not run there).
    pub rows: Vec<(String, Vec<String>)>,
}

/// The runs side by side. Pure.
pub fn side_by_side(runs: &[HostRun]) -> SideBySide {
    let hosts = runs
        .iter()
        .map(|(name, run)| {
            let what = run.as_ref().map(|r| host_lines(r)).unwrap_or_default();
            (name.to_string(), what)
        })
        .collect();
    let labels = labels(runs);
    let columns: Vec<Vec<(String, String)>> =
        runs.iter().map(|(_, run)| column(run, &labels)).collect();
    let rows = labels
        .into_iter()
        .map(|label| {
            let cells = columns
                .iter()
                .map(|c| {
                    c.iter()
                        .find(|(l, _)| *l == label)
                        .map_or("—".to_string(), |(_, text)| text.clone())
                })
                .collect();
            (label, cells)
        })
        .collect();
    let benchmark = runs
        .iter()
        .find_map(|(_, r)| r.as_ref().ok().map(|r| r.benchmark.clone()))
        .unwrap_or_default();
    SideBySide {
        benchmark,
        hosts,
        rows,
    }
}

/// The heading and the table. Pure.
pub fn render(runs: &[HostRun]) -> String {
    let data = side_by_side(runs);
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    let mut header = vec![Cell::new("Configuration")];
    header.extend(data.hosts.iter().map(|(name, what)| {
        Cell::new(match what.is_empty() {
            true => name.clone(),
            false => format!("{name}\n{what}"),
        })
    }));
    table.set_header(header);
    for (label, cells) in &data.rows {
        let mut row = vec![Cell::new(label)];
        row.extend(cells.iter().map(Cell::new));
        table.add_row(row);
    }
    format!(
        "{} on {} engines, each host against its own baseline (ratio [95% CI], status):\n{table}\n",
        data.benchmark,
        runs.len()
    )
}

/// "vm, 2 CPUs, Docker 20.10.24" and the CPU model the processes read.
fn host_lines(report: &Report) -> String {
    let h = &report.host;
    let mut first = vec![];
    if !h.hostname.is_empty() {
        first.push(h.hostname.clone());
    }
    first.push(format!("{} CPUs", h.cpus));
    if !h.docker_version.is_empty() {
        first.push(format!("Docker {}", h.docker_version));
    }
    let model = report
        .rows
        .iter()
        .flat_map(|r| &r.samples)
        .find_map(|s| s.host.as_ref()?.cpu_model.clone());
    let first = format::one_line(&first.join(", "));
    match model {
        Some(m) => format!("{first}\n{}", format::one_line(&m)),
        None => first,
    }
}

/// Configurations in the order the first run that has them lists them.
fn labels(runs: &[HostRun]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for (_, run) in runs {
        for row in run.iter().flat_map(|r| &r.rows) {
            if !out.contains(&row.label()) {
                out.push(row.label());
            }
        }
    }
    out
}

/// (label, cell text) per row of one engine's run; for an engine that
/// failed as a whole, every row says why.
fn column(run: &Result<&Report, String>, labels: &[String]) -> Vec<(String, String)> {
    let report = match run {
        Ok(r) => *r,
        Err(reason) => {
            // The whole reason was said above the table; a cell keeps its start.
            let reason = format::one_line(reason);
            let text = match reason.char_indices().nth(48) {
                Some((cut, _)) => format!("failed: {}…", &reason[..cut]),
                None => format!("failed: {reason}"),
            };
            return labels.iter().map(|l| (l.clone(), text.clone())).collect();
        }
    };
    let comparisons = compare_rows(report);
    report
        .rows
        .iter()
        .zip(&comparisons)
        .map(|(row, rc)| {
            let status = Status::of(row, rc);
            let text = match (rc.summary, rc.comparison) {
                (Some(s), Some(c)) if !report.is_baseline(row) => {
                    let ci = match (c.ci_low, c.ci_high) {
                        (Some(lo), Some(hi)) => format!(" [{lo:.2}–{hi:.2}]"),
                        _ => String::new(),
                    };
                    format!(
                        "{} {}{ci} {}",
                        format::value(report.measure, s.mean),
                        format::ratio(c.ratio),
                        status.text()
                    )
                }
                (Some(s), _) => format!(
                    "{} {}",
                    format::value(report.measure, s.mean),
                    status.text()
                ),
                _ => status.text(),
            };
            (row.label(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn each_host_is_a_column_of_its_own_ratios_and_a_failed_engine_says_why() {
        let a = fixture::report();
        let mut b = fixture::report();
        b.host.cpus = 64;
        // The second host's free-threaded build twice as slow as on the first.
        for row in b.rows.iter_mut().filter(|r| r.interpreter == "3.13t") {
            for s in &mut row.samples {
                s.seconds *= 2.0;
                s.values.iter_mut().for_each(|v| *v *= 2.0);
            }
        }
        let text = render(&[
            ("laptop", Ok(&a)),
            ("server", Ok(&b)),
            (
                "arm",
                Err("cannot reach the Docker daemon at tcp://arm:2375".into()),
            ),
        ]);
        assert!(text.contains("laptop") && text.contains("server") && text.contains("64 CPUs"));
        assert!(text.contains("Docker 27.3.1"), "{text}");
        assert!(
            text.contains("failed: cannot reach the Docker daemon"),
            "{text}"
        );
        let ft_line = text.lines().find(|l| l.contains("3.13t")).expect(&text);
        let ratios: Vec<f64> = ft_line
            .split(['│', '┆'])
            .filter_map(|c| c.split_whitespace().find(|w| w.ends_with('×')))
            .map(|w| w.trim_end_matches('×').parse().unwrap())
            .collect();
        assert_eq!(ratios.len(), 2, "{ft_line}");
        assert!((ratios[1] / ratios[0] - 2.0).abs() < 0.05, "{ft_line}");
    }

    #[test]
    fn counted_runs_show_instructions_not_seconds() {
        let mut a = fixture::report();
        a.measure = crate::results::Measure::Instructions;
        let text = render(&[("laptop", Ok(&a)), ("server", Ok(&a))]);
        let line = text.lines().find(|l| l.contains("3.13t")).expect(&text);
        assert!(line.contains(" instr "), "{line}");
        assert!(!line.contains(" s ") && !line.contains(" ms "), "{line}");
    }
}
