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
    /// Tools whose .deb files stay in apt's cache (/var/cache/apt/archives),
    /// for a layer built offline on another image to install them from.
    Packages,
}

impl BaseKind {
    pub fn name(self) -> &'static str {
        match self {
            BaseKind::Builder => "builder",
            BaseKind::Runtime => "runtime",
            BaseKind::Packages => "packages",
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
        let r = release_images(config, version, release, &base.image)?;
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
    for v in &release.variants {
        packages.extend(toolchain(version, *v).packages);
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

/// The suffix of a release's image tag (`tsan`) when its variants have
/// images of their own, which they then cannot share with other variants. Pure.
fn own_images(version: &PyVersion, variants: &[Variant]) -> Result<Option<&'static str>, String> {
    let own: Vec<Option<&str>> = variants.iter().map(|v| v.own_images()).collect();
    match own.iter().find_map(|o| *o) {
        Some(suffix) if own.iter().any(|o| *o != Some(suffix)) => {
            let alone: Vec<String> = (variants.iter())
                .filter(|v| v.own_images().is_some())
                .map(|v| v.key())
                .collect();
            Err(format!(
                "CPython {version} lists {} beside other variants: a sanitizer build has images of its own, never the benchmark images. Use `ext --tsan`, which makes that configuration from this one, or list it alone (`variants: [{}]`) in a config file of its own, passed with --config (a release is listed once per config).",
                alone.join(", "),
                alone.join(", ")
            ))
        }
        found => Ok(found),
    }
}

/// One release's variant builds (each variant once, in canonical order) and
/// the names of its `pythons` and `builder` images.
fn release_images(
    config: &Config,
    version: &PyVersion,
    release: &Python,
    builder_base: &str,
) -> Result<ReleaseImages, String> {
    let ns = &config.images.namespace;
    let mut ordered = release.variants.clone();
    ordered.sort();
    ordered.dedup();
    let (label, tag) = match &release.name {
        Some(name) => (name.clone(), name.clone()),
        None => (version.major_minor(), version.to_string()),
    };
    // The variants keep the release's tag (`cpython:3.14.7-tsan-quick`);
    // the release's own images take the suffix.
    let images_tag = match own_images(version, &ordered)? {
        Some(suffix) => format!("{tag}-{suffix}"),
        None => tag.clone(),
    };
    Ok(ReleaseImages {
        version: version.clone(),
        builder: format!("{ns}/builder:{images_tag}"),
        pythons: format!("{ns}/pythons:{images_tag}"),
        builder_base: builder_base.to_string(),
        configure_cache: format!(
            "{ns}/cpython:{images_tag}-configure-cache-{}",
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
        tag: images_tag,
    })
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
mod tests;
