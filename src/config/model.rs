//! The configuration file's shape. Every struct denies unknown keys so that a typo
//! ("repaet: 5") is an error with a line number instead of a silently ignored key.
//!
//! A user's file is laid over the built-in one (src/config/builtin.rs): each
//! mapping left out, in whole or in part, keeps the built-in values; a list
//! or a value given replaces the built-in one whole.

use serde::{Deserialize, Serialize};

pub use crate::options::Profile;
use crate::plan::Variant;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::config"
)]
pub struct Config {
    pub pythons: Vec<PythonRelease>,
    pub sources: Sources,
    pub build: Build,
    pub base: Base,
    pub images: Images,
    pub benchmarks: Benchmarks,
    pub containers: Containers,
    pub archives: Archives,
    /// Docker Engines to run on (`--engine` replaces them); none: DOCKER_HOST's.
    pub engines: Vec<crate::docker::address::EngineSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PythonRelease {
    /// A CPython release such as `3.13.15` or `3.15.0rc2`. For an own `source`,
    /// read from its `Include/patchlevel.h` when left out.
    #[serde(default)]
    pub version: String,
    /// sha256 of the release tarball (`Python-<version>.tar.xz`), lowercase hex.
    /// Not given for an own `source`: its content is hashed at build time.
    #[serde(default)]
    pub sha256: String,
    /// An own CPython: a checkout (directory) or a source tarball, built like a
    /// release. Relative to the config file.
    #[serde(default)]
    pub source: Option<std::path::PathBuf>,
    /// The name an own `source` goes by: `my-branch`, `my-branch-t`, ...
    #[serde(default)]
    pub name: Option<String>,
    /// Debian's spelling of the version when it differs (`3.15.0~rc2`).
    #[serde(default)]
    pub debian_version: Option<String>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::sources"
)]
pub struct Sources {
    pub mirrors: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::build"
)]
pub struct Build {
    pub profile: Profile,
    /// `make -j` per variant; 0 means the daemon's CPU count.
    pub jobs: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseMode {
    #[default]
    Auto,
    Pull,
    Bootstrap,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::base"
)]
pub struct Base {
    pub mode: BaseMode,
    pub suite: String,
    pub mirror: String,
    pub pull_image: String,
    pub builder_packages: Vec<String>,
    pub runtime_packages: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::images"
)]
pub struct Images {
    pub namespace: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::benchmarks"
)]
pub struct Benchmarks {
    /// Measured processes (containers) per configuration.
    #[serde(alias = "processes")]
    pub repeat: u32,
    /// Discarded processes per configuration.
    pub warmup: u32,
    /// Measured values per process (benchmarks/harness.py).
    pub values: u32,
    /// Discarded values per process.
    pub warmups: u32,
    /// Minimum seconds of one value; the harness calibrates loops to it.
    pub min_time: f64,
    /// Half-width of the status band in percent (`--band`); absent: 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<f64>,
    pub baseline: String,
    pub gil: GilDefaults,
    pub jit: JitDefaults,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::gil"
)]
pub struct GilDefaults {
    /// fib(n) computed by each thread per loop.
    pub n: u32,
    /// Threads; absent means the container's CPU count.
    pub threads: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::jit"
)]
pub struct JitDefaults {
    /// Calls of fib() per loop.
    pub n: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::containers"
)]
pub struct Containers {
    pub timeout_seconds: u64,
    pub memory_mb: u64,
    pub pids_limit: i64,
    pub tmpfs_mb: u64,
    pub user: String,
}

/// Caps on what one archive from elsewhere (an sdist, a wheel) may unpack to,
/// counted while unpacking.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    default = "super::builtin::archives"
)]
pub struct Archives {
    pub max_unpacked_mb: u64,
    pub max_entries: u64,
}
