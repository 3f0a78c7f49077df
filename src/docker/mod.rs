//! The one place that talks to the Docker Engine, through bollard.
//!
//! Each method is a thin call that turns bollard's error into one that names the
//! operation and the fix. Converting our specs into request bodies is done by
//! pure functions (see `container::create_body`) so it is tested without a daemon.

pub mod container;
pub mod image;

use std::time::Duration;

use bollard::Docker;
use thiserror::Error;

pub use container::{ContainerOutput, ContainerSpec};

/// Label on every container this tool creates: `pybench-docker.session=<id>`.
pub const SESSION_LABEL: &str = "pybench-docker.session";
/// The pid and start time of the process that owns a session, to find dead ones.
pub const OWNER_LABEL: &str = "pybench-docker.owner";

#[derive(Debug, Error)]
pub enum DockerError {
    #[error("cannot reach the Docker daemon at {host}: {reason}. Start the daemon (`systemctl start docker` or `dockerd &`), or point DOCKER_HOST at a running one, e.g. DOCKER_HOST=unix:///var/run/docker.sock.")]
    Unreachable { host: String, reason: String },
    #[error("the Docker daemon refused to {op}: {message}")]
    Api { op: String, message: String },
    #[error("{0}")]
    Other(String),
}

impl DockerError {
    pub fn api(op: impl Into<String>, e: bollard::errors::Error) -> DockerError {
        DockerError::Api {
            op: op.into(),
            message: describe(&e),
        }
    }
}

/// bollard's Display for server errors is a debug dump; keep just the message.
pub fn describe(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError { message, .. } => message.trim().to_string(),
        E::DockerStreamError { error } => error.trim().to_string(),
        other => other.to_string(),
    }
}

/// A connected, version-negotiated daemon.
#[derive(Clone)]
pub struct Engine {
    pub docker: Docker,
}

impl Engine {
    /// Connects through `DOCKER_HOST` or the default socket and pings, failing
    /// within two seconds when nothing answers.
    pub async fn connect() -> Result<Engine, DockerError> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
        let unreachable = |reason: String| DockerError::Unreachable {
            host: host.clone(),
            reason,
        };
        let docker = Docker::connect_with_defaults().map_err(|e| unreachable(describe(&e)))?;
        let handshake = async {
            // The daemon here may be older than bollard's default API version.
            let docker = docker.negotiate_version().await?;
            docker.ping().await?;
            Ok::<_, bollard::errors::Error>(docker)
        };
        let docker = match tokio::time::timeout(Duration::from_secs(2), handshake).await {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => return Err(unreachable(describe(&e))),
            Err(_) => return Err(unreachable("no answer within 2 seconds".into())),
        };
        // Builds and imports stream for many minutes; only the wait for response
        // headers is bounded by this.
        let docker = docker.with_timeout(Duration::from_secs(3600));
        Ok(Engine { docker })
    }

    pub async fn server_version(&self) -> String {
        match self.docker.version().await {
            Ok(v) => v.version.unwrap_or_else(|| "unknown".into()),
            Err(_) => "unknown".into(),
        }
    }

    pub async fn cpu_count(&self) -> u32 {
        match self.docker.info().await {
            Ok(info) => info.ncpu.unwrap_or(1).max(1) as u32,
            Err(_) => 1,
        }
    }
}
