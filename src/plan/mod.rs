//! The plan: the whole experiment matrix expanded from the configuration, as data.
//!
//! Everything downstream (build, run, ext) consumes this; nothing re-derives image
//! names, prefixes or interpreter commands on its own. Pure: no I/O.

mod needs;
mod select;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, PythonRelease as Python};
pub use crate::domain::{validate_variant, Mode, PyVersion, Variant};
use crate::toolchain::toolchain;
pub use needs::{ImageKind, Needs};
pub use select::{per_version_baselines, Selection};

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
    /// The LLVM major a builder carries for JIT builds (clang-N, llvm-N).
    pub llvm: Option<u32>,
    pub suite: String,
    /// Further apt suites the packages come from, e.g. `trixie-backports` for LLVM 21.
    pub extra_suites: Vec<String>,
    pub mirror: String,
    pub packages: Vec<String>,
    /// `pybench-docker/base:builder-llvm18-trixie-1a2b3c4d5e6f`; the hash covers
    /// suites, mirror and packages, so an unchanged base is found and reused.
    pub image: String,
}

impl BaseImage {
    /// `builder-llvm19`, `builder`, `runtime`: what the progress and summary call it.
    pub fn label(&self) -> String {
        match self.llvm {
            Some(llvm) => format!("{}-llvm{llvm}", self.kind.name()),
            None => self.kind.name().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantBuild {
    /// `3.13t`, or `my-branch-t` for an own source.
    pub name: String,
    pub version: PyVersion,
    /// Pinned for a release; empty for an own source, whose archive is hashed
    /// when it is packed.
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
    /// The build profile's part of `configure_flags`, shared by the release's
    /// variants: the configure cache is made with these.
    pub profile_flags: Vec<String>,
    /// Quick or release. Not serialised: the image names and flags carry
    /// it already, and the build hash stays what it was.
    #[serde(skip)]
    pub profile: crate::options::Profile,
    /// The builder base this variant compiles in: its release's toolchain.
    pub builder_base: String,
    /// Intermediate image holding the build: `pybench-docker/cpython:3.13.15-t-quick`.
    pub image: String,
}

impl VariantBuild {
    /// `3.13t`, `my-branch-t`: what tables and progress call it.
    pub fn label(&self) -> String {
        self.name.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseImages {
    pub version: PyVersion,
    /// What its interpreters are called before the variant suffix: `3.13`,
    /// or the `name` of an own source (`my-branch`).
    pub label: String,
    /// The tag of its images: the version (`3.13.15`), or the own source's name.
    pub tag: String,
    /// An own source (checkout or tarball) instead of a pinned release.
    pub source: Option<std::path::PathBuf>,
    /// `pybench-docker/pythons:3.13.15`: runtime base + every variant.
    pub pythons: String,
    /// `pybench-docker/builder:3.13.15`: builder base + every variant, for extensions.
    pub builder: String,
    /// This release's toolchain base: the builder packages, plus the LLVM its
    /// JIT needs when it has a JIT variant. Releases with the same toolchain
    /// share it; adding a release never changes another release's base.
    pub builder_base: String,
    /// The stage its variants start from, configure's shared answers:
    /// `pybench-docker/cpython:3.13.15-configure-cache-quick`.
    pub configure_cache: String,
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
        slug_of(&self.name)
    }
}

/// An interpreter's name without spaces: `3.13t -X gil=1` → `3.13t-X-gil-1`. Pure.
pub fn slug_of(name: &str) -> String {
    let mut s = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() || ch == '.' {
            s.push(ch);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// One per toolchain the releases need, in first-use order.
    pub builder_bases: Vec<BaseImage>,
    pub runtime_base: BaseImage,
    pub releases: Vec<ReleaseImages>,
    pub interpreters: Vec<Interpreter>,
}

impl Plan {
    /// The build an interpreter configuration runs: its release's variant
    /// (the same for `3.13t` and `3.13t -X gil=1`); `None` for the distro's
    /// python.
    pub fn variant_build_of(&self, interpreter: &Interpreter) -> Option<&VariantBuild> {
        let variant = interpreter.variant?;
        self.releases
            .iter()
            .filter(|r| r.pythons == interpreter.image)
            .flat_map(|r| &r.variants)
            .find(|v| v.variant == variant)
    }
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
    let mut builder_bases: Vec<BaseImage> = Vec::new();
    let mut releases = Vec::new();
    let mut interpreters = vec![system_interpreter()];
    for (version, release) in &versions {
        let base = toolchain_base(config, version, release)?;
        let r = release_images(config, version, release, &base.image);
        if !builder_bases.iter().any(|b| b.image == base.image) {
            builder_bases.push(base);
        }
        for v in &r.variants {
            interpreters.extend(interpreters_of(v, &r.pythons));
        }
        releases.push(r);
    }
    // The distro's python3 runs in the first release's runtime image.
    interpreters[0].image = releases[0].pythons.clone();
    let runtime_base = base_image(
        config,
        BaseKind::Runtime,
        None,
        config.base.runtime_packages.clone(),
    )?;
    Ok(Plan {
        builder_bases,
        runtime_base,
        releases,
        interpreters,
    })
}

/// A release's builder base: the configured toolchain, plus the clang/llvm
/// its variants' options need (the version's, for the JIT). Per toolchain rather than
/// shared, so that adding 3.14 (LLVM 19) leaves 3.13's base, and every layer
/// built on it, untouched.
fn toolchain_base(
    config: &Config,
    version: &PyVersion,
    release: &Python,
) -> Result<BaseImage, String> {
    let mut packages = config.base.builder_packages.clone();
    let llvm = (release.variants.iter())
        .filter_map(|v| toolchain(version, *v).llvm)
        .max();
    if let Some(llvm) = llvm {
        packages.push(format!("clang-{llvm}"));
        packages.push(format!("llvm-{llvm}"));
    }
    base_image(config, BaseKind::Builder, llvm, packages)
}

fn base_image(
    config: &Config,
    kind: BaseKind,
    llvm: Option<u32>,
    mut packages: Vec<String>,
) -> Result<BaseImage, String> {
    let (ns, suite) = (&config.images.namespace, &config.base.suite);
    packages.sort();
    packages.dedup();
    let extra_suites: Vec<String> = match llvm {
        Some(llvm) => crate::toolchain::llvm_suite(suite, llvm)?
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    let hash = short_hash(&[
        kind.name(),
        suite,
        &extra_suites.join(","),
        &config.base.mirror,
        &packages.join(","),
        BASE_RECIPE_VERSION,
    ]);
    let mut base = BaseImage {
        kind,
        llvm,
        suite: suite.clone(),
        extra_suites,
        mirror: config.base.mirror.clone(),
        image: String::new(),
        packages,
    };
    base.image = format!("{ns}/base:{}-{suite}-{hash}", base.label());
    Ok(base)
}

/// One release's variant builds (each variant once, in canonical order) and
/// the names of its `pythons` and `builder` images.
fn release_images(
    config: &Config,
    version: &PyVersion,
    release: &Python,
    builder_base: &str,
) -> ReleaseImages {
    let ns = &config.images.namespace;
    let mut ordered = release.variants.clone();
    ordered.sort();
    ordered.dedup();
    let (label, tag) = match &release.name {
        Some(name) => (name.clone(), name.clone()),
        None => (version.major_minor(), version.to_string()),
    };
    ReleaseImages {
        version: version.clone(),
        builder: format!("{ns}/builder:{tag}"),
        pythons: format!("{ns}/pythons:{tag}"),
        builder_base: builder_base.to_string(),
        configure_cache: format!(
            "{ns}/cpython:{tag}-configure-cache-{}",
            config.build.profile.name()
        ),
        source: release.source.clone(),
        variants: ordered
            .into_iter()
            .map(|variant| {
                let name = match &release.name {
                    Some(own) if variant.is_stock() => own.clone(),
                    Some(own) => format!("{own}-{}", variant.suffix()),
                    None => format!("{label}{}", variant.suffix()),
                };
                variant_build(
                    config,
                    (version, &tag),
                    release,
                    (variant, name),
                    builder_base,
                )
            })
            .collect(),
        label,
        tag,
    }
}

/// One variant of a release (`tag`: its image tag, the version or an own
/// source's name), called `name`.
fn variant_build(
    config: &Config,
    (version, tag): (&PyVersion, &str),
    release: &Python,
    (variant, name): (Variant, String),
    builder_base: &str,
) -> VariantBuild {
    let profile = config.build.profile;
    let (mm, suffix) = (version.major_minor(), variant.suffix());
    let configure_flags = (variant.configure_flags().into_iter().map(String::from))
        .chain(toolchain(version, variant).compiler_flags)
        .chain(profile.configure_flags().iter().map(|s| s.to_string()))
        .collect();
    VariantBuild {
        name,
        version: version.clone(),
        sha256: release.sha256.clone(),
        debian_version: release.debian_version.clone(),
        variant,
        prefix: match variant.is_stock() {
            true => format!("/opt/python/{tag}"),
            false => format!("/opt/python/{tag}-{suffix}"),
        },
        command: format!("python{mm}{suffix}"),
        config_command: format!("python{mm}{suffix}-config"),
        configure_flags,
        profile_flags: profile
            .configure_flags()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        profile,
        builder_base: builder_base.to_string(),
        image: format!(
            "{}/cpython:{tag}-{}-{}",
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

/// A variant's configurations: as built, plus one per runtime switch of its
/// options (`-X gil=1` for a free-threaded build, `PYTHON_JIT=0` for a JIT
/// build, both for `tj`).
fn interpreters_of(v: &VariantBuild, image: &str) -> Vec<Interpreter> {
    let label = v.label();
    let config = |mode: Mode| Interpreter {
        name: format!("{label}{}", mode.name_suffix()),
        image: image.to_string(),
        argv: std::iter::once(v.command.as_str())
            .chain(mode.args().iter().copied())
            .map(String::from)
            .collect(),
        env: (mode.env().iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        variant: Some(v.variant),
        version: Some(v.version.clone()),
        mode,
    };
    std::iter::once(Mode::Default)
        .chain(v.variant.switches())
        .map(config)
        .collect()
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

    /// The default config with 3.15.0rc2 (every variant) uncommented.
    fn with_315() -> Plan {
        let yaml = crate::config::yaml_with_315();
        build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap()
    }

    fn names(list: &[&Interpreter]) -> Vec<String> {
        list.iter().map(|i| i.name.clone()).collect()
    }

    #[test]
    fn default_plan_has_the_tutorial_matrix_for_each_version() {
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
                "3.13j PYTHON_JIT=0",
                "3.14",
                "3.14t",
                "3.14t -X gil=1",
                "3.14j",
                "3.14j PYTHON_JIT=0"
            ]
        );
        let gil = plan
            .interpreters
            .iter()
            .find(|i| i.name == "3.14t -X gil=1")
            .unwrap();
        assert_eq!(gil.argv, ["python3.14t", "-X", "gil=1"]);
        assert_eq!(gil.image, "pybench-docker/pythons:3.14.7");
        let off = plan
            .interpreters
            .iter()
            .find(|i| i.name == "3.13j PYTHON_JIT=0")
            .unwrap();
        assert_eq!(off.env.get("PYTHON_JIT").map(String::as_str), Some("0"));
        assert_eq!(off.image, "pybench-docker/pythons:3.13.15");
        assert_eq!(plan.interpreters[0].argv, ["/usr/bin/python3"]);
        assert_eq!(plan.interpreters[0].image, "pybench-docker/pythons:3.13.15");
    }

    #[test]
    fn variant_builds_have_prefixes_flags_and_images() {
        let plan = default_plan();
        let builds: Vec<_> = plan.variant_builds().collect();
        assert_eq!(builds.len(), 6);
        let t = builds
            .iter()
            .find(|b| b.variant == Variant::FREE_THREADED)
            .unwrap();
        assert_eq!(t.prefix, "/opt/python/3.13.15-t");
        assert_eq!(t.command, "python3.13t");
        assert_eq!(t.config_command, "python3.13t-config");
        assert_eq!(t.configure_flags, ["--disable-gil"]);
        assert_eq!(t.image, "pybench-docker/cpython:3.13.15-t-quick");
        let stock = builds.iter().find(|b| b.variant == Variant::STOCK).unwrap();
        assert_eq!(stock.prefix, "/opt/python/3.13.15");
        assert!(stock.configure_flags.is_empty());
    }

    #[test]
    fn release_profile_adds_pgo_and_lto() {
        let yaml = DEFAULT_YAML.replace("profile: quick", "profile: release");
        let plan = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        let j = plan
            .variant_builds()
            .find(|b| b.variant == Variant::JIT)
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
    fn each_version_builds_in_the_base_of_its_own_llvm() {
        let plan = with_315();
        let labels: Vec<_> = plan.bases().map(|b| b.label()).collect();
        assert_eq!(
            labels,
            [
                "builder-llvm18",
                "builder-llvm19",
                "builder-llvm21",
                "runtime"
            ]
        );
        for (release, llvm) in plan.releases.iter().zip([18, 19, 21]) {
            let base = plan
                .builder_bases
                .iter()
                .find(|b| b.image == release.builder_base)
                .unwrap();
            assert_eq!(base.llvm, Some(llvm));
            assert!(base.packages.contains(&format!("clang-{llvm}")));
            assert!(base.packages.contains(&format!("llvm-{llvm}")));
            assert!(base
                .image
                .starts_with(&format!("pybench-docker/base:builder-llvm{llvm}-trixie-")));
            assert!(release
                .variants
                .iter()
                .all(|v| v.builder_base == base.image));
            // LLVM 21 is in trixie-backports only.
            let backports = (llvm == 21).then(|| "trixie-backports".to_string());
            assert_eq!(base.extra_suites, backports.into_iter().collect::<Vec<_>>());
        }
        assert!(!plan
            .runtime_base
            .packages
            .iter()
            .any(|p| p.starts_with("clang")));
    }

    #[test]
    fn adding_a_version_leaves_the_others_untouched() {
        let before = default_plan();
        let after = with_315();
        assert_eq!(before.releases[..], after.releases[..2]);
        assert_eq!(before.builder_bases[..], after.builder_bases[..2]);
        assert_eq!(before.runtime_base, after.runtime_base);
        // A version without a JIT variant needs no LLVM: the plain builder.
        let yaml = DEFAULT_YAML.replace(
            "  # The release candidate",
            "  - version: 3.15.0rc2\n    sha256: 8d93af5eaaaea5adfd41bd786a7ba3f03f2ad1ab57c6a65e0b963deab91d5ad7\n    variants: [t]\n  # The release candidate",
        );
        let plain = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_eq!(plain.builder_bases[2].label(), "builder");
        assert!(!plain.builder_bases[2]
            .packages
            .iter()
            .any(|p| p.contains("llvm")));
        assert_eq!(plain.releases[..2], before.releases[..]);
    }

    #[test]
    fn base_tag_changes_with_packages_only() {
        let a = default_plan();
        let b = default_plan();
        assert_eq!(a.builder_bases, b.builder_bases);
        let yaml = DEFAULT_YAML.replace("    - tzdata\n", "");
        let c = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_ne!(a.runtime_base.image, c.runtime_base.image);
        assert_eq!(a.builder_bases, c.builder_bases);
    }

    #[test]
    fn variants_the_version_cannot_build_are_refused_before_building() {
        let v = PyVersion::parse("3.15.0rc2").unwrap();
        assert!(validate_variant(&v, Variant::JIT, "trixie").is_ok());
        assert!(validate_variant(&v, Variant::FREE_THREADED_JIT, "trixie").is_ok());
        let e = validate_variant(&v, Variant::JIT, "bookworm").unwrap_err();
        assert!(e.contains("LLVM 21") && e.contains("bookworm"), "{e}");
        let v314 = PyVersion::parse("3.14.7").unwrap();
        assert!(validate_variant(&v314, Variant::JIT, "trixie").is_ok());
        let e = validate_variant(&v314, Variant::FREE_THREADED_JIT, "trixie").unwrap_err();
        assert!(e.contains("configure refuses"), "{e}");
        let v313 = PyVersion::parse("3.13.15").unwrap();
        let e = validate_variant(&v313, Variant::FREE_THREADED_JIT, "trixie").unwrap_err();
        assert!(e.contains("never runs"), "{e}");
        let old = PyVersion::parse("3.12.7").unwrap();
        assert!(validate_variant(&old, Variant::FREE_THREADED, "trixie").is_err());
        // The error reaches the user from the config, before anything starts.
        let yaml = DEFAULT_YAML.replace(
            "  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [stock, t, j]",
            "  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [stock, tj]",
        );
        let e = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap_err();
        assert!(e.contains("3.14.7 cannot have the tj variant"), "{e}");
    }

    #[test]
    fn free_threaded_jit_gets_both_switches() {
        let plan = with_315();
        let tj: Vec<_> = plan
            .interpreters
            .iter()
            .filter(|i| i.variant == Some(Variant::FREE_THREADED_JIT))
            .collect();
        assert_eq!(
            names(&tj),
            ["3.15tj", "3.15tj -X gil=1", "3.15tj PYTHON_JIT=0"]
        );
        assert_eq!(tj[0].argv, ["python3.15tj"]);
        let build = plan
            .variant_builds()
            .find(|b| b.variant == Variant::FREE_THREADED_JIT)
            .unwrap();
        assert_eq!(
            build.configure_flags,
            ["--disable-gil", "--enable-experimental-jit"]
        );
        assert_eq!(build.prefix, "/opt/python/3.15.0rc2-tj");
    }

    #[test]
    fn default_matrices_span_the_versions() {
        let plan = default_plan();
        assert_eq!(
            names(&plan.default_interpreters(Selection::Gil)),
            ["system", "3.13", "3.13t", "3.14", "3.14t", "3.14t -X gil=1"]
        );
        assert_eq!(
            names(&plan.default_interpreters(Selection::Jit)),
            [
                "system",
                "3.13",
                "3.13j",
                "3.14",
                "3.14j",
                "3.14j PYTHON_JIT=0"
            ]
        );
        let plan = with_315();
        let gil = names(&plan.default_interpreters(Selection::Gil));
        assert!(gil.contains(&"3.15tj".to_string()), "{gil:?}");
        assert!(gil.contains(&"3.15t -X gil=1".to_string()), "{gil:?}");
        assert!(!gil.contains(&"3.14t -X gil=1".to_string()), "{gil:?}");
        let jit = names(&plan.default_interpreters(Selection::Jit));
        assert!(jit.contains(&"3.15tj".to_string()), "{jit:?}");
        assert!(jit.contains(&"3.15j PYTHON_JIT=0".to_string()), "{jit:?}");
        assert!(!jit.contains(&"3.15t".to_string()), "{jit:?}");
    }

    #[test]
    fn per_version_each_build_meets_its_own_stock() {
        let plan = default_plan();
        let gil = plan.default_interpreters(Selection::Gil);
        assert_eq!(
            per_version_baselines(&gil).unwrap(),
            ["3.13", "3.13", "3.13", "3.14", "3.14", "3.14"]
        );
        let without = plan.select(&["system".into(), "3.14t".into()]).unwrap();
        let e = per_version_baselines(&without).unwrap_err();
        assert!(e.contains("no stock build"), "{e}");
        let without = plan.select(&["3.13".into(), "3.14t".into()]).unwrap();
        let e = per_version_baselines(&without).unwrap_err();
        assert!(
            e.contains("compares 3.14t with its version's stock build"),
            "{e}"
        );
    }

    #[test]
    fn each_configuration_knows_its_build_and_configure_flags() {
        let plan = default_plan();
        let flags = |name: &str| {
            let i = plan.interpreters.iter().find(|i| i.name == name).unwrap();
            plan.variant_build_of(i)
                .map(|v| v.configure_flags.join(" "))
        };
        assert_eq!(flags("system"), None);
        assert_eq!(flags("3.13").as_deref(), Some(""));
        assert_eq!(flags("3.13t").as_deref(), Some("--disable-gil"));
        assert_eq!(flags("3.13t -X gil=1").as_deref(), Some("--disable-gil"));
        assert_eq!(
            flags("3.14j PYTHON_JIT=0").as_deref(),
            Some("--enable-experimental-jit")
        );
        // Each version's own build, not the first with that variant.
        let t14 = plan
            .interpreters
            .iter()
            .find(|i| i.name == "3.14t")
            .unwrap();
        assert_eq!(plan.variant_build_of(t14).unwrap().name, "3.14t");
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
    fn select_by_pattern() {
        let plan = default_plan();
        let got = plan.select(&["3.14*".into()]).unwrap();
        assert_eq!(
            names(&got),
            [
                "3.14",
                "3.14t",
                "3.14t -X gil=1",
                "3.14j",
                "3.14j PYTHON_JIT=0"
            ]
        );
        let got = plan
            .select(&["*T".into(), "3.13t".into(), "system".into()])
            .unwrap();
        assert_eq!(names(&got), ["3.13t", "3.14t", "system"]);
        let got = plan.select(&["3.1?j".into()]).unwrap();
        assert_eq!(names(&got), ["3.13j", "3.14j"]);
        let e = plan.select(&["3.15*".into()]).unwrap_err();
        assert!(e.contains("no interpreter matches \"3.15*\""), "{e}");
        let e = plan.select(&["3.1[".into()]).unwrap_err();
        assert!(e.contains("not a valid pattern"), "{e}");
    }

    /// The default config with 3.14's variants `variants`.
    fn with_314_variants(variants: &str) -> Result<Plan, String> {
        let yaml = DEFAULT_YAML.replace(
            "variants: [stock, t, j]\n  # The release",
            &format!("variants: [{variants}]\n  # The release"),
        );
        build_plan(&parse(&yaml, &Source::Embedded).unwrap())
    }

    #[test]
    fn the_tail_calling_build_is_a_variant_like_the_others() {
        let plan = with_314_variants("stock, t, j, c").unwrap();
        let c = plan.variant_builds().find(|b| b.name == "3.14c").unwrap();
        assert_eq!(
            c.configure_flags,
            [
                "--with-tail-call-interp",
                "CC=/usr/lib/llvm-19/bin/clang",
                "--cache-file=/dev/null"
            ]
        );
        assert_eq!(c.prefix, "/opt/python/3.14.7-c");
        assert_eq!(c.command, "python3.14c");
        assert_eq!(c.image, "pybench-docker/cpython:3.14.7-c-quick");
        // It compiles in the base of 3.14's JIT (clang-19 is there), and has
        // no runtime switch: one configuration.
        assert_eq!(c.builder_base, plan.releases[1].builder_base);
        assert_eq!(plan.builder_bases.len(), 2);
        let names: Vec<_> = plan.interpreters.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names.iter().filter(|n| n.starts_with("3.14c")).count(), 1);
        // Alone in a release, it still brings its clang.
        let alone = with_314_variants("stock, c").unwrap();
        assert_eq!(alone.builder_bases[1].llvm, Some(19));
        assert_eq!(alone.builder_bases[1].image, plan.builder_bases[1].image);
        // The other variants are as they were.
        let before = default_plan();
        assert_eq!(
            plan.releases[1].variants[..3],
            before.releases[1].variants[..]
        );
        let e = build_plan(
            &parse(
                &DEFAULT_YAML.replacen("variants: [stock, t, j]", "variants: [stock, c]", 1),
                &Source::Embedded,
            )
            .unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("3.13.15 cannot have the c variant"), "{e}");
    }

    #[test]
    fn two_releases_expand_independently() {
        let yaml = DEFAULT_YAML.replace(
            "    variants: [stock, t, j]\n  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [stock, t, j]",
            "    variants: [stock, t, j]\n  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [t]",
        );
        let plan = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_eq!(plan.releases.len(), 2);
        assert!(plan
            .interpreters
            .iter()
            .any(|i| i.name == "3.14t -X gil=1" && i.image == "pybench-docker/pythons:3.14.7"));
        assert!(!plan.interpreters.iter().any(|i| i.name == "3.14j"));
        assert_eq!(plan.builder_bases.len(), 2);
        assert_eq!(plan.builder_bases[1].llvm, None);
    }

    #[test]
    fn slugs_are_file_safe() {
        let plan = default_plan();
        let slugs: Vec<_> = plan.interpreters.iter().map(|i| i.slug()).collect();
        assert!(slugs.contains(&"3.13t-X-gil-1".to_string()));
        assert!(slugs.contains(&"3.13j-PYTHON-JIT-0".to_string()));
    }
}
