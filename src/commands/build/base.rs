//! Base images: a builder base (toolchain, headers, clang/llvm) and a runtime base
//! (libraries and the distro python3), either pulled from a registry and finished
//! with apt, or bootstrapped from Debian's mirror with mmdebstrap and imported.
//! Each is tagged with a hash of its recipe, so an unchanged base is reused.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::config::BaseMode;
use crate::docker::Engine;
use crate::plan::{BaseImage, BaseKind};
use crate::ui::progress::Task;

/// How a base came to exist, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOrigin {
    Reused,
    Pulled,
    Bootstrapped,
}

/// The mmdebstrap command line for a base. Pure, for tests.
pub fn mmdebstrap_args(base: &BaseImage, out: &Path) -> Vec<String> {
    let mut args = vec![
        "--variant=minbase".to_string(),
        "--format=tar".to_string(),
        // Device nodes are the runtime's job; docker import does not need them.
        "--skip=output/dev".to_string(),
        // Documentation and translations are dead weight in these images.
        "--dpkgopt=path-exclude=/usr/share/doc/*".to_string(),
        "--dpkgopt=path-exclude=/usr/share/man/*".to_string(),
        "--dpkgopt=path-exclude=/usr/share/locale/*".to_string(),
    ];
    if base.kind == BaseKind::Packages {
        // The .deb files stay, for a layer to install without network.
        args.push("--skip=cleanup/apt/cache".to_string());
    }
    if !base.packages.is_empty() {
        args.push(format!("--include={}", base.packages.join(",")));
    }
    args.push(base.suite.clone());
    args.push(out.display().to_string());
    args.extend(apt_sources(base));
    args
}

/// One `deb` line per suite the base installs from. apt gives backports a low
/// priority, so only packages that exist nowhere else (clang-21 on trixie)
/// come from there. Pure.
fn apt_sources(base: &BaseImage) -> Vec<String> {
    std::iter::once(&base.suite)
        .chain(&base.extra_suites)
        .map(|suite| format!("deb {} {suite} main", base.mirror))
        .collect()
}

/// Instructions applied to the imported rootfs's image config.
pub fn import_changes() -> Vec<String> {
    vec![
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        "ENV LANG=C.UTF-8".into(),
        "CMD [\"bash\"]".into(),
    ]
}

/// The Dockerfile that finishes a pulled base with apt. The config's values
/// were checked at load time (src/config/values.rs); each is quoted for the
/// shell as well, so that no value is ever read as shell syntax.
pub fn pull_dockerfile(from: &str, base: &BaseImage) -> String {
    let extra: String = apt_sources(base)
        .iter()
        .skip(1)
        .map(|line| {
            format!(
                "    echo {} >> /etc/apt/sources.list.d/pybench-docker.list; \\\n",
                shell_word(line)
            )
        })
        .collect();
    let packages: Vec<String> = base.packages.iter().map(|p| shell_word(p)).collect();
    // The image's own apt hook deletes the .deb files after each install.
    let keep = match base.kind {
        BaseKind::Packages => "    rm -f /etc/apt/apt.conf.d/docker-clean; \\\n",
        _ => "",
    };
    format!(
        "FROM {from}\nRUN set -eux; \\\n{keep}{extra}    apt-get update; \\\n    apt-get install -y --no-install-recommends \\\n        {}; \\\n    rm -rf /var/lib/apt/lists/*\n",
        packages.join(" \\\n        ")
    )
}

/// `text` as one shell word: itself when it holds nothing the shell reads
/// (a package name), else single-quoted. Text with a NUL cannot be one word
/// and never gets here (the config's checks refuse it); it becomes an empty
/// word, which apt refuses.
fn shell_word(text: &str) -> String {
    shlex::try_quote(text)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| "''".to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    #[error("mmdebstrap is not installed, and no registry answered for a ready-made base image. Install it (`apt-get install -y mmdebstrap` on Debian/Ubuntu) and run again.")]
    NoMmdebstrap,
    #[error("bootstrapping the {kind} base from {mirror} ({suite}) failed: mmdebstrap exited with {status}. Its last lines:\n{tail}\nFull log: {log}. Check that the mirror is reachable and that every package in config.yaml's base section exists in {suite}.")]
    Bootstrap {
        kind: String,
        mirror: String,
        suite: String,
        status: String,
        tail: String,
        log: String,
    },
    #[error("{0}")]
    Docker(#[from] crate::docker::DockerError),
    #[error("{0}")]
    Io(String),
}

/// Makes sure `base.image` exists, creating it the configured way.
pub async fn ensure(
    engine: &dyn Engine,
    base: &BaseImage,
    mode: BaseMode,
    pull_image: &str,
    task: &Task,
    log_dir: &Path,
) -> Result<BaseOrigin, BaseError> {
    if engine.inspect_image(&base.image).await?.is_some() {
        return Ok(BaseOrigin::Reused);
    }
    if mode != BaseMode::Bootstrap {
        task.step(format!("pulling {pull_image}"));
        match engine.pull(pull_image).await {
            Ok(()) => {
                finish_pulled(engine, base, pull_image, task).await?;
                return Ok(BaseOrigin::Pulled);
            }
            Err(e) if mode == BaseMode::Pull => return Err(e.into()),
            Err(e) => task.step(format!(
                "no registry ({e}); bootstrapping from {}",
                base.mirror
            )),
        }
    }
    bootstrap(engine, base, task, log_dir).await?;
    Ok(BaseOrigin::Bootstrapped)
}

async fn finish_pulled(
    engine: &dyn Engine,
    base: &BaseImage,
    from: &str,
    task: &Task,
) -> Result<(), BaseError> {
    use futures_util::StreamExt;
    let mut ctx = crate::context::ContextBuilder::new();
    ctx.add_bytes(
        "Dockerfile",
        pull_dockerfile(from, base).into_bytes(),
        false,
    )
    .map_err(|e| BaseError::Io(e.to_string()))?;
    let bytes = ctx
        .to_bytes(false)
        .map_err(|e| BaseError::Io(e.to_string()))?;
    let req = crate::docker::image::BuildRequest {
        tag: base.image.clone(),
        dockerfile: "Dockerfile".into(),
        build_args: Default::default(),
        labels: Default::default(),
        // apt needs the network here, unlike the CPython builds.
        network: true,
        target: None,
    };
    let mut stream = Box::pin(engine.build(&req, bytes.into()));
    while let Some(ev) = stream.next().await {
        if let crate::docker::image::BuildEvent::Line(l) = ev? {
            task.step(l);
        }
    }
    Ok(())
}

async fn bootstrap(
    engine: &dyn Engine,
    base: &BaseImage,
    task: &Task,
    log_dir: &Path,
) -> Result<(), BaseError> {
    if which("mmdebstrap").is_none() {
        return Err(BaseError::NoMmdebstrap);
    }
    let dir = crate::project::cache_dir().join("bases");
    std::fs::create_dir_all(&dir)
        .map_err(|e| BaseError::Io(format!("cannot create {}: {e}", dir.display())))?;
    std::fs::create_dir_all(log_dir)
        .map_err(|e| BaseError::Io(format!("cannot create {}: {e}", log_dir.display())))?;
    let tag = base.image.rsplit(':').next().unwrap_or("base").to_string();
    let out = dir.join(format!("{tag}.{}.tar", std::process::id()));
    let log_path = log_dir.join(format!("base-{tag}.log"));
    // The tarball is only a vehicle: never leave a gigabyte behind, also when
    // this future is dropped by Ctrl-C.
    let _cleanup = RemoveOnDrop(out.clone());
    let result = run_mmdebstrap(base, &out, &log_path, task).await;
    let imported = match result {
        Ok(()) => {
            task.step("importing the root filesystem");
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            let t = task.clone();
            let (repo, tag) = base
                .image
                .rsplit_once(':')
                .unwrap_or((&base.image, "latest"));
            engine
                .import_rootfs(
                    &out,
                    repo,
                    tag,
                    import_changes(),
                    Box::new(move |n| t.step(format!("importing {} / {} MB", n >> 20, size >> 20))),
                )
                .await
                .map_err(BaseError::from)
        }
        Err(e) => Err(e),
    };
    imported
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn run_mmdebstrap(
    base: &BaseImage,
    out: &Path,
    log_path: &Path,
    task: &Task,
) -> Result<(), BaseError> {
    let mut child = tokio::process::Command::new("mmdebstrap")
        .args(mmdebstrap_args(base, out))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BaseError::Io(format!("cannot start mmdebstrap: {e}")))?;
    let stderr = child.stderr.take().expect("piped");
    let mut lines = BufReader::new(stderr).lines();
    let mut log = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        task.step(line.trim_start_matches("I: "));
        log.push(line);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| BaseError::Io(format!("mmdebstrap did not finish: {e}")))?;
    let _ = std::fs::write(log_path, log.join("\n"));
    if status.success() {
        return Ok(());
    }
    let tail = log
        .iter()
        .rev()
        .take(15)
        .rev()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    Err(BaseError::Bootstrap {
        kind: base.kind.name().into(),
        mirror: base.mirror.clone(),
        suite: base.suite.clone(),
        status: status.to_string(),
        tail,
        log: log_path.display().to_string(),
    })
}

fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BaseImage {
        BaseImage {
            kind: BaseKind::Runtime,
            llvm: None,
            extra_suites: vec![],
            suite: "trixie".into(),
            mirror: "http://deb.debian.org/debian".into(),
            packages: vec!["python3".into(), "tzdata".into()],
            image: "pybench-docker/base:runtime-trixie-abc".into(),
        }
    }

    #[test]
    fn mmdebstrap_gets_minbase_tar_packages_suite_target_mirror() {
        let args = mmdebstrap_args(&base(), Path::new("/c/x.tar"));
        assert_eq!(args[0], "--variant=minbase");
        assert!(args.contains(&"--format=tar".to_string()));
        assert!(args.contains(&"--include=python3,tzdata".to_string()));
        let n = args.len();
        assert_eq!(
            &args[n - 3..],
            [
                "trixie",
                "/c/x.tar",
                "deb http://deb.debian.org/debian trixie main"
            ]
        );
    }

    #[test]
    fn backports_are_one_more_source() {
        let b = BaseImage {
            kind: BaseKind::Builder,
            llvm: Some(21),
            extra_suites: vec!["trixie-backports".into()],
            packages: vec!["clang-21".into(), "llvm-21".into()],
            ..base()
        };
        let args = mmdebstrap_args(&b, Path::new("/c/x.tar"));
        assert_eq!(
            &args[args.len() - 2..],
            [
                "deb http://deb.debian.org/debian trixie main",
                "deb http://deb.debian.org/debian trixie-backports main"
            ]
        );
        let d = pull_dockerfile("debian:trixie-slim", &b);
        assert!(d.contains("echo 'deb http://deb.debian.org/debian trixie-backports main' >> /etc/apt/sources.list.d/pybench-docker.list; \\\n    apt-get update"), "{d}");
        assert!(!pull_dockerfile("debian:trixie-slim", &base()).contains("sources.list.d"));
    }

    #[test]
    fn pulled_bases_install_the_same_packages() {
        let d = pull_dockerfile("debian:trixie-slim", &base());
        assert!(d.starts_with("FROM debian:trixie-slim\n"));
        assert!(d.contains("python3 \\\n        tzdata"));
        assert!(d.contains("--no-install-recommends"));
    }

    #[test]
    fn every_config_value_in_the_run_line_is_one_shell_word() {
        // The config's checks refuse these; the Dockerfile would not run them either.
        let b = BaseImage {
            extra_suites: vec!["x' ; id ; echo '".into()],
            packages: vec!["ca-certificates; id".into(), "$(id)".into(), "g++".into()],
            ..base()
        };
        let d = pull_dockerfile("debian:trixie-slim", &b);
        assert!(d.contains("        'ca-certificates; id' \\\n"), "{d}");
        assert!(d.contains("        '$(id)' \\\n"), "{d}");
        assert!(d.contains("        g++; \\\n"), "{d}");
        assert!(
            d.contains("echo \"deb http://deb.debian.org/debian x' ; id ; echo ' main\" >>"),
            "{d}"
        );
        let b = BaseImage {
            extra_suites: vec!["$(id)\"`id`".into()],
            ..base()
        };
        let d = pull_dockerfile("debian:trixie-slim", &b);
        assert!(
            d.contains("echo 'deb http://deb.debian.org/debian $(id)\"`id` main' >>"),
            "{d}"
        );
    }
}
