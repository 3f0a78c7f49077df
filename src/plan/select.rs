//! Choosing configurations: a benchmark's default matrix, or names the user gave.

use super::{BaseImage, Interpreter, Mode, Plan, Variant, VariantBuild};
use crate::options::BuildIdentity;

/// Which interpreters a benchmark uses by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The free-threading comparison: system, then per version stock and the
    /// free-threaded builds, with the newest version's `-X gil=1`.
    Gil,
    /// The JIT comparison: system, then per version stock and the JIT builds,
    /// with the newest version's `PYTHON_JIT=0`.
    Jit,
    /// Every configuration.
    All,
    /// Every build as built (no runtime switches), without the distro python.
    Builds,
    /// Scaling with threads: per version the stock build, the free-threaded
    /// builds and their `-X gil=1`, without the distro python.
    Scaling,
}

/// `--baseline per-version`: the name each chosen interpreter is compared
/// with — its own release's stock build (the same image, the stock variant, no
/// runtime switch); the distro python gets the first release's. An error names
/// a release whose stock build is not among `chosen`. Pure.
pub fn per_version_baselines(chosen: &[&Interpreter]) -> Result<Vec<String>, String> {
    let is_stock = |i: &Interpreter| i.variant == Some(Variant::STOCK) && i.mode == Mode::Default;
    let stock_of = |image: &str| chosen.iter().find(|i| i.image == image && is_stock(i));
    let first_stock = chosen.iter().find(|i| is_stock(i));
    chosen
        .iter()
        .map(|i| {
            let found = match i.variant {
                None => first_stock,
                Some(_) => stock_of(&i.image),
            };
            found.map(|s| s.name.clone()).ok_or_else(|| match i.variant {
                None => "--baseline per-version compares the distro python with the first version's stock build, and this run has no stock build: add one to --interpreters (e.g. 3.13).".to_string(),
                Some(_) => format!(
                    "--baseline per-version compares {} with its version's stock build, which is not in this run: add it to --interpreters, or name one baseline with --baseline.",
                    i.name
                ),
            })
        })
        .collect()
}

impl Plan {
    /// A benchmark's default matrix. With several versions configured, every
    /// version contributes its stock build and the builds the comparison is
    /// about; the runtime switches (`-X gil=1`, `PYTHON_JIT=0`) come from the
    /// newest version only, to keep a default run within minutes.
    pub fn default_interpreters(&self, selection: Selection) -> Vec<&Interpreter> {
        let newest = self.releases.iter().map(|r| &r.version).max();
        self.interpreters
            .iter()
            .filter(|i| {
                let Some(variant) = i.variant else {
                    return !matches!(selection, Selection::Builds | Selection::Scaling);
                };
                // A sanitized build times its sanitizer: it is for `ext --tsan`.
                if variant.has(crate::options::BuildOption::ThreadSanitizer) {
                    return false;
                }
                let is_newest = i.version.as_ref() == newest;
                match selection {
                    Selection::All => true,
                    Selection::Builds => i.mode == Mode::Default,
                    Selection::Scaling => match i.mode {
                        Mode::Default => variant == Variant::STOCK || variant.is_free_threaded(),
                        Mode::GilForced => true,
                        Mode::JitOff => false,
                    },
                    Selection::Gil => match i.mode {
                        Mode::Default => variant == Variant::STOCK || variant.is_free_threaded(),
                        Mode::GilForced => is_newest,
                        Mode::JitOff => false,
                    },
                    Selection::Jit => match i.mode {
                        Mode::Default => variant == Variant::STOCK || variant.has_jit(),
                        Mode::JitOff => is_newest && variant == Variant::JIT,
                        Mode::GilForced => false,
                    },
                }
            })
            .collect()
    }

    /// Resolves user-given names (`3.13,3.13t -X gil=1`) and patterns (`3.14*`,
    /// `*t`). Unknown names, and patterns matching nothing, are an error listing
    /// the valid names. Whitespace and case are not significant.
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
            let found: Vec<&Interpreter> = if wanted.contains(['*', '?', '[']) {
                let pattern = glob::Pattern::new(&wanted).map_err(|e| {
                    format!("{name:?} is not a valid pattern ({e}). Use * for any text and ? for one character, e.g. \"3.14*\" or \"*t\".")
                })?;
                self.interpreters
                    .iter()
                    .filter(|i| pattern.matches(&norm(&i.name)))
                    .collect()
            } else {
                self.interpreters
                    .iter()
                    .filter(|i| norm(&i.name) == wanted || i.slug().to_lowercase() == wanted)
                    .take(1)
                    .collect()
            };
            if found.is_empty() {
                return Err(format!(
                    "{} {name:?}. Valid names: {}.",
                    match wanted.contains(['*', '?', '[']) {
                        true => "no interpreter matches",
                        false => "unknown interpreter",
                    },
                    self.interpreter_names().join(", ")
                ));
            }
            for i in found {
                if !chosen.iter().any(|c| c.name == i.name) {
                    chosen.push(i);
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

    /// Every base image: the builders, one per toolchain, then the runtime.
    pub fn bases(&self) -> impl Iterator<Item = &BaseImage> {
        self.builder_bases
            .iter()
            .chain(std::iter::once(&self.runtime_base))
    }

    /// The typed identity of a configuration's build, as its result row keeps
    /// it; `None` for the distro's python.
    pub fn identity_of(&self, interpreter: &Interpreter) -> Option<BuildIdentity> {
        let build = self.variant_build_of(interpreter)?;
        let release = self.releases.iter().find(|r| r.variants.contains(build))?;
        Some(BuildIdentity {
            release: release.label.clone(),
            version: build.version.to_string(),
            options: build.variant,
            mode: interpreter.mode.clone(),
            profile: build.profile,
        })
    }

    pub fn variant_builds(&self) -> impl Iterator<Item = &VariantBuild> {
        self.releases.iter().flat_map(|r| r.variants.iter())
    }
}
