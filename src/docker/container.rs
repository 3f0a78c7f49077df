//! Containers: a locked-down spec, the pure conversion to a create request, and a
//! run that always removes what it created.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::ListContainersOptions;

use super::{OWNER_LABEL, SESSION_LABEL};

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
    /// CPUs to pin the container to (`"1"`, `"0-1"`); `None` lets it float.
    pub cpuset: Option<String>,
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
            cpuset_cpus: spec.cpuset.clone(),
            mounts: Some(mounts),
            // Removed by us after the logs are read: auto_remove races with that.
            auto_remove: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The same request with a terminal and stdin attached (`docker run -it`).
pub fn interactive_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let mut body = create_body(spec);
    body.tty = Some(true);
    body.open_stdin = Some(true);
    body.attach_stdin = Some(true);
    body.stdin_once = Some(true);
    body
}

/// The query listing our containers: every session's, or one session's.
pub fn list_options(session: Option<&str>) -> ListContainersOptions {
    let filter = match session {
        Some(s) => format!("{SESSION_LABEL}={s}"),
        None => SESSION_LABEL.to_string(),
    };
    ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([("label".to_string(), vec![filter])])),
        ..Default::default()
    }
}

/// What a finished (or stopped) container left behind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerOutput {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub wall: Duration,
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
            cpuset: Some("1".into()),
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
        assert_eq!(
            h.cpuset_cpus.as_deref(),
            Some("1"),
            "measurements are pinned"
        );
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
