//! CSV (RFC 4180): a header, then one record per configuration.
//!
//! Numbers are written at full precision in seconds; cells without a value
//! (a failed row's statistics) are empty. `status` is the machine-readable
//! outcome (`ok`, `failed`, `timedout`) and the trailing `samples` column
//! holds the measured (non-warmup) durations joined by `;`, in run order.
//! The `memory_*` columns after it are each row's peak memory (bytes) and
//! its ratio to the baseline's, empty where no memory was recorded;
//! `memory_source` is the process figure's source as recorded.
//! The last column, `unit`, says what the numbers are (`seconds`, or
//! `instructions` per loop for `run --measure instructions`).

use super::{ExportError, Exporter};
use crate::analysis::compare::{compare_rows, RowComparison};
use crate::analysis::memory::RowMemory;
use crate::analysis::stats::Summary;
use crate::results::{Report, Row};

pub struct CsvExporter;

const HEADER: [&str; 29] = [
    "interpreter",
    "threads",
    "free_threading",
    "jit",
    "status",
    "n",
    "mean",
    "stddev",
    "min",
    "max",
    "median",
    "ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "verdict",
    "image_id",
    "samples",
    "memory_bytes_mean",
    "memory_bytes_sd",
    "memory_ratio",
    "memory_ratio_low",
    "memory_ratio_high",
    "memory_p",
    "memory_status",
    "container_bytes_mean",
    "growth_bytes_mean",
    "memory_source",
    "unit",
];

impl Exporter for CsvExporter {
    fn serialize(&self, report: &Report) -> Result<Vec<u8>, ExportError> {
        let mut out = String::new();
        push_record(&mut out, HEADER.iter().map(|h| h.to_string()));
        for (row, rc) in report.rows.iter().zip(compare_rows(report)) {
            let unit = std::iter::once(report.measure.unit().to_string());
            push_record(&mut out, record(row, &rc).chain(unit));
        }
        Ok(out.into_bytes())
    }

    fn extension(&self) -> &'static str {
        "csv"
    }
}

fn record(row: &Row, rc: &RowComparison) -> impl Iterator<Item = String> {
    let info = row.info.as_ref();
    let stat = |f: fn(&Summary) -> f64| rc.summary.map(|s| f(&s).to_string());
    let samples: Vec<String> = row.measured().iter().map(f64::to_string).collect();
    [
        Some(row.interpreter.clone()),
        row.threads.map(|t| t.to_string()),
        info.map(|i| i.free_threading.to_string()),
        info.map(|i| i.jit.to_string()),
        Some(row.outcome.status().to_string()),
        rc.summary.map(|s| s.n.to_string()),
        stat(|s| s.mean),
        stat(|s| s.stddev),
        stat(|s| s.min),
        stat(|s| s.max),
        stat(|s| s.median),
        rc.comparison.map(|c| c.ratio.to_string()),
        rc.comparison.and_then(|c| c.ci_low).map(|x| x.to_string()),
        rc.comparison.and_then(|c| c.ci_high).map(|x| x.to_string()),
        rc.comparison.and_then(|c| c.p_value).map(|x| x.to_string()),
        rc.comparison.map(|c| c.verdict.to_string()),
        Some(row.image_id.clone()),
        Some(samples.join(";")),
    ]
    .into_iter()
    .chain(memory_fields(rc.memory.as_ref()))
    .map(Option::unwrap_or_default)
}

fn memory_fields(m: Option<&RowMemory>) -> [Option<String>; 10] {
    let c = m.and_then(|m| m.comparison);
    let source = m.and_then(|m| m.sources.process).map(|s| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    });
    [
        m.map(|m| m.summary.mean.to_string()),
        m.map(|m| m.summary.stddev.to_string()),
        c.map(|c| c.ratio.to_string()),
        c.and_then(|c| c.ci_low).map(|x| x.to_string()),
        c.and_then(|c| c.ci_high).map(|x| x.to_string()),
        c.and_then(|c| c.p_value).map(|x| x.to_string()),
        c.map(|c| c.verdict.to_string()),
        m.and_then(|m| m.container).map(|c| c.mean.to_string()),
        m.and_then(|m| m.growth).map(|g| g.mean.to_string()),
        source,
    ]
}

/// Appends one record, terminated by CRLF as RFC 4180 specifies.
fn push_record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, &field);
    }
    out.push_str("\r\n");
}

/// Quotes a field only when it must be: it contains a comma, a double quote
/// or a line break. Embedded quotes are doubled.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn field(s: &str) -> String {
        let mut out = String::new();
        push_field(&mut out, s);
        out
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(field("3.13t -X gil=1"), "3.13t -X gil=1");
        assert_eq!(field(""), "");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(field("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(field("semi;colon"), "semi;colon");
    }

    #[test]
    fn snapshot() {
        let bytes = CsvExporter.serialize(&fixture::report()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let expected = [
            "interpreter,threads,free_threading,jit,status,n,mean,stddev,min,max,median,ratio,ci_low,ci_high,p_value,verdict,image_id,samples,memory_bytes_mean,memory_bytes_sd,memory_ratio,memory_ratio_low,memory_ratio_high,memory_p,memory_status,container_bytes_mean,growth_bytes_mean,memory_source,unit",
            "system,,unsupported,unsupported,ok,5,2.4748,0.017824140933015386,2.455,2.502,2.47,1.043851699333834,1.0366865152741298,1.0510664064285666,0.00006552104327277796,similar,sha256:000000000006,2.481;2.455;2.502;2.47;2.466,,,,,,,,,,,seconds",
            "3.13,,disabled,unsupported,ok,5,2.3708,0.009176055797563538,2.359,2.382,2.371,1,,,,baseline,sha256:000000000004,2.371;2.365;2.382;2.359;2.377,,,,,,,,,,,seconds",
            "3.13t,,enabled,unsupported,ok,5,0.715,0.016507574019219193,0.698,0.741,0.712,0.30152408661542185,0.2942709757114289,0.30895597022256166,0.000000017171800391469107,improved,sha256:000000000005,0.712;0.698;0.741;0.705;0.719,,,,,,,,,,,seconds",
            "3.13t -X gil=1,,enabled,unsupported,timedout,,,,,,,,,,,,sha256:000000000014,2.811,,,,,,,,,,,seconds",
            "3.13j,,disabled,enabled,failed,,,,,,,,,,,,sha256:000000000005,,,,,,,,,,,,seconds",
            "",
        ]
        .join("\r\n");
        assert_eq!(text, expected);
    }

    #[test]
    fn memory_columns_carry_the_peak_and_its_ratio() {
        let bytes = CsvExporter
            .serialize(&fixture::report_with_memory())
            .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let records: Vec<Vec<&str>> = text.split("\r\n").map(|r| r.split(',').collect()).collect();
        let column = |name: &str| HEADER.iter().position(|h| *h == name).unwrap();
        let ft = &records[3];
        assert_eq!(ft[0], "3.13t");
        let mean: f64 = ft[column("memory_bytes_mean")].parse().unwrap();
        assert!((mean / (1u64 << 20) as f64 - 19.3).abs() < 0.01, "{mean}");
        let ratio: f64 = ft[column("memory_ratio")].parse().unwrap();
        assert!((ratio - 19.3 / 15.5).abs() < 0.001, "{ratio}");
        assert!(!ft[column("memory_ratio_low")].is_empty());
        assert_eq!(ft[column("memory_status")], "degraded");
        assert_eq!(ft[column("memory_source")], "proc-status");
        assert_eq!(records[2][column("memory_status")], "baseline");
        // The timed-out row: no statistics for memory either.
        assert_eq!(records[4][column("memory_bytes_mean")], "");
    }

    #[test]
    fn awkward_names_stay_in_one_column() {
        let mut report = fixture::report();
        report.rows[0].interpreter = "odd, \"quoted\"\nname".into();
        let bytes = CsvExporter.serialize(&report).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let second_record = text.split("\r\n").nth(1).unwrap();
        assert!(second_record.starts_with("\"odd, \"\"quoted\"\"\nname\",,unsupported,"));
    }
}
