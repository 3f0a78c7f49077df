//! A container's life on the daemon: created (never after its session was
//! cleared), started, waited for within a timeout, its logs read.

use std::time::{Duration, Instant};

use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptions, LogsOptions, StartContainerOptions,
    WaitContainerOptions,
};
use futures_util::StreamExt;

use super::{api, DockerEngine};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

impl DockerEngine {
    pub(super) async fn start_wait_collect(
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

    pub(super) async fn create(
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
