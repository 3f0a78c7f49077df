//! [`DockerEngine`]: the [`Engine`] trait over a real daemon, through bollard.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, KillContainerOptions, LogsOptions,
    RemoveContainerOptions, StartContainerOptions, WaitContainerOptions,
};
use bollard::Docker;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

use super::address::{EngineSpec, Transport};
use super::container::{create_body, interactive_body, list_options};
use super::files;
use super::image::{build_options, import_options, pull_options};
use super::{
    BuildEvent, BuildRequest, ByteProgress, ContainerOutput, ContainerSpec, DockerError, Engine,
    HostFacts, ImageFacts, TtySession,
};

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

/// The address the client uses: `DOCKER_HOST`, or the default socket.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string())
}

/// A connection failure, told apart: no daemon vs. a socket we may not use.
pub fn connection_error(host: &str, reason: String) -> DockerError {
    let lower = reason.to_lowercase();
    if lower.contains("permission denied") {
        DockerError::PermissionDenied {
            host: host.to_string(),
            reason,
        }
    } else {
        DockerError::Unreachable {
            host: host.to_string(),
            reason,
        }
    }
}

impl DockerEngine {
    /// Connects through `DOCKER_HOST` or the default socket and pings, failing
    /// within two seconds when nothing answers.
    pub async fn connect() -> Result<DockerEngine, DockerError> {
        let host = docker_host();
        let docker =
            Docker::connect_with_defaults().map_err(|e| connection_error(&host, describe(&e)))?;
        let remote = !host.starts_with("unix://");
        handshake(docker, &host, remote).await
    }

    /// Connects to a named engine: a local socket, tcp:// (with TLS when
    /// certificate files are given) or ssh://, and pings.
    pub async fn connect_to(spec: &EngineSpec) -> Result<DockerEngine, DockerError> {
        let version = bollard::API_DEFAULT_VERSION;
        let secs = 120;
        let docker = match (spec.transport(), &spec.tls) {
            (Transport::Unix(path), _) => Docker::connect_with_unix(&path, secs, version),
            (Transport::Tcp(addr), Some(tls)) => {
                Docker::connect_with_ssl(&addr, &tls.key, &tls.cert, &tls.ca, secs, version)
            }
            (Transport::Tcp(addr), None) => Docker::connect_with_http(&addr, secs, version),
            (Transport::Ssh(addr), _) => Docker::connect_with_ssh(&addr, secs, version, None),
        }
        .map_err(|e| connection_error(&spec.address, error_with_source(&e)))?;
        handshake(docker, &spec.address, !spec.is_local()).await
    }

    /// The create request for `spec`, its bind mounts turned into filled
    /// volumes when the engine is on another machine.
    async fn body_for(
        &self,
        spec: &ContainerSpec,
        mut body: bollard::models::ContainerCreateBody,
    ) -> Result<bollard::models::ContainerCreateBody, DockerError> {
        if !self.upload_files || spec.mounts.is_empty() {
            return Ok(body);
        }
        let fills = files::plan(&spec.session, &spec.mounts).map_err(DockerError::Other)?;
        self.fill(spec, &fills).await?;
        if let Some(host) = body.host_config.as_mut() {
            host.mounts = Some(files::volume_mounts(&fills));
        }
        Ok(body)
    }

    /// Creates and fills each volume not filled yet in this session: an
    /// archive uploaded into a helper container that mounts it, never started.
    async fn fill(
        &self,
        spec: &ContainerSpec,
        fills: &[files::VolumeFill],
    ) -> Result<(), DockerError> {
        let mut filled = self.filled.lock().await;
        for f in fills {
            if filled.contains(&f.name) {
                continue;
            }
            let labels = HashMap::from([
                (super::SESSION_LABEL.to_string(), spec.session.clone()),
                (super::OWNER_LABEL.to_string(), spec.owner.clone()),
            ]);
            self.docker
                .create_volume(bollard::models::VolumeCreateRequest {
                    name: Some(f.name.clone()),
                    labels: Some(labels.clone()),
                    ..Default::default()
                })
                .await
                .map_err(|e| api(format!("create the volume {}", f.name), e))?;
            let archive = files::archive(f)
                .map_err(|e| DockerError::Other(format!("cannot pack {:?}: {e}", f.content)))?;
            let helper = ContainerSpec {
                name: format!("{}-fill-{}", spec.name, filled.len()),
                cmd: vec!["true".into()],
                mounts: vec![],
                labels: vec![],
                ..spec.clone()
            };
            let mut body = create_body(&helper);
            if let Some(host) = body.host_config.as_mut() {
                host.readonly_rootfs = Some(false);
                host.mounts = Some(vec![bollard::models::Mount {
                    target: Some("/fill".into()),
                    source: Some(f.name.clone()),
                    typ: Some(bollard::models::MountType::VOLUME),
                    read_only: Some(false),
                    ..Default::default()
                }]);
            }
            let id = self.create(&helper, body).await?;
            let opts = bollard::query_parameters::UploadToContainerOptions {
                path: "/fill".into(),
                ..Default::default()
            };
            let uploaded = self
                .docker
                .upload_to_container(&id, Some(opts), bollard::body_full(archive.into()))
                .await
                .map_err(|e| api(format!("fill the volume {}", f.name), e));
            self.remove_container(&id).await?;
            uploaded?;
            filled.insert(f.name.clone());
        }
        Ok(())
    }

    async fn start_wait_collect(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<ContainerOutput, DockerError> {
        let started = Instant::now();
        self.docker
            .start_container(id, None::<StartContainerOptions>)
            .await
            .map_err(|e| api("start a container", e))?;
        let (exit_code, timed_out) = match tokio::time::timeout(timeout, self.wait(id)).await {
            Ok(code) => (code?, false),
            Err(_) => {
                let kill = KillContainerOptions {
                    signal: "SIGKILL".into(),
                };
                let _ = self.docker.kill_container(id, Some(kill)).await;
                (137, true)
            }
        };
        let wall = started.elapsed();
        let (stdout, stderr) = self.logs(id).await?;
        Ok(ContainerOutput {
            exit_code,
            stdout,
            stderr,
            timed_out,
            wall,
        })
    }

    async fn wait(&self, id: &str) -> Result<i64, DockerError> {
        let condition = WaitContainerOptions {
            condition: "not-running".into(),
        };
        let mut s = self.docker.wait_container(id, Some(condition));
        let mut code = 0;
        while let Some(item) = s.next().await {
            match item {
                Ok(r) => code = r.status_code,
                // bollard reports a non-zero exit as an error carrying the code.
                Err(bollard::errors::Error::DockerContainerWaitError { code: c, .. }) => code = c,
                Err(e) => return Err(api("wait for a container", e)),
            }
        }
        Ok(code)
    }

    async fn logs(&self, id: &str) -> Result<(String, String), DockerError> {
        use bollard::container::LogOutput;
        let opts = LogsOptions {
            stdout: true,
            stderr: true,
            follow: false,
            tail: "all".into(),
            ..Default::default()
        };
        let mut s = self.docker.logs(id, Some(opts));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        while let Some(item) = s.next().await {
            match item.map_err(|e| api("read container logs", e))? {
                LogOutput::StdErr { message } => err.extend_from_slice(&message),
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    out.extend_from_slice(&message)
                }
                LogOutput::StdIn { .. } => {}
            }
        }
        Ok((
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        ))
    }

    async fn create(
        &self,
        spec: &ContainerSpec,
        body: bollard::models::ContainerCreateBody,
    ) -> Result<String, DockerError> {
        let opts = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..Default::default()
        };
        // A request in flight when the caller is dropped still makes its
        // container; a task of its own keeps the guard until the answer comes.
        let docker = self.docker.clone();
        let guard = self.creating.clone().read_owned().await;
        let created = tokio::spawn(async move {
            let created = docker.create_container(Some(opts), body).await;
            drop(guard);
            created
        });
        let created = created
            .await
            .map_err(|e| DockerError::Other(format!("creating a container: {e}")))?;
        Ok(created
            .map_err(|e| api(format!("create a container from {}", spec.image), e))?
            .id)
    }
}

/// Negotiates the API version (the daemon may be older than bollard's
/// default) and pings, within two seconds.
async fn handshake(docker: Docker, host: &str, remote: bool) -> Result<DockerEngine, DockerError> {
    let handshake = async {
        let docker = docker.negotiate_version().await?;
        docker.ping().await?;
        Ok::<_, bollard::errors::Error>(docker)
    };
    let docker = match tokio::time::timeout(Duration::from_secs(2), handshake).await {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Err(connection_error(host, error_with_source(&e))),
        Err(_) => return Err(connection_error(host, "no answer within 2 seconds".into())),
    };
    // Builds, imports and image transfers stream for many minutes; only the
    // wait for response headers is bounded by this.
    Ok(DockerEngine {
        docker: docker.with_timeout(Duration::from_secs(3600)),
        upload_files: remote,
        filled: Default::default(),
        creating: Default::default(),
    })
}

/// hyper hides "permission denied" in the error's source chain.
fn error_with_source(e: &bollard::errors::Error) -> String {
    let mut text = describe(e);
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        source = cause.source();
    }
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_is_not_reported_as_a_missing_daemon() {
        let e = connection_error(
            "unix:///var/run/docker.sock",
            "error trying to connect: Permission denied (os error 13)".into(),
        );
        assert!(matches!(e, DockerError::PermissionDenied { .. }));
        assert!(e.to_string().contains("docker` group"), "{e}");
        let e = connection_error("unix:///nope", "No such file or directory".into());
        assert!(matches!(e, DockerError::Unreachable { .. }));
        assert!(e.to_string().contains("Start the daemon"), "{e}");
    }
}
