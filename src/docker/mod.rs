//! Everything the tool asks of a Docker Engine.
//!
//! Commands depend on the [`Engine`] trait only; [`DockerEngine`] implements it
//! with bollard and is the one place that talks to a daemon. Each of its methods
//! is a thin call that turns bollard's error into one naming the operation and
//! the fix; every request body comes from a pure function in `container` or
//! `image`, tested without a daemon. Unit tests of the commands use a fake.

pub mod address;
pub mod container;
mod engine;
#[cfg(test)]
pub mod fake;
pub mod files;
pub mod image;

use std::collections::HashMap;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use futures_util::stream::BoxStream;
use thiserror::Error;

pub use container::{BindMount, ContainerOutput, ContainerSpec};
pub use engine::{docker_host, DockerEngine};
pub use image::{BuildEvent, BuildRequest, ImageFacts};

/// Label on every container this tool creates: `pybench-docker.session=<id>`.
pub const SESSION_LABEL: &str = "pybench-docker.session";
/// The pid and start time of the process that owns a session, to find dead ones.
pub const OWNER_LABEL: &str = "pybench-docker.owner";

#[derive(Debug, Error)]
pub enum DockerError {
    #[error("cannot reach the Docker daemon at {host}: {reason}. Start the daemon (`systemctl start docker` or `dockerd &`), or point DOCKER_HOST at a running one, e.g. DOCKER_HOST=unix:///var/run/docker.sock.")]
    Unreachable { host: String, reason: String },
    #[error("permission denied on the Docker socket {host}: {reason}. Run as a user in the `docker` group (`usermod -aG docker $USER`, then log in again), or as root.")]
    PermissionDenied { host: String, reason: String },
    #[error("the Docker daemon refused to {op}: {message}")]
    Api { op: String, message: String },
    #[error("{0}")]
    Other(String),
}

/// Facts about the engine's host that go with every result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostFacts {
    /// The daemon's host name.
    pub name: String,
    pub cpus: u32,
    pub os: String,
    pub arch: String,
    pub docker_version: String,
}

/// A container attached to a terminal: its id, its stdin and its output.
pub struct TtySession {
    pub id: String,
    pub input: Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    pub output: BoxStream<'static, Result<bytes::Bytes, DockerError>>,
}

/// Called with the number of bytes sent so far, while a tarball streams.
pub type ByteProgress = Box<dyn Fn(u64) + Send + Sync>;

/// What commands need from a Docker Engine.
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    /// CPU count, OS, architecture and version of the engine's host.
    async fn host_facts(&self) -> HostFacts;
    /// The image, or `None` when the engine does not have it.
    async fn inspect_image(&self, name: &str) -> Result<Option<ImageFacts>, DockerError>;
    /// Imports a root filesystem tarball as `repo:tag` (`docker import`).
    /// `changes` are Dockerfile instructions applied to the config (ENV, CMD).
    async fn import_rootfs(
        &self,
        tarball: &Path,
        repo: &str,
        tag: &str,
        changes: Vec<String>,
        on_bytes: ByteProgress,
    ) -> Result<(), DockerError>;
    /// The images and their layers as one tarball (`docker save`), streamed.
    fn export_images(
        &self,
        names: &[String],
    ) -> BoxStream<'static, Result<bytes::Bytes, DockerError>>;
    /// Loads a tarball of images (`docker load`) as it streams in.
    async fn load_images(
        &self,
        tarball: BoxStream<'static, Result<bytes::Bytes, DockerError>>,
    ) -> Result<(), DockerError>;
    /// Pulls an image from a registry.
    async fn pull(&self, image: &str) -> Result<(), DockerError>;
    /// Starts a build; the stream yields output lines and, last, the image id.
    fn build(
        &self,
        req: &BuildRequest,
        context: bytes::Bytes,
    ) -> BoxStream<'_, Result<BuildEvent, DockerError>>;
    /// Creates, starts, waits (up to `timeout`, then kills), collects the logs
    /// and removes the container, whatever happens in between.
    async fn run_container(
        &self,
        spec: &ContainerSpec,
        timeout: Duration,
    ) -> Result<ContainerOutput, DockerError>;
    /// Creates and starts a container with a terminal, attached. The caller
    /// removes it with [`Engine::remove_container`].
    async fn attach_tty(&self, spec: &ContainerSpec) -> Result<TtySession, DockerError>;
    /// Removes a container; one already gone is not an error.
    async fn remove_container(&self, id: &str) -> Result<(), DockerError>;
    /// Containers carrying our session label (all sessions, or one), with labels.
    async fn labelled_containers(
        &self,
        session: Option<&str>,
    ) -> Result<Vec<(String, HashMap<String, String>)>, DockerError>;

    /// Volumes carrying our session label, with labels (the ones that carry
    /// this machine's files to a remote engine). None on engines that make none.
    async fn labelled_volumes(
        &self,
    ) -> Result<Vec<(String, HashMap<String, String>)>, DockerError> {
        Ok(vec![])
    }
    /// Removes a volume; one already gone is not an error.
    async fn remove_volume(&self, _name: &str) -> Result<(), DockerError> {
        Ok(())
    }

    /// Removes every container of a session; returns how many there were.
    async fn remove_session(&self, session: &str) -> Result<usize, DockerError> {
        let list = self.labelled_containers(Some(session)).await?;
        for (id, _) in &list {
            self.remove_container(id).await?;
        }
        Ok(list.len())
    }
}
