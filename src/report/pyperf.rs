//! pyperf-readable results: one file per configuration in pyperf's JSON
//! format 1.0, so `pyperf stats FILE` and `pyperf compare_to A B` work on them.
//!
//! One process is one pyperf run: its measured values (seconds per loop), its
//! warm-ups as `[loops, value]` pairs, and `loops` in the run's metadata.
//! Warm-up processes are left out, as pyperf leaves out its calibration runs.
//! A process's peak memory goes into its run's metadata as pyperf's own
//! `mem_max_rss` (bytes, the process's peak since it started, as pyperf's
//! worker reports it), so `pyperf show --metadata` shows it; the values stay
//! seconds.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

use crate::results::{Report, Row, Sample};

/// pyperf's file format version.
const FORMAT_VERSION: &str = "1.0";

/// The benchmark's name in pyperf: the same for every configuration at the
/// same thread count, so that `compare_to` pairs them up.
pub fn benchmark_name(report: &Report, row: &Row) -> String {
    match row.threads {
        Some(t) => format!("{}-{t}-threads", report.benchmark),
        None => report.benchmark.clone(),
    }
}

/// File name of a row: its label with everything but letters, digits, `.`,
/// `_` and `=` turned into `-`. `3.13t -X gil=1 ×2` → `3.13t-X-gil=1-x2.json`.
pub fn file_name(row: &Row) -> String {
    let label = row.label().replace('×', "x");
    let mut name = String::new();
    for c in label.chars() {
        let keep = c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '=');
        if keep {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    format!("{}.json", name.trim_matches('-'))
}

fn run_json(sample: &Sample) -> Value {
    let loops = sample.loops.max(1);
    let mut run = Map::new();
    let mut metadata = json!({
        "loops": loops,
        "date": sample.started_at.to_rfc3339(),
    });
    if let Some(cpus) = &sample.cpuset {
        metadata["cpu_affinity"] = json!(cpus);
    }
    if let Some(bytes) = sample.memory.as_ref().and_then(|m| m.pyperf_mem_max_rss()) {
        metadata["mem_max_rss"] = json!(bytes);
    }
    run.insert("metadata".into(), metadata);
    if !sample.warmups.is_empty() {
        let pairs: Vec<Value> = sample.warmups.iter().map(|w| json!([loops, w])).collect();
        run.insert("warmups".into(), Value::Array(pairs));
    }
    run.insert("values".into(), json!(sample.values));
    Value::Object(run)
}

/// Metadata shared by every run of a row.
fn row_metadata(report: &Report, row: &Row) -> Value {
    let mut metadata = json!({
        "name": benchmark_name(report, row),
        // pyperf's units: a count is an "integer", per loop like a time.
        "unit": match report.measure.is_time() {
            true => "second",
            false => "integer",
        },
        "description": format!("pybench-docker {} on {}", report.benchmark, row.label()),
        "pybench_interpreter": row.label(),
        "pybench_image": row.image,
        "pybench_session": report.session,
    });
    if let Some(info) = &row.info {
        metadata["python_implementation"] = json!(info.implementation.to_lowercase());
        metadata["python_version"] = json!(info.version);
        metadata["python_executable"] = json!(info.executable);
    }
    if let Some(threads) = row.threads {
        metadata["pybench_threads"] = json!(threads.to_string());
    }
    metadata
}

/// The pyperf document of one row, `None` when it has no measured process
/// with values (pyperf refuses a benchmark without runs).
pub fn document(report: &Report, row: &Row) -> Option<Value> {
    let runs: Vec<Value> = row
        .samples
        .iter()
        .filter(|s| !s.warmup && !s.values.is_empty())
        .map(run_json)
        .collect();
    if runs.is_empty() {
        return None;
    }
    Some(json!({
        "version": FORMAT_VERSION,
        "metadata": row_metadata(report, row),
        "benchmarks": [{ "runs": runs }],
    }))
}

/// Fails before anything runs when `dir` cannot hold the files.
pub fn check_folder(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "--pyperf {} is a file, not a folder. Give a folder (it is created if missing), e.g. --pyperf results/pyperf.",
            dir.display()
        );
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.exists() && !parent.is_dir() {
        bail!(
            "--pyperf {}: its parent folder {} does not exist. Create it first, or choose another folder.",
            dir.display(),
            parent.display()
        );
    }
    Ok(())
}

/// Writes one file per row that has values; returns the files written.
pub fn write_all(dir: &Path, report: &Report) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = vec![];
    for row in &report.rows {
        let Some(doc) = document(report, row) else {
            continue;
        };
        let path = dir.join(file_name(row));
        let bytes = serde_json::to_vec_pretty(&doc)?;
        super::write::write_atomically(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn file_names_are_safe_and_distinct() {
        let report = fixture::report();
        let mut row = report.rows[0].clone();
        row.interpreter = "3.13t -X gil=1".into();
        row.threads = Some(2);
        assert_eq!(file_name(&row), "3.13t-X-gil=1-x2.json");
        row.interpreter = "3.14j PYTHON_JIT=0".into();
        row.threads = None;
        assert_eq!(file_name(&row), "3.14j-PYTHON_JIT=0.json");
    }

    #[test]
    fn one_run_per_measured_process_with_per_loop_values() {
        let report = fixture::report();
        let row = &report.rows[0];
        let doc = document(&report, row).unwrap();
        assert_eq!(doc["version"], "1.0");
        assert_eq!(doc["metadata"]["unit"], "second");
        assert_eq!(doc["metadata"]["name"], benchmark_name(&report, row));
        let runs = doc["benchmarks"][0]["runs"].as_array().unwrap();
        let measured: Vec<&Sample> = row.samples.iter().filter(|s| !s.warmup).collect();
        assert_eq!(runs.len(), measured.len());
        for (run, sample) in runs.iter().zip(measured) {
            assert_eq!(run["values"], json!(sample.values));
            assert_eq!(run["metadata"]["loops"], json!(sample.loops.max(1)));
        }
    }

    #[test]
    fn each_run_carries_its_peak_memory_as_pyperfs_mem_max_rss() {
        let report = fixture::report_with_memory();
        let doc = document(&report, &report.rows[2]).unwrap();
        let runs = doc["benchmarks"][0]["runs"].as_array().unwrap();
        let measured = report.rows[2].samples.iter().filter(|s| !s.warmup);
        for (run, sample) in runs.iter().zip(measured) {
            let peak = sample.memory.as_ref().unwrap().process_peak.unwrap();
            assert_eq!(run["metadata"]["mem_max_rss"], json!(peak));
            assert!(
                run["metadata"]["mem_max_rss"].is_u64(),
                "pyperf wants an int"
            );
        }
        assert_eq!(doc["metadata"]["unit"], "second");
        let old = document(&fixture::report(), &fixture::report().rows[0]).unwrap();
        assert!(old["benchmarks"][0]["runs"][0]["metadata"]
            .get("mem_max_rss")
            .is_none());
    }

    #[test]
    fn warmups_are_loops_value_pairs() {
        let report = fixture::report();
        let mut row = report.rows[0].clone();
        row.samples[0].loops = 4;
        row.samples[0].warmups = vec![0.5, 0.25];
        row.samples[0].warmup = false;
        let doc = document(&report, &row).unwrap();
        assert_eq!(
            doc["benchmarks"][0]["runs"][0]["warmups"],
            json!([[4, 0.5], [4, 0.25]])
        );
    }

    #[test]
    fn a_row_without_values_has_no_file() {
        let report = fixture::report();
        let mut row = report.rows[0].clone();
        row.samples.clear();
        assert!(document(&report, &row).is_none());
    }

    #[test]
    fn names_pair_the_same_thread_count() {
        let mut report = fixture::report();
        report.benchmark = "gil".into();
        let mut a = report.rows[0].clone();
        a.threads = Some(2);
        let mut b = report.rows[1].clone();
        b.threads = Some(2);
        assert_eq!(benchmark_name(&report, &a), "gil-2-threads");
        assert_eq!(benchmark_name(&report, &a), benchmark_name(&report, &b));
    }

    #[test]
    fn writes_files_and_checks_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let report = fixture::report();
        let out = dir.path().join("pyperf");
        check_folder(&out).unwrap();
        let files = write_all(&out, &report).unwrap();
        assert!(!files.is_empty());
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("\"version\": \"1.0\""));
        let e = check_folder(&files[0]).unwrap_err().to_string();
        assert!(e.contains("is a file"), "{e}");
        let e = check_folder(&dir.path().join("a/b"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
    }
}
