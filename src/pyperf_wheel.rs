//! pyperf for users' pyperf scripts: the pure-Python wheel from PyPI, pinned
//! by sha256, cached on the host and mounted read-only into the containers,
//! where Python imports it straight from the zip (no install, no network).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};

/// The pinned release.
pub const FILE: &str = "pyperf-2.11.0-py3-none-any.whl";
pub const SHA256: &str = "11c0034bb29a79796417a6e5a7852ff4814a33cce24aeb6d268676c3a52dfda6";
const URL: &str = "https://files.pythonhosted.org/packages/0e/bf/5d947464c2f47408b8ba259ee2bba58cb042404db368efb5a3080e801cb7/pyperf-2.11.0-py3-none-any.whl";

/// Where the wheel appears in a container; on `PYTHONPATH` there.
pub const IN_CONTAINER: &str = "/opt/pyperf/pyperf-2.11.0-py3-none-any.whl";

/// Whether a script uses pyperf (`import pyperf` or `from pyperf import …`
/// at the start of a line). Pure.
pub fn script_uses_pyperf(source: &str) -> bool {
    let module = |name: &str| name.trim().split([' ', '.']).next() == Some("pyperf");
    source.lines().map(str::trim_start).any(|line| {
        if let Some(names) = line.strip_prefix("import ") {
            names.split(',').any(module)
        } else if let Some(from) = line.strip_prefix("from ") {
            module(from)
        } else {
            false
        }
    })
}

/// The verified wheel in `cache/wheels`, downloaded the first time.
pub fn ensure(cache: &Path) -> Result<PathBuf> {
    let dir = cache.join("wheels");
    crate::sources::fetch_pinned(URL, FILE, SHA256, &dir).map_err(|reason| {
        anyhow!(
            "this script uses pyperf, which is fetched from PyPI on first use, and that failed ({reason}). \
             Check the network, or download {FILE} (sha256 {SHA256}) from PyPI yourself \
             (`pip download pyperf==2.11.0 --no-deps`) and put it in {}.",
            dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyperf_scripts_are_recognised() {
        assert!(script_uses_pyperf(
            "import pyperf\nrunner = pyperf.Runner()\n"
        ));
        assert!(script_uses_pyperf("  from pyperf import Runner\n"));
        assert!(script_uses_pyperf("import os, pyperf.tests"));
        assert!(!script_uses_pyperf(
            "import pyperformance\n# import pyperf\n"
        ));
        assert!(!script_uses_pyperf("x = 'import pyperf'\n"));
    }
}
