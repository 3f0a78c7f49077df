//! A run's result file (`run --json`): the complete report, every raw
//! sample included, as [`results`] writes it, plus a
//! `summary` array with each row's statistics and comparison.
//!
//! It reads back as the same [`Report`] (the derived `summary` is ignored
//! and computed afresh), so result files can be re-rendered.

use serde::Serialize;

use super::{ExportError, Exporter};
use crate::analysis::compare::{compare_rows, RowComparison};
use crate::analysis::memory::{thread_slopes, ThreadSlope};
use crate::results::{self, Report};

pub struct JsonExporter;

/// What follows the report's own fields: each row's statistics.
#[derive(Serialize)]
struct Derived {
    summary: Vec<RowComparison>,
    /// Each interpreter's memory per extra thread over its sweep.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    memory_per_thread: Vec<ThreadSlope>,
}

impl Exporter for JsonExporter {
    fn serialize(&self, report: &Report) -> Result<Vec<u8>, ExportError> {
        let derived = Derived {
            summary: compare_rows(report),
            memory_per_thread: thread_slopes(report),
        };
        Ok(results::to_json_with(report, &derived)?)
    }

    fn extension(&self) -> &'static str {
        "json"
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::report::fixture;

    fn export() -> (Report, Value) {
        let report = fixture::report();
        let bytes = JsonExporter.serialize(&report).unwrap();
        assert_eq!(bytes.last(), Some(&b'\n'));
        (report, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn reads_back_as_the_same_report() {
        let report = fixture::report();
        let bytes = JsonExporter.serialize(&report).unwrap();
        match results::decode("r.json", &bytes).unwrap() {
            results::ResultDoc::Run(back) => assert_eq!(*back, report),
            other => panic!("{:?}", other.kind()),
        }
    }

    #[test]
    fn has_report_fields_and_summary_per_row() {
        let (report, value) = export();
        assert_eq!(
            (&value["kind"], &value["schema"]),
            (&json!("run"), &json!(2))
        );
        assert_eq!(value["benchmark"], "gil");
        assert_eq!(value["baseline"], "3.13");
        assert_eq!(value["started_at"], "2025-06-01T14:03:00Z");
        let summary = value["summary"].as_array().unwrap();
        assert_eq!(summary.len(), report.rows.len());
        assert_eq!(summary[1]["interpreter"], "3.13");
        assert_eq!(
            summary[1]["comparison"],
            json!({"ratio": 1.0, "change": 0.0, "verdict": "baseline", "unit": "processes",
                   "ci_low": null, "ci_high": null, "p_value": null})
        );
        assert!(summary[2]["comparison"]["ci_low"].as_f64().unwrap() < 0.31);
        assert!(summary[2]["comparison"]["p_value"].as_f64().unwrap() < 0.001);
        assert_eq!(summary[2]["comparison"]["verdict"], "improved");
        assert_eq!(summary[2]["summary"]["n"], 5);
        assert_eq!(summary[2]["summary"]["min"], 0.698);
        // Failed and timed-out rows: no statistics, explicit nulls.
        assert_eq!(summary[3]["summary"], Value::Null);
        assert_eq!(summary[4]["comparison"], Value::Null);
    }

    #[test]
    fn keeps_every_raw_sample_and_failure_detail() {
        let (report, value) = export();
        let rows = value["rows"].as_array().unwrap();
        for (row, json_row) in report.rows.iter().zip(rows) {
            let seconds: Vec<f64> = json_row["samples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["seconds"].as_f64().unwrap())
                .collect();
            let expected: Vec<f64> = row.samples.iter().map(|s| s.seconds).collect();
            assert_eq!(seconds, expected);
        }
        assert_eq!(rows[0]["samples"][0]["warmup"], true);
        assert_eq!(
            rows[3]["outcome"],
            json!({"status": "timedout", "after_seconds": 600.0})
        );
        assert_eq!(rows[4]["outcome"]["status"], "failed");
        assert_eq!(rows[4]["outcome"]["reason"], "exit code 139 (SIGSEGV)");
        assert_eq!(rows[4]["env"]["PYTHON_JIT"], "1");
        assert_eq!(rows[2]["info"]["free_threading"], "enabled");
        assert_eq!(rows[2]["info"]["gil_enabled"], false);
    }

    #[test]
    fn each_row_carries_its_memory_and_each_process_its_record() {
        let report = fixture::report_with_memory();
        let bytes = JsonExporter.serialize(&report).unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let ft = &value["summary"][2]["memory"];
        assert_eq!(ft["comparison"]["verdict"], "degraded");
        assert_eq!(ft["comparison"]["unit"], "rounds");
        assert_eq!(ft["sources"]["process"], "proc-status");
        assert_eq!(ft["sources"]["container"], "cgroup1");
        assert!(ft["summary"]["mean"].as_f64().unwrap() > 19.0 * 1048576.0);
        let sample = &value["rows"][2]["samples"][1]["memory"];
        assert_eq!(sample["process_source"], "proc-status");
        assert!(value.get("memory_per_thread").is_none(), "no sweep");
        assert!(
            export().1["summary"][1].get("memory").is_none(),
            "none recorded"
        );
        match results::decode("r.json", &bytes).unwrap() {
            results::ResultDoc::Run(back) => assert_eq!(*back, report),
            other => panic!("{:?}", other.kind()),
        }
    }
}
