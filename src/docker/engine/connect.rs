//! Connecting to a daemon: the address, the handshake, and a failure to
//! connect told apart (no daemon, or a socket we may not use).

use std::time::Duration;

use bollard::Docker;

use super::{describe, DockerEngine};
use crate::docker::address::{EngineSpec, Transport};
use crate::docker::DockerError;

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
