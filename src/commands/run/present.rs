//! What is said after the table: outliers worth a second look, failed rows.

use crate::error::ChecksFailed;
use crate::results::{Outcome, Report};

/// Processes far from the rest of their row (modified z-score above 3.5),
/// worth a second look: a noisy neighbour, a frequency change. One line for
/// the whole table, each row with its outlying processes. Pure.
pub fn outlier_note(report: &Report) -> Option<String> {
    let threshold = crate::analysis::stats::DEFAULT_OUTLIER_THRESHOLD;
    let mut rows = Vec::new();
    for row in &report.rows {
        let xs = row.measured();
        // Fewer than five runs make the median absolute deviation meaningless.
        if xs.len() < 5 {
            continue;
        }
        let found = crate::analysis::stats::outliers(&xs, threshold);
        if found.is_empty() {
            continue;
        }
        let which: Vec<String> = found
            .iter()
            .map(|i| format!("#{} ({})", i + 1, crate::report::format::duration(xs[*i])))
            .collect();
        rows.push(format!(
            "{} {} of {}",
            row.label(),
            which.join(", "),
            xs.len()
        ));
    }
    (!rows.is_empty()).then(|| {
        format!(
            "processes that stood out (modified z-score > {threshold}): {}. The machine's speed changed while they ran; the paired statistics absorb some of that, more --processes absorb more.",
            rows.join("; ")
        )
    })
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
    let how = match report.measure.is_time() {
        true => "each running pyperf's worker processes".to_string(),
        false => format!(
            "each counting {} per loop in pyperf's worker mode under Callgrind",
            report.measure.unit()
        ),
    };
    format!(
        "pyperformance 1.14.0 · {benchmarks} benchmarks · baseline {} · {} containers per build, {how} · {}",
        report.baseline,
        report.repeat,
        crate::report::format::host(report)
    )
}

/// The line above ftscalingbench's table: the sampling, the host and the
/// machine while measuring (load, steal), which every speed-up rests on.
pub fn ftscaling_heading(report: &Report, patterns: usize) -> String {
    let mut out = format!(
        "ftscalingbench · {patterns} pattern{} · {} · {}",
        if patterns == 1 { "" } else { "s" },
        crate::report::format::repetitions(report),
        crate::report::format::host(report)
    );
    if let Some(machine) = crate::report::format::machine(report) {
        out += &format!("\nmachine while measuring: {machine}");
    }
    if let Some(busy) = crate::report::format::busy_machine(report) {
        out += &format!("\n{busy}");
    }
    out
}

/// Which ftscalingbench.py each configuration ran: one line per script,
/// naming its configurations, origin and sha256. Pure.
pub fn script_notes(report: &Report) -> Vec<String> {
    let mut scripts: Vec<(&crate::results::SourceScript, Vec<&str>)> = vec![];
    for row in &report.rows {
        let Some(script) = &row.source_script else {
            continue;
        };
        match scripts.iter_mut().find(|(s, _)| *s == script) {
            Some((_, names)) if names.contains(&row.interpreter.as_str()) => {}
            Some((_, names)) => names.push(&row.interpreter),
            None => scripts.push((script, vec![&row.interpreter])),
        }
    }
    scripts
        .into_iter()
        .map(|(s, names)| {
            format!(
                "{}: {} of {} (sha256 {})",
                names.join(", "),
                s.path,
                s.origin,
                &s.sha256[..s.sha256.len().min(12)]
            )
        })
        .collect()
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

    /// Row `index` of the fixture with one process per value of `seconds`.
    fn with_processes(report: &mut Report, index: usize, seconds: &[f64]) {
        let row = &mut report.rows[index];
        let mut template = row.samples[0].clone();
        template.warmup = false;
        row.samples = seconds
            .iter()
            .map(|s| crate::results::Sample {
                seconds: *s,
                ..template.clone()
            })
            .collect();
    }

    #[test]
    fn one_line_for_the_table_naming_each_rows_outlying_processes() {
        let mut report = crate::report::fixture::report();
        assert_eq!(outlier_note(&report), None);
        with_processes(&mut report, 1, &[1.0, 1.01, 0.99, 1.0, 1.02, 3.0, 1.0]);
        let note = outlier_note(&report).unwrap();
        assert!(
            note.starts_with(
                "processes that stood out (modified z-score > 3.5): 3.13 #6 (3.00 s) of 7. "
            ),
            "{note}"
        );
        with_processes(&mut report, 0, &[2.0, 2.0, 9.0, 2.01, 1.99, 2.0, 8.0]);
        let note = outlier_note(&report).unwrap();
        assert_eq!(note.lines().count(), 1, "{note}");
        let rows = note.split(": ").nth(1).unwrap();
        assert!(
            rows.contains("#3 (9.00 s), #7 (8.00 s) of 7; 3.13 #6 (3.00 s) of 7."),
            "{note}"
        );
    }
}
