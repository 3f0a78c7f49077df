//! Reading what one process measured from its machine line. Pure.
//!
//! Schema 2 (the harness in `benchmarks/harness.py`) carries every value:
//! `{"schema": 2, "benchmarks": [{"loops", "values", "warmups", "thread_values"}]}`,
//! values in seconds per loop. Schema 1 (a user script timed as a whole) has
//! only `"seconds"`: one value of one loop.

use std::time::Duration;

use serde_json::Value;

use crate::commands::runner::{self, Parsed};
use crate::docker::ContainerOutput;
use crate::results::{
    is_time, Counts, HostState, InterpreterInfo, JitEvidence, Metric, Outcome, ProcessMemory,
    Skipped,
};

/// What a process measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Mean of `values`: the process's time per loop.
    pub seconds: f64,
    pub loops: u64,
    pub values: Vec<f64>,
    pub warmups: Vec<f64>,
    pub thread_values: Vec<Vec<f64>>,
    pub host: Option<HostState>,
    pub info: Option<InterpreterInfo>,
    /// Every named benchmark of the line when there are several (a user's
    /// script that called `harness.bench` more than once); else empty.
    pub metrics: Vec<Metric>,
    /// Named benchmarks the process reported as not run, with why.
    pub skipped: Vec<Skipped>,
    /// `--measure instructions`: estimated cycles per loop of each value.
    pub cycles: Vec<f64>,
    /// `--measure instructions`: Callgrind's events behind the values.
    pub counts: Option<Counts>,
    /// The JIT probe's evidence for the first benchmark's values.
    pub jit: Option<JitEvidence>,
    /// The first benchmark's memory (or the whole script's).
    pub memory: Option<ProcessMemory>,
}

/// A `"memory"` record checked against its benchmark's counts; absent or
/// `null`: not measured (an older harness, an interpreter without /proc).
fn memory_of(
    record: &Value,
    values: usize,
    warmups: usize,
) -> Result<Option<ProcessMemory>, String> {
    match record.get("memory") {
        None | Some(Value::Null) => Ok(None),
        Some(m) => ProcessMemory::from_json(m, values, warmups).map(Some),
    }
}

fn numbers(v: Option<&Value>) -> Option<Vec<f64>> {
    v?.as_array()?.iter().map(Value::as_f64).collect()
}

/// Times a result file may hold ([`is_time`]: positive and finite), so that
/// what `run` writes, `report` and `compare` read.
fn valid(xs: &[f64]) -> bool {
    xs.iter().all(|x| is_time(*x))
}

/// One benchmark entry of a schema-2 line.
fn metric_of(bench: &Value, index: usize) -> Result<Metric, String> {
    let name = match bench.get("name").and_then(Value::as_str) {
        Some(name) if !name.trim().is_empty() => name.to_string(),
        _ => format!("benchmark {}", index + 1),
    };
    let invalid = |key: &str| format!("the result line's benchmark {name:?} has no valid {key:?}");
    let values = numbers(bench.get("values"))
        .filter(|v| !v.is_empty() && valid(v))
        .ok_or_else(|| invalid("values"))?;
    // Missing lists are empty; present ones hold times, like the values.
    let warmups = match bench.get("warmups") {
        None | Some(Value::Null) => vec![],
        some => numbers(some)
            .filter(|w| valid(w))
            .ok_or_else(|| invalid("warmups"))?,
    };
    let thread_values = match bench.get("thread_values") {
        None | Some(Value::Null) => vec![],
        Some(rows) => (rows.as_array())
            .and_then(|rows| {
                (rows.iter())
                    .map(|r| numbers(Some(r)).filter(|t| valid(t)))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| invalid("thread_values"))?,
    };
    let memory = memory_of(bench, values.len(), warmups.len())
        .map_err(|why| format!("the result line's benchmark {name:?}: {why}"))?;
    // Estimated cycles go with the values one for one, or not at all.
    let cycles = numbers(bench.get("cycles"))
        .filter(|c| c.len() == values.len() && valid(c))
        .unwrap_or_default();
    Ok(Metric {
        name,
        loops: bench.get("loops").and_then(Value::as_u64).unwrap_or(1),
        values,
        warmups,
        thread_values,
        memory,
        cycles,
        counts: counts_of(bench),
        jit: jit_of(bench),
    })
}

/// Callgrind's events of a benchmark entry (`--measure instructions`), when
/// it carries them. Pure.
fn counts_of(bench: &Value) -> Option<Counts> {
    fn field<T: serde::de::DeserializeOwned>(bench: &Value, key: &str) -> Option<T> {
        serde_json::from_value(bench.get(key)?.clone()).ok()
    }
    Some(Counts {
        windows: field(bench, "counts")?,
        window_overhead: field(bench, "window_overhead")?,
        cycle_weights: field(bench, "cycle_weights")?,
    })
}

/// The probe's evidence of a benchmark entry; `None` when absent (a harness
/// from before the probe) or not of the probe's shape.
fn jit_of(bench: &Value) -> Option<JitEvidence> {
    serde_json::from_value(bench.get("jit")?.clone()).ok()
}

/// The first benchmark of a schema-2 line (and all of them when there are
/// several), or the `seconds` of a schema-1 line.
pub fn parse_measurement(line: &Value) -> Result<Measured, String> {
    let info = runner::info_of(line);
    if let Some(benches) = line
        .get("benchmarks")
        .and_then(Value::as_array)
        .filter(|b| !b.is_empty())
    {
        let mut metrics = benches
            .iter()
            .enumerate()
            .map(|(i, b)| metric_of(b, i))
            .collect::<Result<Vec<_>, _>>()?;
        let first = metrics[0].clone();
        let counts = counts_of(&benches[0]);
        let host = benches[0]
            .get("host")
            .and_then(|h| serde_json::from_value::<HostState>(h.clone()).ok())
            .map(|mut h| {
                // A share of CPU time; a counter that went backwards is no reading.
                h.steal = h.steal.filter(|s| (0.0..=1.0).contains(s));
                h
            });
        let skipped: Vec<Skipped> = line
            .get("skipped")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .unwrap_or_default();
        // One benchmark is the row itself, unless others were named and
        // skipped, or it is one of pyperformance's or ftscalingbench's (reported by name).
        let by_name = matches!(
            line.get("kind").and_then(Value::as_str),
            Some("pyperformance" | "ftscalingbench")
        );
        if metrics.len() == 1 && skipped.is_empty() && !by_name {
            metrics.clear();
        }
        return Ok(Measured {
            seconds: first.values.iter().sum::<f64>() / first.values.len() as f64,
            loops: first.loops,
            values: first.values,
            warmups: first.warmups,
            thread_values: first.thread_values,
            host,
            info,
            metrics,
            skipped,
            memory: first.memory,
            jit: jit_of(&benches[0]),
            cycles: first.cycles,
            counts,
        });
    }
    match line.get("seconds").and_then(Value::as_f64) {
        Some(s) if is_time(s) => Ok(Measured {
            seconds: s,
            loops: 1,
            values: vec![s],
            warmups: vec![],
            thread_values: vec![],
            host: None,
            info,
            metrics: vec![],
            skipped: vec![],
            memory: memory_of(line, 1, 0)?,
            jit: None,
            cycles: vec![],
            counts: None,
        }),
        _ => Err("the result line has no valid \"seconds\"".into()),
    }
}

/// Reads a container's output: what it measured, or why the run failed.
pub fn outcome_of(out: &ContainerOutput, timeout: Duration) -> Result<Measured, Outcome> {
    if out.timed_out {
        return Err(Outcome::TimedOut {
            after_seconds: timeout.as_secs_f64(),
        });
    }
    let stderr_tail = runner::tail(&out.stderr, 12);
    let failed = |reason: String| Outcome::Failed {
        reason,
        stderr_tail: stderr_tail.clone(),
    };
    if out.exit_code != 0 {
        return Err(failed(format!("exit code {}", out.exit_code)));
    }
    match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => parse_measurement(&v).map_err(failed),
        Parsed::Missing => Err(failed("no PYBENCH_RESULT line in the output".into())),
        Parsed::Malformed(why) => Err(failed(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(code: i64, stdout: &str, timed_out: bool) -> ContainerOutput {
        ContainerOutput {
            exit_code: code,
            stdout: stdout.into(),
            stderr: "Traceback\nValueError: boom\n".into(),
            timed_out,
            wall: Duration::from_secs(1),
        }
    }

    #[test]
    fn schema_two_keeps_every_value_and_means_them() {
        let line = serde_json::json!({"schema": 2, "kind": "gil", "benchmarks": [{
            "name": "gil", "loops": 4, "values": [0.1, 0.3], "warmups": [0.5],
            "thread_values": [[0.1, 0.09], [0.3, 0.2]]}]});
        let m = parse_measurement(&line).unwrap();
        assert!((m.seconds - 0.2).abs() < 1e-12);
        assert_eq!(m.loops, 4);
        assert_eq!(m.values, vec![0.1, 0.3]);
        assert_eq!(m.warmups, vec![0.5]);
        assert_eq!(m.thread_values, vec![vec![0.1, 0.09], vec![0.3, 0.2]]);
    }

    #[test]
    fn the_jit_probe_evidence_of_the_first_benchmark_is_kept() {
        use crate::results::JitVerdict;
        let line = serde_json::json!({"schema": 2, "benchmarks": [{"values": [0.1],
            "jit": {"built": true, "enabled": true, "entered": 1, "verdict": "ran",
                    "reason": "1 executor(s) of the measured code entered while measured"}}]});
        let jit = parse_measurement(&line).unwrap().jit.unwrap();
        assert_eq!(
            (jit.verdict, jit.details["entered"].clone()),
            (JitVerdict::Ran, 1.into())
        );
        // Absent (a harness from before the probe) or of another shape: none.
        for jit in [
            serde_json::json!(null),
            serde_json::json!({"verdict": "enabled"}),
        ] {
            let line =
                serde_json::json!({"schema": 2, "benchmarks": [{"values": [0.1], "jit": jit}]});
            assert_eq!(parse_measurement(&line).unwrap().jit, None);
        }
    }

    #[test]
    fn several_named_benchmarks_are_all_kept() {
        let line = serde_json::json!({"schema": 2, "benchmarks": [
            {"name": "sort", "loops": 2, "values": [0.1, 0.3]},
            {"name": "", "loops": 1, "values": [2.0], "warmups": [2.5]}]});
        let m = parse_measurement(&line).unwrap();
        assert_eq!((m.values.clone(), m.loops), (vec![0.1, 0.3], 2));
        let names: Vec<&str> = m.metrics.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["sort", "benchmark 2"]);
        assert_eq!(m.metrics[1].warmups, [2.5]);
        let bad = serde_json::json!({"schema": 2, "benchmarks": [
            {"name": "a", "values": [1.0]}, {"name": "b", "values": []}]});
        assert!(parse_measurement(&bad).unwrap_err().contains("\"b\""));
        let one = serde_json::json!({"schema": 2, "benchmarks": [{"name": "a", "values": [1.0]}]});
        assert!(parse_measurement(&one).unwrap().metrics.is_empty());
    }

    #[test]
    fn schema_two_without_values_or_with_a_negative_one_is_refused() {
        for values in [
            serde_json::json!([]),
            serde_json::json!([0.1, -1.0]),
            serde_json::json!([0.1, 0.0]),
        ] {
            let line = serde_json::json!({"schema": 2, "benchmarks": [{"values": values}]});
            assert!(parse_measurement(&line).unwrap_err().contains("values"));
        }
        // Warm-up and per-thread values are times too: what `run` would
        // write must be what a result file may hold.
        for (key, list) in [
            ("warmups", serde_json::json!([0.1, 0.0])),
            ("thread_values", serde_json::json!([[0.1], [-0.2]])),
            ("thread_values", serde_json::json!([0.1])),
        ] {
            let line =
                serde_json::json!({"schema": 2, "benchmarks": [{"values": [0.1], key: list}]});
            assert!(parse_measurement(&line).unwrap_err().contains(key), "{key}");
        }
    }

    #[test]
    fn memory_is_read_per_benchmark_and_for_a_whole_script() {
        let record = |values: serde_json::Value| {
            serde_json::json!({"process_source": "proc-status", "process_reset": true,
                "container_source": "cgroup1", "container_limit": null,
                "peak_warmups": [], "peak_values": values, "container_values": [],
                "rss_start": null, "rss_after_warmups": null, "rss_after_values": null,
                "process_peak": 300, "container_peak_start": 400, "container_peak": 500})
        };
        let line = serde_json::json!({"schema": 2, "benchmarks": [
            {"name": "a", "values": [0.1, 0.2], "memory": record(serde_json::json!([200, 210]))},
            {"name": "b", "values": [0.1], "memory": null}]});
        let m = parse_measurement(&line).unwrap();
        assert_eq!(m.memory.as_ref().and_then(|m| m.value_peak()), Some(210));
        assert_eq!(m.metrics[0].memory, m.memory);
        assert_eq!(m.metrics[1].memory, None);
        let whole = serde_json::json!({"schema": 1, "seconds": 1.5,
            "memory": record(serde_json::json!([300]))});
        assert_eq!(
            parse_measurement(&whole)
                .unwrap()
                .memory
                .unwrap()
                .value_peak(),
            Some(300)
        );
        // A record that does not fit its values fails the process, saying which.
        let bad = serde_json::json!({"schema": 2, "benchmarks": [
            {"name": "a", "values": [0.1], "memory": record(serde_json::json!([1, 2]))}]});
        let e = parse_measurement(&bad).unwrap_err();
        assert!(
            e.contains("\"a\"") && e.contains("peak_values has 2 entries"),
            "{e}"
        );
        let e = parse_measurement(&serde_json::json!({"seconds": 1.0, "memory": 5})).unwrap_err();
        assert!(e.contains("not understood"), "{e}");
        let older = serde_json::json!({"schema": 2, "benchmarks": [{"values": [0.1]}]});
        assert_eq!(parse_measurement(&older).unwrap().memory, None);
    }

    #[test]
    fn outcomes() {
        let t = Duration::from_secs(9);
        let ok = output(0, "x\nPYBENCH_RESULT {\"seconds\":1.5}\n", false);
        let m = outcome_of(&ok, t).unwrap();
        assert_eq!((m.seconds, m.values.clone(), m.loops), (1.5, vec![1.5], 1));
        assert!(
            matches!(outcome_of(&output(0, "", true), t), Err(Outcome::TimedOut { after_seconds }) if after_seconds == 9.0)
        );
        match outcome_of(&output(1, "", false), t) {
            Err(Outcome::Failed {
                reason,
                stderr_tail,
            }) => {
                assert_eq!(reason, "exit code 1");
                assert!(stderr_tail.contains("boom"));
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            "no line",
            "PYBENCH_RESULT {\"seconds\":-1}",
            "PYBENCH_RESULT {\"seconds\":0}",
            "PYBENCH_RESULT {\"seconds\":\"x\"}",
        ] {
            assert!(matches!(
                outcome_of(&output(0, bad, false), t),
                Err(Outcome::Failed { .. })
            ));
        }
    }
}
