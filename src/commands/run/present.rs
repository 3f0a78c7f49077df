//! What is said after the table: outliers worth a second look, failed rows.

use crate::error::ChecksFailed;
use crate::results::{Outcome, Report};

/// Runs far from the rest of their row (modified z-score above 3.5), worth a
/// second look: a noisy neighbour, a frequency change. Pure.
pub fn outlier_notes(report: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    for row in &report.rows {
        let xs = row.measured();
        // Fewer than five runs make the median absolute deviation meaningless.
        if xs.len() < 5 {
            continue;
        }
        let found = crate::analysis::stats::outliers(
            &xs,
            crate::analysis::stats::DEFAULT_OUTLIER_THRESHOLD,
        );
        if found.is_empty() {
            continue;
        }
        let which: Vec<String> = found
            .iter()
            .map(|i| format!("#{} ({})", i + 1, crate::report::format::duration(xs[*i])))
            .collect();
        notes.push(format!(
            "{}: process {} of {} stood out (modified z-score > {}): the machine's speed changed while it ran; the paired statistics absorb some of that, more --processes absorb more.",
            row.label(),
            which.join(", "),
            xs.len(),
            crate::analysis::stats::DEFAULT_OUTLIER_THRESHOLD
        ));
    }
    notes
}

/// What a user's script printed, per configuration: its first measured
/// process (every process's output is in the JSON). Pure.
pub fn script_outputs(report: &Report) -> String {
    let mut out = String::new();
    for row in &report.rows {
        let measured: Vec<_> = row.samples.iter().filter(|s| !s.warmup).collect();
        let Some(output) = measured.iter().find_map(|s| s.output.as_ref()) else {
            continue;
        };
        out += &format!(
            "▶ {} printed (process 1 of {}{}):\n",
            row.label(),
            measured.len(),
            if output.truncated {
                ", cut to its tail"
            } else {
                ""
            }
        );
        for (stream, text) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            let text = text.trim_end();
            if !text.is_empty() {
                out += &format!("  [{stream}]\n");
                for line in text.lines() {
                    out += &format!("  {line}\n");
                }
            }
        }
    }
    out
}

/// The line above pyperformance's table.
pub fn pyperformance_heading(report: &Report, benchmarks: usize) -> String {
    format!(
        "pyperformance 1.14.0 · {benchmarks} benchmarks · baseline {} · {} containers per build, each running pyperf's worker processes · {}",
        report.baseline,
        report.repeat,
        crate::report::format::host(report)
    )
}

/// Benchmarks a configuration could not run, with the last line of why (the
/// error of a traceback). Pure.
pub fn skipped_notes(report: &Report) -> Vec<String> {
    let mut notes: Vec<String> = vec![];
    for row in &report.rows {
        let mut seen: Vec<&str> = vec![];
        for k in row.samples.iter().flat_map(|s| &s.skipped) {
            if seen.contains(&k.name.as_str()) {
                continue;
            }
            seen.push(&k.name);
            let why = k.reason.lines().last().unwrap_or("").trim();
            notes.push(format!("{} on {}: {why}", k.name, row.label()));
        }
    }
    notes
}

/// Ok when every row measured; otherwise names the failed rows (the table
/// above says why).
pub fn failures(report: &Report) -> anyhow::Result<()> {
    let failed: Vec<String> = report
        .rows
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Ok))
        .map(|r| r.interpreter.clone())
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(ChecksFailed(format!(
        "{} of {} configurations failed: {}. The table shows why; the other results were kept.",
        failed.len(),
        report.rows.len(),
        failed.join(", ")
    ))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_note_per_row_naming_its_outlying_processes() {
        let mut report = crate::report::fixture::report();
        assert!(outlier_notes(&report).is_empty());
        let row = &mut report.rows[1];
        row.samples.truncate(1);
        for (i, s) in [1.0, 1.01, 0.99, 1.0, 1.02, 3.0, 1.0].iter().enumerate() {
            let mut sample = row.samples[0].clone();
            sample.seconds = *s;
            sample.warmup = false;
            if i > 0 {
                row.samples.push(sample);
            } else {
                row.samples[0] = sample;
            }
        }
        let notes = outlier_notes(&report);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("3.13: process #6 (3.00 s) of 7 stood out"),
            "{notes:?}"
        );
    }
}
