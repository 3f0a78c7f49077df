//! Each release's source before its build: a pinned tarball verified on the
//! host (from the cache or the first mirror that has it), or an own checkout
//! packed reproducibly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::stage::cancellable;
use super::{BuildCtx, BuildError};
use crate::plan::{ReleaseImages, VariantBuild};
use crate::results::StageReport;
use crate::sources::{self as source, FetchEvent, SourceSpec};

/// Each release's source archive and its sha256, by release tag.
pub type Sources = HashMap<String, (PathBuf, String)>;

/// Every release's source: verified tarballs, packed own sources. With
/// `own_only`, just the own sources (their digest is part of the image hash).
pub(super) async fn fetch_sources(
    ctx: &BuildCtx<'_>,
    own_only: bool,
) -> Result<(Vec<StageReport>, Sources), BuildError> {
    let mut stages = Vec::new();
    let mut sources = HashMap::new();
    for release in &ctx.plan.releases {
        let fetched = match &release.source {
            Some(own) => pack_own_source(ctx, release, own).await?,
            None if own_only => continue,
            None => fetch_source(ctx, &release.variants[0]).await?,
        };
        let (report, path, sha) = fetched;
        stages.push(report);
        sources.insert(release.tag.clone(), (path, sha));
    }
    Ok((stages, sources))
}

/// An own checkout packed (or an own tarball hashed) off the async runtime.
async fn pack_own_source(
    ctx: &BuildCtx<'_>,
    release: &ReleaseImages,
    own: &Path,
) -> Result<(StageReport, PathBuf, String), BuildError> {
    let name = format!("source {}", release.tag);
    let task = ctx.progress.task(&name);
    task.step(format!("packing {}", own.display()));
    let t0 = Instant::now();
    let (own, tag, dir) = (
        own.to_path_buf(),
        release.tag.clone(),
        ctx.cache.join("checkouts"),
    );
    let packed = tokio::task::spawn_blocking(move || crate::checkout::archive(&own, &tag, &dir));
    let (path, sha) = match cancellable(&ctx.cancel, packed).await? {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            task.fail("cannot pack");
            return Err(BuildError::Context(e));
        }
        Err(join) => return Err(BuildError::Context(format!("packing crashed: {join}"))),
    };
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    task.finish(format!(
        "{} ({:.1} MB), sha256 {}",
        path.display(),
        size as f64 / 1e6,
        &sha[..12]
    ));
    let report = StageReport {
        stage: name,
        outcome: "packed".into(),
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok((report, path, sha))
}

/// A release's source tarball, verified on the host (the Dockerfile checks the
/// digest again), from the cache or the first mirror that has it.
async fn fetch_source(
    ctx: &BuildCtx<'_>,
    v: &VariantBuild,
) -> Result<(StageReport, PathBuf, String), BuildError> {
    let spec = SourceSpec {
        version: v.version.to_string(),
        sha256: v.sha256.clone(),
        debian_version: v.debian_version.clone(),
    };
    let name = format!("source {}", v.version);
    let task = ctx.progress.counter(&name, 0, true);
    let t0 = Instant::now();
    let mirrors = ctx.config.sources.mirrors.clone();
    let cache = ctx.cache.join("sources");
    let (t, version) = (task.clone(), v.version.to_string());
    let fetched = tokio::task::spawn_blocking(move || {
        // The mirrors that failed, and the one that served, for the last line.
        let (mut failed, mut served) = (vec![], None);
        let path = source::fetch(&spec, &mirrors, &cache, &mut |ev| match ev {
            FetchEvent::Trying { url } => t.step(format!("trying {url}")),
            FetchEvent::Progress { downloaded, total } => {
                t.set_position(downloaded);
                if let Some(total) = total {
                    t.set_length(total);
                }
            }
            FetchEvent::CacheHit { .. } => t.step("cached and verified"),
            FetchEvent::CacheInvalid { .. } => t.step("cached copy is damaged; fetching again"),
            FetchEvent::Verified { url } => served = Some(url),
            FetchEvent::MirrorFailed { url, reason } => {
                t.step(format!("{url}: {reason}"));
                failed.push((url, reason));
            }
        })?;
        let said = match served {
            Some(url) => source::served_by(&version, &failed, &url),
            None => format!("Python-{version}.tar.xz, cached, sha256 verified"),
        };
        Ok::<_, source::SourceError>((path, said))
    });
    let (path, said) = match cancellable(&ctx.cancel, fetched).await? {
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
    task.finish(said);
    let report = StageReport {
        stage: name,
        outcome: "verified".into(),
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok((report, path, v.sha256.clone()))
}
