//! The file `ext --json` writes for single-file modules (the tutorial's
//! greeters, or a user's `.c` file): every compile, then every import check.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One compile: a source against one build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compile {
    pub source: String,
    pub module: String,
    /// Interpreter label whose headers are used: `3.13t`.
    pub build: String,
    #[serde(default)]
    pub config_command: String,
    pub output: String,
}

/// What an import is expected to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    /// Imports; on a free-threaded build the GIL stays disabled.
    Works,
    /// Imports, and the free-threaded interpreter re-enables the GIL with a warning.
    GilReenabled,
    /// Refused as built for another ABI, without crashing.
    AbiMismatch,
    /// A user's module: report, expect only that it imports.
    Imports,
}

impl Expect {
    /// The word the file carries: `gil-reenabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Works => "works",
            Expect::GilReenabled => "gil-reenabled",
            Expect::AbiMismatch => "abi-mismatch",
            Expect::Imports => "imports",
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One import check: a compiled module in an interpreter configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportCheck {
    /// The compiled module file.
    pub output: String,
    pub module: String,
    pub built_for: String,
    pub interpreter: String,
    #[serde(default)]
    pub env: Vec<(String, String)>,
    pub expect: Expect,
}

impl ImportCheck {
    /// The interpreter configuration: `3.13t`, or `3.13t PYTHON_GIL=0`.
    pub fn configuration(&self) -> String {
        let mut words = vec![self.interpreter.clone()];
        words.extend(self.env.iter().map(|(k, v)| format!("{k}={v}")));
        words.join(" ")
    }
}

/// The outcome of one import check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    #[serde(flatten)]
    pub check: ImportCheck,
    pub compiled: bool,
    pub imported: bool,
    pub greet: Option<String>,
    pub gil_after: Option<bool>,
    #[serde(default)]
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub exit_code: i64,
    pub passed: bool,
    pub verdict: String,
}

impl CheckResult {
    /// A check whose module did not compile: failed, without running anything.
    pub fn not_compiled(k: &ImportCheck) -> CheckResult {
        CheckResult {
            check: k.clone(),
            compiled: false,
            imported: false,
            greet: None,
            gil_after: None,
            warnings: vec![],
            error: Some("not compiled".into()),
            exit_code: -1,
            passed: false,
            verdict: "not compiled".into(),
        }
    }
}

/// A compile and what came of it: did it produce the module, and what gcc said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompileEntry {
    pub compile: Compile,
    pub ok: bool,
    #[serde(default)]
    pub log: String,
}

/// `ext --json` of single-file modules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtMatrix {
    pub compiles: Vec<CompileEntry>,
    pub checks: Vec<CheckResult>,
}
