//! Images: inspect, import a rootfs tarball, pull, and build with the classic builder.

use std::collections::HashMap;
use std::path::Path;

use bollard::query_parameters::{BuildImageOptions, BuilderVersion, CreateImageOptions};
use futures_util::{Stream, StreamExt, TryStreamExt};

use super::{describe, DockerError, Engine};

/// What we need to know about an existing image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFacts {
    pub id: String,
    pub size: u64,
    pub labels: HashMap<String, String>,
}

/// One event of a build, reduced to what progress and logs need.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildEvent {
    /// A line of output (`Step 3/9 : RUN ...`, compiler output, ...).
    Line(String),
    /// The image id of the finished build.
    Built(String),
}

/// A request to build one image from a context tar.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildRequest {
    pub tag: String,
    pub dockerfile: String,
    pub build_args: HashMap<String, String>,
    pub labels: HashMap<String, String>,
    /// Whether RUN steps may reach the network (only apt in a pulled base needs it).
    pub network: bool,
}

/// The query the daemon receives for a build. Pure, so tests can check it.
pub fn build_options(req: &BuildRequest) -> BuildImageOptions {
    BuildImageOptions {
        dockerfile: req.dockerfile.clone(),
        t: Some(req.tag.clone()),
        buildargs: Some(req.build_args.clone()),
        labels: Some(req.labels.clone()),
        // Intermediate containers go away even when a step fails; the build cache
        // keeps the finished layers, so a rerun resumes at the failing step.
        rm: true,
        forcerm: true,
        // The classic builder: no BuildKit session needed, works on every daemon.
        version: BuilderVersion::BuilderV1,
        // CPython builds never reach the network: sources come in the context.
        networkmode: (!req.network).then(|| "none".to_string()),
        ..Default::default()
    }
}

impl Engine {
    pub async fn inspect_image(&self, name: &str) -> Result<Option<ImageFacts>, DockerError> {
        match self.docker.inspect_image(name).await {
            Ok(i) => Ok(Some(ImageFacts {
                id: i.id.unwrap_or_default(),
                size: i.size.unwrap_or(0).max(0) as u64,
                labels: i.config.and_then(|c| c.labels).unwrap_or_default(),
            })),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(DockerError::api(format!("inspect image {name}"), e)),
        }
    }

    /// Imports a root filesystem tarball as `repo:tag` (`docker import`), streaming
    /// the file. `changes` are Dockerfile instructions applied to the config (ENV, CMD).
    pub async fn import_rootfs(
        &self,
        tarball: &Path,
        repo: &str,
        tag: &str,
        changes: Vec<String>,
        on_bytes: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<(), DockerError> {
        let file = tokio::fs::File::open(tarball)
            .await
            .map_err(|e| DockerError::Other(format!("cannot open {}: {e}", tarball.display())))?;
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let body = tokio_util::io::ReaderStream::with_capacity(file, 1 << 20).map(move |chunk| {
            if let Ok(c) = &chunk {
                let n = sent.fetch_add(c.len() as u64, std::sync::atomic::Ordering::Relaxed);
                on_bytes(n + c.len() as u64);
            }
            chunk
        });
        let opts = CreateImageOptions {
            from_src: Some("-".into()),
            repo: Some(repo.into()),
            tag: Some(tag.into()),
            changes,
            ..Default::default()
        };
        let mut stream =
            self.docker
                .create_image(Some(opts), Some(bollard::body_try_stream(body)), None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| DockerError::api(format!("import {repo}:{tag}"), e))?;
        }
        Ok(())
    }

    /// Pulls an image; the error says plainly when no registry answers.
    pub async fn pull(&self, image: &str) -> Result<(), DockerError> {
        let (name, tag) = match image.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, t),
            _ => (image, "latest"),
        };
        let opts = CreateImageOptions {
            from_image: Some(name.into()),
            tag: Some(tag.into()),
            ..Default::default()
        };
        let mut stream = self.docker.create_image(Some(opts), None, None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| DockerError::Api {
                op: format!("pull {image}"),
                message: describe(&e),
            })?;
        }
        Ok(())
    }

    /// Starts a build; the stream yields output lines and, last, the image id.
    pub fn build(
        &self,
        req: &BuildRequest,
        context: bytes::Bytes,
    ) -> impl Stream<Item = Result<BuildEvent, DockerError>> + '_ {
        let tag = req.tag.clone();
        self.docker
            .build_image(build_options(req), None, Some(bollard::body_full(context)))
            .map_err(move |e| DockerError::Api {
                op: format!("build {tag}"),
                message: describe(&e),
            })
            .map_ok(|info| {
                if let Some(aux) = info.aux.and_then(|a| a.id) {
                    BuildEvent::Built(aux)
                } else {
                    BuildEvent::Line(info.stream.or(info.status).unwrap_or_default())
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_use_the_classic_builder_without_network_and_clean_up() {
        let req = BuildRequest {
            tag: "x/y:1".into(),
            dockerfile: "cpython.Dockerfile".into(),
            build_args: HashMap::from([("A".into(), "1".into())]),
            labels: HashMap::from([("l".into(), "v".into())]),
            network: false,
        };
        let o = build_options(&req);
        assert_eq!(o.version, BuilderVersion::BuilderV1);
        assert_eq!(o.networkmode.as_deref(), Some("none"));
        assert!(o.rm && o.forcerm);
        assert!(!o.nocache);
        assert_eq!(o.t.as_deref(), Some("x/y:1"));
        assert_eq!(o.dockerfile, "cpython.Dockerfile");
        assert_eq!(o.buildargs.unwrap()["A"], "1");
    }
}
