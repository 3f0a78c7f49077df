//! `run` (one benchmark or a suite) on a fleet: per benchmark, what the
//! containers need from this machine, the images (once), then the rounds on
//! every engine at the same time; each engine's table and files, and with
//! several the hosts side by side.

use anyhow::Result;
use console::style;

use super::{bring_images, shard, Fleet};
use crate::commands::run::{self, Benchmark, RunJob};
use crate::error::{chain, Interrupted};
use crate::plan::Needs;
use crate::report;

/// A benchmark that failed, where (`None`: on this machine, before any
/// engine), and why.
struct Failure {
    member: Option<usize>,
    benchmark: String,
    error: anyhow::Error,
}

/// Runs every benchmark of `jobs` on every engine still standing. A failed
/// benchmark fails on its engine and the next one runs; an interruption
/// stops everything (each engine keeping its partial files).
pub async fn run(fleet: &mut Fleet, jobs: &[RunJob], needs: &Needs) -> Result<()> {
    if let Some(note) = shared_machine(fleet).await {
        eprintln!("{} {note}", style("note:").yellow());
    }
    let mut failures: Vec<Failure> = vec![];
    let (mut brought, mut said_baseline) = (false, false);
    // One engine's reports of a run of several benchmarks (the suite), for
    // the memory per extra thread over all of them at the end.
    let mut reports: Vec<(String, crate::results::Report)> = vec![];
    for job in jobs {
        let Some(first) = fleet.first_ready() else {
            break;
        };
        let deps = match run::prepare_host_side(first, job) {
            Ok(deps) => deps,
            Err(e) => {
                say(fleet, jobs, None, job, &e);
                failures.push(failure(None, job, e));
                continue;
            }
        };
        if !brought {
            bring_images(fleet, needs, None).await?;
            brought = true;
        }
        if let (Some(note), false) = (&job.baseline_note, said_baseline) {
            eprintln!("{} {note}", style("note:").yellow());
            said_baseline = true;
        }
        let ran = match job.settings.benchmark {
            Benchmark::Uops => uops(fleet, job).await,
            _ => measure_everywhere(fleet, job, &deps, &mut reports).await,
        };
        for f in ran? {
            say(fleet, jobs, f.member, job, &f.error);
            failures.push(f);
        }
    }
    if jobs.len() > 1 && !fleet.several() {
        for line in report::memory::suite_slopes(&reports) {
            println!("{line}");
        }
    }
    end(fleet, jobs, failures)
}

fn failure(member: Option<usize>, job: &RunJob, error: anyhow::Error) -> Failure {
    Failure {
        member,
        benchmark: job.settings.benchmark.name(),
        error,
    }
}

/// Says a failure as it happens, unless it is going to be the command's
/// own error (one engine, one benchmark).
fn say(fleet: &Fleet, jobs: &[RunJob], member: Option<usize>, job: &RunJob, e: &anyhow::Error) {
    if !fleet.several() && jobs.len() == 1 {
        return;
    }
    let on = match (member, fleet.several()) {
        (Some(i), true) => format!("engine {}: ", fleet.members[i].name()),
        _ => String::new(),
    };
    let what = match jobs.len() > 1 {
        true => format!("{}: ", job.settings.benchmark.name()),
        false => String::new(),
    };
    eprintln!("{} {on}{what}{}", style("error:").red().bold(), chain(e));
}

/// How the run ends. Alone: the engine's own failure, the one benchmark's
/// error, or how many benchmarks failed. Several: how many engines had
/// failures (or benchmarks, when they failed before any engine).
fn end(fleet: &mut Fleet, jobs: &[RunJob], mut failures: Vec<Failure>) -> Result<()> {
    if !fleet.several() {
        if let Some(e) = fleet.members[0].failure.take() {
            return Err(e);
        }
    }
    let mut engines: Vec<usize> = (0..fleet.members.len())
        .filter(|i| fleet.members[*i].failure.is_some())
        .chain(failures.iter().filter_map(|f| f.member))
        .collect();
    engines.sort();
    engines.dedup();
    if failures.is_empty() && engines.is_empty() {
        return Ok(());
    }
    if jobs.len() == 1 && !fleet.several() && !failures.is_empty() {
        return Err(failures.remove(0).error);
    }
    if fleet.several() && !engines.is_empty() {
        return Err(anyhow::anyhow!(
            "{} of {} engine(s) had failures (see above); the others' results are complete.",
            engines.len(),
            fleet.members.len()
        ));
    }
    let mut names: Vec<&str> = failures.iter().map(|f| f.benchmark.as_str()).collect();
    names.dedup();
    Err(anyhow::anyhow!(
        "{} of {} benchmarks had failures: {} (see above).",
        names.len(),
        jobs.len(),
        names.join(", ")
    ))
}

/// `run uops` on its one engine.
async fn uops(fleet: &mut Fleet, job: &RunJob) -> Result<Vec<Failure>> {
    let Some(i) = fleet.members.iter().position(|m| m.ready().is_ok()) else {
        return Ok(vec![]);
    };
    let app = fleet.members[i].ready().map_err(anyhow::Error::msg)?;
    match run::uops::command(app, &job.interpreters, job.interactive).await {
        Ok(()) => Ok(vec![]),
        Err(e) if e.downcast_ref::<Interrupted>().is_some() => Err(e),
        Err(e) => Ok(vec![failure(Some(i), job, e)]),
    }
}

/// One benchmark on every engine at once, then each engine's table and
/// files, and with several engines the hosts side by side. The failures,
/// or Interrupted. The first engine's report is added to `reports`.
async fn measure_everywhere(
    fleet: &Fleet,
    job: &RunJob,
    deps: &run::pyperformance_deps::Deps,
    reports: &mut Vec<(String, crate::results::Report)>,
) -> Result<Vec<Failure>> {
    let own_jobs = jobs_per_engine(fleet, job)?;
    let measured = futures_util::future::join_all(fleet.members.iter().zip(&own_jobs).map(
        |(m, own)| async move {
            match m.ready() {
                Ok(app) => Some(run::measure(app, own, deps).await),
                Err(_) => None,
            }
        },
    ))
    .await;
    let mut failures = vec![];
    let mut interrupted = false;
    for (i, (own, result)) in own_jobs.iter().zip(&measured).enumerate() {
        let Some(Ok((report, stopped))) = result else {
            continue;
        };
        if fleet.several() {
            println!(
                "{} engine {} ({})",
                style("──").dim(),
                style(fleet.members[i].name()).bold(),
                report::format::host(report)
            );
        }
        if i == 0 {
            reports.push((job.settings.benchmark.name(), report.clone()));
        }
        match run::present(own, report, *stopped) {
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => interrupted = true,
            Err(e) => failures.push(failure(Some(i), job, e)),
            Ok(()) => {}
        }
    }
    if fleet.several() {
        let side_by_side: Vec<report::hosts::HostRun> = fleet
            .members
            .iter()
            .zip(&measured)
            .map(|(m, r)| {
                let run = match r {
                    Some(Ok((report, _))) => Ok(report),
                    Some(Err(e)) => Err(chain(e)),
                    None => Err(m.ready().err().unwrap_or_default()),
                };
                (m.name(), run)
            })
            .collect();
        println!("{}", report::hosts::render(&side_by_side));
    }
    for (i, result) in measured.into_iter().enumerate() {
        match result {
            Some(Err(e)) if e.downcast_ref::<Interrupted>().is_some() => interrupted = true,
            Some(Err(e)) => failures.push(failure(Some(i), job, e)),
            _ => {}
        }
    }
    match interrupted {
        true => Err(Interrupted.into()),
        false => Ok(failures),
    }
}

/// Each engine its own job: with several, its own result files (`gil.json`
/// → `gil.laptop.json`, the partial ones written after every round
/// included) and, with `--shard`, its share of the configurations among the
/// engines still standing. Alone, the job as it is.
fn jobs_per_engine(fleet: &Fleet, job: &RunJob) -> Result<Vec<RunJob>> {
    let standing: Vec<usize> = (0..fleet.members.len())
        .filter(|i| fleet.members[*i].ready().is_ok())
        .collect();
    let shares = match job.shard {
        true => {
            let baselines = shard::baselines(&job.interpreters, &job.settings.baseline)
                .map_err(anyhow::Error::msg)?;
            shard::split(&job.interpreters, &baselines, standing.len())
        }
        false => vec![job.interpreters.clone(); standing.len()],
    };
    Ok(fleet
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| RunJob {
            outputs: match fleet.several() {
                true => job.outputs.clone().for_member(m.name()),
                false => job.outputs.clone(),
            },
            interpreters: standing
                .iter()
                .position(|s| *s == i)
                .map_or_else(Vec::new, |k| shares[k].clone()),
            ..job.clone()
        })
        .collect())
}

/// Engines on one machine measure at the same time on the same CPUs: each
/// run disturbs the others. Said, not refused (a test setup does it).
pub async fn shared_machine(fleet: &Fleet) -> Option<String> {
    let mut seen: Vec<(String, &str)> = vec![];
    for m in &fleet.members {
        let Ok(app) = m.ready() else { continue };
        let host = app.engine.host_facts().await.name;
        if let Some((_, other)) = seen.iter().find(|(h, _)| !h.is_empty() && *h == host) {
            return Some(format!(
                "engines {other} and {} run on the same host ({host}): their processes share its CPUs, so each host's figures include the other's load. Compare hosts that are different machines.",
                m.name()
            ));
        }
        seen.push((host, m.name()));
    }
    None
}
