//! The toolchain table: which LLVM each CPython version's JIT needs, which
//! LLVM each Debian suite ships, and from these, what a build's options ask
//! of its builder base and whether the version and suite can build them at
//! all. A refusal says why, before anything is built. Pure.

use crate::domain::PyVersion;
use crate::options::{BuildOption, ToolchainNeed, Variant};

/// The LLVM major of a CPython version's toolchain: what its JIT generates
/// stencils with (3.13 → 18, 3.14 → 19, 3.15 → 21).
pub fn version_llvm(version: &PyVersion) -> Option<u32> {
    match (version.major, version.minor) {
        (3, 13) => Some(18),
        (3, 14) => Some(19),
        (3, 15) => Some(21),
        _ => None,
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

/// What a build asks of its toolchain beyond the configured builder packages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toolchain {
    /// The LLVM its builder base carries (clang-N, llvm-N).
    pub llvm: Option<u32>,
    /// `./configure` arguments that choose the compiler (none: the base's GCC).
    pub compiler_flags: Vec<String>,
    /// Further packages of the builder base (`libclang-rt-19-dev`).
    pub packages: Vec<String>,
}

/// The toolchain a build of `variant` of `version` needs: the version's LLVM
/// when an option needs one. Pure; [`validate_variant`] has said it exists.
pub fn toolchain(version: &PyVersion, variant: Variant) -> Toolchain {
    let mut out = Toolchain::default();
    for option in variant.options() {
        if let Some(llvm) = version_llvm(version) {
            let llvm = llvm.to_string();
            (out.packages).extend(option.packages.iter().map(|p| p.replace("{llvm}", &llvm)));
        }
    }
    for need in variant.options().filter_map(|s| s.toolchain) {
        let llvm = version_llvm(version);
        match need {
            ToolchainNeed::JitLlvm => out.llvm = llvm,
            // The version's own clang, so the JIT's base serves, with its
            // llvm-ar and llvm-profdata named: configure looks for them
            // (LTO, PGO) beside a compiler called plain `clang` only.
            // configure's cached answers are GCC's: not read.
            ToolchainNeed::Clang { .. } => {
                out.llvm = llvm;
                out.compiler_flags = llvm
                    .map(|n| {
                        let bin = format!("/usr/lib/llvm-{n}/bin");
                        [
                            format!("CC={bin}/clang"),
                            format!("LLVM_AR={bin}/llvm-ar"),
                            format!("LLVM_PROFDATA={bin}/llvm-profdata"),
                        ]
                    })
                    .into_iter()
                    .flatten()
                    .chain(["--cache-file=/dev/null".to_string()])
                    .collect();
            }
        }
    }
    out
}

/// Pairs of options a version cannot build together, and why.
fn refused_pair(version: &PyVersion, variant: Variant) -> Option<String> {
    if variant.has(BuildOption::ThreadSanitizer) && !variant.is_free_threaded() {
        return Some(format!("CPython {version} cannot have the {variant} variant here: the ThreadSanitizer build is of the free-threaded interpreter, where extensions race. Write `tsan` (free-threaded with ThreadSanitizer)."));
    }
    if variant != Variant::FREE_THREADED_JIT {
        return None;
    }
    match version.minor {
        13 => Some(format!("CPython {version} cannot have the tj variant: a free-threaded 3.13 builds with the JIT but never runs it, so it would measure the plain free-threaded interpreter under another name. Use `t` and `j` as separate variants, or `tj` on 3.15.")),
        14 => Some(format!("CPython {version} cannot have the tj variant: 3.14's configure refuses --enable-experimental-jit together with --disable-gil. Use `t` and `j` as separate variants, or `tj` on 3.15.")),
        _ => None,
    }
}

/// Is this (version, variant) buildable on this suite? A pure check, so the answer
/// comes before any minute is spent compiling.
pub fn validate_variant(version: &PyVersion, variant: Variant, suite: &str) -> Result<(), String> {
    for option in variant.options() {
        if version.minor < option.since_minor {
            return Err(format!(
                "CPython {version} cannot have the {variant} variant: the {} build arrived in 3.{}.",
                option.words, option.since_minor
            ));
        }
    }
    if let Some(why) = refused_pair(version, variant) {
        return Err(why);
    }
    for option in variant.options() {
        let Some(need) = option.toolchain else {
            continue;
        };
        let llvm = version_llvm(version).ok_or_else(|| {
            format!("pybench-docker does not know which LLVM the {} build of CPython {version} needs; drop the {variant} variant for it.", option.words)
        })?;
        let what = match need {
            ToolchainNeed::JitLlvm => format!("the JIT of CPython {version} needs LLVM {llvm}"),
            ToolchainNeed::Clang { min } if llvm < min => {
                return Err(format!("CPython {version} cannot have the {variant} variant: the {} build needs clang {min} or newer, and that version's toolchain is LLVM {llvm}.", option.words))
            }
            ToolchainNeed::Clang { min } => format!("the {} build of CPython {version} needs clang {min} or newer (clang-{llvm}, its toolchain's)", option.words),
        };
        llvm_suite(suite, llvm).map_err(|why| {
            format!(
                "{what}, but {why}. Drop `{variant}` from that release's variants, or set base.suite to a Debian suite that has clang-{llvm}."
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> PyVersion {
        PyVersion::parse(text).unwrap()
    }

    #[test]
    fn the_tail_calling_build_needs_3_14_and_clang_19() {
        let c = Variant::parse("c").unwrap();
        assert!(validate_variant(&v("3.14.7"), c, "trixie").is_ok());
        assert!(validate_variant(&v("3.15.0rc2"), c, "trixie").is_ok());
        let e = validate_variant(&v("3.13.15"), c, "trixie").unwrap_err();
        assert!(e.contains("tail-calling build arrived in 3.14"), "{e}");
        let e = validate_variant(&v("3.14.7"), c, "bookworm").unwrap_err();
        assert!(
            e.contains("clang 19 or newer") && e.contains("bookworm"),
            "{e}"
        );
        // Free threading with it is a build 3.14 makes.
        let tc = Variant::parse("tc").unwrap();
        assert!(validate_variant(&v("3.14.7"), tc, "trixie").is_ok());
    }

    #[test]
    fn the_thread_sanitizer_build_is_free_threaded_3_13_on_with_clang() {
        let tsan = Variant::THREAD_SANITIZER;
        assert!(validate_variant(&v("3.13.15"), tsan, "trixie").is_ok());
        assert!(validate_variant(&v("3.14.7"), tsan, "trixie").is_ok());
        let e = validate_variant(&v("3.12.9"), tsan, "trixie").unwrap_err();
        assert!(e.contains("free-threaded build arrived in 3.13"), "{e}");
        let san = Variant::parse("san").unwrap();
        let e = validate_variant(&v("3.14.7"), san, "trixie").unwrap_err();
        assert!(e.contains("Write `tsan`"), "{e}");
        let e = validate_variant(&v("3.14.7"), tsan, "bookworm").unwrap_err();
        assert!(
            e.contains("clang 18 or newer") && e.contains("bookworm"),
            "{e}"
        );
        let t = toolchain(&v("3.13.15"), tsan);
        assert_eq!(t.llvm, Some(18));
        assert_eq!(t.packages, ["libclang-rt-18-dev"]);
        assert_eq!(t.compiler_flags[0], "CC=/usr/lib/llvm-18/bin/clang");
        assert_eq!(toolchain(&v("3.14.7"), tsan).llvm, Some(19));
    }

    #[test]
    fn the_tail_calling_build_compiles_with_the_versions_clang() {
        let c = Variant::parse("c").unwrap();
        let t = toolchain(&v("3.14.7"), c);
        assert_eq!(t.llvm, Some(19));
        assert_eq!(
            t.compiler_flags,
            [
                "CC=/usr/lib/llvm-19/bin/clang",
                "LLVM_AR=/usr/lib/llvm-19/bin/llvm-ar",
                "LLVM_PROFDATA=/usr/lib/llvm-19/bin/llvm-profdata",
                "--cache-file=/dev/null"
            ]
        );
        assert_eq!(toolchain(&v("3.15.0rc2"), c).llvm, Some(21));
        // The JIT needs LLVM beside GCC, not clang as the compiler.
        let j = toolchain(&v("3.14.7"), Variant::JIT);
        assert_eq!((j.llvm, j.compiler_flags.len()), (Some(19), 0));
        assert_eq!(
            toolchain(&v("3.14.7"), Variant::STOCK),
            Toolchain::default()
        );
    }
}
