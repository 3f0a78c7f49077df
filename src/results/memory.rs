//! The `"memory"` record of one process, as `benchmarks/memprobe.py` writes
//! it (the harness per benchmark, run_script.py for a script timed whole and
//! for pyperf's workers), checked on load, and the per-process figures the
//! statistics use ([`analysis::memory`](crate::analysis::memory)). What each
//! figure means and where it comes from: docs/memory.md.

use serde::{Deserialize, Serialize};

/// Where a process's figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessSource {
    /// `/proc/self/status` VmHWM (peak, all threads) and VmRSS (now).
    #[serde(rename = "proc-status")]
    ProcStatus,
    /// `getrusage(RUSAGE_SELF).ru_maxrss`: the peak only, never reset.
    #[serde(rename = "getrusage")]
    Getrusage,
    /// pyperf's `mem_max_rss` of each worker (its `ru_maxrss`, once per run).
    #[serde(rename = "pyperf-mem_max_rss")]
    PyperfMaxRss,
}

/// Which cgroup interface the container's figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContainerSource {
    /// `memory.max_usage_in_bytes`, `memory.limit_in_bytes`.
    #[serde(rename = "cgroup1")]
    Cgroup1,
    /// `memory.peak`, `memory.max`.
    #[serde(rename = "cgroup2")]
    Cgroup2,
}

/// One benchmark's memory in one process, as the machine line carries it.
/// Bytes throughout; `None` where the source could not say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessMemory {
    pub process_source: Option<ProcessSource>,
    /// Every value's peak was its own (the kernel's peak reset before it).
    pub process_reset: bool,
    pub container_source: Option<ContainerSource>,
    /// The limit the container really had; `None` when unlimited.
    pub container_limit: Option<u64>,
    /// The process's peak during each warm-up / value, aligned with them.
    pub peak_warmups: Vec<Option<u64>>,
    pub peak_values: Vec<Option<u64>>,
    /// The container's peak since it started, read after each value; empty
    /// when it was read only around the whole run (pyperf).
    pub container_values: Vec<Option<u64>>,
    /// Resident set before calibrating, before the first value, after the last.
    pub rss_start: Option<u64>,
    pub rss_after_warmups: Option<u64>,
    pub rss_after_values: Option<u64>,
    /// The process's peak since it started, up to the end of this benchmark.
    pub process_peak: Option<u64>,
    /// The container's peak before calibrating and after the last value.
    pub container_peak_start: Option<u64>,
    pub container_peak: Option<u64>,
}

impl ProcessMemory {
    /// Reads and checks a record against the counts of its benchmark.
    pub fn from_json(
        value: &serde_json::Value,
        values: usize,
        warmups: usize,
    ) -> Result<ProcessMemory, String> {
        let m: ProcessMemory = serde_json::from_value(value.clone())
            .map_err(|e| format!("the result line's \"memory\" is not understood: {e}"))?;
        m.check(values, warmups)?;
        Ok(m)
    }

    /// Figures that contradict each other or their benchmark are refused.
    pub fn check(&self, values: usize, warmups: usize) -> Result<(), String> {
        let aligned = |name: &str, len: usize, want: usize| {
            if len == want || len == 0 {
                Ok(())
            } else {
                Err(format!(
                    "\"memory\".{name} has {len} entries for {want} values"
                ))
            }
        };
        aligned("peak_values", self.peak_values.len(), values)?;
        aligned("peak_warmups", self.peak_warmups.len(), warmups)?;
        aligned("container_values", self.container_values.len(), values)?;
        let any_process =
            self.process_peak.is_some() || self.peak_values.iter().any(Option::is_some);
        if any_process && self.process_source.is_none() {
            return Err("\"memory\" has process figures without a process_source".into());
        }
        if self.container_peak.is_some() && self.container_source.is_none() {
            return Err("\"memory\" has container figures without a container_source".into());
        }
        if let (Some(start), Some(end)) = (self.container_peak_start, self.container_peak) {
            if end < start {
                return Err(format!(
                    "\"memory\": the container's peak fell from {start} to {end} bytes"
                ));
            }
        }
        if let (Some(lifetime), Some(value)) = (self.process_peak, self.value_peak()) {
            if value > lifetime {
                return Err(format!(
                    "\"memory\": a value's peak ({value} bytes) exceeds the process's ({lifetime})"
                ));
            }
        }
        Ok(())
    }

    /// The highest peak of the measured values: the workload's own peak (with
    /// whatever the process held before it), start-up and calibration left out
    /// when the peak was reset per value.
    pub fn value_peak(&self) -> Option<u64> {
        self.peak_values.iter().flatten().copied().max()
    }

    /// Resident-set growth over the measured values (negative: memory given back).
    pub fn growth(&self) -> Option<i64> {
        Some(self.rss_after_values? as i64 - self.rss_after_warmups? as i64)
    }

    /// Whether this benchmark set the container's peak. Otherwise that peak
    /// was reached earlier in the same container (start-up, an earlier
    /// benchmark of the same script) and is only an upper bound of this one's.
    pub fn container_peak_is_own(&self) -> bool {
        match (self.container_peak_start, self.container_peak) {
            (Some(start), Some(end)) => end > start,
            _ => false,
        }
    }

    /// The value of pyperf's run metadata `mem_max_rss` (bytes, an integer)
    /// when a process is exported to pyperf JSON.
    pub fn pyperf_mem_max_rss(&self) -> Option<u64> {
        self.process_peak.filter(|b| *b > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MIB: u64 = 1 << 20;

    /// A record as the harness writes it (from a real 3.14 container, rounded).
    fn harness_record() -> serde_json::Value {
        json!({"process_source": "proc-status", "process_reset": true,
               "container_source": "cgroup1", "container_limit": 4096 * MIB,
               "peak_warmups": [216 * MIB], "peak_values": [216 * MIB, 217 * MIB],
               "container_values": [222 * MIB, 223 * MIB],
               "rss_start": 215 * MIB, "rss_after_warmups": 216 * MIB,
               "rss_after_values": 217 * MIB, "process_peak": 217 * MIB,
               "container_peak_start": 222 * MIB, "container_peak": 223 * MIB})
    }

    #[test]
    fn a_harness_record_reads_back_with_its_figures() {
        let m = ProcessMemory::from_json(&harness_record(), 2, 1).unwrap();
        assert_eq!(m.process_source, Some(ProcessSource::ProcStatus));
        assert_eq!(m.container_source, Some(ContainerSource::Cgroup1));
        assert_eq!(m.value_peak(), Some(217 * MIB));
        assert_eq!(m.growth(), Some(MIB as i64));
        assert!(m.container_peak_is_own());
        assert_eq!(m.pyperf_mem_max_rss(), Some(217 * MIB));
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(back, harness_record());
    }

    #[test]
    fn pyperf_and_whole_script_forms_read_too() {
        let pyperf = json!({"process_source": "pyperf-mem_max_rss", "process_reset": false,
            "container_source": "cgroup2", "container_limit": null,
            "peak_warmups": [30 * MIB, null], "peak_values": [30 * MIB, 30 * MIB, null],
            "container_values": [], "rss_start": null, "rss_after_warmups": null,
            "rss_after_values": null, "process_peak": 30 * MIB,
            "container_peak_start": 60 * MIB, "container_peak": 60 * MIB});
        let m = ProcessMemory::from_json(&pyperf, 3, 2).unwrap();
        assert_eq!(m.growth(), None);
        assert!(!m.container_peak_is_own(), "set before this benchmark");
        let nothing = json!({"process_source": null, "process_reset": false,
            "container_source": null, "container_limit": null, "peak_warmups": [],
            "peak_values": [], "container_values": [], "rss_start": null,
            "rss_after_warmups": null, "rss_after_values": null, "process_peak": null,
            "container_peak_start": null, "container_peak": null});
        let m = ProcessMemory::from_json(&nothing, 1, 0).unwrap();
        assert_eq!((m.value_peak(), m.pyperf_mem_max_rss()), (None, None));
    }

    #[test]
    fn contradictions_are_refused_saying_which() {
        let with = |key: &str, v: serde_json::Value| {
            let mut r = harness_record();
            r[key] = v;
            ProcessMemory::from_json(&r, 2, 1).unwrap_err()
        };
        assert!(with("peak_values", json!([1])).contains("peak_values has 1 entries"));
        assert!(with("container_values", json!([1, 2, 3])).contains("container_values"));
        assert!(with("process_source", json!(null)).contains("without a process_source"));
        assert!(with("container_source", json!(null)).contains("without a container_source"));
        assert!(with("container_peak", json!(MIB)).contains("fell"));
        assert!(with("process_peak", json!(MIB)).contains("exceeds"));
        assert!(with("process_source", json!("vmstat")).contains("not understood"));
        assert!(with("peak_values", json!([-1, 2])).contains("not understood"));
        assert!(with("extra", json!(1)).contains("not understood"));
    }
}
