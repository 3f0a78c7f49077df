//! Containers: a locked-down spec, the pure conversion to a create request, and a
//! run that always removes what it created.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::{DockerError, Engine, OWNER_LABEL, SESSION_LABEL};

/// A bind mount from the host.
#[derive(Debug, Clone, PartialEq)]
pub struct BindMount {
    pub host: String,
    pub container: String,
    pub read_only: bool,
}

/// Everything about one container we start. Defaults are the locked-down ones.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub cmd: Vec<String>,
    pub env: Vec<(String, String)>,
    pub workdir: String,
    pub mounts: Vec<BindMount>,
    pub user: String,
    pub memory_mb: u64,
    pub pids_limit: i64,
    pub tmpfs_mb: u64,
    pub session: String,
    pub owner: String,
    /// Extra labels (interpreter name, benchmark) for people inspecting the daemon.
    pub labels: Vec<(String, String)>,
}

/// The create request for a spec: no network, read-only root with a tmpfs /tmp,
/// no capabilities, no privilege escalation, a non-root user, pid and memory
/// limits, labelled with the session. Never the Docker socket.
pub fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let mut labels: HashMap<String, String> = spec.labels.iter().cloned().collect();
    labels.insert(SESSION_LABEL.into(), spec.session.clone());
    labels.insert(OWNER_LABEL.into(), spec.owner.clone());
    let mounts = spec
        .mounts
        .iter()
        .map(|m| Mount {
            target: Some(m.container.clone()),
            source: Some(m.host.clone()),
            typ: Some(MountType::BIND),
            read_only: Some(m.read_only),
            ..Default::default()
        })
        .collect();
    let memory = (spec.memory_mb * 1024 * 1024) as i64;
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: Some(spec.cmd.clone()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        working_dir: Some(spec.workdir.clone()),
        user: Some(spec.user.clone()),
        labels: Some(labels),
        tty: Some(false),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([(
                "/tmp".to_string(),
                format!("rw,nosuid,nodev,size={}m", spec.tmpfs_mb),
            )])),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges".into()]),
            pids_limit: Some(spec.pids_limit),
            memory: Some(memory),
            memory_swap: Some(memory),
            mounts: Some(mounts),
            // Removed by us after the logs are read: auto_remove races with that.
            auto_remove: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// What a finished (or stopped) container left behind.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerOutput {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub wall: Duration,
}

impl Engine {
    /// Creates, starts, waits (up to `timeout`), collects logs and removes the
    /// container, whatever happens in between.
    pub async fn run_container(
        &self,
        spec: &ContainerSpec,
        timeout: Duration,
    ) -> Result<ContainerOutput, DockerError> {
        let opts = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(Some(opts), create_body(spec))
            .await
            .map_err(|e| DockerError::api(format!("create a container from {}", spec.image), e))?;
        let id = created.id;
        let result = self.start_wait_collect(&id, timeout).await;
        let removed = self.remove_container(&id).await;
        let output = result?;
        removed?;
        Ok(output)
    }

    async fn start_wait_collect(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<ContainerOutput, DockerError> {
        let started = Instant::now();
        self.docker
            .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(|e| DockerError::api("start a container", e))?;
        let wait = async {
            let mut s = self.docker.wait_container(
                id,
                Some(WaitContainerOptions {
                    condition: "not-running".into(),
                }),
            );
            let mut code = 0;
            while let Some(item) = s.next().await {
                match item {
                    Ok(r) => code = r.status_code,
                    // bollard reports a non-zero exit as an error carrying the code.
                    Err(bollard::errors::Error::DockerContainerWaitError { code: c, .. }) => {
                        code = c
                    }
                    Err(e) => return Err(DockerError::api("wait for a container", e)),
                }
            }
            Ok(code)
        };
        let (exit_code, timed_out) = match tokio::time::timeout(timeout, wait).await {
            Ok(code) => (code?, false),
            Err(_) => {
                let _ = self
                    .docker
                    .kill_container(
                        id,
                        Some(KillContainerOptions {
                            signal: "SIGKILL".into(),
                        }),
                    )
                    .await;
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

    async fn logs(&self, id: &str) -> Result<(String, String), DockerError> {
        let mut s = self.docker.logs(
            id,
            Some(LogsOptions {
                stdout: true,
                stderr: true,
                follow: false,
                tail: "all".into(),
                ..Default::default()
            }),
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        while let Some(item) = s.next().await {
            match item.map_err(|e| DockerError::api("read container logs", e))? {
                bollard::container::LogOutput::StdErr { message } => {
                    err.extend_from_slice(&message)
                }
                bollard::container::LogOutput::StdOut { message }
                | bollard::container::LogOutput::Console { message } => {
                    out.extend_from_slice(&message)
                }
                bollard::container::LogOutput::StdIn { .. } => {}
            }
        }
        Ok((
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        ))
    }

    pub async fn remove_container(&self, id: &str) -> Result<(), DockerError> {
        let opts = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self.docker.remove_container(id, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            // Already being removed by an earlier call: fine.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) => Ok(()),
            Err(e) => Err(DockerError::api("remove a container", e)),
        }
    }

    /// Containers carrying our session label, with their owner label.
    pub async fn labelled_containers(
        &self,
        session: Option<&str>,
    ) -> Result<Vec<(String, HashMap<String, String>)>, DockerError> {
        let filter = match session {
            Some(s) => format!("{SESSION_LABEL}={s}"),
            None => SESSION_LABEL.to_string(),
        };
        let opts = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), vec![filter])])),
            ..Default::default()
        };
        let list = self
            .docker
            .list_containers(Some(opts))
            .await
            .map_err(|e| DockerError::api("list containers", e))?;
        Ok(list
            .into_iter()
            .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
            .collect())
    }

    /// Removes every container of a session; returns how many there were.
    pub async fn remove_session(&self, session: &str) -> Result<usize, DockerError> {
        let list = self.labelled_containers(Some(session)).await?;
        for (id, _) in &list {
            self.remove_container(id).await?;
        }
        Ok(list.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "pybench-docker-abc-1".into(),
            image: "pybench-docker/pythons:3.13.15".into(),
            cmd: vec![
                "python3.13t".into(),
                "-X".into(),
                "gil=1".into(),
                "gil.py".into(),
            ],
            env: vec![("PYTHON_JIT".into(), "0".into())],
            workdir: "/app".into(),
            mounts: vec![BindMount {
                host: "/home/u/benchmarks".into(),
                container: "/app".into(),
                read_only: true,
            }],
            user: "1000:1000".into(),
            memory_mb: 2048,
            pids_limit: 256,
            tmpfs_mb: 64,
            session: "s1".into(),
            owner: "42:1000".into(),
            labels: vec![("pybench-docker.interpreter".into(), "3.13t -X gil=1".into())],
        }
    }

    #[test]
    fn containers_are_locked_down() {
        let b = create_body(&spec());
        let h = b.host_config.clone().unwrap();
        assert_eq!(b.network_disabled, Some(true));
        assert_eq!(h.network_mode.as_deref(), Some("none"));
        assert_eq!(h.readonly_rootfs, Some(true));
        assert_eq!(h.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(h.security_opt, Some(vec!["no-new-privileges".to_string()]));
        assert_eq!(h.pids_limit, Some(256));
        assert_eq!(h.memory, Some(2048 * 1024 * 1024));
        assert_eq!(h.memory_swap, h.memory);
        assert_eq!(h.auto_remove, Some(false));
        assert!(h.tmpfs.unwrap()["/tmp"].contains("size=64m"));
        assert_eq!(b.user.as_deref(), Some("1000:1000"));
        assert_eq!(b.tty, Some(false));
        assert!(h.binds.is_none());
        assert!(h.privileged.is_none());
    }

    #[test]
    fn only_the_given_directory_is_mounted_read_only() {
        let h = create_body(&spec()).host_config.unwrap();
        let mounts = h.mounts.unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(mounts[0].read_only, Some(true));
        assert_eq!(mounts[0].target.as_deref(), Some("/app"));
        assert!(!mounts
            .iter()
            .any(|m| m.source.as_deref().unwrap_or("").contains("docker.sock")));
    }

    #[test]
    fn labels_carry_session_and_owner() {
        let b = create_body(&spec());
        let l = b.labels.unwrap();
        assert_eq!(l[SESSION_LABEL], "s1");
        assert_eq!(l[OWNER_LABEL], "42:1000");
        assert_eq!(l["pybench-docker.interpreter"], "3.13t -X gil=1");
        assert_eq!(b.env.unwrap(), vec!["PYTHON_JIT=0".to_string()]);
    }
}
