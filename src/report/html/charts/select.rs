//! The data selection: which rows each chart draws, and how they group.
//! Builds are grouped on the typed identity their rows keep (release,
//! options, runtime switch), never on their names; a file from before rows
//! kept it is read by the same rule with the identity inferred from the
//! names the options table gives. Pure.

use crate::analysis::compare::{compare_pair, Comparison, RowComparison};
use crate::domain::Mode;
use crate::options::Variant;
use crate::report::documents::CompareDoc;
use crate::report::format::{self, Status};
use crate::results::{Outcome, Report, Row};

/// One line of a ratio chart.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioRow {
    pub label: String,
    /// Rows of one group (a thread count) are drawn under its heading.
    pub group: Option<String>,
    /// The comparison, or why there is none.
    pub value: Result<Comparison, String>,
}

/// A run's rows: each configuration against its baseline
/// (`comparisons`: [`compare_rows`] of `report`).
pub fn ratio_rows(report: &Report, comparisons: &[RowComparison]) -> Vec<RatioRow> {
    let threads: Vec<Option<u32>> = report.rows.iter().map(|r| r.threads).collect();
    let grouped = threads.iter().any(|t| *t != threads[0]);
    report
        .rows
        .iter()
        .zip(comparisons)
        .map(|(row, rc)| RatioRow {
            label: row.label(),
            group: grouped.then(|| match row.threads {
                Some(1) => "1 thread".to_string(),
                Some(n) => format!("{n} threads"),
                None => "no thread count".to_string(),
            }),
            value: match (rc.comparison, row.outcome.is_ok()) {
                (Some(c), true) => Ok(c),
                _ => Err(match Status::of(row, rc) {
                    Status::Completed => "no baseline to compare with".to_string(),
                    other => other.text(),
                }),
            },
        })
        .collect()
}

/// A comparison's rows: B against A per configuration.
pub fn pairing_rows(doc: &CompareDoc) -> Vec<RatioRow> {
    doc.rows
        .iter()
        .map(|p| RatioRow {
            label: p.label.clone(),
            group: None,
            value: p
                .comparison
                .ok_or_else(|| "not completed in A or in B".to_string()),
        })
        .collect()
}

/// A row's build: typed, from the row; in a file from before rows kept it,
/// inferred from the names.
struct Built<'a> {
    row: &'a Row,
    release: String,
    version: Option<String>,
    options: Variant,
    mode: Mode,
}

impl Built<'_> {
    fn is_stock(&self) -> bool {
        self.options.is_stock() && self.mode == Mode::Default
    }
}

/// Every row's build, where it has one (the distro's python has none).
fn builds<'a>(rows: &[&'a Row]) -> Vec<Built<'a>> {
    rows.iter()
        .filter_map(|row| match &row.build {
            Some(b) => Some(Built {
                row,
                release: b.release.clone(),
                version: Some(b.version.clone()),
                options: b.options,
                mode: b.mode.clone(),
            }),
            None => inferred(row, rows),
        })
        .collect()
}

/// For a file without typed builds: a name with a runtime switch (a space)
/// is left out; a name that is another row's name plus the letters of a
/// set of options (`3.13t`, `my-branch-t`, by the options table) is that
/// build of its release; any other name is a release's stock build.
fn inferred<'a>(row: &'a Row, rows: &[&Row]) -> Option<Built<'a>> {
    let name = row.interpreter.as_str();
    if name.contains(' ') {
        return None;
    }
    let built = |release: &str, options| Built {
        row,
        release: release.to_string(),
        version: None,
        options,
        mode: Mode::Default,
    };
    for other in rows.iter().map(|r| r.interpreter.as_str()) {
        let Some(rest) = name.strip_prefix(other) else {
            continue;
        };
        let letters = rest.strip_prefix('-').unwrap_or(rest);
        match Variant::parse(letters) {
            Ok(options) if !options.is_stock() && !other.contains(' ') => {
                return Some(built(other, options))
            }
            _ => {}
        }
    }
    Some(built(name, Variant::STOCK))
}

/// A version's heading: `3.14 · CPython 3.14.7`.
fn version_heading(stock: &Built) -> String {
    let name = stock.row.interpreter.as_str();
    let reported = stock.row.info.as_ref().map(|i| i.version.clone());
    match reported.or_else(|| stock.version.clone()) {
        Some(v) if !v.is_empty() && v != name => format!("{name} · CPython {v}"),
        _ => name.to_string(),
    }
}

/// Across versions: per version (a stock build with another build of its
/// release in the run), each other build's ratio to that stock build at one
/// thread (or without a thread count), as built (no runtime switch), in the
/// options' order, paired round by round as in the run's own comparisons.
/// Grouped by version; empty unless two versions or more have such a pair.
/// Judged with the report's band (`--band`), as its table is.
pub fn version_rows(report: &Report) -> Vec<RatioRow> {
    let single: Vec<&Row> = (report.rows.iter())
        .filter(|r| matches!(r.threads, None | Some(1)))
        .collect();
    let builds = builds(&single);
    let band = report.band();
    let mut out = vec![];
    let mut releases: Vec<&str> = vec![];
    for stock in builds.iter().filter(|b| b.is_stock()) {
        if releases.contains(&stock.release.as_str()) {
            continue;
        }
        let mut others: Vec<&Built> = (builds.iter())
            .filter(|b| b.release == stock.release && b.mode == Mode::Default)
            .filter(|b| !b.options.is_stock())
            .collect();
        if others.is_empty() {
            continue;
        }
        releases.push(&stock.release);
        others.sort_by_key(|b| b.options);
        let group = version_heading(stock);
        out.extend(others.into_iter().map(|b| RatioRow {
            label: format!("{} ({})", b.row.interpreter, b.options.words()),
            group: Some(group.clone()),
            value:
                compare_pair(stock.row, b.row, true, band).ok_or_else(|| why_not(stock.row, b.row)),
        }));
    }
    match releases.len() >= 2 {
        true => out,
        false => vec![],
    }
}
/// Why a build has no ratio to its stock build.
fn why_not(stock: &Row, build: &Row) -> String {
    for (row, whose) in [(build, ""), (stock, "its stock build ")] {
        match &row.outcome {
            Outcome::Failed { reason, .. } => {
                return format!("{whose}failed: {}", format::one_line(reason))
            }
            Outcome::TimedOut { after_seconds } => {
                return format!("{whose}timed out after {}", format::timeout(*after_seconds))
            }
            Outcome::Ok => {}
        }
    }
    "no measured processes to compare".to_string()
}

/// One interpreter's speed-up at each thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// (threads, speed-up over one thread, efficiency), by thread count.
    pub points: Vec<(u32, f64, f64)>,
}

/// Speed-up against threads per interpreter, for the interpreters measured
/// at two thread counts or more (one thread included, where it is 1).
pub fn scaling_series(report: &Report, comparisons: &[RowComparison]) -> Vec<Series> {
    let mut out: Vec<Series> = vec![];
    for (row, rc) in report.rows.iter().zip(comparisons) {
        let point = match (row.threads, rc.speedup, rc.efficiency) {
            (Some(n), Some(s), Some(e)) if n > 1 => (n, s, e),
            (Some(1), ..) if rc.summary.is_some() && row.outcome.is_ok() => (1, 1.0, 1.0),
            _ => continue,
        };
        match out.iter_mut().find(|s| s.name == row.interpreter) {
            Some(series) => series.points.push(point),
            None => out.push(Series {
                name: row.interpreter.clone(),
                points: vec![point],
            }),
        }
    }
    for s in &mut out {
        s.points.sort_by_key(|p| p.0);
    }
    out.retain(|s| s.points.len() >= 2 && s.points[0].0 == 1);
    out
}
