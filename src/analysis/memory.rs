//! Memory's statistics, the same as time's: each row's process peaks against
//! the baseline's at the same thread count, paired by round, with the 95 %
//! interval and the status by the same band and rule ([`verdict`](super::verdict));
//! the paired ratio that also answers when memory repeats to the byte; and the
//! memory per extra thread of a sweep. Pure. The record itself is
//! [`ProcessMemory`]; what its figures mean: docs/memory.md.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::analysis::compare::{Comparison, Unit, MIN_PROCESSES};
use crate::analysis::significance::{
    paired_log_ratio, verdict, verdict_of, PairedRatio, RatioCi, DEFAULT_ALPHA,
};
use crate::analysis::stats::{summarize, Summary};
use crate::analysis::verdict::{Band, Verdict};
use crate::results::{ContainerSource, ProcessMemory, ProcessSource, Report, Row};

/// Where a row's figures came from, as its first measured process recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    pub process: Option<ProcessSource>,
    /// Each value's peak was its own (reset before it).
    pub reset: bool,
    pub container: Option<ContainerSource>,
    /// The container's memory limit as the container saw it, bytes.
    pub limit: Option<u64>,
}

/// The container's peak over a row's processes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContainerPeak {
    /// Mean over the processes, bytes.
    pub mean: f64,
    /// Every process's container peak was set by this benchmark; otherwise
    /// it was reached earlier in the container and is an upper bound only.
    pub own: bool,
}

/// Resident-set growth over the measured values, bytes (not judged: a
/// free-threaded build's allocator keeps freed pages, docs/memory.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    pub mean: f64,
    /// Processes whose resident set grew, of those that said.
    pub grew: usize,
    pub of: usize,
}

/// One row's memory beside its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowMemory {
    /// Statistics of each measured process's peak while its values ran
    /// ([`ProcessMemory::value_peak`]), bytes.
    pub summary: Summary,
    /// Against the baseline at the same thread count; below 1 is less memory.
    /// `None` when the baseline has no memory.
    pub comparison: Option<Comparison>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerPeak>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<Growth>,
    pub sources: Sources,
}

/// The memory records of a row's measured processes, in run order (`None`
/// for a process that recorded none); empty unless the row completed.
fn records(row: &Row) -> Vec<Option<&ProcessMemory>> {
    if !row.outcome.is_ok() {
        return vec![];
    }
    (row.samples.iter())
        .filter(|s| !s.warmup)
        .map(|s| s.memory.as_ref())
        .collect()
}

/// Each measured process's peak (bytes), aligned by round.
pub fn peaks(row: &Row) -> Vec<Option<f64>> {
    (records(row).into_iter())
        .map(|m| m.and_then(ProcessMemory::value_peak).map(|b| b as f64))
        .collect()
}

/// `row`'s memory against `baseline`'s: paired by round when `same_run` and
/// both have a peak in at least [`MIN_PROCESSES`] of the same rounds; across
/// runs, or with unequal rounds, Welch's test on the peaks as for time;
/// with fewer processes the ratio of means alone. `None` when a side has no peak.
pub fn compare_peaks(
    baseline: &[Option<f64>],
    other: &[Option<f64>],
    same_run: bool,
    band: Band,
) -> Option<Comparison> {
    let present = |xs: &[Option<f64>]| xs.iter().flatten().copied().collect::<Vec<f64>>();
    let (base, row) = (present(baseline), present(other));
    let (b, r) = (summarize(&base)?, summarize(&row)?);
    if same_run && baseline.len() == other.len() {
        let (pb, po): (Vec<f64>, Vec<f64>) = (baseline.iter().zip(other))
            .filter_map(|(b, o)| Some(((*b)?, (*o)?)))
            .unzip();
        if let Some(found) = paired_memory_ratio(&pb, &po, 1.0 - DEFAULT_ALPHA) {
            return Some(found_comparison(&found, Unit::Rounds, band));
        }
    }
    if base.len() >= MIN_PROCESSES && row.len() >= MIN_PROCESSES {
        let detail = verdict(&base, &row, band, DEFAULT_ALPHA);
        let ratio = detail.ratio?;
        return Some(Comparison {
            ratio,
            change: ratio - 1.0,
            ci_low: detail.ci.map(|c| c.low),
            ci_high: detail.ci.map(|c| c.high),
            p_value: detail.p_value,
            verdict: detail.verdict,
            unit: Unit::Processes,
        });
    }
    let ratio = (b.mean > 0.0).then(|| r.mean / b.mean)?;
    Some(Comparison {
        ratio,
        change: ratio - 1.0,
        ci_low: None,
        ci_high: None,
        p_value: None,
        verdict: Verdict::NotDistinguishable,
        unit: Unit::Processes,
    })
}

fn found_comparison(found: &PairedRatio, unit: Unit, band: Band) -> Comparison {
    Comparison {
        ratio: found.ci.ratio,
        change: found.ci.ratio - 1.0,
        ci_low: Some(found.ci.low),
        ci_high: Some(found.ci.high),
        p_value: Some(found.p_value),
        verdict: verdict_of(found, band, DEFAULT_ALPHA),
        unit,
    }
}

/// Row `index` of `report`'s memory: `None` when it did not complete or
/// recorded no peak (files from before memory was measured).
pub fn row_memory(report: &Report, index: usize, band: Band) -> Option<RowMemory> {
    let row = &report.rows[index];
    let recs = records(row);
    let first = recs.iter().flatten().next()?;
    let mine = peaks(row);
    let summary = summarize(&mine.iter().flatten().copied().collect::<Vec<_>>())?;
    let comparison = report.baseline_for(row).and_then(|b| {
        if b == index {
            return Some(Comparison {
                ratio: 1.0,
                change: 0.0,
                ci_low: None,
                ci_high: None,
                p_value: None,
                verdict: Verdict::Baseline,
                unit: Unit::Rounds,
            });
        }
        compare_peaks(&peaks(&report.rows[b]), &mine, true, band)
    });
    Some(RowMemory {
        summary,
        comparison,
        container: container_peak(&recs),
        growth: growth(&recs),
        sources: Sources {
            process: first.process_source,
            reset: first.process_reset,
            container: first.container_source,
            limit: first.container_limit,
        },
    })
}

fn container_peak(recs: &[Option<&ProcessMemory>]) -> Option<ContainerPeak> {
    let peaks: Vec<f64> = (recs.iter().flatten())
        .filter_map(|m| m.container_peak)
        .map(|b| b as f64)
        .collect();
    Some(ContainerPeak {
        mean: summarize(&peaks)?.mean,
        own: recs.iter().flatten().all(|m| m.container_peak_is_own()),
    })
}

fn growth(recs: &[Option<&ProcessMemory>]) -> Option<Growth> {
    let grown: Vec<i64> = recs.iter().flatten().filter_map(|m| m.growth()).collect();
    let all: Vec<f64> = grown.iter().map(|g| *g as f64).collect();
    Some(Growth {
        mean: summarize(&all)?.mean,
        grew: grown.iter().filter(|g| **g > 0).count(),
        of: grown.len(),
    })
}

/// The memory per extra thread of one interpreter's thread sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadSlope {
    pub interpreter: String,
    /// The thread counts of the sweep, ascending.
    pub threads: Vec<u32>,
    /// Processes on the line.
    pub processes: usize,
    /// Bytes per extra thread, and the line's value at zero threads.
    pub slope: f64,
    pub intercept: f64,
    /// The slope's standard error and 95 % interval (t with n − 2 degrees of
    /// freedom); `None` with only two points.
    pub slope_se: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Each interpreter's memory per extra thread, for those measured at two
/// thread counts or more, in the report's order.
pub fn thread_slopes(report: &Report) -> Vec<ThreadSlope> {
    let mut names: Vec<&str> = vec![];
    for row in &report.rows {
        if row.threads.is_some() && !names.contains(&row.interpreter.as_str()) {
            names.push(&row.interpreter);
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let rows: Vec<&Row> = (report.rows.iter())
                .filter(|r| r.interpreter == name && r.threads.is_some())
                .collect();
            let points: Vec<(f64, f64)> = (rows.iter())
                .flat_map(|r| {
                    let t = f64::from(r.threads.unwrap_or(1));
                    peaks(r).into_iter().flatten().map(move |b| (t, b))
                })
                .collect();
            let fit = per_thread(&points)?;
            let mut threads: Vec<u32> = rows.iter().filter_map(|r| r.threads).collect();
            threads.sort_unstable();
            threads.dedup();
            let half = fit.slope_se.and_then(|se| {
                let t = StudentsT::new(0.0, 1.0, points.len() as f64 - 2.0).ok()?;
                Some(t.inverse_cdf(1.0 - DEFAULT_ALPHA / 2.0) * se)
            });
            Some(ThreadSlope {
                interpreter: name.to_string(),
                threads,
                processes: points.len(),
                slope: fit.slope,
                intercept: fit.intercept,
                slope_se: fit.slope_se,
                low: half.map(|h| fit.slope - h),
                high: half.map(|h| fit.slope + h),
            })
        })
        .collect()
}

/// The paired ratio of memory figures: process `i` of a row with process `i`
/// of the baseline (the same round), as [`paired_log_ratio`] does for times,
/// except when every pair has the same log ratio. Memory comes in pages and
/// often repeats to the byte, so that is an exact answer here, not a missing
/// one: the ratio with a zero-width interval, p = 0 (p = 1 when it is 1).
/// `None` with fewer than three pairs, unequal lengths or a figure that is
/// not positive and finite.
pub fn paired_memory_ratio(
    baseline: &[f64],
    other: &[f64],
    confidence: f64,
) -> Option<PairedRatio> {
    let usable = |xs: &[f64]| xs.iter().all(|x| x.is_finite() && *x > 0.0);
    if baseline.len() != other.len() || baseline.len() < 3 || !usable(baseline) || !usable(other) {
        return None;
    }
    let logs: Vec<f64> = baseline
        .iter()
        .zip(other)
        .map(|(b, o)| (o / b).ln())
        .collect();
    if logs.iter().all(|d| *d == logs[0]) {
        let ratio = logs[0].exp();
        return Some(PairedRatio {
            ci: RatioCi {
                ratio,
                low: ratio,
                high: ratio,
            },
            p_value: if logs[0] == 0.0 { 1.0 } else { 0.0 },
            pairs: logs.len(),
        });
    }
    paired_log_ratio(baseline, other, confidence)
}

/// Memory per extra thread: the least-squares line through (threads, bytes)
/// of every process of a thread sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerThread {
    /// Bytes per extra thread.
    pub slope: f64,
    /// Its standard error; `None` with only two distinct points on the line.
    pub slope_se: Option<f64>,
    /// Bytes at zero threads (the line's intercept).
    pub intercept: f64,
}

/// `None` with fewer than two distinct thread counts or a value not finite.
pub fn per_thread(points: &[(f64, f64)]) -> Option<PerThread> {
    if points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    if points.len() < 2 || sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let slope_se = (points.len() > 2).then(|| {
        let sse: f64 = points
            .iter()
            .map(|(x, y)| (y - intercept - slope * x).powi(2))
            .sum();
        (sse / (n - 2.0) / sxx).sqrt()
    });
    Some(PerThread {
        slope,
        slope_se,
        intercept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::{self, MIB};
    #[test]
    fn equal_pairs_give_an_exact_ratio_and_others_the_paired_interval() {
        let base = [16.0, 16.5, 15.5];
        let exact = paired_memory_ratio(&base, &[20.0, 20.625, 19.375], 0.95).unwrap();
        assert_eq!(
            (exact.ci.ratio, exact.ci.low, exact.ci.high),
            (1.25, 1.25, 1.25)
        );
        assert_eq!((exact.p_value, exact.pairs), (0.0, 3));
        let same = paired_memory_ratio(&base, &base, 0.95).unwrap();
        assert_eq!((same.ci.ratio, same.p_value), (1.0, 1.0));
        let other = [19.0, 20.5, 19.9];
        assert_eq!(
            paired_memory_ratio(&base, &other, 0.95),
            paired_log_ratio(&base, &other, 0.95)
        );
        assert!(paired_memory_ratio(&base[..2], &other[..2], 0.95).is_none());
        assert!(paired_memory_ratio(&base, &[1.0, 0.0, 1.0], 0.95).is_none());
        assert!(paired_memory_ratio(&base, &other[..2], 0.95).is_none());
    }

    #[test]
    fn memory_per_thread_is_the_slope_of_the_sweep() {
        // 20 MiB + 1 MiB per thread, with ±0.5 MiB of noise at each count.
        let pts: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0]
            .iter()
            .flat_map(|&t| {
                let y = (20.0 + t) * MIB as f64;
                [(t, y - 0.5 * MIB as f64), (t, y + 0.5 * MIB as f64)]
            })
            .collect();
        let fit = per_thread(&pts).unwrap();
        assert!((fit.slope - MIB as f64).abs() < 1.0);
        assert!((fit.intercept - 20.0 * MIB as f64).abs() < 1.0);
        assert!(fit.slope_se.unwrap() > 0.0);
        let two = per_thread(&[(1.0, 10.0), (2.0, 14.0)]).unwrap();
        assert_eq!((two.slope, two.slope_se), (4.0, None));
        assert!(per_thread(&[(2.0, 1.0), (2.0, 3.0)]).is_none());
        assert!(per_thread(&[(1.0, f64::NAN), (2.0, 3.0)]).is_none());
        assert!(per_thread(&[]).is_none());
    }

    #[test]
    fn each_row_is_compared_with_its_baseline_like_time() {
        let report = fixture::report_with_memory();
        let m: Vec<Option<RowMemory>> = (0..report.rows.len())
            .map(|i| row_memory(&report, i, Band::DEFAULT))
            .collect();
        let base = m[1].as_ref().unwrap();
        assert_eq!(base.comparison.unwrap().verdict, Verdict::Baseline);
        assert!((base.summary.mean / MIB as f64 - 15.5).abs() < 0.01);
        let ft = m[2].as_ref().unwrap().comparison.unwrap();
        assert_eq!((ft.verdict, ft.unit), (Verdict::Degraded, Unit::Rounds));
        assert!((ft.ratio - 19.3 / 15.5).abs() < 0.001, "{}", ft.ratio);
        let (low, high) = (ft.ci_low.unwrap(), ft.ci_high.unwrap());
        assert!(low <= ft.ratio && ft.ratio <= high && high - low < 0.001);
        let system = m[0].as_ref().unwrap().comparison.unwrap();
        assert_eq!(system.verdict, Verdict::Improved, "less memory is better");
        // The timed-out and the failed rows have no statistics, as for time.
        assert!(m[3].is_none() && m[4].is_none());
        let row = m[2].as_ref().unwrap();
        assert_eq!(
            row.sources,
            Sources {
                process: Some(ProcessSource::ProcStatus),
                reset: true,
                container: Some(ContainerSource::Cgroup1),
                limit: Some(4096 * MIB),
            }
        );
        let c = row.container.unwrap();
        assert!(c.own && (c.mean - row.summary.mean - 6.0 * MIB as f64).abs() < 1.0);
        let g = row.growth.unwrap();
        assert_eq!((g.grew, g.of), (5, 5));
        // A file from before memory was measured: nothing to say.
        assert!(row_memory(&fixture::report(), 1, Band::DEFAULT).is_none());
    }

    #[test]
    fn a_baseline_without_memory_leaves_the_row_without_a_ratio() {
        let mut report = fixture::report_with_memory();
        report.rows[1]
            .samples
            .iter_mut()
            .for_each(|s| s.memory = None);
        let row = row_memory(&report, 2, Band::DEFAULT).unwrap();
        assert!(row.comparison.is_none());
    }

    #[test]
    fn peaks_pair_by_round_or_fall_back_to_welch_or_the_ratio_alone() {
        let some = |xs: &[f64]| xs.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        let base = some(&[100.0, 101.0, 99.0, 100.0]);
        let same = compare_peaks(&base, &base, true, Band::DEFAULT).unwrap();
        assert_eq!((same.ratio, same.verdict), (1.0, Verdict::Similar));
        // A process without a figure is left out of the pairs, not the row.
        let gap = vec![Some(103.0), None, Some(101.0), Some(104.0)];
        let c = compare_peaks(&base, &gap, true, Band::DEFAULT).unwrap();
        assert_eq!((c.unit, c.verdict), (Unit::Rounds, Verdict::Similar));
        // Across runs nothing pairs: Welch, with its bootstrap interval.
        let across =
            compare_peaks(&base, &some(&[130.0, 131.0, 129.5]), false, Band::DEFAULT).unwrap();
        assert_eq!(
            (across.unit, across.verdict),
            (Unit::Processes, Verdict::Degraded)
        );
        assert!(across.ci_low.is_some());
        // Two processes: the ratio, no interval, no verdict.
        let two = compare_peaks(&base[..2], &some(&[200.0, 202.0]), true, Band::DEFAULT).unwrap();
        assert_eq!(
            (two.ci_low, two.verdict),
            (None, Verdict::NotDistinguishable)
        );
        assert!((two.ratio - 2.0).abs() < 1e-9);
        assert!(compare_peaks(&base, &[None, None], true, Band::DEFAULT).is_none());
    }

    #[test]
    fn a_sweep_gets_its_memory_per_extra_thread() {
        let mut report = fixture::report_with_memory();
        let template = report.rows[2].clone();
        report.rows.truncate(0);
        for threads in [1u32, 2, 4] {
            let mut row = template.clone();
            row.threads = Some(threads);
            for (i, s) in row.samples.iter_mut().enumerate() {
                // 19 MiB + 256 KiB per thread, a page of noise.
                let peak = 19 * MIB + 256 * 1024 * u64::from(threads) + 4096 * (i as u64 % 2);
                s.memory = Some(fixture::memory(peak, MIB));
            }
            report.rows.push(row);
        }
        report.baseline = template.interpreter.clone();
        let slopes = thread_slopes(&report);
        assert_eq!(slopes.len(), 1);
        let s = &slopes[0];
        assert_eq!((s.threads.clone(), s.processes), (vec![1, 2, 4], 15));
        assert!((s.slope - 256.0 * 1024.0).abs() < 1024.0, "{}", s.slope);
        let (low, high) = (s.low.unwrap(), s.high.unwrap());
        assert!(low < s.slope && s.slope < high && high - low < 8192.0);
        // Without a sweep there is no line.
        assert!(thread_slopes(&fixture::report_with_memory()).is_empty());
    }
}
