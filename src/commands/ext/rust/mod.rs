//! PyO3/maturin and setuptools-rust packages: a Rust toolchain layered on
//! the builder image (`layer`), their crates read from the Cargo.lock
//! files (`lock`), fetched and checked on the host and vendored (`vendor`),
//! mounted read-only into the build container with a cargo configuration
//! that replaces crates.io with them and keeps cargo offline.

pub mod layer;
pub mod lock;
pub mod project;
pub mod vendor;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::commands::App;
use crate::docker::BindMount;
use crate::packages::unpack::Caps;
pub use vendor::CrateSources;

/// A build step's extra mounts and environment.
pub type StepSide = (Vec<BindMount>, Vec<(String, String)>);

/// Where the vendored crates are in a build container.
pub const VENDOR_MOUNT: &str = "/crates";

/// A package built with Rust, made ready on the host.
#[derive(Debug, Clone, PartialEq)]
pub struct RustBuild {
    /// The vendored crates; none when the sdist vendors its own.
    pub vendor: Option<PathBuf>,
    /// How many crates were fetched and vendored.
    pub crates: usize,
    /// Each builder image's Rust layer, once made on the engine.
    pub layers: BTreeMap<String, String>,
}

/// The package's Rust side, when it has one: its crates vendored under
/// `dir/crates`. Refused, before any container starts, when the crates
/// cannot be pinned (no Cargo.lock, git dependencies).
pub fn prepare(
    project: &Path,
    requires: &[String],
    sources: &CrateSources,
    dir: &Path,
    caps: Caps,
) -> Result<Option<RustBuild>> {
    let found = project::scan(project);
    let backend = project::requires_rust(requires);
    // Without a Rust backend, only a Cargo.toml at the top makes a Rust
    // build (setuptools-rust named in setup.py only); one deeper down (an
    // example, a test fixture) does not.
    let at_top = found.manifests.iter().any(|m| m.parent() == Some(project));
    if !backend && !at_top {
        return Ok(None);
    }
    if found.vendored_by.is_some() {
        return Ok(Some(RustBuild {
            vendor: None,
            crates: 0,
            layers: BTreeMap::new(),
        }));
    }
    if found.locks.is_empty() {
        let why = match found.manifests.first() {
            Some(m) => format!("has {} but no Cargo.lock", m.display()),
            None => format!(
                "builds with Rust (its build requirements: {}) but has no Cargo.lock",
                requires.join(", ")
            ),
        };
        bail!("the package {why}, and its sdist vendors no crates: the crates cannot be pinned and fetched on this machine (the build container has no network). Generate the lock (`cargo generate-lockfile` in the project) or ask the package to ship Cargo.lock in its sdist.");
    }
    let mut lists = Vec::new();
    for path in &found.locks {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        lists.push(lock::crates_of(&text, &path.display().to_string())?);
    }
    let crates = lock::merge(lists)?;
    let vendored = dir.join("crates");
    vendor::vendor(&crates, sources, &vendored, caps)?;
    Ok(Some(RustBuild {
        vendor: Some(vendored),
        crates: crates.len(),
        layers: BTreeMap::new(),
    }))
}

/// The Rust layer of every builder image in `builders`, made on `app`'s engine.
pub async fn ensure_layers(app: &App, rust: &mut RustBuild, builders: &[String]) -> Result<()> {
    for builder in builders {
        if !rust.layers.contains_key(builder) {
            let layer = layer::ensure(app, builder).await?;
            rust.layers.insert(builder.clone(), layer);
        }
    }
    Ok(())
}

/// The image a build step of `builder`'s release runs in. Pure.
pub fn build_image(rust: Option<&RustBuild>, builder: &str) -> String {
    rust.and_then(|r| r.layers.get(builder))
        .cloned()
        .unwrap_or_else(|| builder.to_string())
}

/// The mounts and environment of a build step whose work folder is `work`
/// in the container: the crates read-only, CARGO_HOME in the work folder
/// (cargo writes there), offline. Pure.
pub fn mounts_and_env(rust: &RustBuild, work: &str) -> StepSide {
    let mounts = (rust.vendor.iter())
        .map(|v| BindMount {
            host: v.display().to_string(),
            container: VENDOR_MOUNT.into(),
            read_only: true,
        })
        .collect();
    let env = [
        ("CARGO_HOME", format!("{work}/cargo-home")),
        ("CARGO_NET_OFFLINE", "true".into()),
        ("CARGO_TERM_COLOR", "never".into()),
    ]
    .map(|(k, v)| (k.to_string(), v))
    .to_vec();
    (mounts, env)
}

/// The CARGO_HOME of a build step, on the host (`host_work` is the step's
/// work folder), with its configuration; writable by the container's user.
pub fn write_cargo_home(rust: &RustBuild, host_work: &Path) -> Result<()> {
    let home = host_work.join("cargo-home");
    std::fs::create_dir_all(&home).with_context(|| format!("cannot create {}", home.display()))?;
    for dir in [host_work, &home] {
        crate::commands::ext::set_mode(dir, 0o777)?;
    }
    let config = vendor::cargo_config(rust.vendor.as_ref().map(|_| VENDOR_MOUNT));
    let path = home.join("config.toml");
    std::fs::write(&path, config).with_context(|| format!("cannot write {}", path.display()))
}

/// Everything a build step in `work` (`host_work` on the host) needs of Rust:
/// its CARGO_HOME written, its mounts and environment.
pub fn for_step(rust: Option<&RustBuild>, host_work: &Path, work: &str) -> Result<StepSide> {
    let Some(rust) = rust else {
        return Ok((vec![], vec![]));
    };
    write_cargo_home(rust, host_work)?;
    Ok(mounts_and_env(rust, work))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
