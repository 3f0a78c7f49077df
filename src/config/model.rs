//! The configuration file's shape. Every struct denies unknown keys so that a typo
//! ("repaet: 5") is an error with a line number instead of a silently ignored key.

use serde::{Deserialize, Serialize};

use crate::plan::Variant;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub pythons: Vec<PythonRelease>,
    pub sources: Sources,
    pub build: Build,
    pub base: Base,
    pub images: Images,
    pub benchmarks: Benchmarks,
    pub containers: Containers,
    /// Docker Engines to run on (`--engine` replaces them); none: DOCKER_HOST's.
    #[serde(default)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Sources {
    pub mirrors: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    Quick,
    Release,
}

impl Profile {
    pub fn configure_flags(self) -> &'static [&'static str] {
        match self {
            Profile::Quick => &[],
            Profile::Release => &["--enable-optimizations", "--with-lto"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Release => "release",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Build {
    pub profile: Profile,
    /// `make -j` per variant; 0 means the daemon's CPU count.
    #[serde(default)]
    pub jobs: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseMode {
    Auto,
    Pull,
    Bootstrap,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Base {
    pub mode: BaseMode,
    pub suite: String,
    pub mirror: String,
    pub pull_image: String,
    pub builder_packages: Vec<String>,
    pub runtime_packages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Images {
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Benchmarks {
    /// Measured processes (containers) per configuration.
    #[serde(alias = "processes")]
    pub repeat: u32,
    /// Discarded processes per configuration.
    #[serde(default)]
    pub warmup: u32,
    /// Measured values per process (benchmarks/harness.py).
    #[serde(default = "default_values")]
    pub values: u32,
    /// Discarded values per process.
    #[serde(default = "default_warmups")]
    pub warmups: u32,
    /// Minimum seconds of one value; the harness calibrates loops to it.
    #[serde(default = "default_min_time")]
    pub min_time: f64,
    pub baseline: String,
    pub gil: GilDefaults,
    pub jit: JitDefaults,
}

fn default_values() -> u32 {
    10
}

fn default_warmups() -> u32 {
    1
}

fn default_min_time() -> f64 {
    0.1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GilDefaults {
    /// fib(n) computed by each thread per loop.
    pub n: u32,
    /// Threads; absent means the container's CPU count.
    #[serde(default)]
    pub threads: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct JitDefaults {
    /// Calls of fib() per loop.
    pub n: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Containers {
    pub timeout_seconds: u64,
    pub memory_mb: u64,
    pub pids_limit: i64,
    pub tmpfs_mb: u64,
    pub user: String,
}
