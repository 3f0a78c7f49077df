//! The plan: the whole experiment matrix expanded from the configuration, as data.
//!
//! Everything downstream (build, run, ext) consumes this; nothing re-derives image
//! names, prefixes or interpreter commands on its own. Pure: no I/O.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;

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
}

impl Variant {
    /// Suffix of the command on PATH: `python3.13`, `python3.13t`, `python3.13j`.
    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Stock => "",
            Variant::FreeThreaded => "t",
            Variant::Jit => "j",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Variant::Stock => "stock",
            Variant::FreeThreaded => "t",
            Variant::Jit => "j",
        }
    }

    pub fn configure_flags(self) -> &'static [&'static str] {
        match self {
            Variant::Stock => &[],
            Variant::FreeThreaded => &["--disable-gil"],
            Variant::Jit => &["--enable-experimental-jit"],
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

/// LLVM majors each Debian suite ships as clang-N / llvm-N packages.
fn suite_llvms(suite: &str) -> Option<&'static [u32]> {
    match suite {
        "bookworm" => Some(&[13, 14, 15, 16]),
        "trixie" => Some(&[17, 18, 19]),
        "forky" | "sid" | "unstable" => Some(&[19, 20, 21]),
        _ => None,
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
    if variant == Variant::Jit {
        let llvm = version.jit_llvm().ok_or_else(|| {
            format!("pybench-docker does not know which LLVM the JIT of CPython {version} needs; drop the j variant for it.")
        })?;
        if let Some(available) = suite_llvms(suite) {
            if !available.contains(&llvm) {
                return Err(format!(
                    "the JIT of CPython {version} needs LLVM {llvm}, which Debian {suite} does not ship (it has {}). Drop `j` from that release's variants, or use a suite that has clang-{llvm}.",
                    available.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Which base image a stage starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaseKind {
    /// Compilers, headers, clang/llvm, python3 for the JIT's build step.
    Builder,
    /// Runtime libraries and the distro's python3.
    Runtime,
}

impl BaseKind {
    pub fn name(self) -> &'static str {
        match self {
            BaseKind::Builder => "builder",
            BaseKind::Runtime => "runtime",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaseImage {
    pub kind: BaseKind,
    pub suite: String,
    pub mirror: String,
    pub packages: Vec<String>,
    /// `pybench-docker/base:builder-trixie-1a2b3c4d5e6f`; the hash covers suite,
    /// mirror and packages, so an unchanged base is found and reused.
    pub image: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantBuild {
    pub version: PyVersion,
    pub sha256: String,
    pub debian_version: Option<String>,
    pub variant: Variant,
    /// `/opt/python/3.13.15-t`
    pub prefix: String,
    /// `python3.13t`
    pub command: String,
    /// `python3.13t-config`
    pub config_command: String,
    pub configure_flags: Vec<String>,
    /// Intermediate image holding the build: `pybench-docker/cpython:3.13.15-t-quick`.
    pub image: String,
}

impl VariantBuild {
    /// `3.13t`
    pub fn label(&self) -> String {
        format!("{}{}", self.version.major_minor(), self.variant.suffix())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseImages {
    pub version: PyVersion,
    /// `pybench-docker/pythons:3.13.15`: runtime base + every variant.
    pub pythons: String,
    /// `pybench-docker/builder:3.13.15`: builder base + every variant, for extensions.
    pub builder: String,
    pub variants: Vec<VariantBuild>,
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

/// One interpreter configuration: what benchmarks and extension checks run against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interpreter {
    /// Stable display name: `system`, `3.13`, `3.13t`, `3.13t -X gil=1`, `3.13j PYTHON_JIT=0`.
    pub name: String,
    /// Image to run in.
    pub image: String,
    /// Executable and interpreter options, before the script.
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// None for the distro python.
    pub variant: Option<Variant>,
    pub version: Option<PyVersion>,
    pub mode: Mode,
}

impl Interpreter {
    /// A name without spaces, for files and container names: `3.13t-X-gil-1`.
    pub fn slug(&self) -> String {
        let mut s = String::new();
        for ch in self.name.chars() {
            if ch.is_ascii_alphanumeric() || ch == '.' {
                s.push(ch);
            } else if !s.ends_with('-') {
                s.push('-');
            }
        }
        s.trim_matches('-').to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub builder_base: BaseImage,
    pub runtime_base: BaseImage,
    pub releases: Vec<ReleaseImages>,
    pub interpreters: Vec<Interpreter>,
}

/// Short stable hash for image tags.
pub fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())[..12].to_string()
}

pub fn build_plan(config: &Config) -> Result<Plan, String> {
    let ns = &config.images.namespace;
    let suite = &config.base.suite;
    let mut versions = Vec::new();
    for release in &config.pythons {
        let version = PyVersion::parse(&release.version)?;
        for &variant in &release.variants {
            validate_variant(&version, variant, suite)?;
        }
        versions.push((version, release));
    }

    // The builder base carries one clang/llvm per JIT-enabled release.
    let mut builder_packages = config.base.builder_packages.clone();
    for (version, release) in &versions {
        if release.variants.contains(&Variant::Jit) {
            if let Some(llvm) = version.jit_llvm() {
                builder_packages.push(format!("clang-{llvm}"));
                builder_packages.push(format!("llvm-{llvm}"));
            }
        }
    }
    let base = |kind: BaseKind, mut packages: Vec<String>| {
        packages.sort();
        packages.dedup();
        let hash = short_hash(&[
            kind.name(),
            suite,
            &config.base.mirror,
            &packages.join(","),
            crate::base::RECIPE_VERSION,
        ]);
        BaseImage {
            kind,
            suite: suite.clone(),
            mirror: config.base.mirror.clone(),
            image: format!("{ns}/base:{}-{suite}-{hash}", kind.name()),
            packages,
        }
    };
    let builder_base = base(BaseKind::Builder, builder_packages);
    let runtime_base = base(BaseKind::Runtime, config.base.runtime_packages.clone());

    let profile = config.build.profile;
    let mut releases = Vec::new();
    let mut interpreters = vec![Interpreter {
        name: "system".into(),
        image: String::new(), // filled below: the first release's runtime image
        argv: vec!["/usr/bin/python3".into()],
        env: BTreeMap::new(),
        variant: None,
        version: None,
        mode: Mode::Default,
    }];
    for (version, release) in &versions {
        let mm = version.major_minor();
        let pythons = format!("{ns}/pythons:{version}");
        let mut variants = Vec::new();
        let mut ordered = release.variants.clone();
        ordered.sort();
        ordered.dedup();
        for variant in ordered {
            let mut flags: Vec<String> = variant
                .configure_flags()
                .iter()
                .map(|s| s.to_string())
                .collect();
            flags.extend(profile.configure_flags().iter().map(|s| s.to_string()));
            let suffix = variant.suffix();
            let prefix = match variant {
                Variant::Stock => format!("/opt/python/{version}"),
                _ => format!("/opt/python/{version}-{suffix}"),
            };
            variants.push(VariantBuild {
                version: version.clone(),
                sha256: release.sha256.clone(),
                debian_version: release.debian_version.clone(),
                variant,
                prefix,
                command: format!("python{mm}{suffix}"),
                config_command: format!("python{mm}{suffix}-config"),
                configure_flags: flags,
                image: format!(
                    "{ns}/cpython:{version}-{}-{}",
                    variant.key(),
                    profile.name()
                ),
            });
            let command = format!("python{mm}{suffix}");
            let mut add = |name: String, argv: Vec<String>, env: &[(&str, &str)], mode: Mode| {
                interpreters.push(Interpreter {
                    name,
                    image: pythons.clone(),
                    argv,
                    env: env
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    variant: Some(variant),
                    version: Some(version.clone()),
                    mode,
                })
            };
            let label = format!("{mm}{suffix}");
            add(label.clone(), vec![command.clone()], &[], Mode::Default);
            match variant {
                Variant::Stock => {}
                Variant::FreeThreaded => add(
                    format!("{label} -X gil=1"),
                    vec![command.clone(), "-X".into(), "gil=1".into()],
                    &[],
                    Mode::GilForced,
                ),
                Variant::Jit => add(
                    format!("{label} PYTHON_JIT=0"),
                    vec![command.clone()],
                    &[("PYTHON_JIT", "0")],
                    Mode::JitOff,
                ),
            }
        }
        releases.push(ReleaseImages {
            version: version.clone(),
            builder: format!("{ns}/builder:{version}"),
            pythons,
            variants,
        });
    }
    interpreters[0].image = releases[0].pythons.clone();
    Ok(Plan {
        builder_base,
        runtime_base,
        releases,
        interpreters,
    })
}

/// Which interpreters a benchmark uses by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The free-threading comparison: system, stock, t, t -X gil=1, j.
    Gil,
    /// The JIT comparison: system, stock, j, j PYTHON_JIT=0.
    Jit,
    /// Every configuration.
    All,
}

impl Plan {
    pub fn default_interpreters(&self, selection: Selection) -> Vec<&Interpreter> {
        self.interpreters
            .iter()
            .filter(|i| match selection {
                Selection::All => true,
                Selection::Gil => i.mode != Mode::JitOff,
                Selection::Jit => i.variant != Some(Variant::FreeThreaded),
            })
            .collect()
    }

    /// Resolves user-given names (`3.13,3.13t -X gil=1`). Unknown names are an error
    /// listing the valid ones. Whitespace and case are not significant.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Interpreter>, String> {
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let mut chosen: Vec<&Interpreter> = Vec::new();
        for name in names {
            let wanted = norm(name);
            let found = self
                .interpreters
                .iter()
                .find(|i| norm(&i.name) == wanted || i.slug().to_lowercase() == wanted);
            match found {
                Some(i) if !chosen.iter().any(|c| c.name == i.name) => chosen.push(i),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "unknown interpreter {name:?}. Valid names: {}.",
                        self.interpreter_names().join(", ")
                    ))
                }
            }
        }
        if chosen.is_empty() {
            return Err(format!(
                "no interpreter selected. Valid names: {}.",
                self.interpreter_names().join(", ")
            ));
        }
        Ok(chosen)
    }

    pub fn interpreter_names(&self) -> Vec<String> {
        self.interpreters
            .iter()
            .map(|i| {
                if i.name.contains(' ') {
                    format!("\"{}\"", i.name)
                } else {
                    i.name.clone()
                }
            })
            .collect()
    }

    pub fn variant_builds(&self) -> impl Iterator<Item = &VariantBuild> {
        self.releases.iter().flat_map(|r| r.variants.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};

    fn default_plan() -> Plan {
        build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
    }

    #[test]
    fn versions_parse() {
        let v = PyVersion::parse("3.15.0rc2").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (3, 15, 0));
        assert_eq!(v.pre.as_deref(), Some("rc2"));
        assert_eq!(v.to_string(), "3.15.0rc2");
        assert_eq!(PyVersion::parse("3.13.15").unwrap().major_minor(), "3.13");
        for bad in ["3.13", "3.13.x", "3.13.1zz", "2.7.18", "3.13.1rc", ""] {
            assert!(PyVersion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_plan_has_the_tutorial_matrix() {
        let plan = default_plan();
        let names: Vec<_> = plan.interpreters.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "system",
                "3.13",
                "3.13t",
                "3.13t -X gil=1",
                "3.13j",
                "3.13j PYTHON_JIT=0"
            ]
        );
        let gil = plan
            .interpreters
            .iter()
            .find(|i| i.name == "3.13t -X gil=1")
            .unwrap();
        assert_eq!(gil.argv, ["python3.13t", "-X", "gil=1"]);
        assert_eq!(gil.image, "pybench-docker/pythons:3.13.15");
        let off = plan
            .interpreters
            .iter()
            .find(|i| i.name == "3.13j PYTHON_JIT=0")
            .unwrap();
        assert_eq!(off.env.get("PYTHON_JIT").map(String::as_str), Some("0"));
        assert_eq!(plan.interpreters[0].argv, ["/usr/bin/python3"]);
        assert_eq!(plan.interpreters[0].image, "pybench-docker/pythons:3.13.15");
    }

    #[test]
    fn variant_builds_have_prefixes_flags_and_images() {
        let plan = default_plan();
        let builds: Vec<_> = plan.variant_builds().collect();
        assert_eq!(builds.len(), 3);
        let t = builds
            .iter()
            .find(|b| b.variant == Variant::FreeThreaded)
            .unwrap();
        assert_eq!(t.prefix, "/opt/python/3.13.15-t");
        assert_eq!(t.command, "python3.13t");
        assert_eq!(t.config_command, "python3.13t-config");
        assert_eq!(t.configure_flags, ["--disable-gil"]);
        assert_eq!(t.image, "pybench-docker/cpython:3.13.15-t-quick");
        let stock = builds.iter().find(|b| b.variant == Variant::Stock).unwrap();
        assert_eq!(stock.prefix, "/opt/python/3.13.15");
        assert!(stock.configure_flags.is_empty());
    }

    #[test]
    fn release_profile_adds_pgo_and_lto() {
        let yaml = DEFAULT_YAML.replace("profile: quick", "profile: release");
        let plan = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        let j = plan
            .variant_builds()
            .find(|b| b.variant == Variant::Jit)
            .unwrap();
        assert_eq!(
            j.configure_flags,
            [
                "--enable-experimental-jit",
                "--enable-optimizations",
                "--with-lto"
            ]
        );
        assert_eq!(j.image, "pybench-docker/cpython:3.13.15-j-release");
    }

    #[test]
    fn builder_base_gets_the_jits_llvm() {
        let plan = default_plan();
        assert!(plan.builder_base.packages.contains(&"clang-18".to_string()));
        assert!(plan.builder_base.packages.contains(&"llvm-18".to_string()));
        assert!(!plan
            .runtime_base
            .packages
            .iter()
            .any(|p| p.starts_with("clang")));
        assert!(plan
            .builder_base
            .image
            .starts_with("pybench-docker/base:builder-trixie-"));
    }

    #[test]
    fn base_tag_changes_with_packages_only() {
        let a = default_plan();
        let b = default_plan();
        assert_eq!(a.builder_base.image, b.builder_base.image);
        let yaml = DEFAULT_YAML.replace("    - tzdata\n", "");
        let c = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_ne!(a.runtime_base.image, c.runtime_base.image);
        assert_eq!(a.builder_base.image, c.builder_base.image);
    }

    #[test]
    fn jit_needing_missing_llvm_is_refused_before_building() {
        let v = PyVersion::parse("3.15.0rc2").unwrap();
        let e = validate_variant(&v, Variant::Jit, "trixie").unwrap_err();
        assert!(e.contains("LLVM 21"), "{e}");
        assert!(validate_variant(&v, Variant::FreeThreaded, "trixie").is_ok());
        let v314 = PyVersion::parse("3.14.7").unwrap();
        assert!(validate_variant(&v314, Variant::Jit, "trixie").is_ok());
        let old = PyVersion::parse("3.12.7").unwrap();
        assert!(validate_variant(&old, Variant::FreeThreaded, "trixie").is_err());
    }

    #[test]
    fn selections() {
        let plan = default_plan();
        let names = |sel| {
            plan.default_interpreters(sel)
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(Selection::Gil),
            ["system", "3.13", "3.13t", "3.13t -X gil=1", "3.13j"]
        );
        assert_eq!(
            names(Selection::Jit),
            ["system", "3.13", "3.13j", "3.13j PYTHON_JIT=0"]
        );
    }

    #[test]
    fn select_by_name_normalises_and_rejects_unknown() {
        let plan = default_plan();
        let got = plan
            .select(&[
                "3.13".into(),
                "3.13T  -x GIL=1".into(),
                "3.13t-X-gil-1".into(),
            ])
            .unwrap();
        assert_eq!(got.len(), 2);
        let e = plan.select(&["3.12".into()]).unwrap_err();
        assert!(e.contains("unknown interpreter \"3.12\""), "{e}");
        assert!(e.contains("\"3.13t -X gil=1\""), "{e}");
    }

    #[test]
    fn two_releases_expand_independently() {
        let yaml = DEFAULT_YAML.replace(
            "  # Also pinned",
            "  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [t]\n  # Also pinned",
        );
        let plan = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_eq!(plan.releases.len(), 2);
        assert!(plan
            .interpreters
            .iter()
            .any(|i| i.name == "3.14t -X gil=1" && i.image == "pybench-docker/pythons:3.14.7"));
        assert!(plan.builder_base.packages.contains(&"clang-18".to_string()));
        assert!(!plan.builder_base.packages.contains(&"clang-19".to_string()));
    }

    #[test]
    fn slugs_are_file_safe() {
        let plan = default_plan();
        let slugs: Vec<_> = plan.interpreters.iter().map(|i| i.slug()).collect();
        assert!(slugs.contains(&"3.13t-X-gil-1".to_string()));
        assert!(slugs.contains(&"3.13j-PYTHON-JIT-0".to_string()));
    }
}
