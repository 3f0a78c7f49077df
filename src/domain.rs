//! The words of the domain, with no dependencies: CPython versions and
//! runtime modes. A build's options are [`crate::options`]; which (version,
//! options) pairs can be built, [`crate::toolchain`].

use std::fmt;

pub use crate::options::Variant;
pub use crate::toolchain::validate_variant;

use serde::{Deserialize, Serialize};

/// A parsed CPython version: `3.13.15`, `3.15.0rc2`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PyVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// Pre-release tag such as `rc2`, `b1`, `a7`.
    pub pre: Option<String>,
}

impl PyVersion {
    pub fn parse(s: &str) -> Result<PyVersion, String> {
        let bad = || {
            format!("{s:?} is not a CPython release version: write it like 3.13.15 or 3.15.0rc2.")
        };
        let mut parts = s.splitn(3, '.');
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let minor = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let last = parts.next().ok_or_else(bad)?;
        let digits = last
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(last.len());
        let patch = last[..digits].parse().map_err(|_| bad())?;
        let pre = &last[digits..];
        let pre = if pre.is_empty() {
            None
        } else {
            let tag_len = pre.find(|c: char| c.is_ascii_digit()).ok_or_else(bad)?;
            let (tag, num) = pre.split_at(tag_len);
            if !matches!(tag, "a" | "b" | "rc") || !num.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            Some(pre.to_string())
        };
        if major != 3 {
            return Err(format!("{s:?}: only CPython 3.x is supported."));
        }
        Ok(PyVersion {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// `3.13`: the name the interpreters carry (`python3.13t`).
    pub fn major_minor(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            f.write_str(pre)?;
        }
        Ok(())
    }
}

/// A runtime switch applied to an interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Default,
    /// `-X gil=1` on a free-threaded build.
    GilForced,
    /// `PYTHON_JIT=0` on a JIT build.
    JitOff,
}

impl Mode {
    /// What the configuration's name adds: ` -X gil=1`, ` PYTHON_JIT=0`.
    pub fn name_suffix(&self) -> &'static str {
        match self {
            Mode::Default => "",
            Mode::GilForced => " -X gil=1",
            Mode::JitOff => " PYTHON_JIT=0",
        }
    }

    /// Interpreter options it adds before the script.
    pub fn args(&self) -> &'static [&'static str] {
        match self {
            Mode::GilForced => &["-X", "gil=1"],
            _ => &[],
        }
    }

    /// Environment it sets.
    pub fn env(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            Mode::JitOff => &[("PYTHON_JIT", "0")],
            _ => &[],
        }
    }
}
