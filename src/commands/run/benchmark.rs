//! What to run: gil, jit, uops, a suite benchmark, pyperformance,
//! ftscalingbench or a user's script, with the script and arguments each
//! runs in its container. Pure data.

use std::path::PathBuf;

use super::ftscaling::FtScaling;

/// What to run, validated. Pure data.
#[derive(Debug, Clone, PartialEq)]
pub enum Benchmark {
    Gil {
        /// `--threads` as given: empty (1 and the CPU count), N (1 and N), or a sweep.
        threads: Vec<u32>,
        n: u32,
    },
    /// One benchmark of the free-threading suite (benchmarks/suite/).
    Suite {
        name: String,
        /// Each thread does the one-thread work (speed-up t1·N/tN), or the
        /// total work is fixed (t1/tN).
        scaling: bool,
        threads: Vec<u32>,
    },
    Jit {
        n: u32,
    },
    Uops,
    /// pyperformance's benchmarks, each a pyperf script, in one container
    /// per configuration and round.
    Pyperformance {
        names: Vec<String>,
        /// The chosen benchmarks' third-party requirements, where they have any.
        needs: Vec<(String, Vec<String>)>,
        /// pyperf's own options, after `--`.
        pyperf_args: Vec<String>,
        /// The chosen benchmarks `--measure instructions` cannot count, with
        /// the reason (from the catalogue).
        uncountable: Vec<(String, String)>,
    },
    /// CPython's own Tools/ftscalingbench/ftscalingbench.py, each pattern a
    /// named benchmark.
    Ftscaling(FtScaling),
    Script {
        dir: PathBuf,
        file: String,
        /// Arguments after `--`; `{threads}` is replaced by each thread count.
        args: Vec<String>,
        /// `--threads` for a script that takes its thread count as `{threads}`.
        threads: Vec<u32>,
        /// `--work-per-thread`: each thread does the one-thread work.
        scaling: bool,
        /// The script uses pyperf: it gets the pinned wheel, and its pyperf
        /// results are read.
        pyperf: bool,
    },
}

/// The placeholder in a script's arguments that `--threads` fills in.
pub const THREADS_PLACEHOLDER: &str = "{threads}";

impl Benchmark {
    pub fn name(&self) -> String {
        match self {
            Benchmark::Gil { .. } => "gil".into(),
            Benchmark::Jit { .. } => "jit".into(),
            Benchmark::Uops => "uops".into(),
            Benchmark::Pyperformance { .. } => "pyperformance".into(),
            Benchmark::Suite { name, .. } => name.clone(),
            Benchmark::Ftscaling(_) => "ftscalingbench".into(),
            Benchmark::Script { file, .. } => file.clone(),
        }
    }

    /// The `--threads` counts a benchmark was given; empty when it takes none.
    pub fn threads(&self) -> &[u32] {
        match self {
            Benchmark::Gil { threads, .. }
            | Benchmark::Suite { threads, .. }
            | Benchmark::Script { threads, .. } => threads,
            Benchmark::Ftscaling(f) => &f.threads,
            _ => &[],
        }
    }

    /// Whether N threads each do the one-thread work, so that the speed-up
    /// of N threads is t1·N/tN.
    pub fn scales_work(&self) -> bool {
        !matches!(
            self,
            Benchmark::Suite { scaling: false, .. } | Benchmark::Script { scaling: false, .. }
        )
    }

    /// Script and arguments inside the container.
    pub fn script_and_args(&self) -> (String, Vec<String>) {
        match self {
            Benchmark::Gil { n, .. } => ("gil.py".into(), vec!["-n".to_string(), n.to_string()]),
            Benchmark::Suite { name, .. } => ("suite/run.py".into(), vec![name.clone()]),
            Benchmark::Jit { n } => ("jit.py".into(), vec!["-n".into(), n.to_string()]),
            Benchmark::Uops => ("uops.py".into(), vec!["--demo".into()]),
            Benchmark::Ftscaling(f) => ("ftscaling.py".into(), f.args()),
            Benchmark::Pyperformance {
                names, pyperf_args, ..
            } => {
                let mut a = names.clone();
                if !pyperf_args.is_empty() {
                    a.push("--".into());
                    a.extend(pyperf_args.iter().cloned());
                }
                ("run_pyperformance.py".into(), a)
            }
            // User scripts run under a small timer that adds the banner and result line.
            Benchmark::Script { file, args, .. } => {
                let mut a = vec![format!("/script/{file}")];
                a.extend(args.iter().cloned());
                ("run_script.py".into(), a)
            }
        }
    }
}
