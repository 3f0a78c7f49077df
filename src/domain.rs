//! The words of the domain, with no dependencies: CPython versions, build
//! variants, runtime modes, and which (version, variant) pairs can be built.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A CPython build variant. Typed, with one canonical spelling (`stock`, `t`, `j`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Variant {
    #[serde(rename = "stock")]
    Stock,
    /// Free-threaded: `--disable-gil`, ABI flag `t`.
    #[serde(rename = "t")]
    FreeThreaded,
    /// The experimental JIT: `--enable-experimental-jit`.
    #[serde(rename = "j")]
    Jit,
    /// Free-threaded with the JIT (3.15+): both flags.
    #[serde(rename = "tj")]
    FreeThreadedJit,
}

impl Variant {
    /// Suffix of the command on PATH: `python3.13`, `python3.13t`, `python3.13j`.
    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Stock => "",
            Variant::FreeThreaded => "t",
            Variant::Jit => "j",
            Variant::FreeThreadedJit => "tj",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Variant::Stock => "stock",
            Variant::FreeThreaded => "t",
            Variant::Jit => "j",
            Variant::FreeThreadedJit => "tj",
        }
    }

    /// Built with `--disable-gil`.
    pub fn is_free_threaded(self) -> bool {
        matches!(self, Variant::FreeThreaded | Variant::FreeThreadedJit)
    }

    /// Built with the JIT, so it needs LLVM at build time.
    pub fn has_jit(self) -> bool {
        matches!(self, Variant::Jit | Variant::FreeThreadedJit)
    }

    pub fn configure_flags(self) -> &'static [&'static str] {
        match self {
            Variant::Stock => &[],
            Variant::FreeThreaded => &["--disable-gil"],
            Variant::Jit => &["--enable-experimental-jit"],
            Variant::FreeThreadedJit => &["--disable-gil", "--enable-experimental-jit"],
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

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

    /// The LLVM major version the experimental JIT needs at build time.
    pub fn jit_llvm(&self) -> Option<u32> {
        match (self.major, self.minor) {
            (3, 13) => Some(18),
            (3, 14) => Some(19),
            (3, 15) => Some(21),
            _ => None,
        }
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

/// LLVM majors each Debian suite ships as clang-N / llvm-N packages, and those
/// its backports add.
fn suite_llvms(suite: &str) -> Option<(&'static [u32], &'static [u32])> {
    match suite {
        "bookworm" => Some((&[13, 14, 15, 16], &[])),
        "trixie" => Some((&[17, 18, 19], &[20, 21])),
        "forky" | "sid" | "unstable" => Some((&[19, 20, 21], &[])),
        _ => None,
    }
}

/// Where apt finds clang-N and llvm-N for `suite`: the suite itself (`None`) or
/// its backports (`Some("trixie-backports")`). An unknown suite is trusted to
/// have it. Pure.
pub fn llvm_suite(suite: &str, llvm: u32) -> Result<Option<String>, String> {
    let Some((main, backports)) = suite_llvms(suite) else {
        return Ok(None);
    };
    if main.contains(&llvm) {
        Ok(None)
    } else if backports.contains(&llvm) {
        Ok(Some(format!("{suite}-backports")))
    } else {
        let known: Vec<String> = main
            .iter()
            .chain(backports)
            .map(|v| v.to_string())
            .collect();
        Err(format!(
            "Debian {suite} ships LLVM {} (backports included), not LLVM {llvm}",
            known.join(", ")
        ))
    }
}

/// Is this (version, variant) buildable on this suite? A pure check, so the answer
/// comes before any minute is spent compiling.
pub fn validate_variant(version: &PyVersion, variant: Variant, suite: &str) -> Result<(), String> {
    if version.minor < 13 && variant != Variant::Stock {
        return Err(format!(
            "CPython {version} has no {} variant: free threading and the JIT arrived in 3.13.",
            variant
        ));
    }
    if variant == Variant::FreeThreadedJit {
        match version.minor {
            13 => return Err(format!("CPython {version} cannot have the tj variant: a free-threaded 3.13 builds with the JIT but never runs it, so it would measure the plain free-threaded interpreter under another name. Use `t` and `j` as separate variants, or `tj` on 3.15.")),
            14 => return Err(format!("CPython {version} cannot have the tj variant: 3.14's configure refuses --enable-experimental-jit together with --disable-gil. Use `t` and `j` as separate variants, or `tj` on 3.15.")),
            _ => {}
        }
    }
    if variant.has_jit() {
        let llvm = version.jit_llvm().ok_or_else(|| {
            format!("pybench-docker does not know which LLVM the JIT of CPython {version} needs; drop the {variant} variant for it.")
        })?;
        llvm_suite(suite, llvm).map_err(|why| {
            format!(
                "the JIT of CPython {version} needs LLVM {llvm}, but {why}. Drop `{variant}` from that release's variants, or set base.suite to a Debian suite that has clang-{llvm}."
            )
        })?;
    }
    Ok(())
}

/// A runtime switch applied to an interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Default,
    /// `-X gil=1` on a free-threaded build.
    GilForced,
    /// `PYTHON_JIT=0` on a JIT build.
    JitOff,
}
