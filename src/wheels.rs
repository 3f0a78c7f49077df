//! Pure-Python wheels from PyPI that the containers need: pyperf (for users'
//! pyperf scripts), pyperformance (its benchmarks) and pip (`ext` builds). Each is pinned by
//! sha256, downloaded on the host the first time, cached, and mounted
//! read-only into the containers, where Python imports it straight from the
//! zip: no install, no network inside.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};

/// One pinned wheel.
pub struct Wheel {
    pub file: &'static str,
    pub sha256: &'static str,
    url: &'static str,
    /// `pip download` arguments that fetch the same file by hand.
    requirement: &'static str,
    /// What needs it, for the error message.
    purpose: &'static str,
}

pub const PYPERF: Wheel = Wheel {
    file: "pyperf-2.11.0-py3-none-any.whl",
    sha256: "11c0034bb29a79796417a6e5a7852ff4814a33cce24aeb6d268676c3a52dfda6",
    url: "https://files.pythonhosted.org/packages/0e/bf/5d947464c2f47408b8ba259ee2bba58cb042404db368efb5a3080e801cb7/pyperf-2.11.0-py3-none-any.whl",
    requirement: "pyperf==2.11.0",
    purpose: "pyperf scripts and pyperformance need pyperf",
};

pub const PYPERFORMANCE: Wheel = Wheel {
    file: "pyperformance-1.14.0-py3-none-any.whl",
    sha256: "94068ac2935b6952ccb5e8a302eb9cebc26e82454494bef6e53822738adf0049",
    url: "https://files.pythonhosted.org/packages/39/fc/793a5bf51635d90151c7a4c5ca8aad3fb5eef910321f7bad307314c4a857/pyperformance-1.14.0-py3-none-any.whl",
    requirement: "pyperformance==1.14.0",
    purpose: "`run pyperformance` takes its benchmarks from pyperformance",
};

/// pip, run straight from its wheel (`python pip.whl/pip wheel …`) to build
/// packages' wheels in the builder image without installing anything there.
pub const PIP: Wheel = Wheel {
    file: "pip-26.3-py3-none-any.whl",
    sha256: "f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13",
    url: "https://files.pythonhosted.org/packages/07/25/ee8c38ae72d66b844ce8eb9711ba905dba21ca1a8a0c960057c41cd23337/pip-26.3-py3-none-any.whl",
    requirement: "pip==26.3",
    purpose: "`ext` builds packages with pip",
};

impl Wheel {
    /// Where the wheel is cached on the host (whether or not it is there yet).
    pub fn cached(&self, cache: &Path) -> PathBuf {
        cache.join("wheels").join(self.file)
    }

    /// Where the wheel appears in a container.
    pub fn in_container(&self) -> String {
        format!("/opt/wheels/{}", self.file)
    }

    /// The verified wheel in the cache, downloaded the first time.
    pub fn ensure(&self, cache: &Path) -> Result<PathBuf> {
        let dir = cache.join("wheels");
        crate::download::fetch_pinned(self.url, self.file, self.sha256, &dir).map_err(|reason| {
            anyhow!(
                "{}, which is fetched from PyPI on first use, and that failed ({reason}). \
                 Check the network, or download {} (sha256 {}) yourself \
                 (`pip download {} --no-deps`) and put it in {}.",
                self.purpose,
                self.file,
                self.sha256,
                self.requirement,
                dir.display()
            )
        })
    }
}

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

    #[test]
    fn a_missing_wheel_says_how_to_fetch_it_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let offline = Wheel {
            url: "file:///nowhere/pyperf.whl",
            ..PYPERF
        };
        let e = offline.ensure(dir.path()).unwrap_err().to_string();
        assert!(e.contains("pip download pyperf==2.11.0 --no-deps"), "{e}");
        assert!(
            e.contains(&dir.path().join("wheels").display().to_string()),
            "{e}"
        );
        assert_eq!(
            PYPERF.cached(dir.path()),
            dir.path().join("wheels").join(PYPERF.file)
        );
    }
}
