//! The file `ext --pypi A B …` / `ext -r FILE --json` writes: many packages'
//! readiness on every interpreter build, one row per package, and which of
//! its results came from the cache of earlier checks.

use serde::{Deserialize, Serialize};

use super::package::{PackageResult, Readiness};

/// `ext` over many packages: the readiness matrix (package × build).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtPackages {
    /// The interpreter builds checked, in the matrix's column order.
    pub builds: Vec<String>,
    pub packages: Vec<PackageRow>,
    /// The session whose containers made the results checked this time.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session: String,
}

/// One package of the list: its results on every build, or why it was not checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageRow {
    /// The project: `numpy`, or a folder's or archive's name. Rows of two
    /// files are matched on it.
    pub name: String,
    /// Its version, when PyPI said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where it came from: a folder, an sdist, or `NAME VERSION from PyPI (FILE)`.
    pub source: String,
    /// What its results are cached under: the sdist's or the folder's sha256.
    #[serde(default)]
    pub identity: String,
    #[serde(default)]
    pub build_requires: Vec<String>,
    #[serde(default)]
    pub results: Vec<PackageResult>,
    /// The builds whose result was served from the cache, not checked again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cached: Vec<String>,
    /// The engine that checked it, when several shared the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Why it was not checked at all (its sdist or build requirements not
    /// found), or on which builds its check failed (those have no result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PackageRow {
    /// `numpy 2.3.0`, or the name alone.
    pub fn label(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v}", self.name),
            None => self.name.clone(),
        }
    }

    /// Its result on one build.
    pub fn on(&self, build: &str) -> Option<&PackageResult> {
        self.results.iter().find(|r| r.interpreter == build)
    }

    /// The worst verdict over its builds: what it is grouped under. None
    /// when it was not checked.
    pub fn worst(&self) -> Option<Readiness> {
        self.results.iter().map(|r| r.readiness).max()
    }
}
