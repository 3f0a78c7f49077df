//! Running one Python script for one interpreter configuration in its own
//! locked-down container, and reading what the script reported.
//!
//! Scripts print a human banner and, last, one machine line:
//! `PYBENCH_RESULT {"schema":1,"kind":"gil","info":{...},"seconds":1.23,...}`.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::commands::App;
use crate::docker::container::BindMount;
use crate::docker::{ContainerOutput, ContainerSpec};
use crate::error::Interrupted;
use crate::plan::Interpreter;
use crate::ui::terminal::RawTerminal;

use crate::results::InterpreterInfo;

pub const RESULT_PREFIX: &str = "PYBENCH_RESULT ";

/// What the machine line said, or why it could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Result(Value),
    Missing,
    Malformed(String),
}

/// Finds the last machine line in stdout and parses it. Pure.
pub fn parse_machine_line(stdout: &str) -> Parsed {
    let Some(line) = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with(RESULT_PREFIX.trim_end()))
    else {
        return Parsed::Missing;
    };
    let json = line[RESULT_PREFIX.trim_end().len()..].trim();
    match serde_json::from_str::<Value>(json) {
        Ok(v) if v.is_object() => Parsed::Result(v),
        Ok(_) => Parsed::Malformed(format!("the result line is not a JSON object: {json}")),
        Err(e) => Parsed::Malformed(format!("the result line is not valid JSON ({e}): {json}")),
    }
}

/// The environment banner: from the first ruler line to the second, inclusive. Pure.
pub fn extract_banner(stdout: &str) -> Option<String> {
    let lines: Vec<&str> = stdout.lines().collect();
    let is_ruler = |l: &str| l.len() >= 20 && l.chars().all(|c| c == '=');
    let start = lines.iter().position(|l| is_ruler(l))?;
    let end = start + 1 + lines[start + 1..].iter().position(|l| is_ruler(l))?;
    Some(lines[start..=end].join("\n"))
}

/// The interpreter facts inside a machine line. Pure.
pub fn info_of(result: &Value) -> Option<InterpreterInfo> {
    serde_json::from_value(result.get("info")?.clone()).ok()
}

/// The JIT probe's evidence under `key` of a machine line (`jit_probe` of
/// `info`, `jit` of `uops`), when it is there and of the probe's shape.
pub fn jit_probe_of(result: &Value, key: &str) -> Option<crate::results::JitEvidence> {
    serde_json::from_value(result.get(key)?.clone()).ok()
}

/// The last `n` lines of a text, for error reports.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// One script invocation.
pub struct ScriptRun<'a> {
    pub interpreter: &'a Interpreter,
    /// Host folder mounted read-only at /app.
    pub dir: &'a Path,
    pub script: String,
    pub args: Vec<String>,
    pub extra_env: Vec<(String, String)>,
    pub extra_mounts: Vec<BindMount>,
    pub image: Option<String>,
    pub timeout: Duration,
    /// Short word for the container name: `gil`, `info`, `import`.
    pub what: &'static str,
    /// CPUs to pin to, for measurements; `None` for everything else.
    pub cpuset: Option<String>,
}

impl<'a> ScriptRun<'a> {
    /// A script in `dir` on `interpreter`'s own image: no extra environment
    /// or mounts, not pinned (for everything but measurements).
    pub fn plain(
        interpreter: &'a Interpreter,
        dir: &'a Path,
        script: &str,
        args: &[&str],
        what: &'static str,
        timeout: Duration,
    ) -> ScriptRun<'a> {
        ScriptRun {
            interpreter,
            dir,
            script: script.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            extra_env: vec![],
            extra_mounts: vec![],
            image: None,
            timeout,
            what,
            cpuset: None,
        }
    }
}

/// The CPUs a measurement with `threads` threads is pinned to on a host with
/// `cpus` CPUs: the last `threads` of them (CPU 0 takes most interrupts), all
/// of them when there are more threads than CPUs. Pure.
pub fn cpuset_for(threads: u32, cpus: u32) -> String {
    let cpus = cpus.max(1);
    let n = threads.clamp(1, cpus);
    match (cpus - n, cpus - 1) {
        (first, last) if first == last => first.to_string(),
        (first, last) => format!("{first}-{last}"),
    }
}

/// The container spec of a script run. Pure.
pub fn spec_for(
    app_cfg: &crate::config::Containers,
    session: &crate::session::Session,
    n: usize,
    run: &ScriptRun<'_>,
) -> ContainerSpec {
    let mut cmd = run.interpreter.argv.clone();
    cmd.push(run.script.clone());
    cmd.extend(run.args.iter().cloned());
    let mut env: Vec<(String, String)> = run
        .interpreter
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    env.extend(run.extra_env.iter().cloned());
    let mut mounts = vec![BindMount {
        host: run.dir.display().to_string(),
        container: "/app".into(),
        read_only: true,
    }];
    mounts.extend(run.extra_mounts.iter().cloned());
    ContainerSpec {
        name: session.container_name(n, run.what),
        image: run
            .image
            .clone()
            .unwrap_or_else(|| run.interpreter.image.clone()),
        cmd,
        env,
        workdir: "/app".into(),
        mounts,
        user: app_cfg.user.clone(),
        memory_mb: app_cfg.memory_mb,
        pids_limit: app_cfg.pids_limit,
        tmpfs_mb: app_cfg.tmpfs_mb,
        cpuset: run.cpuset.clone(),
        session: session.id.clone(),
        owner: session.owner.clone(),
        labels: vec![
            (
                "pybench-docker.interpreter".into(),
                run.interpreter.name.clone(),
            ),
            ("pybench-docker.script".into(), run.script.clone()),
        ],
    }
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs the script; cancelled runs return `Interrupted` and the session cleanup
/// removes the container.
pub async fn run_script(app: &App, run: &ScriptRun<'_>) -> anyhow::Result<ContainerOutput> {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spec = spec_for(&app.config.containers, &app.session, n, run);
    // Cancellation first: a run that ends as Ctrl-C arrives is not recorded.
    tokio::select! {
        biased;
        _ = app.session.cancel.cancelled() => Err(Interrupted.into()),
        out = app.engine.run_container(&spec, run.timeout) => Ok(out?),
    }
}

/// An interactive container on this terminal (`docker run -it`), locked down like
/// every other, removed on exit.
pub async fn interactive(app: &App, run: &ScriptRun<'_>) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spec = spec_for(&app.config.containers, &app.session, n, run);
    let tty = app.engine.attach_tty(&spec).await?;
    let id = tty.id.clone();
    let session = async move {
        let _raw = RawTerminal::enter();
        let mut input = tty.input;
        let pump_in = tokio::spawn(async move {
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 1024];
            while let Ok(n) = stdin.read(&mut buf).await {
                if n == 0 || input.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                let _ = input.flush().await;
            }
        });
        let mut output = tty.output;
        let mut stdout = tokio::io::stdout();
        while let Some(Ok(chunk)) = output.next().await {
            let _ = stdout.write_all(&chunk).await;
            let _ = stdout.flush().await;
        }
        pump_in.abort();
    };
    let result = tokio::select! {
        () = session => Ok(()),
        _ = app.session.cancel.cancelled() => Err(Interrupted.into()),
    };
    app.engine.remove_container(&id).await?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "======================================================\n\
💻 Linux 64bit with 2x CPU cores (x86_64 Little Endian)\n\
🐍 CPython 3.13.15 /usr/local/bin/python3.13t\n\
Free Threading: enabled ✨\n\
JIT Compiler: unsupported\n\
======================================================\n\
Running 2 threads: 1.23s\n\
PYBENCH_RESULT {\"schema\":1,\"kind\":\"gil\",\"seconds\":1.23,\"info\":{\"implementation\":\"CPython\",\"version\":\"3.13.15\",\"executable\":\"/usr/local/bin/python3.13t\",\"system\":\"Linux\",\"bits\":64,\"cores\":2,\"machine\":\"x86_64\",\"byteorder\":\"Little\",\"abiflags\":\"t\",\"free_threading\":\"enabled\",\"jit\":\"unsupported\",\"gil_enabled\":false}}\n";

    #[test]
    fn parses_the_last_machine_line() {
        let Parsed::Result(v) = parse_machine_line(OUT) else {
            panic!()
        };
        assert_eq!(v["seconds"], 1.23);
        let info = info_of(&v).unwrap();
        assert_eq!(info.version, "3.13.15");
        assert_eq!(info.free_threading, crate::results::FeatureState::Enabled);
        assert_eq!(info.gil_enabled, Some(false));
    }

    #[test]
    fn malformed_and_missing_lines_are_told_apart() {
        assert_eq!(parse_machine_line("hello\n"), Parsed::Missing);
        assert!(matches!(
            parse_machine_line("PYBENCH_RESULT {\"a\":\n"),
            Parsed::Malformed(_)
        ));
        assert!(matches!(
            parse_machine_line("PYBENCH_RESULT [1,2]\n"),
            Parsed::Malformed(_)
        ));
        assert!(matches!(
            parse_machine_line("PYBENCH_RESULT\n"),
            Parsed::Malformed(_)
        ));
        // A later good line wins over an earlier broken one.
        let both = "PYBENCH_RESULT {oops\nPYBENCH_RESULT {\"ok\":true}\n";
        assert!(matches!(parse_machine_line(both), Parsed::Result(_)));
    }

    #[test]
    fn banner_is_cut_between_rulers() {
        let b = extract_banner(OUT).unwrap();
        assert!(b.starts_with("=====") && b.ends_with("====="));
        assert_eq!(b.lines().count(), 6);
        assert!(b.contains("Free Threading: enabled ✨"));
        assert!(extract_banner("no banner").is_none());
    }

    #[test]
    fn pinning_takes_the_last_cpus_and_never_more_than_there_are() {
        assert_eq!(cpuset_for(1, 2), "1");
        assert_eq!(cpuset_for(2, 2), "0-1");
        assert_eq!(cpuset_for(4, 2), "0-1");
        assert_eq!(cpuset_for(2, 8), "6-7");
        assert_eq!(cpuset_for(0, 4), "3");
        assert_eq!(cpuset_for(1, 0), "0");
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
