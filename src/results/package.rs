//! The file `ext PACKAGE --json` writes: a real package's readiness on
//! every interpreter build, with what each step found.

use serde::{Deserialize, Serialize};

/// The verdict for one interpreter, worst last.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Readiness {
    /// Builds, imports, and on a free-threaded build the GIL stays off.
    Ready,
    /// Imports, but a free-threaded interpreter re-enabled the GIL for it.
    NeedsGil,
    /// Built as pure Python although it has C/C++/Cython sources: a
    /// compile error was caught and the extension left out.
    FellBack,
    /// Its own tests pass plainly but fail when run in threads at once.
    ThreadUnsafe,
    /// ThreadSanitizer saw a data race while it ran (`ext --tsan`).
    DataRace,
    /// Its own tests fail even run plainly, one thread.
    TestsFail,
    /// The smoke code raised in at least one thread.
    SmokeFails,
    /// Built, but an extension module did not import.
    ImportFails,
    /// The wheel did not build (or install).
    BuildFails,
    /// An import or the smoke run killed the interpreter with a signal.
    Crashes,
}

/// How good a readiness verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Good,
    Caution,
    Bad,
}

impl Readiness {
    /// The verdict as `ext` prints it.
    pub fn words(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::NeedsGil => "works with the GIL",
            Readiness::FellBack => "fell back to pure Python",
            Readiness::ThreadUnsafe => "fails under threads",
            Readiness::DataRace => "data race",
            Readiness::TestsFail => "tests fail",
            Readiness::SmokeFails => "smoke fails",
            Readiness::ImportFails => "import fails",
            Readiness::BuildFails => "build fails",
            Readiness::Crashes => "crashes",
        }
    }

    /// The verdict in a matrix cell, where every build has a column.
    pub fn short(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::NeedsGil => "GIL",
            Readiness::FellBack => "fell back",
            Readiness::ThreadUnsafe => "thread-unsafe",
            Readiness::DataRace => "data race",
            Readiness::TestsFail => "tests fail",
            Readiness::SmokeFails => "smoke fails",
            Readiness::ImportFails => "import fails",
            Readiness::BuildFails => "build fails",
            Readiness::Crashes => "crashes",
        }
    }

    /// Every verdict, best first.
    pub const ALL: [Readiness; 10] = [
        Readiness::Ready,
        Readiness::NeedsGil,
        Readiness::FellBack,
        Readiness::ThreadUnsafe,
        Readiness::DataRace,
        Readiness::TestsFail,
        Readiness::SmokeFails,
        Readiness::ImportFails,
        Readiness::BuildFails,
        Readiness::Crashes,
    ];

    /// How good it is: ready; works, but only with the GIL; or not at all.
    pub fn grade(self) -> Grade {
        match self {
            Readiness::Ready => Grade::Good,
            Readiness::NeedsGil | Readiness::FellBack => Grade::Caution,
            _ => Grade::Bad,
        }
    }

    /// What `--fail-on` holds unless told otherwise: everything but "ready"
    /// and "works with the GIL", which are facts about the package, not failures.
    pub fn failing_by_default() -> Vec<Readiness> {
        vec![
            Readiness::FellBack,
            Readiness::ThreadUnsafe,
            Readiness::DataRace,
            Readiness::TestsFail,
            Readiness::SmokeFails,
            Readiness::ImportFails,
            Readiness::BuildFails,
            Readiness::Crashes,
        ]
    }
}

/// The build step: a wheel, built and installed for this interpreter?
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildOutcome {
    pub built: bool,
    /// Where it stopped: "build" or "install"; None when it did not stop.
    #[serde(default)]
    pub stage: Option<String>,
    /// The wheel's file name under the container's `dist/`, checked on the
    /// way in: it is joined onto this machine's paths.
    #[serde(default)]
    pub wheel: Option<crate::file_name::FileName>,
    /// From the wheel's WHEEL file: `cp313-cp313t-linux_x86_64`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Dotted names of the extension modules in the wheel.
    #[serde(default)]
    pub modules: Vec<String>,
    /// A build requirement pip could not find in the wheelhouse.
    #[serde(default)]
    pub missing: Option<String>,
    #[serde(default)]
    pub log: String,
    /// C, C++ and Cython files among the sources (the first 50), to tell a
    /// silent fallback to pure Python from a pure-Python package.
    #[serde(default)]
    pub native_sources: Vec<String>,
    /// The first compiler errors of the whole build log (a caught one too).
    #[serde(default)]
    pub compiler_errors: Vec<String>,
    /// The wheel's top-level import names: what importing the package means.
    #[serde(default)]
    pub top_level: Vec<String>,
    /// Its runtime dependencies installed with it (from the wheelhouse);
    /// false: installed without them, as they were not all there.
    #[serde(default)]
    pub dependencies_installed: Option<bool>,
}

/// One extension module's import, in its own process.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleCheck {
    pub module: String,
    pub imported: bool,
    pub gil_before: Option<bool>,
    pub gil_after: Option<bool>,
    /// `RuntimeWarning: …`, one line per warning.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// `ImportError: …`.
    #[serde(default)]
    pub error: Option<String>,
    /// The module a ModuleNotFoundError names.
    #[serde(default)]
    pub missing: Option<String>,
    #[serde(default)]
    pub signal: Option<i32>,
    #[serde(default)]
    pub exit_code: i64,
}

impl ModuleCheck {
    /// Off before the import and on after it: the module re-enabled the GIL.
    pub fn reenabled_gil(&self) -> bool {
        self.gil_before == Some(false) && self.gil_after == Some(true)
    }
}

/// The smoke run: the user's code in N threads with the GIL forced off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SmokeOutcome {
    pub threads: u32,
    /// `ValueError: …`, one line per thread that raised.
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default)]
    pub signal: Option<i32>,
    pub exit_code: i64,
    #[serde(default)]
    pub gil_after: Option<bool>,
    #[serde(default)]
    pub output: String,
}

/// The package imported whole, its dependencies with it, in one process:
/// the extension modules that loaded and the first that turned the GIL back on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportGraph {
    pub top_level: Vec<String>,
    /// Modules the import added to `sys.modules`.
    #[serde(default)]
    pub modules: u32,
    /// Extension modules loaded, in order.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// The first extension module whose loading re-enabled the GIL.
    #[serde(default)]
    pub reenabled_by: Option<String>,
    #[serde(default)]
    pub gil_after: Option<bool>,
    /// `pb: ModuleNotFoundError: …` when an import raised.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub signal: Option<i32>,
    #[serde(default)]
    pub exit_code: i64,
}

/// A test that failed in a run of the package's own tests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FailedTest {
    /// pytest's node id: `tests/test_render.py::test_render_round_trips`.
    pub test: String,
    /// Its first line: `AssertionError: assert '17' == '1042'`.
    #[serde(default)]
    pub message: String,
    /// Times it was run again as it failed, and how many of them failed too:
    /// all of them is a certain failure, some a flaky race.
    #[serde(default)]
    pub reruns: u32,
    #[serde(default)]
    pub failed_reruns: u32,
}

/// One pytest run of the package's own tests, every test in `threads`
/// threads at once (pytest-run-parallel); 1 is the plain run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestRun {
    pub threads: u32,
    pub passed: u32,
    #[serde(default)]
    pub skipped: u32,
    #[serde(default)]
    pub failed: Vec<FailedTest>,
    /// pytest's: 0 all passed, 1 some failed, 5 none collected; no exit
    /// when `timed_out`.
    pub exit_code: i64,
    #[serde(default)]
    pub signal: Option<i32>,
    /// Stopped at its share of the timeout (or the container was).
    #[serde(default)]
    pub timed_out: bool,
    pub seconds: f64,
    /// pytest's output's tail when it did not exit 0.
    #[serde(default)]
    pub output: String,
}

/// `--tests`: the package's own tests, plainly and in threads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestsOutcome {
    /// PYTHON_GIL=0 on a free-threaded build.
    pub gil_forced_off: bool,
    pub plain: TestRun,
    pub parallel: TestRun,
}

impl TestRun {
    /// `2/3` passed of those that ran, `signal 11`, or `exit 5` (none ran).
    fn summary(&self) -> String {
        match self.signal {
            None if self.timed_out => "timeout".into(),
            Some(sig) => format!("signal {sig}"),
            None if self.passed == 0 && self.failed.is_empty() => {
                format!("exit {}", self.exit_code)
            }
            None => format!(
                "{}/{}",
                self.passed,
                self.passed as usize + self.failed.len()
            ),
        }
    }
}

impl TestsOutcome {
    /// `2/2 plain · 1/2 ×8`: tests passed of those run, plainly and in N
    /// threads (no parallel run when the plain one printed no report).
    pub fn summary(&self) -> String {
        if self.parallel.threads == 0 {
            return format!("{} plain", self.plain.summary());
        }
        format!(
            "{} plain · {} ×{}",
            self.plain.summary(),
            self.parallel.summary(),
            self.parallel.threads
        )
    }
}

/// A package on one interpreter, judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageResult {
    pub interpreter: String,
    pub free_threaded: bool,
    pub build: BuildOutcome,
    #[serde(default)]
    pub modules: Vec<ModuleCheck>,
    pub smoke: Option<SmokeOutcome>,
    /// `--tests`: its own tests, plainly and in threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests: Option<TestsOutcome>,
    /// The package imported whole, with its dependencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<ImportGraph>,
    /// `--tsan`: what ThreadSanitizer reported in every step, and its log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsan: Option<super::TsanOutcome>,
    pub readiness: Readiness,
    /// One line saying why.
    #[serde(default)]
    pub why: String,
}

impl PackageResult {
    /// `cp313t` from the wheel's first tag, when it built.
    pub fn abi_tag(&self) -> Option<&str> {
        self.build.tags.first().and_then(|t| t.split('-').nth(1))
    }

    /// Extension modules imported, of those in the wheel.
    pub fn imported(&self) -> Option<(usize, usize)> {
        self.build.built.then(|| {
            let ok = self.modules.iter().filter(|m| m.imported).count();
            (ok, self.modules.len())
        })
    }

    /// Modules that switched the GIL back on in a free-threaded interpreter.
    pub fn reenabled_gil(&self) -> Vec<&str> {
        self.modules
            .iter()
            .filter(|m| m.reenabled_gil())
            .map(|m| m.module.as_str())
            .collect()
    }
}

/// `ext PACKAGE --json`: the package, what building it needed, and its
/// readiness on every interpreter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtPackage {
    /// Where it came from: a folder, an sdist, or `NAME VERSION from PyPI (FILE)`.
    pub package: String,
    #[serde(default)]
    pub build_requires: Vec<String>,
    /// The wheels the build requirements were installed from.
    #[serde(default)]
    pub wheelhouse: Vec<String>,
    pub results: Vec<PackageResult>,
    /// `--tests`: the tests' requirements (pytest, pytest-run-parallel, the
    /// package's test extra or requirements file), from the wheelhouse too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_requires: Vec<String>,
    /// `[project] dependencies`: installed with the package (from the
    /// wheelhouse), and imported with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// The session whose containers made it (their `pybench-docker.session` label).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session: String,
}
