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
        for i in
            crate::analysis::stats::outliers(&xs, crate::analysis::stats::DEFAULT_OUTLIER_THRESHOLD)
        {
            notes.push(format!(
                "{}: run {} took {:.3} s, an outlier among its {} runs (modified z-score > {}); more --repeat or a --warmup run may steady it.",
                row.interpreter,
                i + 1,
                xs[i],
                xs.len(),
                crate::analysis::stats::DEFAULT_OUTLIER_THRESHOLD
            ));
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
