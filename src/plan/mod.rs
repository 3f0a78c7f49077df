//! The plan: the whole experiment matrix expanded from the configuration, as data.
//!
//! Everything downstream (build, run, ext) consumes this; nothing re-derives image
//! names, prefixes or interpreter commands on its own. Pure: no I/O.

mod select;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, PythonRelease as Python};
pub use crate::domain::{validate_variant, Mode, PyVersion, Variant};
pub use select::Selection;

/// Bumped when the way bases are made (commands/build/base.rs) changes, so old
/// base tags are not reused.
pub const BASE_RECIPE_VERSION: &str = "base-recipe-1";

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

/// Expands the configuration into the plan, checking every (version, variant)
/// before anything is built.
pub fn build_plan(config: &Config) -> Result<Plan, String> {
    let mut versions = Vec::new();
    for release in &config.pythons {
        let version = PyVersion::parse(&release.version)?;
        for &variant in &release.variants {
            validate_variant(&version, variant, &config.base.suite)?;
        }
        versions.push((version, release));
    }
    let (builder_base, runtime_base) = bases(config, &versions);
    let mut releases = Vec::new();
    let mut interpreters = vec![system_interpreter()];
    for (version, release) in &versions {
        let r = release_images(config, version, release);
        for v in &r.variants {
            interpreters.extend(interpreters_of(v, &r.pythons));
        }
        releases.push(r);
    }
    // The distro's python3 runs in the first release's runtime image.
    interpreters[0].image = releases[0].pythons.clone();
    Ok(Plan {
        builder_base,
        runtime_base,
        releases,
        interpreters,
    })
}

/// The builder and runtime bases, tagged with a hash of their recipe. The
/// builder carries one clang/llvm per JIT-enabled release.
fn bases(config: &Config, versions: &[(PyVersion, &Python)]) -> (BaseImage, BaseImage) {
    let mut builder_packages = config.base.builder_packages.clone();
    for (version, release) in versions {
        if let (true, Some(llvm)) = (release.variants.contains(&Variant::Jit), version.jit_llvm()) {
            builder_packages.push(format!("clang-{llvm}"));
            builder_packages.push(format!("llvm-{llvm}"));
        }
    }
    (
        base_image(config, BaseKind::Builder, builder_packages),
        base_image(
            config,
            BaseKind::Runtime,
            config.base.runtime_packages.clone(),
        ),
    )
}

fn base_image(config: &Config, kind: BaseKind, mut packages: Vec<String>) -> BaseImage {
    let (ns, suite) = (&config.images.namespace, &config.base.suite);
    packages.sort();
    packages.dedup();
    let hash = short_hash(&[
        kind.name(),
        suite,
        &config.base.mirror,
        &packages.join(","),
        BASE_RECIPE_VERSION,
    ]);
    BaseImage {
        kind,
        suite: suite.clone(),
        mirror: config.base.mirror.clone(),
        image: format!("{ns}/base:{}-{suite}-{hash}", kind.name()),
        packages,
    }
}

/// One release's variant builds (each variant once, in canonical order) and
/// the names of its `pythons` and `builder` images.
fn release_images(config: &Config, version: &PyVersion, release: &Python) -> ReleaseImages {
    let ns = &config.images.namespace;
    let mut ordered = release.variants.clone();
    ordered.sort();
    ordered.dedup();
    ReleaseImages {
        version: version.clone(),
        builder: format!("{ns}/builder:{version}"),
        pythons: format!("{ns}/pythons:{version}"),
        variants: ordered
            .into_iter()
            .map(|variant| variant_build(config, version, release, variant))
            .collect(),
    }
}

fn variant_build(
    config: &Config,
    version: &PyVersion,
    release: &Python,
    variant: Variant,
) -> VariantBuild {
    let profile = config.build.profile;
    let (mm, suffix) = (version.major_minor(), variant.suffix());
    let configure_flags = (variant.configure_flags().iter())
        .chain(profile.configure_flags())
        .map(|s| s.to_string())
        .collect();
    VariantBuild {
        version: version.clone(),
        sha256: release.sha256.clone(),
        debian_version: release.debian_version.clone(),
        variant,
        prefix: match variant {
            Variant::Stock => format!("/opt/python/{version}"),
            _ => format!("/opt/python/{version}-{suffix}"),
        },
        command: format!("python{mm}{suffix}"),
        config_command: format!("python{mm}{suffix}-config"),
        configure_flags,
        image: format!(
            "{}/cpython:{version}-{}-{}",
            config.images.namespace,
            variant.key(),
            profile.name()
        ),
    }
}

/// The distro's python3: the baseline every build is compared with.
fn system_interpreter() -> Interpreter {
    Interpreter {
        name: "system".into(),
        image: String::new(),
        argv: vec!["/usr/bin/python3".into()],
        env: BTreeMap::new(),
        variant: None,
        version: None,
        mode: Mode::Default,
    }
}

/// A variant's configurations: as built, plus `-X gil=1` for a free-threaded
/// build and `PYTHON_JIT=0` for a JIT build.
fn interpreters_of(v: &VariantBuild, image: &str) -> Vec<Interpreter> {
    let label = v.label();
    let config = |name: String, extra: &[&str], env: &[(&str, &str)], mode: Mode| Interpreter {
        name,
        image: image.to_string(),
        argv: std::iter::once(v.command.as_str())
            .chain(extra.iter().copied())
            .map(String::from)
            .collect(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        variant: Some(v.variant),
        version: Some(v.version.clone()),
        mode,
    };
    let mut out = vec![config(label.clone(), &[], &[], Mode::Default)];
    match v.variant {
        Variant::Stock => {}
        Variant::FreeThreaded => out.push(config(
            format!("{label} -X gil=1"),
            &["-X", "gil=1"],
            &[],
            Mode::GilForced,
        )),
        Variant::Jit => out.push(config(
            format!("{label} PYTHON_JIT=0"),
            &[],
            &[("PYTHON_JIT", "0")],
            Mode::JitOff,
        )),
    }
    out
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
