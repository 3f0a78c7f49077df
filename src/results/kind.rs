//! What a result file is, said in the file itself: every file the tool
//! writes starts with `"kind"` and `"schema"`, and is written by the type
//! that reads it back.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::build::BuildSummary;
use super::compare::CompareFile;
use super::ext::ExtMatrix;
use super::package::ExtPackage;
use super::packages::ExtPackages;
use super::run::Report;
use super::validate::Validate;

/// The kinds of result file, as `"kind"` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `run --json`: one benchmark's configurations and every process.
    Run,
    /// `compare --json`: runs of B against runs of A.
    Compare,
    /// `ext --json` of single-file modules: compiles and import checks.
    ExtMatrix,
    /// `ext PACKAGE --json`: a package's readiness per interpreter.
    ExtPackage,
    /// `ext --pypi A B … --json`: many packages' readiness, package × build.
    ExtPackages,
    /// `build --json`: what a build made, and how long it took.
    Build,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Run,
        Kind::Compare,
        Kind::ExtMatrix,
        Kind::ExtPackage,
        Kind::ExtPackages,
        Kind::Build,
    ];

    /// The word in the file: `ext-matrix`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Compare => "compare",
            Kind::ExtMatrix => "ext-matrix",
            Kind::ExtPackage => "ext-package",
            Kind::ExtPackages => "ext-packages",
            Kind::Build => "build",
        }
    }

    /// The kind a word names, if any.
    pub fn named(word: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == word)
    }

    /// What such a file is, for messages: `a run's result file (run --json)`.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Run => "a run's result file (`run --json`)",
            Kind::Compare => "a comparison (`compare --json`)",
            Kind::ExtMatrix => "an extension matrix (`ext --json`)",
            Kind::ExtPackage => "a package's readiness (`ext PACKAGE --json`)",
            Kind::ExtPackages => "many packages' readiness (`ext --pypi A B … --json`)",
            Kind::Build => "a build summary (`build --json`)",
        }
    }

    /// The newest schema of the kind: what this version writes, and the
    /// newest it reads.
    pub fn schema(self) -> u32 {
        match self {
            Kind::Run => Report::SCHEMA,
            Kind::Compare => CompareFile::SCHEMA,
            Kind::ExtMatrix => ExtMatrix::SCHEMA,
            Kind::ExtPackage => ExtPackage::SCHEMA,
            Kind::ExtPackages => ExtPackages::SCHEMA,
            Kind::Build => BuildSummary::SCHEMA,
        }
    }
}

/// A document that is a result file of its own: its kind, its schema, and
/// the rules it must meet to be read.
///
/// A schema number grows when the document's fields change in a way an
/// older reader would misread; files without one were written before
/// schemas (schema 0: read as runs, see `legacy.rs`).
pub trait ResultFile: Serialize + DeserializeOwned + Validate {
    const KIND: Kind;
    const SCHEMA: u32;
}

impl ResultFile for Report {
    const KIND: Kind = Kind::Run;
    /// 2: each process's `memory` (issue 26); schema 1 files read without it.
    const SCHEMA: u32 = 2;
}

impl ResultFile for CompareFile {
    const KIND: Kind = Kind::Compare;
    const SCHEMA: u32 = 1;
}

impl ResultFile for ExtMatrix {
    const KIND: Kind = Kind::ExtMatrix;
    const SCHEMA: u32 = 1;
}

impl ResultFile for ExtPackage {
    const KIND: Kind = Kind::ExtPackage;
    // 2: the verdicts fell-back, thread-unsafe and tests-fail.
    // 3: `tsan` (ThreadSanitizer's races and log) and the verdict data-race.
    const SCHEMA: u32 = 3;
}

impl ResultFile for ExtPackages {
    const KIND: Kind = Kind::ExtPackages;
    const SCHEMA: u32 = 1;
}

impl ResultFile for BuildSummary {
    const KIND: Kind = Kind::Build;
    const SCHEMA: u32 = 1;
}

/// The file's first two keys, then the document's own.
#[derive(Serialize)]
struct Tagged<'a, T, D> {
    kind: Kind,
    schema: u32,
    #[serde(flatten)]
    document: &'a T,
    #[serde(flatten)]
    derived: &'a D,
}

/// Nothing derived.
#[derive(Serialize)]
struct Nothing {}

/// `doc` as its file: pretty JSON with its kind and schema, and a newline.
pub fn to_json<T: ResultFile>(doc: &T) -> serde_json::Result<Vec<u8>> {
    to_json_with(doc, &Nothing {})
}

/// [`to_json`] with fields derived from the document after its own (a
/// run's statistics), for people and other tools; readers ignore them.
pub fn to_json_with<T: ResultFile, D: Serialize>(
    doc: &T,
    derived: &D,
) -> serde_json::Result<Vec<u8>> {
    let tagged = Tagged {
        kind: T::KIND,
        schema: T::SCHEMA,
        document: doc,
        derived,
    };
    let mut bytes = serde_json::to_vec_pretty(&tagged)?;
    bytes.push(b'\n');
    Ok(bytes)
}
