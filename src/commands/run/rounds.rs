//! The measuring loop: every interpreter configuration once per round, rounds
//! repeated, each run in its own container, folded into the report as it ends.

use super::pyperformance_deps::{unavailable_env, Deps, InterpreterDeps, SITE_IN_CONTAINER};
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;
use console::style;

use super::matrix::{script_and_args, Configuration};
use super::measurement::outcome_of;
use super::settings::{Benchmark, RunJob, RunSettings};
use crate::commands::runner::{self, ScriptRun};
use crate::commands::App;
use crate::docker::container::BindMount;
use crate::error::Interrupted;
use crate::results::{Outcome, Report, Row, Sample, ScriptOutput};
use crate::wheels::{self, Wheel};

/// One container run in the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Index of the configuration in the job.
    pub config: usize,
    /// 1-based number among the warm-ups or among the measured runs.
    pub number: u32,
    pub warmup: bool,
}

/// The order of runs: warm-up rounds, then measured rounds, each round visiting
/// every configuration once (round-robin), so slow drift in the machine's state
/// spreads over all of them instead of biasing one. Pure.
pub fn schedule(configs: usize, warmup: u32, repeat: u32) -> Vec<Vec<Slot>> {
    let round = |number: u32, warmup: bool| -> Vec<Slot> {
        (0..configs)
            .map(|config| Slot {
                config,
                number,
                warmup,
            })
            .collect()
    };
    (1..=warmup)
        .map(|n| round(n, true))
        .chain((1..=repeat).map(|n| round(n, false)))
        .collect()
}

/// Runs every round, writing the JSON after each so a crash loses at most one
/// round. A failed or timed-out row is skipped from then on; the others go on.
/// Returns true when the session was interrupted (finished rows are kept).
pub async fn run_all(
    app: &App,
    job: &RunJob,
    deps: &Deps,
    configs: &[Configuration],
    report: &mut Report,
) -> Result<bool> {
    let s = &job.settings;
    let (warmups, processes) = (s.sampling.warmup_processes, s.sampling.processes);
    let rounds = schedule(configs.len(), warmups, processes);
    let total = rounds.iter().map(Vec::len).sum::<usize>() as u64;
    let bar = app.progress.counter(
        &format!("run {}{}", s.benchmark.name(), app.on_engine()),
        total,
        false,
    );
    let mut done = 0;
    for round in rounds {
        for slot in round {
            let config = &configs[slot.config];
            if !matches!(report.rows[slot.config].outcome, Outcome::Ok) {
                continue;
            }
            let (kind, of) = match slot.warmup {
                true => ("warm-up", warmups),
                false => ("run", processes),
            };
            let label = report.rows[slot.config].label();
            bar.step(format!("{label} {kind} {}/{of}", slot.number));
            match one_run(
                app,
                config,
                s,
                deps.get(&config.interpreter.name),
                slot.warmup,
            )
            .await
            {
                Ok(result) => absorb(app, &mut report.rows[slot.config], result),
                Err(e) if e.downcast_ref::<Interrupted>().is_some() => {
                    bar.fail("interrupted");
                    return Ok(true);
                }
                Err(e) => return Err(e),
            }
            done += 1;
            bar.set_position(done);
        }
        job.outputs.write(report, false)?;
    }
    bar.finish(format!("{done} runs in {done} containers"));
    Ok(false)
}

/// The result of one container run, before it is folded into a row.
struct RunResult {
    started_at: chrono::DateTime<Utc>,
    finished_at: chrono::DateTime<Utc>,
    warmup: bool,
    output: crate::docker::ContainerOutput,
    timeout: Duration,
    cpuset: Option<String>,
    /// A user's script: keep what it printed.
    keep_output: bool,
}

async fn one_run(
    app: &App,
    config: &Configuration,
    s: &RunSettings,
    deps: Option<&InterpreterDeps>,
    warmup: bool,
) -> Result<RunResult> {
    let (script, args) = script_and_args(&s.benchmark, config.threads);
    let bench_dir = app.project.benchmarks();
    let mut mounts = benchmark_mounts(&s.benchmark, &config.interpreter.name)?;
    let mut env = s.sampling.harness_env();
    if !s.measure.is_time() {
        env.extend(super::callgrind::env());
    }
    // Fetched and verified by `command` before the first round.
    for wheel in wheels_of(&s.benchmark) {
        mounts.push(BindMount {
            host: wheel.cached(&app.cache).display().to_string(),
            container: wheel.in_container(),
            read_only: true,
        });
    }
    env.extend(wheel_env(&s.benchmark));
    if let Some(d) = deps {
        // pyperformance's third-party packages, unpacked on the host.
        if let Some(site) = &d.site {
            mounts.push(BindMount {
                host: site.display().to_string(),
                container: SITE_IN_CONTAINER.into(),
                read_only: true,
            });
            for (k, v) in env.iter_mut() {
                if k == "PYTHONPATH" {
                    *v = format!("{v}:{SITE_IN_CONTAINER}");
                }
            }
        }
        env.extend(unavailable_env(d));
    }
    let run = ScriptRun {
        interpreter: &config.interpreter,
        dir: &bench_dir,
        script,
        args,
        extra_env: env,
        extra_mounts: mounts,
        image: None,
        timeout: s.timeout,
        what: "run",
        cpuset: config.cpuset.clone(),
    };
    let started_at = Utc::now();
    let output = runner::run_script(app, &run).await?;
    Ok(RunResult {
        started_at,
        finished_at: Utc::now(),
        warmup,
        output,
        timeout: s.timeout,
        cpuset: config.cpuset.clone(),
        keep_output: matches!(s.benchmark, Benchmark::Script { .. }),
    })
}

/// The folders a benchmark's container reads besides ours, read-only: a
/// user's script's, or CPython's ftscalingbench.py of `interpreter`'s source.
fn benchmark_mounts(benchmark: &Benchmark, interpreter: &str) -> Result<Vec<BindMount>> {
    let (host, container) = match benchmark {
        Benchmark::Script { dir, .. } => (dir.as_path(), "/script"),
        Benchmark::Ftscaling(f) => (
            f.dir_for(interpreter)
                .ok_or_else(|| anyhow::anyhow!("{interpreter} has no ftscalingbench.py"))?,
            super::ftscaling::SCRIPT_DIR_IN_CONTAINER,
        ),
        _ => return Ok(vec![]),
    };
    Ok(vec![BindMount {
        host: host.display().to_string(),
        container: container.into(),
        read_only: true,
    }])
}

/// The pinned wheels a benchmark's containers need.
pub fn wheels_of(benchmark: &Benchmark) -> Vec<&'static Wheel> {
    match benchmark {
        Benchmark::Script { pyperf: true, .. } => vec![&wheels::PYPERF],
        Benchmark::Pyperformance { .. } => vec![&wheels::PYPERF, &wheels::PYPERFORMANCE],
        _ => vec![],
    }
}

/// The environment that points the container's Python at those wheels. Pure.
fn wheel_env(benchmark: &Benchmark) -> Vec<(String, String)> {
    let mut env = vec![];
    if wheels_of(benchmark).is_empty() {
        return env;
    }
    env.push(("PYTHONPATH".to_string(), wheels::PYPERF.in_container()));
    match benchmark {
        Benchmark::Pyperformance { .. } => env.push((
            "PYBENCH_PYPERFORMANCE".into(),
            wheels::PYPERFORMANCE.in_container(),
        )),
        _ => env.push(("PYBENCH_PYPERF".into(), "1".into())),
    }
    env
}

/// What a script printed, without our banner and machine line.
fn script_output(out: &crate::docker::ContainerOutput) -> ScriptOutput {
    let stdout = match runner::extract_banner(&out.stdout) {
        Some(banner) => out.stdout.replacen(&banner, "", 1),
        None => out.stdout.clone(),
    };
    let stdout = stdout.trim_start_matches('\n');
    ScriptOutput::capture(stdout, &out.stderr, runner::RESULT_PREFIX.trim_end())
}

/// Folds one run into its row: a sample, or the row's failure. Pure but for printing.
fn absorb(app: &App, row: &mut Row, r: RunResult) {
    let out = &r.output;
    if row.banner.is_none() {
        if let Some(b) = runner::extract_banner(&out.stdout) {
            app.progress.println(format!(
                "{} {}{}\n{b}",
                style("▶").cyan().bold(),
                style(&row.interpreter).bold(),
                app.on_engine()
            ));
            row.banner = Some(b);
        }
    }
    row.outcome = match outcome_of(out, r.timeout) {
        Ok(m) => {
            if row.info.is_none() {
                row.info = m.info;
            }
            row.samples.push(Sample {
                seconds: m.seconds,
                started_at: r.started_at,
                finished_at: r.finished_at,
                warmup: r.warmup,
                loops: m.loops,
                values: m.values,
                warmups: m.warmups,
                thread_values: m.thread_values,
                cpuset: r.cpuset,
                host: m.host,
                output: r.keep_output.then(|| script_output(out)),
                metrics: m.metrics,
                skipped: m.skipped,
                memory: m.memory,
                jit: m.jit,
                cycles: m.cycles,
                counts: m.counts,
            });
            Outcome::Ok
        }
        Err(o) => o,
    };
}
