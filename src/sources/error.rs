//! Everything that can go wrong while obtaining a source tarball.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong while obtaining a source tarball.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "the CPython source pin is invalid: {problem}. Fix the version/sha256 pair in \
         config.yaml; versions look like 3.13.1 or 3.15.0rc2 and the sha256 is the 64 hex \
         digits published next to the tarball on python.org."
    )]
    InvalidSpec { problem: String },

    #[error(
        "the mirror URL template {template:?} uses the unknown placeholder {{{placeholder}}}. \
         Only {{version}}, {{major_minor}} and {{debian_version}} are supported; fix the \
         mirror list in config.yaml."
    )]
    UnknownPlaceholder {
        template: String,
        placeholder: String,
    },

    #[error(
        "the mirror URL template {template:?} has a `{{` without a matching `}}`. Close the \
         placeholder, e.g. {{version}}, in the mirror list in config.yaml."
    )]
    UnclosedPlaceholder { template: String },

    #[error(
        "no mirrors are configured for the CPython {version} source tarball. Add at least \
         one mirror URL to config.yaml, or place Python-{version}.tar.xz in the cache directory."
    )]
    NoMirrors { version: String },

    #[error(
        "could not use the source cache at {path}: {source}. Make sure the directory is \
         writable and that the disk is not full, or move the cache by setting the \
         XDG_CACHE_HOME environment variable (sources are kept in \
         $XDG_CACHE_HOME/pybench-docker/sources, by default ~/.cache/pybench-docker/sources)."
    )]
    Cache {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{}", all_failed_message(.version, .attempts, .cache_path))]
    AllMirrorsFailed {
        version: String,
        /// `(url, why it failed)` for every URL tried, in order.
        attempts: Vec<(String, String)>,
        /// Where a manually downloaded tarball would be picked up.
        cache_path: PathBuf,
    },
}

fn all_failed_message(version: &str, attempts: &[(String, String)], cache_path: &Path) -> String {
    let mut msg =
        format!("could not obtain the CPython {version} source tarball from any mirror:\n");
    for (url, why) in attempts {
        let _ = writeln!(msg, "  - {url}: {why}");
    }
    let _ = write!(
        msg,
        "Check that the sha256 pinned for {version} in config.yaml matches the one published \
         on python.org, add a reachable mirror to config.yaml, or download the tarball yourself \
         and place it at {} (it is used as soon as its sha256 matches).",
        cache_path.display()
    );
    msg
}
