//! What a run will do, checked completely before anything connects or starts:
//! the benchmark, counts, baseline, interpreters and output folders. Pure but
//! for the checks that a script and the output folders exist.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Result};

use crate::cli::RunArgs;
use crate::config::Config;
use crate::plan::{Interpreter, Plan, Selection};

use super::outputs::Outputs;

/// What to run, validated. Pure data.
#[derive(Debug, Clone, PartialEq)]
pub enum Benchmark {
    Gil {
        threads: Option<u32>,
        n: u32,
    },
    Jit {
        n: u32,
    },
    Uops,
    Script {
        dir: PathBuf,
        file: String,
        args: Vec<String>,
    },
}

impl Benchmark {
    pub fn name(&self) -> String {
        match self {
            Benchmark::Gil { .. } => "gil".into(),
            Benchmark::Jit { .. } => "jit".into(),
            Benchmark::Uops => "uops".into(),
            Benchmark::Script { file, .. } => file.clone(),
        }
    }

    /// Script and arguments inside the container.
    pub fn script_and_args(&self) -> (String, Vec<String>) {
        match self {
            Benchmark::Gil { threads, n } => {
                let mut a = vec!["-n".to_string(), n.to_string()];
                if let Some(t) = threads {
                    a.extend(["--threads".to_string(), t.to_string()]);
                }
                ("gil.py".into(), a)
            }
            Benchmark::Jit { n } => ("jit.py".into(), vec!["-n".into(), n.to_string()]),
            Benchmark::Uops => ("uops.py".into(), vec!["--demo".into()]),
            // User scripts run under a small timer that adds the banner and result line.
            Benchmark::Script { file, args, .. } => {
                let mut a = vec![format!("/script/{file}")];
                a.extend(args.iter().cloned());
                ("run_script.py".into(), a)
            }
        }
    }
}

/// How many processes and values a configuration gets, and how long a value is.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// Measured processes (containers) per configuration.
    pub processes: u32,
    /// Discarded processes per configuration.
    pub warmup_processes: u32,
    /// Measured values per process.
    pub values: u32,
    /// Discarded values per process.
    pub warmups: u32,
    /// Minimum seconds of one value; the harness calibrates its loops to it.
    pub min_time: f64,
    /// Fixed loops per value; `None` calibrates.
    pub loops: Option<u32>,
}

impl Sampling {
    /// The harness reads these in the container (benchmarks/harness.py).
    pub fn harness_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("PYBENCH_VALUES".to_string(), self.values.to_string()),
            ("PYBENCH_WARMUPS".to_string(), self.warmups.to_string()),
            ("PYBENCH_MIN_TIME".to_string(), self.min_time.to_string()),
        ];
        if let Some(loops) = self.loops {
            env.push(("PYBENCH_LOOPS".to_string(), loops.to_string()));
        }
        env
    }
}

/// Validated settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub benchmark: Benchmark,
    pub sampling: Sampling,
    pub baseline: String,
    pub timeout: Duration,
}

/// The benchmark named on the command line, with its options.
fn benchmark_from(args: &RunArgs, cfg: &Config) -> Result<Benchmark> {
    let benchmark = match args.benchmark.as_str() {
        "gil" => Benchmark::Gil {
            threads: args.threads.or(cfg.benchmarks.gil.threads),
            n: args.n.unwrap_or(cfg.benchmarks.gil.n),
        },
        "jit" => Benchmark::Jit {
            n: args.n.unwrap_or(cfg.benchmarks.jit.n),
        },
        "uops" => Benchmark::Uops,
        other => user_script(other, &args.script_args)?,
    };
    if !matches!(benchmark, Benchmark::Script { .. }) && !args.script_args.is_empty() {
        bail!("arguments after `--` are for your own scripts; {} takes its options directly (see --help).", benchmark.name());
    }
    if args.threads.is_some() && !matches!(benchmark, Benchmark::Gil { .. }) {
        bail!("--threads applies to the gil benchmark only.");
    }
    Ok(benchmark)
}

/// A user's script: it must exist; its folder is mounted read-only.
fn user_script(path_text: &str, args: &[String]) -> Result<Benchmark> {
    let path = Path::new(path_text);
    if !path_text.ends_with(".py") && !path.exists() {
        bail!("unknown benchmark {path_text:?}. Use gil, jit, uops, or the path of a Python script (e.g. ./my_bench.py).");
    }
    if !path.is_file() {
        bail!("the script {path_text:?} does not exist or is not a file. Check the path; it is relative to the current directory.");
    }
    let path = path.canonicalize()?;
    Ok(Benchmark::Script {
        dir: path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/")),
        file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        args: args.to_vec(),
    })
}

fn sampling_from(args: &RunArgs, cfg: &Config) -> Sampling {
    let b = &cfg.benchmarks;
    Sampling {
        processes: args.processes.unwrap_or(b.repeat),
        warmup_processes: args.warmup_processes.unwrap_or(b.warmup),
        values: args.values.unwrap_or(b.values),
        warmups: args.warmups.unwrap_or(b.warmups),
        min_time: args.min_time.unwrap_or(b.min_time),
        loops: args.loops,
    }
}

/// Checks every argument before anything starts. Pure but for the file checks.
pub fn settings_from(args: &RunArgs, cfg: &Config) -> Result<RunSettings> {
    let benchmark = benchmark_from(args, cfg)?;
    for (flag, path) in [
        ("--json", &args.json),
        ("--csv", &args.csv),
        ("--markdown", &args.markdown),
    ] {
        if let Some(p) = path {
            crate::report::write::check_parent_exists(flag, p)?;
        }
    }
    if let Some(dir) = &args.pyperf {
        crate::report::pyperf::check_folder(dir)?;
    }
    Ok(RunSettings {
        benchmark,
        sampling: sampling_from(args, cfg),
        baseline: args
            .baseline
            .clone()
            .unwrap_or_else(|| cfg.benchmarks.baseline.clone()),
        timeout: Duration::from_secs(args.timeout.unwrap_or(cfg.containers.timeout_seconds)),
    })
}

/// A run, ready to start: settings, the configurations in run order, outputs.
pub struct RunJob {
    pub settings: RunSettings,
    pub interpreters: Vec<Interpreter>,
    pub outputs: Outputs,
    pub interactive: bool,
    /// The benchmark's arguments as recorded in the report.
    pub arguments: Vec<String>,
}

/// The configurations a run measures: the benchmark's default matrix, or the
/// user's `--interpreters`. The baseline must be among them. Pure.
pub fn select_interpreters(
    plan: &Plan,
    benchmark: &Benchmark,
    wanted: &[String],
    baseline: &str,
) -> Result<Vec<Interpreter>> {
    let chosen: Vec<&Interpreter> = if wanted.is_empty() {
        plan.default_interpreters(match benchmark {
            Benchmark::Gil { .. } => Selection::Gil,
            Benchmark::Jit { .. } | Benchmark::Uops => Selection::Jit,
            Benchmark::Script { .. } => Selection::All,
        })
    } else {
        plan.select(wanted).map_err(anyhow::Error::msg)?
    };
    if !matches!(benchmark, Benchmark::Uops) && !chosen.iter().any(|i| i.name == baseline) {
        let names: Vec<&str> = chosen.iter().map(|i| i.name.as_str()).collect();
        bail!(
            "the baseline {baseline:?} is not among the interpreters of this run ({}). Pass --baseline with one of them, or add it to --interpreters.",
            names.join(", ")
        );
    }
    Ok(chosen.into_iter().cloned().collect())
}

/// Checks every argument of `run` against the configuration and the plan,
/// before the daemon is contacted.
pub fn prepare(args: &RunArgs, cfg: &Config, plan: &Plan) -> Result<RunJob> {
    let settings = settings_from(args, cfg)?;
    if args.interactive && !matches!(settings.benchmark, Benchmark::Uops) {
        bail!("--interactive is for `run uops` only.");
    }
    let interpreters = select_interpreters(
        plan,
        &settings.benchmark,
        &args.interpreters,
        &settings.baseline,
    )?;
    let (_, mut arguments) = settings.benchmark.script_and_args();
    if !args.interpreters.is_empty() {
        arguments.push(format!("--interpreters={}", args.interpreters.join(",")));
    }
    Ok(RunJob {
        settings,
        interpreters,
        outputs: Outputs::from(args),
        interactive: args.interactive,
        arguments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};

    fn cfg() -> crate::config::Config {
        parse(DEFAULT_YAML, &Source::Embedded).unwrap()
    }

    fn args(b: &str) -> RunArgs {
        RunArgs {
            benchmark: b.into(),
            ..RunArgs::default()
        }
    }

    #[test]
    fn defaults_come_from_config() {
        let s = settings_from(&args("gil"), &cfg()).unwrap();
        assert_eq!(
            s.benchmark,
            Benchmark::Gil {
                threads: None,
                n: 25
            }
        );
        let c = &cfg().benchmarks;
        assert_eq!(
            (
                s.sampling.processes,
                s.sampling.warmup_processes,
                s.sampling.values
            ),
            (c.repeat, c.warmup, c.values)
        );
        assert_eq!(s.baseline, "3.13");
        let j = settings_from(&args("jit"), &cfg()).unwrap();
        assert_eq!(j.benchmark, Benchmark::Jit { n: 10000 });
    }

    #[test]
    fn flags_override_the_sampling_defaults() {
        let mut a = args("jit");
        (a.processes, a.values, a.warmups, a.min_time, a.loops) =
            (Some(7), Some(3), Some(0), Some(0.5), Some(4));
        let s = settings_from(&a, &cfg()).unwrap().sampling;
        assert_eq!(
            (s.processes, s.values, s.warmups, s.loops),
            (7, 3, 0, Some(4))
        );
        assert_eq!(s.min_time, 0.5);
        let env = s.harness_env();
        assert!(
            env.contains(&("PYBENCH_LOOPS".into(), "4".into())),
            "{env:?}"
        );
        assert!(
            env.contains(&("PYBENCH_MIN_TIME".into(), "0.5".into())),
            "{env:?}"
        );
    }

    #[test]
    fn unknown_benchmark_and_missing_script() {
        let e = settings_from(&args("gli"), &cfg()).unwrap_err().to_string();
        assert!(
            e.contains("unknown benchmark \"gli\"") && e.contains("gil, jit, uops"),
            "{e}"
        );
        let e = settings_from(&args("/nope/bench.py"), &cfg())
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn output_folder_must_exist_before_running() {
        let mut a = args("gil");
        a.json = Some("/nonexistent-dir/r.json".into());
        let e = settings_from(&a, &cfg()).unwrap_err().to_string();
        assert!(e.contains("/nonexistent-dir"), "{e}");
    }

    #[test]
    fn scripts_and_arguments() {
        let g = Benchmark::Gil {
            threads: Some(4),
            n: 25,
        };
        assert_eq!(
            g.script_and_args(),
            (
                "gil.py".into(),
                vec!["-n".into(), "25".into(), "--threads".into(), "4".into()]
            )
        );
        let s = Benchmark::Script {
            dir: "/x".into(),
            file: "b.py".into(),
            args: vec!["--k".into()],
        };
        assert_eq!(
            s.script_and_args(),
            (
                "run_script.py".into(),
                vec!["/script/b.py".into(), "--k".into()]
            )
        );
    }
}
