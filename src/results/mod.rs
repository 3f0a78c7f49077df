//! Every file the tool writes, typed: a run's results, a comparison, an
//! extension matrix, a package's readiness, a build summary. Each is
//! written by the type that reads it back, starts with its `"kind"` and
//! `"schema"`, and is checked when read ([`validate`]): commands build
//! these documents, `report` and `compare` read them through [`load`].

mod build;
mod compare;
mod decode;
mod ext;
mod file;
mod jit;
mod kind;
mod legacy;
mod limits;
mod measure;
mod memory;
mod package;
mod packages;
mod run;
mod tsan;
mod validate;

#[cfg(test)]
mod tests;

pub use build::{BuildSummary, ImageReport, StageReport};
pub use compare::{CompareFile, Comparisons, MemoryPairing, Pairing, ScalingPairing};
pub use decode::{decode, ResultDoc, EXPECTED};
pub use ext::{CheckResult, Compile, CompileEntry, Expect, ExtMatrix, ImportCheck};
pub use file::{json_files, load, read};
pub use jit::{JitEvidence, JitSummary, JitVerdict};
pub use kind::{to_json, to_json_with, Kind};
pub use measure::{count, Counts, Measure, CYCLE_MODEL};
pub use memory::{ContainerSource, ProcessMemory, ProcessSource};
pub use package::{
    BuildOutcome, ExtPackage, FailedTest, Grade, ImportGraph, ModuleCheck, PackageResult,
    Readiness, SmokeOutcome, TestRun, TestsOutcome,
};
pub use packages::{ExtPackages, PackageRow};
pub use run::*;
pub use tsan::{Access, Frame, Race, TsanOutcome};
pub use validate::is_time;
