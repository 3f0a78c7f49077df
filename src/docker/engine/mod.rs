//! [`DockerEngine`]: the [`Engine`] trait over a real daemon, through bollard.
//!
//! - `connect.rs`: the address, the connection and the handshake, and a
//!   failure to connect told apart (no daemon, or a socket we may not use);
//! - `lifecycle.rs`: a container created, started, waited for and its logs read;
//! - `remote_files.rs`: this machine's files carried to an engine on another
//!   machine, as volumes filled through the API.

mod connect;
mod lifecycle;
mod remote_files;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use bollard::query_parameters::{
    AttachContainerOptions, RemoveContainerOptions, StartContainerOptions,
};
use bollard::Docker;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

use super::container::{create_body, interactive_body, list_options};
use super::image::{build_options, import_options, pull_options};
use super::{
    BuildEvent, BuildRequest, ByteProgress, ContainerOutput, ContainerSpec, DockerError, Engine,
    HostFacts, ImageFacts, TtySession,
};

pub use connect::docker_host;

/// A connected, version-negotiated daemon. The client stays private to this module.
#[derive(Clone)]
pub struct DockerEngine {
    docker: Docker,
    /// The engine is on another machine: this machine's files reach its
    /// containers as volumes filled through the API, not as bind mounts.
    upload_files: bool,
    /// Volumes filled so far (held while filling: concurrent containers wait).
    filled: std::sync::Arc<tokio::sync::Mutex<std::collections::HashSet<String>>>,
    /// Held (shared) by every create request until the daemon answers, even
    /// when the caller gave up on it (Ctrl-C): removing a session takes it
    /// exclusively, so no container appears after the session was cleared.
    creating: std::sync::Arc<tokio::sync::RwLock<()>>,
}

/// bollard's Display for server errors is a debug dump; keep just the message.
fn describe(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError { message, .. } => message.trim().to_string(),
        E::DockerStreamError { error } => error.trim().to_string(),
        other => other.to_string(),
    }
}

fn api(op: impl Into<String>, e: bollard::errors::Error) -> DockerError {
    DockerError::Api {
        op: op.into(),
        message: describe(&e),
    }
}

#[async_trait::async_trait]
impl Engine for DockerEngine {
    async fn host_facts(&self) -> HostFacts {
        let info = self.docker.info().await.ok();
        let version = self.docker.version().await.ok();
        HostFacts {
            name: info
                .as_ref()
                .and_then(|i| i.name.clone())
                .unwrap_or_default(),
            cpus: info.as_ref().and_then(|i| i.ncpu).unwrap_or(1).max(1) as u32,
            os: info
                .as_ref()
                .and_then(|i| i.operating_system.clone())
                .unwrap_or_default(),
            arch: info
                .as_ref()
                .and_then(|i| i.architecture.clone())
                .unwrap_or_default(),
            docker_version: version
                .and_then(|v| v.version)
                .unwrap_or_else(|| "unknown".into()),
        }
    }

    async fn inspect_image(&self, name: &str) -> Result<Option<ImageFacts>, DockerError> {
        match self.docker.inspect_image(name).await {
            Ok(i) => Ok(Some(ImageFacts {
                id: i.id.unwrap_or_default(),
                size: i.size.unwrap_or(0).max(0) as u64,
                labels: i.config.and_then(|c| c.labels).unwrap_or_default(),
            })),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(api(format!("inspect image {name}"), e)),
        }
    }

    async fn import_rootfs(
        &self,
        tarball: &Path,
        repo: &str,
        tag: &str,
        changes: Vec<String>,
        on_bytes: ByteProgress,
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
        let opts = import_options(repo, tag, changes);
        let mut stream =
            self.docker
                .create_image(Some(opts), Some(bollard::body_try_stream(body)), None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| api(format!("import {repo}:{tag}"), e))?;
        }
        Ok(())
    }

    fn export_images(
        &self,
        names: &[String],
    ) -> BoxStream<'static, Result<bytes::Bytes, DockerError>> {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let what = names.join(", ");
        self.docker
            .export_images(&refs)
            .map_err(move |e| api(format!("export {what}"), e))
            .boxed()
    }

    async fn load_images(
        &self,
        tarball: BoxStream<'static, Result<bytes::Bytes, DockerError>>,
    ) -> Result<(), DockerError> {
        let opts = bollard::query_parameters::ImportImageOptions {
            quiet: true,
            ..Default::default()
        };
        let mut stream = self.docker.import_image_stream(opts, tarball, None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| api("load images", e))?;
        }
        Ok(())
    }

    async fn pull(&self, image: &str) -> Result<(), DockerError> {
        let mut stream = self
            .docker
            .create_image(Some(pull_options(image)), None, None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| api(format!("pull {image}"), e))?;
        }
        Ok(())
    }

    fn build(
        &self,
        req: &BuildRequest,
        context: bytes::Bytes,
    ) -> BoxStream<'_, Result<BuildEvent, DockerError>> {
        let tag = req.tag.clone();
        self.docker
            .build_image(build_options(req), None, Some(bollard::body_full(context)))
            .map_err(move |e| api(format!("build {tag}"), e))
            .map_ok(|info| {
                if let Some(aux) = info.aux.and_then(|a| a.id) {
                    BuildEvent::Built(aux)
                } else {
                    BuildEvent::Line(info.stream.or(info.status).unwrap_or_default())
                }
            })
            .boxed()
    }

    async fn run_container(
        &self,
        spec: &ContainerSpec,
        timeout: Duration,
    ) -> Result<ContainerOutput, DockerError> {
        let body = self.body_for(spec, create_body(spec)).await?;
        let id = self.create(spec, body).await?;
        let result = self.start_wait_collect(&id, timeout).await;
        let removed = self.remove_container(&id).await;
        let output = result?;
        removed?;
        Ok(output)
    }

    async fn attach_tty(&self, spec: &ContainerSpec) -> Result<TtySession, DockerError> {
        let body = self.body_for(spec, interactive_body(spec)).await?;
        let id = self.create(spec, body).await?;
        let attach = AttachContainerOptions {
            stdin: true,
            stdout: true,
            stderr: true,
            stream: true,
            logs: true,
            ..Default::default()
        };
        let attached = async {
            let attached = self
                .docker
                .attach_container(&id, Some(attach))
                .await
                .map_err(|e| api("attach to the container", e))?;
            self.docker
                .start_container(&id, None::<StartContainerOptions>)
                .await
                .map_err(|e| api("start the container", e))?;
            Ok::<_, DockerError>(attached)
        }
        .await;
        let attached = match attached {
            Ok(a) => a,
            Err(e) => {
                let _ = self.remove_container(&id).await;
                return Err(e);
            }
        };
        Ok(TtySession {
            id,
            input: attached.input,
            output: attached
                .output
                .map_ok(|chunk| chunk.into_bytes())
                .map_err(|e| api("read from the container", e))
                .boxed(),
        })
    }

    async fn remove_container(&self, id: &str) -> Result<(), DockerError> {
        let opts = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self.docker.remove_container(id, Some(opts)).await {
            Ok(()) => Ok(()),
            // Gone already, or being removed by an earlier call: fine.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404 | 409,
                ..
            }) => Ok(()),
            Err(e) => Err(api("remove a container", e)),
        }
    }

    async fn remove_session(&self, session: &str) -> Result<usize, DockerError> {
        let _no_creates = self.creating.write().await;
        let mut removed = std::collections::HashSet::new();
        // Until the daemon lists none: a removal another request started
        // (409) may still be under way when the first list is taken.
        loop {
            let list = self.labelled_containers(Some(session)).await?;
            if list.is_empty() {
                break;
            }
            for (id, _) in &list {
                self.remove_container(id).await?;
            }
            removed.extend(list.into_iter().map(|(id, _)| id));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The volumes that carried this machine's files to a remote engine.
        let volumes = self.labelled_volumes().await?;
        for (name, labels) in volumes {
            if labels.get(super::SESSION_LABEL).map(String::as_str) == Some(session) {
                self.remove_volume(&name).await?;
            }
        }
        self.filled.lock().await.clear();
        Ok(removed.len())
    }

    async fn labelled_volumes(
        &self,
    ) -> Result<Vec<(String, HashMap<String, String>)>, DockerError> {
        let opts = bollard::query_parameters::ListVolumesOptions {
            filters: Some(HashMap::from([(
                "label".to_string(),
                vec![super::SESSION_LABEL.to_string()],
            )])),
        };
        let list = self
            .docker
            .list_volumes(Some(opts))
            .await
            .map_err(|e| api("list volumes", e))?;
        Ok(list
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| (v.name, v.labels))
            .collect())
    }

    async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        let none = None::<bollard::query_parameters::RemoveVolumeOptions>;
        match self.docker.remove_volume(name, none).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(api(format!("remove the volume {name}"), e)),
        }
    }

    async fn labelled_containers(
        &self,
        session: Option<&str>,
    ) -> Result<Vec<(String, HashMap<String, String>)>, DockerError> {
        let list = self
            .docker
            .list_containers(Some(list_options(session)))
            .await
            .map_err(|e| api("list containers", e))?;
        Ok(list
            .into_iter()
            .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
            .collect())
    }
}
