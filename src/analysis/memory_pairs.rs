//! Memory in `compare`: each configuration's peak memory in B against A,
//! judged as time is (the same band and rule), and the memory counterpart of
//! the regression gate. Pure.
//!
//! Memory does not drift with the machine's speed, so it is compared as
//! measured, never relative to the runs' baselines: one run a side, each
//! process's peak is an observation (Welch, as time across runs); folders of
//! runs, each run's geometric mean of its processes' peaks is one (Student's
//! pooled t on the logs, as time's run levels).

use crate::analysis::compare::{compare_runs, Band};
use crate::analysis::memory::{compare_peaks, peaks};
use crate::analysis::significance::DEFAULT_ALPHA;
use crate::analysis::stats::summarize;
use crate::results::{MemoryPairing, Pairing, Report, Row};

fn row<'a>(report: &'a Report, label: &str) -> Option<&'a Row> {
    report.rows.iter().find(|r| r.label() == label)
}

fn present(row: &Row) -> Vec<f64> {
    peaks(row).into_iter().flatten().collect()
}

fn pairing(
    mean_a: Option<f64>,
    mean_b: Option<f64>,
    comparison: Option<crate::analysis::compare::Comparison>,
) -> Option<MemoryPairing> {
    if mean_a.is_none() && mean_b.is_none() {
        return None;
    }
    Some(MemoryPairing {
        mean_a,
        mean_b,
        significant: comparison
            .and_then(|c| c.p_value)
            .is_some_and(|p| p < DEFAULT_ALPHA),
        comparison,
    })
}

/// Configuration `label`'s memory in run B against run A; `None` when
/// neither recorded memory.
pub fn pair_memory_reports(
    a: &Report,
    b: &Report,
    label: &str,
    band: Band,
) -> Option<MemoryPairing> {
    let (ra, rb) = (row(a, label)?, row(b, label)?);
    let mean = |r: &Row| summarize(&present(r)).map(|s| s.mean);
    let comparison = compare_peaks(&peaks(ra), &peaks(rb), false, band);
    pairing(mean(ra), mean(rb), comparison)
}

/// Configuration `label`'s memory in runs B against runs A, one level per
/// run (the log of its processes' geometric mean peak); `None` when no run
/// recorded memory.
pub fn pair_memory_runs(
    a: &[Report],
    b: &[Report],
    label: &str,
    band: Band,
) -> Option<MemoryPairing> {
    let level = |r: &Report| -> Option<f64> {
        let logs: Vec<f64> = present(row(r, label)?).iter().map(|b| b.ln()).collect();
        summarize(&logs).map(|s| s.mean)
    };
    let levels = |side: &[Report]| -> Option<Vec<f64>> { side.iter().map(level).collect() };
    let mean = |side: &[Report]| -> Option<f64> {
        let means: Option<Vec<f64>> = side
            .iter()
            .map(|r| summarize(&present(row(r, label)?)).map(|s| s.mean))
            .collect();
        summarize(&means?).map(|s| s.mean)
    };
    let comparison = levels(a)
        .zip(levels(b))
        .and_then(|(la, lb)| compare_runs(&la, &lb, band));
    pairing(mean(a), mean(b), comparison)
}

/// Configurations using significantly more memory in B by more than `percent` %.
pub fn memory_regressions(pairs: &[Pairing], percent: f64) -> Vec<&Pairing> {
    pairs
        .iter()
        .filter(|p| {
            p.memory.as_ref().is_some_and(|m| {
                m.significant && m.comparison.is_some_and(|c| c.change * 100.0 > percent)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::Verdict;
    use crate::analysis::pairing::{pair_reports, pair_runs};
    use crate::report::fixture;

    /// The fixture with every process's peak times `factor` (and a page of
    /// noise that differs from run to run by `seed`).
    fn grown(factor: f64, seed: u64) -> Report {
        let mut r = fixture::report_with_memory();
        for row in &mut r.rows {
            for (i, s) in row.samples.iter_mut().enumerate() {
                let m = s.memory.as_mut().unwrap();
                let peak = m.peak_values[0].unwrap() as f64 * factor;
                let peak = peak as u64 + 4096 * ((i as u64 + seed) % 4);
                *m = fixture::memory(peak, 6 << 20);
            }
        }
        r
    }

    #[test]
    fn one_run_a_side_compares_the_processes_peaks() {
        let (a, b) = (grown(1.0, 0), grown(1.25, 1));
        let pairs = pair_reports(&a, &b, Band::DEFAULT);
        let ft = pairs.iter().find(|p| p.label == "3.13t").unwrap();
        let m = ft.memory.as_ref().unwrap();
        let c = m.comparison.unwrap();
        assert_eq!(c.verdict, Verdict::Degraded);
        assert!((c.ratio - 1.25).abs() < 0.01, "{c:?}");
        assert!(m.significant && m.mean_b > m.mean_a);
        assert_eq!(
            memory_regressions(&pairs, 20.0).len(),
            3,
            "system, 3.13, 3.13t"
        );
        assert!(memory_regressions(&pairs, 30.0).is_empty());
        let same = pair_reports(&a, &grown(1.0, 2), Band::DEFAULT);
        let m = same[2].memory.as_ref().unwrap();
        assert_eq!(m.comparison.unwrap().verdict, Verdict::Similar);
        assert!(memory_regressions(&same, 1.0).is_empty());
        // Files from before memory was recorded: nothing to say.
        let old = pair_reports(&fixture::report(), &fixture::report(), Band::DEFAULT);
        assert!(old.iter().all(|p| p.memory.is_none()));
    }

    #[test]
    fn folders_compare_one_level_per_run() {
        let a: Vec<Report> = (0..3).map(|s| grown(1.0, s)).collect();
        let b: Vec<Report> = (0..3).map(|s| grown(0.8, s + 1)).collect();
        let pairs = pair_runs(&a, &b, Band::DEFAULT);
        let ft = pairs.iter().find(|p| p.label == "3.13t").unwrap();
        let c = ft.memory.as_ref().unwrap().comparison.unwrap();
        assert_eq!(c.verdict, Verdict::Improved, "{c:?}");
        assert!((c.ratio - 0.8).abs() < 0.01);
    }
}
