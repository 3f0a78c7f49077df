//! A session: one invocation of the tool. Its id labels every container it makes;
//! its owner label (host, pid, process start time) lets a later start tell whether
//! the session is still alive, and remove the containers of one that died.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::docker::{DockerError, Engine, OWNER_LABEL};

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub owner: String,
    pub cancel: CancellationToken,
}

impl Session {
    pub fn new() -> Session {
        let id = format!(
            "{:08x}{:04x}",
            rand::random::<u32>(),
            std::process::id() & 0xffff
        );
        Session {
            id,
            owner: owner_of(std::process::id()).unwrap_or_else(|| "unknown".into()),
            cancel: CancellationToken::new(),
        }
    }

    /// Cancels the session on Ctrl-C or SIGTERM. A second signal exits at once.
    pub fn cancel_on_signals(&self) {
        let token = self.cancel.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            // SIGHUP too: closing the terminal must not leak containers.
            let (Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            for round in 0..2 {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
                // Never eprintln! here: after SIGHUP the terminal is gone, and a
                // failed write would panic this task before it cancels anything.
                use std::io::Write;
                if round == 0 {
                    token.cancel();
                    let _ = writeln!(
                        std::io::stderr(),
                        "\ninterrupted: stopping and removing this session's containers…"
                    );
                } else {
                    let _ = writeln!(std::io::stderr(), "interrupted twice: exiting now");
                    std::process::exit(130);
                }
            }
        });
    }

    pub fn container_name(&self, n: usize, what: &str) -> String {
        format!("pybench-docker-{}-{n}-{what}", self.id)
    }

    /// Removes this session's containers, within a bounded time.
    pub async fn cleanup(&self, engine: &dyn Engine) -> Result<usize, DockerError> {
        match tokio::time::timeout(Duration::from_secs(10), engine.remove_session(&self.id)).await
        {
            Ok(r) => r,
            Err(_) => Err(DockerError::Other(
                "removing this session's containers took over 10 s; list them with `docker ps -a --filter label=pybench-docker.session`".into(),
            )),
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// `host:pid:starttime`, starttime being field 22 of /proc/<pid>/stat, so a
/// reused pid is not mistaken for the original process.
pub fn owner_of(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields resume after ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    let start = after.split_whitespace().nth(19)?;
    Some(format!("{}:{pid}:{start}", hostname()))
}

/// Is the owner of a container gone? Only owners on this host can be judged.
pub fn owner_is_dead(owner: &str) -> bool {
    let mut parts = owner.rsplitn(3, ':');
    let (Some(_start), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if host != hostname() {
        return false;
    }
    match pid.parse::<u32>() {
        Ok(pid) => owner_of(pid).as_deref() != Some(owner),
        Err(_) => false,
    }
}

/// Removes containers left by sessions whose process died (kill -9, power
/// loss), and the volumes that carried their files to a remote engine.
pub async fn sweep_dead_sessions(engine: &dyn Engine) -> Result<usize, DockerError> {
    let mut removed = 0;
    for (id, labels) in engine.labelled_containers(None).await? {
        let dead = labels.get(OWNER_LABEL).is_some_and(|o| owner_is_dead(o));
        if dead {
            engine.remove_container(&id).await?;
            removed += 1;
        }
    }
    for (name, labels) in engine.labelled_volumes().await? {
        if labels.get(OWNER_LABEL).is_some_and(|o| owner_is_dead(o)) {
            engine.remove_volume(&name).await?;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_a_made_up_one_is_dead() {
        let me = owner_of(std::process::id()).unwrap();
        assert!(!owner_is_dead(&me));
        let host = hostname();
        // Same pid, different start time: a reused pid.
        let reused = format!("{host}:{}:1", std::process::id());
        assert!(owner_is_dead(&reused));
        assert!(owner_is_dead(&format!("{host}:4194303:5")));
        // Another host's containers are never judged from here.
        assert!(!owner_is_dead("elsewhere:1:1"));
        assert!(!owner_is_dead("garbage"));
    }

    #[tokio::test]
    async fn a_dead_sessions_volumes_are_swept_and_a_live_ones_kept() {
        use crate::docker::fake::{exited, FakeEngine};
        let engine = FakeEngine::new(|_| Ok(exited(0, "", "")));
        let dead = format!("{}:4194303:5", hostname());
        let alive = owner_of(std::process::id()).unwrap();
        engine.add_volume("v-dead", &[(OWNER_LABEL, &dead)]);
        engine.add_volume("v-alive", &[(OWNER_LABEL, &alive)]);
        sweep_dead_sessions(engine.as_ref()).await.unwrap();
        assert_eq!(engine.volume_names(), ["v-alive"]);
    }

    #[test]
    fn session_ids_are_unique_and_names_carry_them() {
        let a = Session::new();
        let b = Session::new();
        assert_ne!(a.id, b.id);
        assert!(a.container_name(3, "gil").contains(&a.id));
    }
}
