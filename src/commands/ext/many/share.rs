//! One engine's share of a list: results served from the cache, the rest
//! prepared on the host and checked in containers, as many at a time as
//! the engine has CPUs, each stored in the cache as it comes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::StreamExt;

use super::cache::{CacheKey, ResultCache, RULES_VERSION};
use super::{Listed, ManyHost, ManyJob};
use crate::commands::ext::dynamic::ask_backend;
use crate::commands::ext::package::{copy_wheels, PackageJob};
use crate::commands::ext::package_host::{package_interpreters, prepare_on_host, Prepared};
use crate::commands::ext::package_run::{one_interpreter, Shared};
use crate::commands::ext::suite::threads_for;
use crate::commands::App;
use crate::config::Containers;
use crate::plan::Interpreter;
use crate::results::{PackageResult, PackageRow};

/// Which packages (by index) each of `engines` engines checks: round
/// robin, so that a list sorted by size spreads evenly. Pure.
pub fn shares(packages: usize, engines: usize) -> Vec<Vec<usize>> {
    let engines = engines.max(1);
    let mut out = vec![Vec::new(); engines];
    for i in 0..packages {
        out[i % engines].push(i);
    }
    out
}

/// The image ids of each interpreter's builder and runtime images on this engine.
/// The builder's id carries the Rust layer's identity too: a Rust package
/// is built in the layer, which changes with rustc and its Dockerfile.
async fn image_ids(app: &App, interps: &[&Interpreter]) -> Result<Vec<(String, String)>> {
    let rust = crate::commands::ext::rust::layer::toolchain_identity(app)?;
    let mut out = Vec::new();
    for i in interps {
        let release = app
            .plan
            .releases
            .iter()
            .find(|r| r.variants.iter().any(|v| v.label() == i.name))
            .context("an interpreter without a release")?;
        let id = |image: &str| {
            let engine = app.engine.clone();
            let image = image.to_string();
            async move {
                match engine.inspect_image(&image).await {
                    Ok(Some(facts)) => Ok(facts.id),
                    Ok(None) => anyhow::bail!("the image {image} is not on the engine: build it first (`pybench-docker build`)."),
                    Err(e) => Err(anyhow::anyhow!("inspecting {image}: {e}")),
                }
            }
        };
        let builder = format!("{} rust {rust}", id(&release.builder).await?);
        let runtime = id(&i.image).await?;
        out.push((builder, runtime));
    }
    Ok(out)
}

/// What a result depends on beyond the package and images, as the
/// containers would get it: the smoke code and threads; the tests, their
/// threads (derived from the engine's CPUs unless asked) and pytest's
/// arguments; the effective timeout; `--offline` and the wheelhouses
/// (they decide which dependencies get installed); the containers' memory,
/// pids and tmpfs limits. Pure.
pub fn options_of(job: &PackageJob, containers: &Containers, cpus: u32) -> String {
    let mut out = String::new();
    if let Some(smoke) = &job.smoke {
        out += &format!("smoke={smoke:?} threads={} ", job.smoke_threads);
    }
    if let Some(tests) = &job.tests {
        out += &format!(
            "tests threads={} args={:?} ",
            threads_for(tests.threads, cpus),
            tests.pytest_args
        );
    }
    out += &format!(
        "timeout={} offline={} wheelhouses={:?} memory_mb={} pids_limit={} tmpfs_mb={}",
        job.timeout.unwrap_or(containers.timeout_seconds),
        job.offline,
        job.wheelhouses,
        containers.memory_mb,
        containers.pids_limit,
        containers.tmpfs_mb
    );
    out
}

/// A package being checked on this engine: its row so far and, when some
/// build was not in the cache, what the host prepared for it.
struct Pending {
    row: PackageRow,
    job: PackageJob,
    staging: PathBuf,
    /// The containers' `/out`: each build's folder and wheel.
    out: PathBuf,
    prepared: Option<Prepared>,
    missing: Vec<usize>,
}

/// The packages of `share` on `app`'s engine, each a row in the list's order.
pub async fn check_share(
    app: &App,
    job: &ManyJob,
    host: &ManyHost,
    share: &[usize],
) -> Result<Vec<PackageRow>> {
    let interps = package_interpreters(&app.plan);
    let ids = image_ids(app, &interps).await?;
    let cache = ResultCache::new(&app.cache);
    let cpus = app.engine.host_facts().await.cpus;
    let options = options_of(&job.each, &app.config.containers, cpus);
    let tool = env!("CARGO_PKG_VERSION");
    let root = app.cache.join("ext").join(format!(
        "{}-list{}",
        app.session.id,
        if app.engine_name.is_empty() {
            String::new()
        } else {
            format!("-{}", app.engine_name)
        }
    ));
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let result = async {
        let mut pending = Vec::new();
        for &index in share {
            let listed = &host.listed[index];
            let staging = root.join(index.to_string());
            pending.push(lookup(
                app,
                job,
                listed,
                staging,
                &interps,
                &ids,
                &cache,
                &host.checker,
                &options,
                tool,
            )?);
        }
        prepare_missing(app, &mut pending).await?;
        run_missing(
            app,
            cpus,
            &mut pending,
            &interps,
            &ids,
            &cache,
            &host.checker,
            &options,
            tool,
        )
        .await?;
        for p in &pending {
            if p.prepared.is_some() {
                let out = job.each.out_dir.join(crate::plan::slug_of(&p.row.name));
                copy_wheels(&p.out, &p.row.results, &out)?;
            }
        }
        Ok::<_, anyhow::Error>(pending.into_iter().map(|p| p.row).collect())
    }
    .await;
    let _ = std::fs::remove_dir_all(&root);
    result
}

#[allow(clippy::too_many_arguments)]
fn key<'a>(
    checker: &'a str,
    name: &'a str,
    identity: &'a str,
    interp: &'a Interpreter,
    ids: &'a (String, String),
    options: &'a str,
    tool: &'a str,
) -> CacheKey<'a> {
    CacheKey {
        tool,
        rules: RULES_VERSION,
        checker,
        name,
        package: identity,
        interpreter: &interp.name,
        builder_image: &ids.0,
        runtime_image: &ids.1,
        options,
    }
}

/// A package's row with what the cache holds, and the builds it lacks.
#[allow(clippy::too_many_arguments)]
fn lookup(
    app: &App,
    job: &ManyJob,
    listed: &Listed,
    staging: PathBuf,
    interps: &[&Interpreter],
    ids: &[(String, String)],
    cache: &ResultCache,
    checker: &str,
    options: &str,
    tool: &str,
) -> Result<Pending> {
    let mut row = PackageRow {
        name: listed.name.clone(),
        version: listed.version.clone(),
        source: listed.described.clone(),
        identity: listed.identity.clone().unwrap_or_default(),
        build_requires: vec![],
        results: vec![],
        cached: vec![],
        engine: (!app.engine_name.is_empty()).then(|| app.engine_name.clone()),
        error: listed.identity.clone().err(),
    };
    let mut missing = Vec::new();
    if let Ok(identity) = &listed.identity {
        for (n, interp) in interps.iter().enumerate() {
            let hit = job
                .use_cache
                .then(|| {
                    cache.get(&key(
                        checker,
                        &listed.name,
                        identity,
                        interp,
                        &ids[n],
                        options,
                        tool,
                    ))
                })
                .flatten();
            match hit {
                Some(r) => {
                    row.cached.push(r.interpreter.clone());
                    row.results.push(r);
                }
                None => missing.push(n),
            }
        }
    }
    Ok(Pending {
        row,
        job: PackageJob {
            source: listed.source.clone(),
            ..job.each.clone()
        },
        out: staging.join("out"),
        staging,
        prepared: None,
        missing,
    })
}

/// Each package that lacks a result prepared on the host (its sdist, its
/// wheelhouse), one after the other: the network's work. A package that
/// cannot be prepared is not checked, and says why.
async fn prepare_missing(app: &App, pending: &mut [Pending]) -> Result<()> {
    for p in pending.iter_mut().filter(|p| !p.missing.is_empty()) {
        let made = (|| {
            std::fs::create_dir_all(&p.out)
                .with_context(|| format!("cannot create {}", p.out.display()))?;
            crate::commands::ext::set_mode(&p.out, 0o777)?;
            prepare_on_host(app, &p.job, &p.staging)
        })();
        let made = match made {
            Ok(mut prepared) => ask_backend(app, &p.job, &mut prepared, &p.out)
                .await
                .map(|()| prepared),
            Err(e) => Err(e),
        };
        if let Err(e) = &made {
            if e.downcast_ref::<crate::error::Interrupted>().is_some() {
                return Err(made.err().expect("an error"));
            }
        }
        match made {
            Ok(prepared) => {
                p.row.build_requires = prepared.requires.clone();
                for note in &prepared.notes {
                    println!("note: {}: {note}", p.row.label());
                }
                p.prepared = Some(prepared);
            }
            Err(e) => {
                p.row.error = Some(format!("{e:#}"));
                p.missing.clear();
            }
        }
    }
    Ok(())
}

/// What every check of each prepared package shares: its timeout and
/// test threads; `None` for a package that could not be prepared.
fn shared_of<'a>(app: &'a App, pending: &'a [Pending], cpus: u32) -> Vec<Option<Shared<'a>>> {
    pending
        .iter()
        .map(|p| {
            p.prepared.as_ref().map(|_| {
                let timeout = Duration::from_secs(
                    p.job
                        .timeout
                        .unwrap_or(app.config.containers.timeout_seconds),
                );
                let threads = threads_for(p.job.tests.as_ref().and_then(|t| t.threads), cpus);
                Shared::new(app, &p.job, &p.out, timeout, threads)
            })
        })
        .collect()
}

/// Every (package, build) the cache lacked, as many at a time as the
/// engine has CPUs; each result stored in the cache as it comes.
#[allow(clippy::too_many_arguments)]
async fn run_missing(
    app: &App,
    cpus: u32,
    pending: &mut [Pending],
    interps: &[&Interpreter],
    ids: &[(String, String)],
    cache: &ResultCache,
    checker: &str,
    options: &str,
    tool: &str,
) -> Result<()> {
    let total: usize = pending.iter().map(|p| p.missing.len()).sum();
    let task = app.progress.counter("ext", total as u64, false);
    let shared = shared_of(app, pending, cpus);
    let runs = pending.iter().enumerate().flat_map(|(i, p)| {
        let shared = &shared[i];
        p.missing.iter().filter_map(move |&n| {
            let (shared, prepared) = (shared.as_ref()?, p.prepared.as_ref()?);
            Some(async move { (i, n, one_interpreter(shared, prepared, interps[n]).await) })
        })
    });
    let mut stream = futures_util::stream::iter(runs).buffer_unordered(cpus.max(1) as usize);
    let mut found: BTreeMap<(usize, usize), PackageResult> = BTreeMap::new();
    let mut done = 0;
    let mut failed: Vec<(usize, usize, String)> = Vec::new();
    while let Some((i, n, result)) = stream.next().await {
        // One build's check failing (a timeout, no machine line) is that
        // row's failure, not the list's: noted, not cached, the rest go on.
        let result = match result {
            Ok(r) => r,
            Err(e) if e.downcast_ref::<crate::error::Interrupted>().is_some() => return Err(e),
            Err(e) => {
                done += 1;
                task.set_position(done);
                failed.push((i, n, format!("{e:#}")));
                continue;
            }
        };
        let p = &pending[i];
        cache.put(
            &key(
                checker,
                &p.row.name,
                &p.row.identity,
                interps[n],
                &ids[n],
                options,
                tool,
            ),
            &result,
        )?;
        done += 1;
        task.step(format!(
            "{} on {}: {}",
            p.row.label(),
            result.interpreter,
            result.readiness.words()
        ));
        task.set_position(done);
        found.insert((i, n), result);
    }
    drop(stream);
    task.finish(match failed.len() {
        0 => format!("{done} checked"),
        f => format!("{} checked, {f} failed", done - f as u64),
    });
    merge_into_rows(pending, interps, found, failed);
    Ok(())
}

/// Each row's results in the builds' order, the cached with the new; a
/// build whose check failed is said on its row. Pure.
fn merge_into_rows(
    pending: &mut [Pending],
    interps: &[&Interpreter],
    mut found: BTreeMap<(usize, usize), PackageResult>,
    mut failed: Vec<(usize, usize, String)>,
) {
    failed.sort();
    for (i, n, why) in failed {
        let row = &mut pending[i].row;
        let said = format!("on {}: the check failed: {why}", interps[n].name);
        row.error = Some(match row.error.take() {
            Some(before) => format!("{before}; {said}"),
            None => said,
        });
    }
    // Each row's results in the builds' order, the cached with the new.
    for (i, p) in pending.iter_mut().enumerate() {
        let mut results = Vec::new();
        for (n, interp) in interps.iter().enumerate() {
            if let Some(r) = found.remove(&(i, n)) {
                results.push(r);
            } else if let Some(r) = p.row.results.iter().find(|r| r.interpreter == interp.name) {
                results.push(r.clone());
            }
        }
        p.row.results = results;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> PackageJob {
        PackageJob {
            source: crate::packages::source::ExtSource::Greeter,
            wheelhouses: vec![],
            crates: vec![],
            offline: false,
            smoke: None,
            smoke_threads: 4,
            fail_on: vec![],
            out_dir: PathBuf::from("/out"),
            json: None,
            markdown: None,
            html: None,
            timeout: None,
            tests: None,
        }
    }

    fn containers() -> Containers {
        Containers {
            timeout_seconds: 600,
            memory_mb: 4096,
            pids_limit: 1024,
            tmpfs_mb: 512,
            user: String::new(),
        }
    }

    #[test]
    fn every_input_a_result_depends_on_changes_the_options() {
        let base = options_of(&job(), &containers(), 8);
        assert_eq!(base, options_of(&job(), &containers(), 8));
        // Without --tests the CPUs do not matter: nothing uses the threads.
        assert_eq!(base, options_of(&job(), &containers(), 2));
        let tests = PackageJob {
            tests: Some(crate::commands::ext::suite::TestsJob {
                path: None,
                pytest_args: vec![],
                threads: None,
            }),
            ..job()
        };
        let with_tests = options_of(&tests, &containers(), 8);
        assert_ne!(base, with_tests);
        assert_ne!(with_tests, options_of(&tests, &containers(), 16));
        let changed_jobs = [
            PackageJob {
                timeout: Some(60),
                ..job()
            },
            PackageJob {
                offline: true,
                ..job()
            },
            PackageJob {
                wheelhouses: vec![PathBuf::from("/house")],
                ..job()
            },
            PackageJob {
                smoke: Some("import x".into()),
                ..job()
            },
        ];
        for j in &changed_jobs {
            assert_ne!(base, options_of(j, &containers(), 8), "{j:?}");
        }
        let changed_limits = [
            Containers {
                timeout_seconds: 60,
                ..containers()
            },
            Containers {
                memory_mb: 1024,
                ..containers()
            },
            Containers {
                pids_limit: 64,
                ..containers()
            },
            Containers {
                tmpfs_mb: 64,
                ..containers()
            },
        ];
        for c in &changed_limits {
            assert_ne!(base, options_of(&job(), c, 8), "{c:?}");
        }
        // --timeout wins over the configuration's: the same effective timeout, the same key.
        let asked = PackageJob {
            timeout: Some(600),
            ..job()
        };
        assert_eq!(base, options_of(&asked, &containers(), 8));
    }
}
