//! `pybench-docker build`: base images, verified sources, each release's
//! configure cache, one concurrent build per CPython variant, then the
//! `pythons` and `builder` images of each release.
//!
//! `render` turns the plan into Dockerfiles and arguments (pure), `stage` runs
//! one build request through the engine, `summary` reports; this file orders them.

pub mod base;
mod cost;
#[cfg(test)]
#[path = "tests.rs"]
mod orchestration_tests;
#[cfg(test)]
mod pinned;
pub mod render;
mod sources;
pub mod stage;
pub mod summary;
pub mod tool_layer;
#[cfg(test)]
mod unit_tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;

use crate::cli::BuildArgs;
use crate::commands::App;
use crate::config::Config;
use crate::context::ContextBuilder;
use crate::docker::{BuildRequest, Engine};
use crate::plan::{BaseImage, ImageKind, Needs, Plan, ReleaseImages, VariantBuild};
use crate::results::{BuildSummary, ImageReport, StageReport};
use crate::sources as source;
use crate::ui::progress::Progress;
use base::BaseOrigin;
use render::{
    build_hash, release_dockerfile, render_variant_dockerfile, variant_build_args, TEMPLATE_KINDS,
};
use sources::fetch_sources;
pub use sources::Sources;
use stage::{cancellable, run_stage};
use summary::render_summary;

/// `build`, checked: where to write the summary as JSON, and the CPU budget.
#[derive(Debug, Clone)]
pub struct BuildJob {
    pub json: Option<PathBuf>,
    /// `--jobs`: overrides the config's `build.jobs`.
    pub jobs: Option<u32>,
}

pub fn prepare(args: &BuildArgs) -> anyhow::Result<BuildJob> {
    if let Some(path) = &args.json {
        crate::report::write::check_output_file("--json", path)?;
    }
    Ok(BuildJob {
        json: args.json.clone(),
        jobs: args.jobs,
    })
}

impl BuildJob {
    /// One engine's build among several: `b.json` → `b.NAME.json`.
    pub fn for_engine(&self, name: &str) -> BuildJob {
        BuildJob {
            json: self
                .json
                .as_ref()
                .map(|p| crate::commands::run::outputs::member_path(p, name)),
            ..self.clone()
        }
    }
}

pub async fn command(app: &App, job: &BuildJob) -> anyhow::Result<()> {
    let mut ctx = BuildCtx::of(app);
    ctx.jobs = job.jobs.unwrap_or(ctx.jobs);
    let summary = build_all(&ctx).await?;
    say_summary(job, &summary)
}

/// `build` on an engine whose current images were carried to it: nothing
/// is built (without the variant stages, every variant would compile
/// again); the summary lists the images and says it skipped.
pub async fn nothing_to_build(app: &App, job: &BuildJob) -> anyhow::Result<()> {
    let summary = BuildSummary {
        stages: vec![],
        images: image_reports(&BuildCtx::of(app)).await?,
        seconds: 0.0,
        cpu_seconds: None,
        skipped: true,
    };
    say_summary(job, &summary)
}

fn say_summary(job: &BuildJob, summary: &BuildSummary) -> anyhow::Result<()> {
    println!("{}", render_summary(summary));
    if let Some(path) = &job.json {
        let bytes = crate::results::to_json(summary)?;
        crate::report::write::write_atomically(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Builds the images `needs` names (and nothing of the releases it does not
/// name), then says what was done.
pub async fn build_needed(app: &App, needs: &Needs) -> anyhow::Result<()> {
    let plan = needs.narrow(&app.plan);
    let ctx = BuildCtx::for_needs(app, &plan, needs);
    let summary = build_all(&ctx).await?;
    app.progress.println(render_summary(&summary));
    Ok(())
}

/// The images `needs` names, each with the build hash it must carry to be
/// current. An own source is identified by its content: it is packed to
/// know whether the images still match it (an unchanged tree packs to the
/// same bytes).
pub async fn expected_images(app: &App, needs: &Needs) -> anyhow::Result<Vec<(String, String)>> {
    let plan = needs.narrow(&app.plan);
    let ctx = BuildCtx::for_needs(app, &plan, needs);
    let (_, sources) = fetch_sources(&ctx, true).await?;
    let hashes = expected_hashes(ctx.plan, &ctx.dockerfiles, &sources)?;
    Ok(plan
        .releases
        .iter()
        .zip(hashes)
        .flat_map(|(r, hash)| {
            ImageKind::BOTH
                .into_iter()
                .filter(|k| needs.wants(r, *k))
                .map(move |k| (k.of(r).to_string(), hash.clone()))
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Stage(Box<StageFailure>),
    #[error("{0}")]
    Base(Box<base::BaseError>),
    #[error("{0}")]
    Source(#[from] source::SourceError),
    #[error("{0}")]
    Context(String),
    #[error("{0}")]
    Docker(#[from] crate::docker::DockerError),
    #[error("interrupted")]
    Interrupted,
}

impl From<base::BaseError> for BuildError {
    fn from(e: base::BaseError) -> Self {
        BuildError::Base(Box::new(e))
    }
}

/// A build step that failed, with what the user needs to see.
#[derive(Debug, thiserror::Error)]
#[error("building {stage} failed at: {step}\n--- last lines of the build log ---\n{tail}\n---\nFull log: {log}\nFix the cause and run the command again: finished steps are cached, so it resumes at the failing step.")]
pub struct StageFailure {
    pub stage: String,
    pub step: String,
    pub tail: String,
    pub log: String,
}

/// Everything a build needs, borrowed.
pub struct BuildCtx<'a> {
    pub engine: &'a dyn Engine,
    pub config: &'a Config,
    pub plan: &'a Plan,
    pub dockerfiles: PathBuf,
    pub progress: &'a Progress,
    pub cancel: tokio_util::sync::CancellationToken,
    /// Where sources, base tarballs and build logs are kept.
    pub cache: PathBuf,
    /// CPU budget of the variant builds; 0 is the engine's CPU count.
    pub jobs: u32,
    /// The release images to make; the plan holds their releases.
    pub needs: Needs,
}

impl<'a> BuildCtx<'a> {
    /// Everything the app's plan names.
    pub fn of(app: &'a App) -> BuildCtx<'a> {
        BuildCtx::for_needs(app, &app.plan, &Needs::everything(&app.plan))
    }

    /// The images `needs` names, from `plan` (the app's, narrowed to them).
    pub fn for_needs(app: &'a App, plan: &'a Plan, needs: &Needs) -> BuildCtx<'a> {
        BuildCtx {
            engine: app.engine.as_ref(),
            config: &app.config,
            plan,
            dockerfiles: app.project.dockerfiles(),
            progress: &app.progress,
            cancel: app.session.cancel.clone(),
            cache: app.cache.clone(),
            jobs: app.config.build.jobs,
            needs: needs.clone(),
        }
    }
}

/// The build context of one stage: exactly its rendered Dockerfile and, for a
/// variant, the verified source archive its `COPY source.tar` needs.
fn stage_context(
    dockerfile_name: &str,
    dockerfile: String,
    tarball: Option<&Path>,
) -> Result<ContextBuilder, BuildError> {
    let err = |e: crate::context::ContextError| BuildError::Context(e.to_string());
    let mut c = ContextBuilder::new();
    c.add_bytes(dockerfile_name, dockerfile, false)
        .map_err(err)?;
    if let Some(tarball) = tarball {
        c.add_file("source.tar", tarball).map_err(err)?;
    }
    Ok(c)
}

/// The hash each release's final images should carry, in plan order: that
/// release, its bases, its source archive's digest and the image templates
/// (nothing else in the Dockerfiles folder counts). Another release's change
/// leaves it alone.
pub fn expected_hashes(
    plan: &Plan,
    dockerfiles: &Path,
    sources: &Sources,
) -> Result<Vec<String>, BuildError> {
    let templates = TEMPLATE_KINDS
        .iter()
        .map(|kind| Ok((*kind, read_template(dockerfiles, kind)?)))
        .collect::<Result<Vec<_>, BuildError>>()?;
    Ok(plan
        .releases
        .iter()
        .map(|r| {
            // A release's pinned sha256 is in the plan already.
            let own = r.source.as_ref().and_then(|_| sources.get(&r.tag));
            build_hash(plan, r, own.map_or("", |(_, sha)| sha), &templates)
        })
        .collect())
}

/// Builds everything the plan names. Unchanged inputs hit the layer cache.
pub async fn build_all(ctx: &BuildCtx<'_>) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    let host = crate::docker::docker_host();
    let busy_before = crate::ui::cpu::local_busy_seconds(&host);
    let log_dir = new_log_dir(ctx)?;
    say_cost(ctx).await?;
    let mut stages = ensure_bases(ctx, &log_dir).await?;
    let (fetched, sources) = fetch_sources(ctx, false).await?;
    stages.extend(fetched);
    let hashes = expected_hashes(ctx.plan, &ctx.dockerfiles, &sources)?;
    stages.extend(build_variants(ctx, &sources, &log_dir).await?);
    stages.extend(build_releases(ctx, &hashes, &log_dir).await?);
    Ok(BuildSummary {
        stages,
        images: image_reports(ctx).await?,
        seconds: started.elapsed().as_secs_f64(),
        cpu_seconds: busy_before
            .zip(crate::ui::cpu::local_busy_seconds(&host))
            .map(|(before, after)| after - before),
        skipped: false,
    })
}

/// A release build's cost, before it starts: the variants not yet images.
async fn say_cost(ctx: &BuildCtx<'_>) -> Result<(), BuildError> {
    let mut missing = Vec::new();
    for v in ctx.plan.variant_builds() {
        if ctx.engine.inspect_image(&v.image).await?.is_none() {
            missing.push(v.label());
        }
    }
    if let Some(note) = cost::release_cost_note(ctx.config.build.profile, &missing) {
        ctx.progress.println(note);
    }
    Ok(())
}

/// One folder per build, so concurrent builds never share a log file.
fn new_log_dir(ctx: &BuildCtx<'_>) -> Result<PathBuf, BuildError> {
    let log_dir = ctx.cache.join("logs").join(format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S"),
        std::process::id()
    ));
    std::fs::create_dir_all(&log_dir)
        .map_err(|e| BuildError::Context(format!("cannot create {}: {e}", log_dir.display())))?;
    Ok(log_dir)
}

/// Every base at once: each is mostly waiting on the mirror.
async fn ensure_bases(ctx: &BuildCtx<'_>, log_dir: &Path) -> Result<Vec<StageReport>, BuildError> {
    let bases: Vec<&BaseImage> = ctx.plan.bases().collect();
    let results = cancellable(
        &ctx.cancel,
        futures_util::future::join_all(bases.iter().map(|b| ensure_base(ctx, b, log_dir))),
    )
    .await?;
    results.into_iter().collect()
}

/// Every variant at once: while one is in a serial phase (configure, install),
/// the others keep the cores busy. The first failure is reported.
async fn build_variants(
    ctx: &BuildCtx<'_>,
    sources: &Sources,
    log_dir: &Path,
) -> Result<Vec<StageReport>, BuildError> {
    let jobs = match ctx.jobs {
        0 => ctx.engine.host_facts().await.cpus.max(1),
        n => n,
    };
    let variants = longest_first(ctx.plan.variant_builds().collect());
    let in_flight = builds_in_flight(jobs, variants.len());
    let template = read_template(&ctx.dockerfiles, "cpython")?;
    let tag_of = |v: &VariantBuild| {
        let release = ctx.plan.releases.iter().find(|r| r.variants.contains(v));
        release.map(|r| r.tag.clone()).unwrap_or_default()
    };
    let mut reports =
        build_configure_caches(ctx, sources, &template, log_dir, (jobs, in_flight)).await?;
    let builds = variants.into_iter().enumerate().map(|(i, v)| {
        let (archive, sha256) = &sources[&tag_of(v)];
        let prepared = variant_request(v, &template, archive, sha256, jobs);
        async move {
            let (req, c) = prepared?;
            Ok::<_, BuildError>((i, run_stage(ctx, v.label(), req, c, log_dir).await?))
        }
    });
    // Longest first, at most `in_flight` at a time: the next starts as soon
    // as any one finishes (`buffered` would wait for the first in line).
    let all = futures_util::StreamExt::collect::<Vec<_>>(
        futures_util::StreamExt::buffer_unordered(futures_util::stream::iter(builds), in_flight),
    );
    let mut results = cancellable(&ctx.cancel, all)
        .await?
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    results.sort_by_key(|(i, _)| *i);
    reports.extend(results.into_iter().map(|(_, report)| report));
    Ok(reports)
}

/// Every release's configure-cache stage, before any variant: one configure
/// each (one core), at most `in_flight` at once. A variant build then finds
/// it in the layer cache and configures from its answers.
async fn build_configure_caches(
    ctx: &BuildCtx<'_>,
    sources: &Sources,
    template: &str,
    log_dir: &Path,
    (jobs, in_flight): (u32, usize),
) -> Result<Vec<StageReport>, BuildError> {
    let builds = ctx.plan.releases.iter().map(|release| {
        let (archive, sha256) = &sources[&release.tag];
        let prepared = configure_cache_request(release, template, archive, sha256, jobs);
        async move {
            let (req, c) = prepared?;
            run_stage(ctx, format!("configure {}", release.tag), req, c, log_dir).await
        }
    });
    let all = futures_util::StreamExt::collect::<Vec<_>>(futures_util::StreamExt::buffered(
        futures_util::stream::iter(builds),
        in_flight,
    ));
    cancellable(&ctx.cancel, all).await?.into_iter().collect()
}

/// A release's configure-cache stage: its first variant's request, built up
/// to that stage only (its build arguments are the variants' own).
fn configure_cache_request(
    release: &ReleaseImages,
    template: &str,
    archive: &Path,
    sha256: &str,
    jobs: u32,
) -> Result<(BuildRequest, ContextBuilder), BuildError> {
    let first = release.variants.first().ok_or_else(|| {
        BuildError::Context(format!("release {} has no variant to build", release.tag))
    })?;
    let (req, c) = variant_request(first, template, archive, sha256, jobs)?;
    let req = BuildRequest {
        tag: release.configure_cache.clone(),
        target: Some(CONFIGURE_CACHE_STAGE.into()),
        ..req
    };
    Ok((req, c))
}

/// The stage of cpython.Dockerfile holding configure's shared answers.
pub const CONFIGURE_CACHE_STAGE: &str = "configure-cache";

/// The variant builds, longest first (the sum of their options' costs, from
/// the options table), plan order among equals: with fewer builds in flight than builds, a long
/// build started last would run alone at the end, leaving CPUs idle. Pure.
pub fn longest_first(mut variants: Vec<&VariantBuild>) -> Vec<&VariantBuild> {
    // Stable: equal costs keep the plan's order.
    variants.sort_by_key(|v| std::cmp::Reverse(v.variant.cost()));
    variants
}

/// Variant builds running at once under a budget of `jobs` CPUs: one per CPU,
/// each with `make -j jobs`. One build alone leaves cores idle in its serial
/// phases (configure, install); a second fills them. More builds than CPUs
/// only add context switches and memory (measured: three at once, even under
/// `make -l`, cost more CPU and ended later; docs/measurements.md). Pure.
pub fn builds_in_flight(jobs: u32, variants: usize) -> usize {
    (jobs.max(1) as usize).min(variants.max(1))
}

/// The build request and context of one variant.
fn variant_request(
    v: &VariantBuild,
    template: &str,
    archive: &Path,
    sha256: &str,
    jobs: u32,
) -> Result<(BuildRequest, ContextBuilder), BuildError> {
    // No labels: each would be a step; the release images carry the provenance.
    let dockerfile = render_variant_dockerfile(template, v).map_err(BuildError::Context)?;
    let c = stage_context("cpython.rendered.Dockerfile", dockerfile, Some(archive))?;
    let req = BuildRequest {
        tag: v.image.clone(),
        dockerfile: "cpython.rendered.Dockerfile".into(),
        build_args: variant_build_args(v, sha256, jobs),
        labels: HashMap::new(),
        network: false,
        target: None,
    };
    Ok((req, c))
}

fn read_template(dir: &Path, kind: &str) -> Result<String, BuildError> {
    let path = dir.join(format!("{kind}.Dockerfile"));
    std::fs::read_to_string(&path)
        .map_err(|e| BuildError::Context(format!("cannot read {}: {e}", path.display())))
}

/// The release images, all at once: copies of the variant prefixes onto the
/// runtime base (`pythons`) and the builder base (`builder`).
async fn build_releases(
    ctx: &BuildCtx<'_>,
    hashes: &[String],
    log_dir: &Path,
) -> Result<Vec<StageReport>, BuildError> {
    let mut builds = Vec::new();
    for (release, hash) in ctx.plan.releases.iter().zip(hashes) {
        for kind in ImageKind::BOTH {
            if !ctx.needs.wants(release, kind) {
                continue;
            }
            let (req, c) = release_request(ctx, release, kind, hash)?;
            builds.push(run_stage(
                ctx,
                format!("{} {}", kind.name(), release.tag),
                req,
                c,
                log_dir,
            ));
        }
    }
    let results = cancellable(&ctx.cancel, futures_util::future::join_all(builds)).await?;
    results.into_iter().collect()
}

/// The build request and context of a release's `pythons` or `builder` image.
fn release_request(
    ctx: &BuildCtx<'_>,
    release: &ReleaseImages,
    kind: ImageKind,
    hash: &str,
) -> Result<(BuildRequest, ContextBuilder), BuildError> {
    let (base_arg, base_image) = match kind {
        ImageKind::Pythons => ("RUNTIME_BASE", &ctx.plan.runtime_base.image),
        ImageKind::Builder => ("BUILDER_BASE", &release.builder_base),
    };
    let (image, kind) = (kind.of(release), kind.name());
    let template = read_template(&ctx.dockerfiles, kind)?;
    let dockerfile = release_dockerfile(&template, release, (kind, base_image), hash)
        .map_err(BuildError::Context)?;
    let name = format!("{kind}.rendered.Dockerfile");
    let c = stage_context(&name, dockerfile, None)?;
    let req = BuildRequest {
        tag: image.to_string(),
        dockerfile: name,
        build_args: HashMap::from([(base_arg.to_string(), base_image.clone())]),
        labels: HashMap::new(),
        network: false,
        target: None,
    };
    Ok((req, c))
}

/// Id and size of every final image, for the summary.
async fn image_reports(ctx: &BuildCtx<'_>) -> Result<Vec<ImageReport>, BuildError> {
    let mut images = Vec::new();
    for release in &ctx.plan.releases {
        for kind in ImageKind::BOTH
            .into_iter()
            .filter(|k| ctx.needs.wants(release, *k))
        {
            let image = kind.of(release);
            if let Some(f) = ctx.engine.inspect_image(image).await? {
                images.push(ImageReport {
                    image: image.to_string(),
                    id: f.id,
                    size: f.size,
                });
            }
        }
    }
    Ok(images)
}

async fn ensure_base(
    ctx: &BuildCtx<'_>,
    b: &BaseImage,
    log_dir: &Path,
) -> Result<StageReport, BuildError> {
    let name = format!("base {}", b.label());
    let task = ctx.progress.task(&name);
    task.step(format!("looking for {}", b.image));
    let t0 = Instant::now();
    match base::ensure(
        ctx.engine,
        b,
        ctx.config.base.mode,
        &ctx.config.base.pull_image,
        &task,
        log_dir,
    )
    .await
    {
        Ok(origin) => {
            let outcome = match origin {
                BaseOrigin::Reused => "reused",
                BaseOrigin::Pulled => "pulled",
                BaseOrigin::Bootstrapped => "bootstrapped",
            };
            task.finish(format!("{outcome} {}", b.image));
            Ok(StageReport {
                stage: name,
                outcome: outcome.into(),
                seconds: t0.elapsed().as_secs_f64(),
            })
        }
        Err(e) => {
            task.fail("failed");
            Err(e.into())
        }
    }
}
