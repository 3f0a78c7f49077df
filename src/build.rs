//! `pybench-docker build`: base images, verified sources, one concurrent build per
//! CPython variant, then the `pythons` and `builder` images of each release.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

use crate::base::{self, BaseOrigin};
use crate::config::Config;
use crate::context::{ignore_rules_for, ContextBuilder};
use crate::docker::image::{BuildEvent, BuildRequest};
use crate::docker::Engine;
use crate::plan::{short_hash, BaseImage, Plan, ReleaseImages, VariantBuild};
use crate::progress::Progress;
use crate::source::{self, FetchEvent, SourceSpec};

/// Label holding the hash of everything an image was built from.
pub const BUILD_HASH_LABEL: &str = "pybench-docker.build-hash";

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

/// How a stage ended, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub stage: String,
    pub outcome: String,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    pub image: String,
    pub id: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildSummary {
    pub stages: Vec<StageReport>,
    pub images: Vec<ImageReport>,
    pub seconds: f64,
    pub skipped: bool,
}

/// Everything a build needs, borrowed.
pub struct BuildCtx<'a> {
    pub engine: &'a Engine,
    pub config: &'a Config,
    pub plan: &'a Plan,
    pub dockerfiles: PathBuf,
    pub progress: &'a Progress,
    pub cancel: tokio_util::sync::CancellationToken,
}

/// The Dockerfile of a release image with its marked lines filled in. Pure.
pub fn render_release_dockerfile(
    template: &str,
    release: &ReleaseImages,
) -> Result<String, String> {
    let stages: Vec<String> = release
        .variants
        .iter()
        .map(|v| format!("FROM {} AS cpython-{}", v.image, v.variant.key()))
        .collect();
    let copies: Vec<String> = release
        .variants
        .iter()
        .flat_map(|v| {
            let stage = format!("cpython-{}", v.variant.key());
            [
                format!("COPY --from={stage} {0} {0}", v.prefix),
                format!("COPY --from={stage} /usr/local/bin/ /usr/local/bin/"),
            ]
        })
        .collect();
    let mut out = String::new();
    let (mut saw_stages, mut saw_copies) = (false, false);
    for line in template.lines() {
        match line.trim() {
            "# @stages" => {
                saw_stages = true;
                out.push_str(&stages.join("\n"));
            }
            "# @copies" => {
                saw_copies = true;
                out.push_str(&copies.join("\n"));
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    if !(saw_stages && saw_copies) {
        return Err(
            "a release Dockerfile template must contain the lines `# @stages` and `# @copies`"
                .into(),
        );
    }
    Ok(out)
}

/// The variant Dockerfile with its identity filled in as the first step. Pure.
pub fn render_variant_dockerfile(template: &str, v: &VariantBuild) -> Result<String, String> {
    let id = v.image.rsplit(':').next().unwrap_or(&v.image);
    let marker = "# @build-id";
    if !template.lines().any(|l| l.trim() == marker) {
        return Err("cpython.Dockerfile must contain the line `# @build-id`".into());
    }
    Ok(template
        .lines()
        .map(|l| {
            if l.trim() == marker {
                format!("LABEL pybench-docker.build=\"{id}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n")
}

/// Build arguments of one variant's build. Pure.
pub fn variant_build_args(
    v: &VariantBuild,
    builder_base: &str,
    jobs: u32,
) -> HashMap<String, String> {
    HashMap::from([
        ("BUILDER_BASE".into(), builder_base.to_string()),
        ("PYTHON_VERSION".into(), v.version.to_string()),
        ("PYTHON_SHA256".into(), v.sha256.clone()),
        ("PREFIX".into(), v.prefix.clone()),
        ("EXE_SUFFIX".into(), v.variant.suffix().to_string()),
        ("CONFIGURE_FLAGS".into(), v.configure_flags.join(" ")),
        ("MAKE_JOBS".into(), jobs.to_string()),
    ])
}

/// Hash of everything the final images depend on: the plan and the Dockerfiles.
pub fn build_hash(plan: &Plan, dockerfiles_digest: &str) -> String {
    let plan_json =
        serde_json::to_string(&(&plan.builder_base, &plan.runtime_base, &plan.releases))
            .unwrap_or_default();
    short_hash(&[&plan_json, dockerfiles_digest])
}

fn dockerfiles_context(dir: &Path) -> Result<ContextBuilder, BuildError> {
    let rules = ignore_rules_for(dir).map_err(|e| BuildError::Context(e.to_string()))?;
    let mut ctx = ContextBuilder::new();
    ctx.add_dir(dir, &rules)
        .map_err(|e| BuildError::Context(e.to_string()))?;
    Ok(ctx)
}

fn context_digest(ctx: &ContextBuilder) -> Result<String, BuildError> {
    ctx.digest().map_err(|e| BuildError::Context(e.to_string()))
}

/// The hash the final images should carry for the current plan and Dockerfiles.
pub fn expected_hash(plan: &Plan, dockerfiles: &Path) -> Result<String, BuildError> {
    Ok(build_hash(
        plan,
        &context_digest(&dockerfiles_context(dockerfiles)?)?,
    ))
}

/// Are the final images present and built from exactly this plan?
pub async fn images_fresh(engine: &Engine, plan: &Plan, hash: &str) -> Result<bool, BuildError> {
    for r in &plan.releases {
        for image in [&r.pythons, &r.builder] {
            match engine.inspect_image(image).await? {
                Some(facts)
                    if facts.labels.get(BUILD_HASH_LABEL).map(String::as_str) == Some(hash) => {}
                _ => return Ok(false),
            }
        }
    }
    Ok(true)
}

/// Builds everything the plan names. Unchanged inputs hit the layer cache.
pub async fn build_all(ctx: &BuildCtx<'_>) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    // One folder per build, so concurrent builds never share a log file.
    let log_dir = crate::paths::logs_dir().join(format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S"),
        std::process::id()
    ));
    std::fs::create_dir_all(&log_dir)
        .map_err(|e| BuildError::Context(format!("cannot create {}: {e}", log_dir.display())))?;
    let mut stages = Vec::new();

    // 1. Bases, both at once: each is mostly waiting on the mirror.
    let bases = [&ctx.plan.builder_base, &ctx.plan.runtime_base];
    let results = cancellable(
        &ctx.cancel,
        futures_util::future::join_all(bases.iter().map(|b| ensure_base(ctx, b, &log_dir))),
    )
    .await?;
    for r in results {
        stages.push(r?);
    }

    // 2. Sources, verified on the host; the Dockerfile checks the digest again.
    let mut tarballs = HashMap::new();
    for release in &ctx.plan.releases {
        let v = &release.variants[0];
        let spec = SourceSpec {
            version: v.version.to_string(),
            sha256: v.sha256.clone(),
            debian_version: v.debian_version.clone(),
        };
        let task = ctx
            .progress
            .counter(&format!("source {}", v.version), 0, true);
        let t0 = Instant::now();
        let mirrors = ctx.config.sources.mirrors.clone();
        let cache = crate::paths::cache_dir().join("sources");
        let t = task.clone();
        let fetched = tokio::task::spawn_blocking(move || {
            source::fetch(&spec, &mirrors, &cache, &mut |ev| match ev {
                FetchEvent::Trying { url } => t.step(format!("trying {url}")),
                FetchEvent::Progress { downloaded, total } => {
                    t.set_position(downloaded);
                    if let Some(total) = total {
                        t.set_length(total);
                    }
                }
                FetchEvent::CacheHit { .. } => t.step("cached and verified"),
                FetchEvent::CacheInvalid { .. } => t.step("cached copy is damaged; fetching again"),
                FetchEvent::Verified { url } => t.step(format!("verified sha256 from {url}")),
                FetchEvent::MirrorFailed { url, reason } => t.step(format!("{url}: {reason}")),
            })
        });
        let path = match cancellable(&ctx.cancel, fetched).await? {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                task.fail("no verified source");
                return Err(e.into());
            }
            Err(join) => {
                return Err(BuildError::Context(format!(
                    "source download crashed: {join}"
                )))
            }
        };
        task.finish(format!("Python-{}.tar.xz, sha256 verified", v.version));
        stages.push(StageReport {
            stage: format!("source {}", v.version),
            outcome: "verified".into(),
            seconds: t0.elapsed().as_secs_f64(),
        });
        tarballs.insert(v.version.to_string(), path);
    }

    // 3. Every variant at once: while one is in a serial phase (configure,
    //    install), the others keep the cores busy.
    let jobs = match ctx.config.build.jobs {
        0 => ctx.engine.cpu_count().await,
        n => n,
    };
    let base_ctx = dockerfiles_context(&ctx.dockerfiles)?;
    let hash = build_hash(ctx.plan, &context_digest(&base_ctx)?);
    let log_dir_ref = &log_dir;
    let template_path = ctx.dockerfiles.join("cpython.Dockerfile");
    let template = std::fs::read_to_string(&template_path).map_err(|e| {
        BuildError::Context(format!("cannot read {}: {e}", template_path.display()))
    })?;
    let variant_builds = ctx.plan.variant_builds().map(|v| {
        let mut c = base_ctx.clone();
        let added = render_variant_dockerfile(&template, v)
            .and_then(|d| {
                c.add_bytes("cpython.rendered.Dockerfile", d.into_bytes(), false)
                    .map_err(|e| e.to_string())
            })
            .and_then(|_| {
                c.add_file("Python.tar.xz", &tarballs[&v.version.to_string()])
                    .map_err(|e| e.to_string())
            });
        let req = BuildRequest {
            tag: v.image.clone(),
            dockerfile: "cpython.rendered.Dockerfile".into(),
            build_args: variant_build_args(v, &ctx.plan.builder_base.image, jobs),
            labels: HashMap::from([
                ("pybench-docker.variant".into(), v.variant.key().into()),
                (
                    "pybench-docker.configure-flags".into(),
                    v.configure_flags.join(" "),
                ),
                ("pybench-docker.source-sha256".into(), v.sha256.clone()),
            ]),
            network: false,
        };
        async move {
            added.map_err(BuildError::Context)?;
            run_stage(ctx, v.label(), req, c, log_dir_ref).await
        }
    });
    let results = cancellable(&ctx.cancel, futures_util::future::join_all(variant_builds)).await?;
    let mut failure = None;
    for r in results {
        match r {
            Ok(s) => stages.push(s),
            Err(e) if failure.is_none() => failure = Some(e),
            Err(_) => {}
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }

    // 4. The release images: copies of the variant prefixes onto the bases.
    let mut finals = Vec::new();
    for release in &ctx.plan.releases {
        for (kind, image, base_arg, base_image) in [
            (
                "pythons",
                &release.pythons,
                "RUNTIME_BASE",
                &ctx.plan.runtime_base.image,
            ),
            (
                "builder",
                &release.builder,
                "BUILDER_BASE",
                &ctx.plan.builder_base.image,
            ),
        ] {
            let template_path = ctx.dockerfiles.join(format!("{kind}.Dockerfile"));
            let template = std::fs::read_to_string(&template_path).map_err(|e| {
                BuildError::Context(format!("cannot read {}: {e}", template_path.display()))
            })?;
            let rendered =
                render_release_dockerfile(&template, release).map_err(BuildError::Context)?;
            let mut c = base_ctx.clone();
            let name = format!("{kind}.rendered.Dockerfile");
            c.add_bytes(&name, rendered.into_bytes(), false)
                .map_err(|e| BuildError::Context(e.to_string()))?;
            let mut labels = release_labels(release, kind, &hash);
            labels.insert("pybench-docker.base".into(), base_image.clone());
            let req = BuildRequest {
                tag: image.clone(),
                dockerfile: name,
                build_args: HashMap::from([(base_arg.to_string(), base_image.clone())]),
                labels,
                network: false,
            };
            finals.push(run_stage(
                ctx,
                format!("{kind} {}", release.version),
                req,
                c,
                &log_dir,
            ));
        }
    }
    for r in cancellable(&ctx.cancel, futures_util::future::join_all(finals)).await? {
        stages.push(r?);
    }

    let mut images = Vec::new();
    for release in &ctx.plan.releases {
        for image in [&release.pythons, &release.builder] {
            if let Some(f) = ctx.engine.inspect_image(image).await? {
                images.push(ImageReport {
                    image: image.clone(),
                    id: f.id,
                    size: f.size,
                });
            }
        }
    }
    Ok(BuildSummary {
        stages,
        images,
        seconds: started.elapsed().as_secs_f64(),
        skipped: false,
    })
}

fn release_labels(release: &ReleaseImages, kind: &str, hash: &str) -> HashMap<String, String> {
    let mut labels = HashMap::from([
        (
            "org.opencontainers.image.title".to_string(),
            format!("pybench-docker {kind} {}", release.version),
        ),
        (
            "org.opencontainers.image.description".to_string(),
            match kind {
                "pythons" => {
                    "CPython stock, free-threaded and JIT builds for benchmarking".to_string()
                }
                _ => "Compilers and CPython builds for compiling C extensions".to_string(),
            },
        ),
        (
            "org.opencontainers.image.version".to_string(),
            release.version.to_string(),
        ),
        (
            "org.opencontainers.image.vendor".to_string(),
            "pybench-docker".to_string(),
        ),
        (BUILD_HASH_LABEL.to_string(), hash.to_string()),
        (
            "pybench-docker.source-sha256".to_string(),
            release.variants[0].sha256.clone(),
        ),
    ]);
    for v in &release.variants {
        labels.insert(
            format!("pybench-docker.variant.{}.configure-flags", v.variant.key()),
            v.configure_flags.join(" "),
        );
        labels.insert(
            format!("pybench-docker.variant.{}.prefix", v.variant.key()),
            v.prefix.clone(),
        );
    }
    labels
}

async fn ensure_base(
    ctx: &BuildCtx<'_>,
    b: &BaseImage,
    log_dir: &Path,
) -> Result<StageReport, BuildError> {
    let name = format!("base {}", b.kind.name());
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

/// Runs one build request, logging every line, showing the current step.
async fn run_stage(
    ctx: &BuildCtx<'_>,
    stage: String,
    req: BuildRequest,
    context: ContextBuilder,
    log_dir: &Path,
) -> Result<StageReport, BuildError> {
    let task = ctx.progress.task(&stage);
    let t0 = Instant::now();
    let log_path = log_dir.join(format!("build-{}.log", sanitize(&stage)));
    let mut log = std::fs::File::create(&log_path)
        .map_err(|e| BuildError::Context(format!("cannot write {}: {e}", log_path.display())))?;
    task.step("sending the build context");
    let bytes = context
        .to_bytes(false)
        .map_err(|e| BuildError::Context(e.to_string()))?;
    let mut stream = Box::pin(ctx.engine.build(&req, bytes.into()));
    let mut step = String::from("(before the first step)");
    let mut ran_something = false;
    let mut tail: std::collections::VecDeque<String> = Default::default();
    let mut built = None;
    while let Some(ev) = stream.next().await {
        match ev {
            Ok(BuildEvent::Line(text)) => {
                let _ = log.write_all(text.as_bytes());
                for line in text.lines() {
                    if line.starts_with("Step ") {
                        step = line.to_string();
                        task.step(step.clone());
                    } else if line.starts_with(" ---> Running in") {
                        ran_something = true;
                    } else if !line.trim().is_empty() && !line.starts_with(" ---> ") {
                        task.step(format!("{}  {}", short_step(&step), line.trim()));
                    }
                    if tail.len() == 40 {
                        tail.pop_front();
                    }
                    tail.push_back(line.to_string());
                }
            }
            Ok(BuildEvent::Built(id)) => built = Some(id),
            Err(e) => {
                let _ = writeln!(log, "\nERROR: {e}");
                task.fail(format!("failed at {}", short_step(&step)));
                tail.push_back(format!("ERROR: {e}"));
                return Err(BuildError::Stage(Box::new(StageFailure {
                    stage,
                    step,
                    tail: Vec::from(tail).join("\n"),
                    log: log_path.display().to_string(),
                })));
            }
        }
    }
    if built.is_none() && ctx.engine.inspect_image(&req.tag).await?.is_none() {
        task.fail("the daemon ended the build without an image");
        return Err(BuildError::Stage(Box::new(StageFailure {
            stage,
            step,
            tail: Vec::from(tail).join("\n"),
            log: log_path.display().to_string(),
        })));
    }
    let outcome = if ran_something { "built" } else { "cached" };
    let secs = t0.elapsed().as_secs_f64();
    task.finish(format!(
        "{outcome} {} in {}",
        req.tag,
        human_duration(Duration::from_secs_f64(secs))
    ));
    Ok(StageReport {
        stage,
        outcome: outcome.into(),
        seconds: secs,
    })
}

/// `Step 13/15 : RUN make -j "${MAKE_JOBS}"` → `13/15`
fn short_step(step: &str) -> &str {
    step.strip_prefix("Step ")
        .and_then(|s| s.split(' ').next())
        .unwrap_or(step)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}

pub fn human_size(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb >= 1000.0 {
        format!("{:.2} GB", mb / 1000.0)
    } else {
        format!("{mb:.0} MB")
    }
}

/// Awaits `fut` unless the session is cancelled first.
pub async fn cancellable<T>(
    cancel: &tokio_util::sync::CancellationToken,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, BuildError> {
    tokio::select! {
        v = fut => Ok(v),
        _ = cancel.cancelled() => Err(BuildError::Interrupted),
    }
}

/// The closing summary: per-stage time, image sizes, total.
pub fn render_summary(s: &BuildSummary) -> String {
    let mut out = String::new();
    let width = s
        .stages
        .iter()
        .map(|st| st.stage.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "\n{:<width$}  {:<12} {:>8}\n",
        "stage", "result", "time"
    ));
    for st in &s.stages {
        out.push_str(&format!(
            "{:<width$}  {:<12} {:>8}\n",
            st.stage,
            st.outcome,
            human_duration(Duration::from_secs_f64(st.seconds))
        ));
    }
    out.push('\n');
    for i in &s.images {
        let short = i.id.trim_start_matches("sha256:");
        out.push_str(&format!(
            "{:<40} {:>9}  {}\n",
            i.image,
            human_size(i.size),
            &short[..short.len().min(12)]
        ));
    }
    out.push_str(&format!(
        "\ntotal {}\n",
        human_duration(Duration::from_secs_f64(s.seconds))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::plan::build_plan;

    fn plan() -> Plan {
        build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
    }

    #[test]
    fn release_dockerfile_copies_every_variant() {
        let template = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("dockerfiles/pythons.Dockerfile"),
        )
        .unwrap();
        let out = render_release_dockerfile(&template, &plan().releases[0]).unwrap();
        assert!(out.contains("FROM pybench-docker/cpython:3.13.15-stock-quick AS cpython-stock\n"));
        assert!(out.contains("FROM pybench-docker/cpython:3.13.15-t-quick AS cpython-t\n"));
        assert!(out.contains("COPY --from=cpython-t /opt/python/3.13.15-t /opt/python/3.13.15-t\n"));
        assert!(out.contains("COPY --from=cpython-j /usr/local/bin/ /usr/local/bin/\n"));
        assert!(!out.contains("@stages") && !out.contains("@copies"));
        // The variant stages come before the final FROM, which is the base.
        let last_from = out.lines().rfind(|l| l.starts_with("FROM ")).unwrap();
        assert_eq!(last_from, "FROM ${RUNTIME_BASE}");
    }

    #[test]
    fn variant_dockerfile_starts_with_a_unique_literal_step() {
        let template = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("dockerfiles/cpython.Dockerfile"),
        )
        .unwrap();
        let p = plan();
        let rendered: Vec<String> = p
            .variant_builds()
            .map(|v| render_variant_dockerfile(&template, v).unwrap())
            .collect();
        for (r, id) in
            rendered
                .iter()
                .zip(["3.13.15-stock-quick", "3.13.15-t-quick", "3.13.15-j-quick"])
        {
            // The first instruction after FROM is the literal label, before any ARG.
            let after_from: Vec<&str> = r
                .lines()
                .skip_while(|l| !l.starts_with("FROM "))
                .skip(1)
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .collect();
            assert_eq!(
                after_from[0],
                format!("LABEL pybench-docker.build=\"{id}\"")
            );
        }
        assert!(render_variant_dockerfile("FROM x\n", p.variant_builds().next().unwrap()).is_err());
    }

    #[test]
    fn template_without_markers_is_an_error() {
        assert!(render_release_dockerfile("FROM x\n", &plan().releases[0]).is_err());
    }

    #[test]
    fn variant_args_name_everything_the_dockerfile_uses() {
        let p = plan();
        let t = p.variant_builds().find(|v| v.variant.key() == "t").unwrap();
        let args = variant_build_args(t, "base:1", 2);
        let dockerfile = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("dockerfiles/cpython.Dockerfile"),
        )
        .unwrap();
        for line in dockerfile.lines().filter(|l| l.starts_with("ARG ")) {
            let name = line[4..].split('=').next().unwrap();
            assert!(args.contains_key(name), "{name} not passed");
        }
        assert_eq!(args["CONFIGURE_FLAGS"], "--disable-gil");
        assert_eq!(args["EXE_SUFFIX"], "t");
        assert_eq!(args["PREFIX"], "/opt/python/3.13.15-t");
    }

    #[test]
    fn build_hash_follows_plan_and_dockerfiles() {
        let p = plan();
        assert_eq!(build_hash(&p, "a"), build_hash(&p, "a"));
        assert_ne!(build_hash(&p, "a"), build_hash(&p, "b"));
        let yaml = DEFAULT_YAML.replace("profile: quick", "profile: release");
        let q = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_ne!(build_hash(&p, "a"), build_hash(&q, "a"));
    }

    #[test]
    fn summary_lists_stages_and_sizes() {
        let s = BuildSummary {
            stages: vec![StageReport {
                stage: "3.13t".into(),
                outcome: "cached".into(),
                seconds: 1.5,
            }],
            images: vec![ImageReport {
                image: "p/pythons:1".into(),
                id: "sha256:0123456789abcdef".into(),
                size: 1_234_000_000,
            }],
            seconds: 75.0,
            skipped: false,
        };
        let r = render_summary(&s);
        assert!(r.contains("3.13t") && r.contains("cached") && r.contains("1.5s"));
        assert!(r.contains("1.23 GB") && r.contains("0123456789ab"));
        assert!(r.contains("total 1m15s"));
    }
}
