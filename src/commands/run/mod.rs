//! `pybench-docker run`: a benchmark across interpreter configurations, each run
//! in its own container, repeated, summarised and compared with a baseline.
//!
//! `settings` checks everything before a connection exists; `rounds` measures
//! through the engine trait; `present` says what the table cannot. The
//! fleet (commands/fleet/) orders them on one engine or several.

mod benchmark;
pub mod callgrind;
pub mod catalog;
pub mod ftscaling;
pub mod matrix;
pub mod measurement;
pub mod outputs;
pub mod present;
pub mod pyperformance;
pub mod pyperformance_deps;
pub mod rounds;
pub mod settings;
pub mod uops;
pub mod valgrind_layer;

#[cfg(test)]
mod counted_tests;
#[cfg(test)]
mod tests;

use anyhow::Result;
use chrono::Utc;
use console::style;

pub use settings::{prepare, Benchmark, RunJob};

use crate::commands::App;
use crate::error::Interrupted;
use crate::report;
use crate::results::{Host, Outcome, Report, Row};
use matrix::Configuration;

/// What the containers need from this machine, fetched and checked once for
/// every engine: the harness's wheels, pyperformance's packages.
pub fn prepare_host_side(app: &App, job: &RunJob) -> Result<pyperformance_deps::Deps> {
    for note in &job.notes {
        eprintln!("{} {note}", style("note:").yellow());
    }
    for wheel in rounds::wheels_of(&job.settings.benchmark) {
        wheel.ensure(&app.cache)?;
    }
    Ok(match &job.settings.benchmark {
        Benchmark::Pyperformance { needs, .. } => pyperformance_deps::prepare(
            &app.cache,
            crate::packages::unpack::Caps::of(&app.config.archives),
            &job.interpreters,
            needs,
            &job.wheelhouses,
            job.offline,
        )?,
        _ => pyperformance_deps::Deps::new(),
    })
}

/// The rounds on `app`'s engine, into a report; `true` when interrupted.
pub async fn measure(
    app: &App,
    job: &RunJob,
    deps: &pyperformance_deps::Deps,
) -> Result<(Report, bool)> {
    let facts = app.engine.host_facts().await;
    let interpreters = counted_where_asked(app, job).await?;
    let configs = matrix::configurations(&interpreters, &job.settings.benchmark, facts.cpus);
    if let Some(note) = oversubscribed(&configs, facts.cpus) {
        eprintln!("{} {note}", style("note:").yellow());
    }
    let mut report = new_report(app, job, &configs).await?;
    let interrupted = rounds::run_all(app, job, deps, &configs, &mut report).await?;
    report.finished_at = Some(Utc::now());
    if let Benchmark::Script { .. } = job.settings.benchmark {
        record_what_the_processes_did(&mut report);
    }
    Ok((report, interrupted))
}

/// The interpreters as the run starts them: as they are for time; for
/// instructions under Callgrind in their image's Valgrind layer, built here
/// when this engine lacks it.
async fn counted_where_asked(app: &App, job: &RunJob) -> Result<Vec<crate::plan::Interpreter>> {
    if job.settings.measure.is_time() {
        return Ok(job.interpreters.clone());
    }
    let mut layers: std::collections::BTreeMap<String, String> = Default::default();
    let mut counted = vec![];
    for interpreter in &job.interpreters {
        if !layers.contains_key(&interpreter.image) {
            let layer = valgrind_layer::ensure(app, &interpreter.image).await?;
            layers.insert(interpreter.image.clone(), layer);
        }
        counted.push(callgrind::counted(
            interpreter,
            &layers[&interpreter.image],
            &job.settings.benchmark,
        ));
    }
    Ok(counted)
}

/// A user's script decides how many values a process gives: the harness's
/// (`harness.bench`), pyperf's, or one when the script is timed whole. The
/// report says what the processes did rather than what the harness was
/// told: the values and warm-ups each process gave when they all agree (0,
/// "not one number", when they do not), and no least time per value when
/// our harness calibrated nothing (no process reported its host facts, which
/// the harness always does: timed whole, or pyperf's own calibration). Pure.
fn record_what_the_processes_did(report: &mut Report) {
    let samples: Vec<&crate::results::Sample> =
        report.rows.iter().flat_map(|r| &r.samples).collect();
    let Some(first) = samples.first() else {
        return;
    };
    let agreed = |count: fn(&crate::results::Sample) -> usize| {
        let n = count(first);
        samples.iter().all(|s| count(s) == n).then_some(n as u32)
    };
    report.values = agreed(|s| s.values.len()).unwrap_or(0);
    report.warmup_values = agreed(|s| s.warmups.len()).unwrap_or(0);
    if samples.iter().all(|s| s.host.is_none()) {
        report.min_time = 0.0;
    }
}

/// Tables on the terminal and the result files of one engine's report.
pub fn present(job: &RunJob, report: &Report, interrupted: bool) -> Result<()> {
    let outputs = &job.outputs;
    if interrupted {
        outputs.write(report, true)?;
        outputs.write_html(report, &crate::report::split::split(report))?;
        return Err(Interrupted.into());
    }
    // A script that measured several named benchmarks: one table (and one
    // set of result files) per name, each with the full statistics.
    let by_metric = crate::report::split::split(report);
    if let Benchmark::Pyperformance { .. } = job.settings.benchmark {
        // Dozens of benchmarks: one line each instead of a table each.
        println!(
            "{}",
            present::pyperformance_heading(report, by_metric.len())
        );
        print!("{}", report::matrix::render(&by_metric));
        // Counts: the cache model's estimate beside them, as a matrix of its own.
        let cycles: Vec<(String, Report)> = by_metric
            .iter()
            .filter_map(|(name, r)| Some((name.clone(), report::cycles::cycles_report(r)?)))
            .collect();
        if !cycles.is_empty() {
            print!("\n{}", report::matrix::render(&cycles));
        }
        for note in present::skipped_notes(report) {
            eprintln!("{} {note}", style("skipped:").yellow());
        }
        write_all(outputs, report, &by_metric)?;
        return present::failures(report);
    }
    if let Benchmark::Ftscaling(_) = job.settings.benchmark {
        // Dozens of patterns: one line per pattern and build instead of a table each.
        println!("{}", present::ftscaling_heading(report, by_metric.len()));
        print!("{}", report::scaling::render(&by_metric));
        for note in present::script_notes(report) {
            eprintln!("{} {note}", style("script:").dim());
        }
        for note in present::skipped_notes(report) {
            eprintln!("{} {note}", style("skipped:").yellow());
        }
        write_all(outputs, report, &by_metric)?;
        return present::failures(report);
    }
    let tables: Vec<&Report> = match by_metric.is_empty() {
        true => vec![report],
        false => by_metric.iter().map(|(_, r)| r).collect(),
    };
    for shown in &tables {
        println!("{}", report::render_table(shown, console::colors_enabled()));
        if let Some(note) = present::outlier_note(shown) {
            eprintln!("{} {note}", style("note:").yellow());
        }
        // Counts: the cache model's estimate beside them, as a table of its own.
        if let Some(cycles) = report::cycles::cycles_report(shown) {
            println!(
                "{}",
                report::render_table(&cycles, console::colors_enabled())
            );
        }
    }
    for line in crate::report::memory::suite_slopes(&by_metric) {
        println!("{line}");
    }
    if job.show_output {
        print!("{}", present::script_outputs(report));
    }
    write_all(outputs, report, &by_metric)?;
    tables.iter().try_for_each(|r| present::failures(r))
}

/// The run's files, and each named benchmark's.
fn write_all(
    outputs: &outputs::Outputs,
    report: &Report,
    by_metric: &[(String, Report)],
) -> Result<()> {
    outputs.write(report, true)?;
    for (name, metric) in by_metric {
        let member = outputs
            .clone()
            .for_member(&crate::report::split::file_part(name));
        member.write(metric, true)?;
    }
    outputs.write_html(report, by_metric)
}

/// Says so when a configuration has more threads than the engine has CPUs:
/// its threads then take turns, whatever the build.
fn oversubscribed(configs: &[Configuration], cpus: u32) -> Option<String> {
    let most = configs.iter().filter_map(|c| c.threads).max()?;
    (most > cpus).then(|| {
        format!("{most} threads on {cpus} CPUs: beyond {cpus} threads they share CPUs, so no build can scale further there.")
    })
}

/// The CPython script a row of `run ftscalingbench` runs, for the record.
fn ftscaling_script(b: &Benchmark, interpreter: &str) -> Option<crate::results::SourceScript> {
    match b {
        Benchmark::Ftscaling(f) => f.recorded(interpreter),
        _ => None,
    }
}

/// The full command line of a row, for the record.
fn command_line(c: &Configuration, b: &Benchmark) -> Vec<String> {
    let (script, args) = matrix::script_and_args(b, c.threads);
    let mut cmd = c.interpreter.argv.clone();
    cmd.push(script);
    cmd.extend(args);
    cmd
}

/// An empty report with one row per configuration, host facts and image ids.
async fn new_report(app: &App, job: &RunJob, configs: &[Configuration]) -> Result<Report> {
    let facts = app.engine.host_facts().await;
    let s = &job.settings;
    let mut report = Report {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        session: app.session.id.clone(),
        benchmark: s.benchmark.name(),
        part_of: None,
        arguments: job.arguments.clone(),
        baseline: s.baseline.clone(),
        repeat: s.sampling.processes,
        warmup: s.sampling.warmup_processes,
        values: s.sampling.values,
        warmup_values: s.sampling.warmups,
        // Counts calibrate on instructions, not on a time.
        min_time: match s.measure.is_time() {
            true => s.sampling.min_time,
            false => 0.0,
        },
        scaling: s.benchmark.scales_work(),
        host: Host {
            engine: app.engine_name.clone(),
            hostname: facts.name,
            cpus: facts.cpus,
            os: facts.os,
            arch: facts.arch,
            docker_version: facts.docker_version,
        },
        started_at: Utc::now(),
        finished_at: None,
        rows: vec![],
        measure: s.measure,
        unit: (!s.measure.is_time()).then(|| s.measure.unit().to_string()),
        band: s.band,
    };
    // Per version: each row names its own baseline (checked by `prepare`).
    let per_version = match s.baseline == crate::results::PER_VERSION {
        true => {
            let chosen: Vec<&crate::plan::Interpreter> = job.interpreters.iter().collect();
            let names = crate::plan::per_version_baselines(&chosen).map_err(anyhow::Error::msg)?;
            job.interpreters
                .iter()
                .map(|i| i.name.clone())
                .zip(names)
                .collect()
        }
        false => std::collections::BTreeMap::new(),
    };
    for c in configs {
        let interp = &c.interpreter;
        // A counted interpreter runs in its image's Valgrind layer: its build
        // is the one of the image the layer was made from.
        let built = (job.interpreters.iter())
            .find(|i| i.name == interp.name)
            .unwrap_or(interp);
        let image_id = app.engine.inspect_image(&interp.image).await?;
        report.rows.push(Row {
            interpreter: interp.name.clone(),
            threads: c.threads,
            command: command_line(c, &s.benchmark),
            env: interp.env.clone(),
            image: interp.image.clone(),
            image_id: image_id.map(|f| f.id).unwrap_or_default(),
            info: None,
            banner: None,
            samples: vec![],
            outcome: Outcome::Ok,
            baseline: per_version.get(&interp.name).cloned(),
            configure_flags: (app.plan.variant_build_of(built)).map(|v| v.configure_flags.clone()),
            build: app.plan.identity_of(built),
            source_script: ftscaling_script(&s.benchmark, &interp.name),
        });
    }
    Ok(report)
}
