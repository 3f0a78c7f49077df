//! The data model of one benchmark session: what was run, where, and what
//! each interpreter configuration measured.
//!
//! Everything here round-trips through JSON, so a results file written by
//! one run can be read back and re-rendered later.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::memory::ProcessMemory;
use super::Measure;
use crate::analysis::verdict::Band;

/// Whether an interpreter feature (free threading, JIT) is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureState {
    Enabled,
    Disabled,
    /// Also the default, so reports from interpreters that predate a feature
    /// (and therefore do not mention it) read as "unsupported".
    #[default]
    Unsupported,
}

impl FeatureState {
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureState::Enabled => "enabled",
            FeatureState::Disabled => "disabled",
            FeatureState::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for FeatureState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the probe script inside the container reports about the interpreter.
///
/// Deserialization is lenient: missing fields take their defaults and unknown
/// fields are ignored, so the probe script can evolve independently.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InterpreterInfo {
    pub implementation: String,
    pub version: String,
    pub executable: String,
    pub system: String,
    #[serde(deserialize_with = "null_as_default")]
    pub bits: u32,
    /// `os.cpu_count()` may return `None`, which arrives as `null`.
    #[serde(deserialize_with = "null_as_default")]
    pub cores: u32,
    pub machine: String,
    pub byteorder: String,
    pub abiflags: String,
    pub free_threading: FeatureState,
    pub jit: FeatureState,
    /// Whether the tail-calling interpreter is built in (`Py_TAIL_CALL_INTERP`, 3.15's `_Py_TAIL_CALL_INTERP`);
    /// absent in files from before it was reported.
    #[serde(default)]
    pub tail_call: bool,
    /// `sys._is_gil_enabled()` where it exists (3.13+), otherwise `None`.
    pub gil_enabled: Option<bool>,
    /// `sys.flags` that differ from the defaults, and `-X` options.
    #[serde(deserialize_with = "null_as_default")]
    pub flags: BTreeMap<String, serde_json::Value>,
    /// The runtime environment variables that change behaviour (PYTHON_GIL, PYTHON_JIT, …).
    #[serde(deserialize_with = "null_as_default")]
    pub env: BTreeMap<String, String>,
}

/// Reads `null` as the type's default instead of failing.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The machine the benchmarks ran on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Host {
    /// The engine's name on the command line or in the config (`--engine
    /// NAME=ADDRESS`); empty for the one engine of DOCKER_HOST.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub engine: String,
    /// The daemon's host name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    pub cpus: u32,
    pub os: String,
    pub arch: String,
    pub docker_version: String,
}

/// How a configuration's run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed { reason: String, stderr_tail: String },
    TimedOut { after_seconds: f64 },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// The machine-readable status word, identical to the serialized tag.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed { .. } => "failed",
            Outcome::TimedOut { .. } => "timedout",
        }
    }
}

/// One process: a container that ran the benchmark once, calibrated its loop
/// count, discarded its warm-up values and measured `values`.
///
/// Values from one process share its state (memory layout, hash seeds, the
/// machine's mood at that moment), so statistics treat the *process* as the
/// unit: `seconds` is the mean of its values, and it is these means that the
/// significance tests and confidence intervals compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Mean time of one loop in this process, seconds.
    pub seconds: f64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// A warm-up process: kept for transparency but excluded from statistics.
    pub warmup: bool,
    /// Inner loops per value (calibrated in the process, or given).
    #[serde(default)]
    pub loops: u64,
    /// Seconds per loop, every measured value of the process, in order.
    #[serde(default)]
    pub values: Vec<f64>,
    /// Seconds per loop of the discarded warm-up values.
    #[serde(default)]
    pub warmups: Vec<f64>,
    /// Per value, each thread's own seconds per loop (multi-threaded benchmarks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thread_values: Vec<Vec<f64>>,
    /// CPUs the container was pinned to, e.g. `"1"` or `"0-1"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpuset: Option<String>,
    /// What else the machine was doing while this process measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostState>,
    /// A user's script: what it printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<ScriptOutput>,
    /// A user's script that measured several named benchmarks with the
    /// harness: each of them (the first one is also `values` above).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    /// Named benchmarks this process could not run (pyperformance), with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// The memory of the process while it measured (its first benchmark, or
    /// the whole script); `None` in files from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<ProcessMemory>,
    /// Whether JIT-compiled code ran during this process's measured values,
    /// with the probe's evidence (`benchmarks/jitprobe.py`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit: Option<super::JitEvidence>,
    /// `--measure instructions`: estimated cycles per loop of each value
    /// (Callgrind's cache model, [`crate::results::CYCLE_MODEL`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycles: Vec<f64>,
    /// `--measure instructions`: Callgrind's events behind the values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<super::Counts>,
}

/// A named benchmark a process did not measure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// What a user's script printed in one process, the machine line left out;
/// each stream keeps its last [`ScriptOutput::LIMIT`] bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScriptOutput {
    pub stdout: String,
    pub stderr: String,
    /// Whether a stream was cut to its tail.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl ScriptOutput {
    pub const LIMIT: usize = 64 * 1024;

    /// The streams of a process, without lines starting with `machine_prefix`.
    pub fn capture(stdout: &str, stderr: &str, machine_prefix: &str) -> ScriptOutput {
        let kept: Vec<&str> = stdout
            .lines()
            .filter(|l| !l.starts_with(machine_prefix))
            .collect();
        let (stdout, cut_out) = tail_bytes(&kept.join("\n"), Self::LIMIT);
        let (stderr, cut_err) = tail_bytes(stderr.trim_end(), Self::LIMIT);
        ScriptOutput {
            stdout,
            stderr,
            truncated: cut_out || cut_err,
        }
    }
}

/// The last `limit` bytes of `text`, cut at a character boundary.
fn tail_bytes(text: &str, limit: usize) -> (String, bool) {
    if text.len() <= limit {
        return (text.to_string(), false);
    }
    let mut start = text.len() - limit;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    (text[start..].to_string(), true)
}

/// One named benchmark a script measured in one process.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    pub loops: u64,
    /// Seconds per loop.
    pub values: Vec<f64>,
    #[serde(default)]
    pub warmups: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thread_values: Vec<Vec<f64>>,
    /// This benchmark's memory in the process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<ProcessMemory>,
    /// `--measure instructions`: estimated cycles per loop of each value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycles: Vec<f64>,
    /// `--measure instructions`: Callgrind's events behind this benchmark's values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<super::Counts>,
    /// Whether JIT-compiled code ran during this benchmark's values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit: Option<super::JitEvidence>,
}

/// The machine as the harness saw it from inside the container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostState {
    pub cpu_model: Option<String>,
    /// cpufreq governor of CPU 0, where the kernel exposes it.
    pub governor: Option<String>,
    /// One-minute load average before and after measuring.
    pub load_before: Option<f64>,
    pub load_after: Option<f64>,
    /// Share of CPU time stolen by the hypervisor while measuring (0–1).
    pub steal: Option<f64>,
}

impl Sample {
    /// A process that reported one value of one loop (a script timed whole).
    #[cfg(test)]
    pub fn single(
        seconds: f64,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
        warmup: bool,
    ) -> Sample {
        Sample {
            seconds,
            started_at,
            finished_at,
            warmup,
            loops: 1,
            values: vec![seconds],
            warmups: vec![],
            thread_values: vec![],
            cpuset: None,
            host: None,
            output: None,
            metrics: vec![],
            skipped: vec![],
            memory: None,
            jit: None,
            cycles: vec![],
            counts: None,
        }
    }
}

/// A script from a CPython source: where it came from, its path in the
/// tree and the sha256 of the bytes that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceScript {
    /// `CPython 3.14.7's source tarball`, `the tree ../cpython`, …
    pub origin: String,
    pub path: String,
    pub sha256: String,
}

/// One interpreter configuration and everything measured for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Display name, e.g. `"3.13t -X gil=1"`.
    pub interpreter: String,
    pub command: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub image: String,
    pub image_id: String,
    pub info: Option<InterpreterInfo>,
    /// The interpreter's version banner, when it could be captured.
    pub banner: Option<String>,
    /// Threads the benchmark ran, when it takes a thread count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    /// The interpreter this row is compared with when the report has no single
    /// baseline ([`PER_VERSION`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The `./configure` flags of the interpreter's build beyond those every
    /// build gets: its variant's and the build profile's (empty for a stock
    /// quick build). `None` for the distro's python, and in files written
    /// before they were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configure_flags: Option<Vec<String>>,
    /// The build, typed (release, version, options, runtime switch, profile):
    /// what charts and tables group on. `None` for the distro's python, and
    /// in files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<crate::options::BuildIdentity>,
    /// A script taken from a CPython source rather than the project (`run
    /// ftscalingbench`): which one this row ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_script: Option<SourceScript>,
    pub samples: Vec<Sample>,
    pub outcome: Outcome,
}

impl Row {
    /// `3.13t`, or `3.13t ×2` when the benchmark took a thread count.
    pub fn label(&self) -> String {
        match self.threads {
            Some(t) => format!("{} ×{t}", self.interpreter),
            None => self.interpreter.clone(),
        }
    }

    /// Every measured value of every measured process, in run order.
    pub fn values(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| !s.warmup)
            .flat_map(|s| s.values.iter().copied())
            .collect()
    }

    /// What the JIT probe said in the measured processes together; `None`
    /// when none of them reported.
    pub fn jit_summary(&self) -> Option<super::JitSummary> {
        let measured = self.samples.iter().filter(|s| !s.warmup);
        super::JitSummary::of(measured.filter_map(|s| s.jit.as_ref()))
    }

    /// Process means of the measured (non-warm-up) processes, in run order.
    pub fn measured(&self) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|s| !s.warmup)
            .map(|s| s.seconds)
            .collect()
    }
}

fn yes() -> bool {
    true
}

/// A whole benchmark session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub tool_version: String,
    pub session: String,
    /// `"gil"`, `"jit"` or the name of a user script.
    pub benchmark: String,
    /// One named benchmark of a run that measured several (`r.NAME.json`):
    /// that run's benchmark (`ftscalingbench`), so the parts are grouped by
    /// this field, never by their names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    pub arguments: Vec<String>,
    /// Interpreter display name that every other row is compared against, or
    /// [`PER_VERSION`]: each row names its own ([`Row::baseline`]).
    pub baseline: String,
    /// Measured processes per configuration.
    pub repeat: u32,
    /// Discarded processes per configuration.
    pub warmup: u32,
    /// Measured values per process (0 in reports from before the harness).
    #[serde(default)]
    pub values: u32,
    /// Discarded values per process.
    #[serde(default)]
    pub warmup_values: u32,
    /// Minimum seconds per value the harness calibrated to.
    #[serde(default)]
    pub min_time: f64,
    /// N threads each do the one-thread work (speed-up t1·N/tN); false when
    /// the total work is fixed (t1/tN).
    #[serde(default = "yes")]
    pub scaling: bool,
    pub host: Host,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub rows: Vec<Row>,
    /// What the values are; time when absent (files from before counts).
    #[serde(default, skip_serializing_if = "Measure::is_time")]
    pub measure: Measure,
    /// The unit of every value, said in the file for its readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The status band in force, as a fraction (0.10: ±10 %); absent means
    /// the default ([`crate::analysis::verdict::Band::DEFAULT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<f64>,
}

/// `--baseline per-version`: each build is compared with its own version's
/// stock build (the distro python with the first version's).
pub const PER_VERSION: &str = "per-version";

impl Report {
    /// The status band its tables and verdicts use: `--band`, or ±10 %.
    pub fn band(&self) -> Band {
        self.band.and_then(Band::new).unwrap_or_default()
    }

    /// The interpreter `row` is compared with.
    pub fn baseline_name<'a>(&'a self, row: &'a Row) -> &'a str {
        row.baseline.as_deref().unwrap_or(&self.baseline)
    }

    /// The baselines' rows at their first thread count, each once.
    pub fn baseline_rows(&self) -> Vec<&Row> {
        let mut seen: Vec<&str> = vec![];
        for row in &self.rows {
            let name = self.baseline_name(row);
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
        seen.iter()
            .filter_map(|name| self.rows.iter().find(|r| r.interpreter == *name))
            .collect()
    }

    /// The row a row is compared with: its baseline at the same thread count.
    pub fn baseline_for(&self, row: &Row) -> Option<usize> {
        let name = self.baseline_name(row);
        self.rows
            .iter()
            .position(|r| r.interpreter == name && r.threads == row.threads)
    }

    /// Whether `row` is a baseline (compared with itself).
    pub fn is_baseline(&self, row: &Row) -> bool {
        row.interpreter == self.baseline_name(row)
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
