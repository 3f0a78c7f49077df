//! What a run will do, checked completely before anything connects or starts:
//! the benchmark, counts, baseline, interpreters and output folders. Pure but
//! for the checks that a script and the output folders exist.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Result};

use crate::cli::RunArgs;
use crate::config::Config;
use crate::plan::{Interpreter, Mode, Plan, Selection, Variant};

pub use super::benchmark::{Benchmark, THREADS_PLACEHOLDER};
use super::catalog::SuiteEntry;
use super::ftscaling::FtScaling;
use super::outputs::Outputs;

/// pyperformance's default time limit per benchmark in one container.
const PYPERFORMANCE_SECONDS_EACH: u64 = 600;

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
    /// Time, or instructions under Callgrind (`--measure`).
    pub measure: crate::results::Measure,
    /// The status band as a fraction (`--band` or the config's); `None`: ±10 %.
    pub band: Option<f64>,
}

/// The names `run` accepts besides scripts: the suite's and pyperformance's.
pub struct Catalogs {
    pub suite: Vec<SuiteEntry>,
    /// Where the suite's catalogue was read, for messages about it.
    pub suite_file: PathBuf,
    pub pyperformance: Vec<super::pyperformance::Entry>,
}

impl Catalogs {
    pub fn load(benchmarks: &Path) -> Result<Catalogs> {
        Ok(Catalogs {
            suite: super::catalog::load(benchmarks)?,
            suite_file: super::catalog::file(benchmarks),
            pyperformance: super::pyperformance::load(benchmarks)?,
        })
    }
}

/// The benchmarks named on the command line, with their options: one, or
/// every benchmark of the suite (or of one `--category`).
fn benchmarks_from(args: &RunArgs, cfg: &Config, catalogs: &Catalogs) -> Result<Vec<Benchmark>> {
    let suite = &catalogs.suite;
    let name = args.benchmark.as_deref().unwrap_or_default();
    let threads = || {
        args.threads
            .clone()
            .or_default_from(cfg.benchmarks.gil.threads)
    };
    let chosen = match name {
        "gil" => vec![Benchmark::Gil {
            threads: threads(),
            n: args.n.unwrap_or(cfg.benchmarks.gil.n),
        }],
        "jit" => vec![Benchmark::Jit {
            n: args.n.unwrap_or(cfg.benchmarks.jit.n),
        }],
        "uops" => vec![Benchmark::Uops],
        "ftscalingbench" => vec![Benchmark::Ftscaling(FtScaling {
            patterns: args.patterns.clone(),
            threads: threads(),
            script_from: args.script_from.clone(),
            scripts: Default::default(),
        })],
        "pyperformance" => {
            let (names, needs) =
                super::pyperformance::choose(&catalogs.pyperformance, &args.benchmarks)?;
            vec![Benchmark::Pyperformance {
                uncountable: super::pyperformance::uncountable(&catalogs.pyperformance, &names),
                names,
                needs,
                pyperf_args: args.script_args.clone(),
            }]
        }
        "suite" => suite_members(catalogs, args.category.as_deref())?
            .into_iter()
            .map(|e| suite_benchmark(e, threads()))
            .collect(),
        other => match suite.iter().find(|e| e.name == other) {
            Some(e) => vec![suite_benchmark(e, threads())],
            None => vec![user_script(other, args)?],
        },
    };
    let Some(first) = chosen.first() else {
        bail!("{name:?} names no benchmark to run.");
    };
    check_flags_fit(args, name, first)?;
    Ok(chosen)
}

/// Flags that only some benchmarks take, refused for the others. Pure.
fn check_flags_fit(args: &RunArgs, name: &str, first: &Benchmark) -> Result<()> {
    if !args.benchmarks.is_empty() && !matches!(first, Benchmark::Pyperformance { .. }) {
        bail!("--benchmarks chooses pyperformance's benchmarks: `run pyperformance --benchmarks nbody,float`.");
    }
    let ftscaling = matches!(first, Benchmark::Ftscaling(_));
    if (!args.patterns.is_empty() || args.script_from.is_some()) && !ftscaling {
        bail!("--patterns and --script-from choose what `run ftscalingbench` runs: `run ftscalingbench --patterns create_closure,generator`.");
    }
    if (args.offline || !args.wheelhouse.is_empty())
        && !matches!(first, Benchmark::Pyperformance { .. })
    {
        bail!("--wheelhouse and --offline say where pyperformance's third-party packages come from: they are for `run pyperformance`.");
    }
    if let Some(dir) = args.wheelhouse.iter().find(|d| !d.is_dir()) {
        bail!("--wheelhouse {} is not a folder. Give a folder of .whl files, e.g. one filled by `pip download --only-binary=:all: --dest DIR tomli==2.0.1`.", dir.display());
    }
    let takes_args = matches!(
        first,
        Benchmark::Script { .. } | Benchmark::Pyperformance { .. }
    );
    if !takes_args && !args.script_args.is_empty() {
        bail!("arguments after `--` are for your own scripts; {} takes its options directly (see --help).", first.name());
    }
    if !args.threads.is_empty()
        && matches!(
            first,
            Benchmark::Jit { .. } | Benchmark::Uops | Benchmark::Pyperformance { .. }
        )
    {
        bail!("--threads applies to gil, the suite's benchmarks and your own scripts (with {THREADS_PLACEHOLDER} in their arguments).");
    }
    let pyperf_runs = matches!(
        first,
        Benchmark::Pyperformance { .. } | Benchmark::Script { pyperf: true, .. }
    );
    let harness_flags = [
        ("--values", args.values.is_some()),
        ("--warmups", args.warmups.is_some()),
        ("--min-time", args.min_time.is_some()),
        ("--loops", args.loops.is_some()),
    ];
    if let (true, Some((flag, _))) = (pyperf_runs, harness_flags.iter().find(|(_, given)| *given)) {
        bail!("{flag} sets our harness, which pyperf does not use: give pyperf's own options after `--` (e.g. `-- --values 3 --min-time 0.1`, or `-- --fast`); --processes still sets the containers per configuration.");
    }
    if args.work_per_thread && !matches!(first, Benchmark::Script { .. }) {
        bail!("--work-per-thread is for your own scripts; the built-in benchmarks know how their work grows with threads.");
    }
    if args.category.is_some() && name != "suite" {
        bail!("--category selects benchmarks of `run suite`; use `run suite --category NAME`.");
    }
    if args.n.is_some() && !matches!(first, Benchmark::Gil { .. } | Benchmark::Jit { .. }) {
        bail!("-n applies to gil and jit only.");
    }
    Ok(())
}

trait OrConfig {
    fn or_default_from(self, configured: Option<u32>) -> Vec<u32>;
}

impl OrConfig for Vec<u32> {
    /// The counts given, or the configured one, or none (the default sweep).
    fn or_default_from(self, configured: Option<u32>) -> Vec<u32> {
        if self.is_empty() {
            configured.into_iter().collect()
        } else {
            self
        }
    }
}

fn suite_benchmark(e: &SuiteEntry, threads: Vec<u32>) -> Benchmark {
    Benchmark::Suite {
        name: e.name.clone(),
        scaling: e.scaling,
        threads,
    }
}

/// The suite's benchmarks, or one category's; an unknown category lists the
/// known, an empty catalogue says where it is.
fn suite_members<'a>(
    catalogs: &'a Catalogs,
    category: Option<&str>,
) -> Result<Vec<&'a SuiteEntry>> {
    let suite = &catalogs.suite;
    if suite.is_empty() {
        bail!(
            "the suite's catalogue {} lists no benchmarks, so `run suite` has nothing to run. Restore the file from the project (it is written from benchmarks/suite/'s registry), or point --project-dir at a project that has one; gil, jit and your own scripts run without it.",
            catalogs.suite_file.display()
        );
    }
    let Some(wanted) = category else {
        return Ok(suite.iter().collect());
    };
    let members: Vec<&SuiteEntry> = suite.iter().filter(|e| e.category == wanted).collect();
    if members.is_empty() {
        bail!(
            "unknown category {wanted:?}. Categories: {}. See `run --list`.",
            super::catalog::categories(suite).join(", ")
        );
    }
    Ok(members)
}

/// A user's script: it must exist; its folder is mounted read-only. A thread
/// sweep needs `{threads}` in its arguments, and `{threads}` needs a sweep.
fn user_script(path_text: &str, run: &RunArgs) -> Result<Benchmark> {
    let args = &run.script_args;
    let placeholder = args.iter().any(|a| a.contains(THREADS_PLACEHOLDER));
    let path = Path::new(path_text);
    if !path_text.ends_with(".py") && !path.exists() {
        bail!("unknown benchmark {path_text:?}. Use gil, jit, uops, suite, ftscalingbench, pyperformance, a benchmark of the suite (`run --list` shows them), or the path of a Python script (e.g. ./my_bench.py).");
    }
    if !path.is_file() {
        bail!("the script {path_text:?} does not exist or is not a file. Check the path; it is relative to the current directory.");
    }
    match (run.threads.is_empty(), placeholder) {
        (false, false) => bail!(
            "--threads runs your script once per thread count, but nothing tells the script the count: put {THREADS_PLACEHOLDER} where it takes it, e.g. `run {path_text} --threads 1,2,4 -- --workers {THREADS_PLACEHOLDER}`."
        ),
        (true, true) => bail!(
            "the script's arguments contain {THREADS_PLACEHOLDER} but no --threads was given: add the counts to run, e.g. --threads 1,2,4."
        ),
        _ => {}
    }
    if run.work_per_thread && run.threads.is_empty() {
        bail!("--work-per-thread describes a thread sweep: give --threads too.");
    }
    let path = path.canonicalize()?;
    let source = std::fs::read(&path).unwrap_or_default();
    let pyperf = crate::wheels::script_uses_pyperf(&String::from_utf8_lossy(&source));
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
        threads: run.threads.clone(),
        scaling: run.work_per_thread,
        pyperf,
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
pub fn settings_from(
    args: &RunArgs,
    cfg: &Config,
    catalogs: &Catalogs,
) -> Result<Vec<RunSettings>> {
    let benchmarks = benchmarks_from(args, cfg, catalogs)?;
    for (flag, path) in [
        ("--json", &args.json),
        ("--csv", &args.csv),
        ("--markdown", &args.markdown),
    ] {
        if let Some(p) = path {
            crate::report::write::check_output_file(flag, p)?;
        }
    }
    if let Some(dir) = &args.pyperf {
        crate::report::pyperf::check_folder(dir)?;
    }
    if let Some(dir) = &args.html {
        crate::report::site::check_dir(dir)?;
    }
    let settings = |benchmark: Benchmark| RunSettings {
        // pyperformance and ftscalingbench answer "what does each build
        // cost against its own version's stock build" unless told otherwise.
        baseline: args.baseline.clone().unwrap_or_else(|| match benchmark {
            Benchmark::Pyperformance { .. } | Benchmark::Ftscaling(_) => {
                crate::results::PER_VERSION.to_string()
            }
            _ => cfg.benchmarks.baseline.clone(),
        }),
        timeout: Duration::from_secs(args.timeout.unwrap_or_else(|| {
            let configured = cfg.containers.timeout_seconds;
            match &benchmark {
                // One container runs every chosen benchmark, each a few minutes at most.
                Benchmark::Pyperformance { names, .. } => {
                    configured.max(PYPERFORMANCE_SECONDS_EACH * names.len() as u64)
                }
                _ => configured,
            }
        })),
        benchmark,
        sampling: sampling_from(args, cfg),
        measure: match args.measure {
            crate::cli::MeasureArg::Time => crate::results::Measure::Time,
            crate::cli::MeasureArg::Instructions => crate::results::Measure::Instructions,
        },
        band: args.band.or(cfg.benchmarks.band).map(|pct| pct / 100.0),
    };
    let all: Vec<RunSettings> = benchmarks.into_iter().map(settings).collect();
    for s in all.iter().filter(|s| !s.measure.is_time()) {
        if let Some(why) = super::callgrind::refusal(&s.benchmark) {
            bail!("{why}");
        }
    }
    Ok(all)
}

/// A run, ready to start: settings, the configurations in run order, outputs.
#[derive(Clone)]
pub struct RunJob {
    pub settings: RunSettings,
    pub interpreters: Vec<Interpreter>,
    pub outputs: Outputs,
    pub interactive: bool,
    /// Print what a user's script printed, per configuration.
    pub show_output: bool,
    /// The benchmark's arguments as recorded in the report.
    pub arguments: Vec<String>,
    /// Where pyperformance's third-party packages may come from.
    pub wheelhouses: Vec<PathBuf>,
    pub offline: bool,
    /// Split the configurations across engines declared identical.
    pub shard: bool,
    /// Why the baseline is not the configured one, when it is not.
    pub baseline_note: Option<String>,
    /// Said before the run: interpreters left out, and why.
    pub notes: Vec<String>,
}

/// After interpreters were left out (no script to run), the baseline must
/// still be among them. Pure.
fn check_baseline_kept(baseline: &str, kept: &[Interpreter]) -> Result<()> {
    if baseline == crate::results::PER_VERSION {
        let chosen: Vec<&Interpreter> = kept.iter().collect();
        crate::plan::per_version_baselines(&chosen).map_err(anyhow::Error::msg)?;
        return Ok(());
    }
    if !kept.iter().any(|i| i.name == baseline) {
        bail!(
            "the baseline {baseline:?} has no ftscalingbench.py to run, so it is left out of this run. Pass --baseline with one of {}, or give every build one script with --script-from.",
            kept.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

/// The configurations a run measures and the baseline they are compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub interpreters: Vec<Interpreter>,
    pub baseline: String,
    /// Said before the run when the configured baseline was replaced.
    pub note: Option<String>,
}

/// The configurations a run measures: the benchmark's default matrix, or the
/// user's `--interpreters`. A baseline named with `--baseline` must be among
/// them; the configured one, when it is not, gives way to the run's first
/// stock build (else its first interpreter), and the note says so. Pure.
pub fn select_interpreters(
    plan: &Plan,
    benchmark: &Benchmark,
    wanted: &[String],
    baseline: &str,
    named_by_user: bool,
) -> Result<Selected> {
    let chosen: Vec<&Interpreter> = if wanted.is_empty() {
        plan.default_interpreters(match benchmark {
            Benchmark::Gil { .. } | Benchmark::Suite { .. } => Selection::Gil,
            Benchmark::Jit { .. } | Benchmark::Uops => Selection::Jit,
            Benchmark::Script { .. } => Selection::All,
            Benchmark::Pyperformance { .. } => Selection::Builds,
            Benchmark::Ftscaling(_) => Selection::Scaling,
        })
    } else {
        plan.select(wanted).map_err(anyhow::Error::msg)?
    };
    if let Some(sanitized) = chosen.iter().find(|i| {
        i.variant
            .is_some_and(|v| v.has(crate::options::BuildOption::ThreadSanitizer))
    }) {
        bail!(
            "{} is a ThreadSanitizer build: TSan instruments every memory access, so its times and counts measure TSan, not the interpreter. It is for finding data races with `ext --tsan`; measure the free-threaded build ({}) instead.",
            sanitized.name,
            // The build's name (before any runtime switch) without `san`,
            // which the options table puts last: `3.14tsan -X gil=1` → `3.14t`.
            (sanitized.name.split_whitespace().next())
                .unwrap_or_default()
                .trim_end_matches("san")
        );
    }
    let interpreters: Vec<Interpreter> = chosen.iter().map(|i| (*i).clone()).collect();
    let kept = |note: Option<String>, baseline: &str| Selected {
        interpreters: interpreters.clone(),
        baseline: baseline.to_string(),
        note,
    };
    if baseline == crate::results::PER_VERSION {
        crate::plan::per_version_baselines(&chosen).map_err(anyhow::Error::msg)?;
        return Ok(kept(None, baseline));
    }
    if matches!(benchmark, Benchmark::Uops) || chosen.iter().any(|i| i.name == baseline) {
        return Ok(kept(None, baseline));
    }
    let names: Vec<&str> = chosen.iter().map(|i| i.name.as_str()).collect();
    if named_by_user {
        bail!(
            "the baseline {baseline:?} is not among the interpreters of this run ({}). Pass --baseline with one of them, or add it to --interpreters.",
            names.join(", ")
        );
    }
    let is_stock = |i: &&&Interpreter| i.variant == Some(Variant::STOCK) && i.mode == Mode::Default;
    let Some(first) = chosen.iter().find(is_stock).or(chosen.first()) else {
        bail!("this run selects no interpreter: give some with --interpreters.");
    };
    let note = format!(
        "baseline {} (the configured {baseline} is not in this run; --baseline chooses another)",
        first.name
    );
    Ok(kept(Some(note), &first.name))
}

/// Checks every argument of `run` against the configuration, the plan and the
/// suite's catalogue, before the daemon is contacted: one job per benchmark.
pub fn prepare(
    args: &RunArgs,
    cfg: &Config,
    plan: &Plan,
    benchmarks_dir: &Path,
) -> Result<Vec<RunJob>> {
    prepare_in(
        args,
        cfg,
        plan,
        benchmarks_dir,
        &crate::project::cache_dir(),
    )
}

/// [`prepare`] with the cache folder given (ftscalingbench's scripts come
/// from the verified tarballs there).
pub fn prepare_in(
    args: &RunArgs,
    cfg: &Config,
    plan: &Plan,
    benchmarks_dir: &Path,
    cache: &Path,
) -> Result<Vec<RunJob>> {
    let all = settings_from(args, cfg, &Catalogs::load(benchmarks_dir)?)?;
    let Some(first) = all.first() else {
        bail!("nothing to run: no benchmark was chosen.");
    };
    if args.interactive && !matches!(first.benchmark, Benchmark::Uops) {
        bail!("--interactive is for `run uops` only.");
    }
    if args.show_output && !matches!(first.benchmark, Benchmark::Script { .. }) {
        bail!("--show-output is for your own scripts; the built-in benchmarks print their banner and the table.");
    }
    if args.html.is_some() && matches!(first.benchmark, Benchmark::Uops) {
        bail!("--html is for benchmarks that measure; `run uops` prints micro-ops, not results.");
    }
    let several = all.len() > 1;
    // One page for every benchmark of a suite: the jobs share its files.
    let outputs_of_all = Outputs::from(args);
    all.into_iter()
        .map(|mut settings| {
            let selected = select_interpreters(
                plan,
                &settings.benchmark,
                &args.interpreters,
                &settings.baseline,
                args.baseline.is_some(),
            )?;
            settings.baseline = selected.baseline;
            let (mut interpreters, mut notes) = (selected.interpreters, vec![]);
            if let Benchmark::Ftscaling(bench) = &mut settings.benchmark {
                let resolved = super::ftscaling::resolve(bench, &interpreters, cfg, plan, cache)?;
                check_baseline_kept(&settings.baseline, &resolved.interpreters)?;
                (interpreters, notes) = (resolved.interpreters, resolved.notes);
            }
            let mut arguments = match &settings.benchmark {
                // As the user gave them, not the driver's container arguments.
                Benchmark::Ftscaling(f) => f.flags(),
                other => other.script_and_args().1,
            };
            let threads = settings.benchmark.threads();
            if !threads.is_empty() {
                let list: Vec<String> = threads.iter().map(u32::to_string).collect();
                arguments.push(format!("--threads={}", list.join(",")));
            }
            if !args.interpreters.is_empty() {
                arguments.push(format!("--interpreters={}", args.interpreters.join(",")));
            }
            let outputs = match several {
                true => outputs_of_all
                    .clone()
                    .for_member(&settings.benchmark.name()),
                false => outputs_of_all.clone(),
            };
            Ok(RunJob {
                settings,
                interpreters,
                notes,
                baseline_note: selected.note,
                outputs,
                interactive: args.interactive,
                show_output: args.show_output,
                arguments,
                wheelhouses: args.wheelhouse.clone(),
                offline: args.offline,
                shard: args.shard,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
