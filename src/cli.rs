//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::ranges;

#[derive(Debug, Parser)]
#[command(
    name = "pybench-docker",
    version,
    about = "Reproducible CPython free-threading and JIT experiments in Docker",
    long_about = "Builds CPython from pinned, verified sources in variants made of build options \
                  (stock, free-threaded `t`, JIT `j`, tail-calling `c`) plus the distro python3, runs benchmarks in locked-down containers \
                  for every interpreter configuration, and compiles C extensions against every build."
)]
pub struct Cli {
    /// Configuration file replacing the built-in config.yaml.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "PYBENCH_DOCKER_CONFIG"
    )]
    pub config: Option<PathBuf>,

    /// Folder holding dockerfiles/, benchmarks/ and c_extension/ (default: found from the current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,

    /// A Docker Engine to work on: NAME=ADDRESS (unix:///…/docker.sock, tcp://HOST:PORT,
    /// ssh://USER@HOST) or a name from the config's `engines:`. Repeat it to run on
    /// several engines at once; the default is DOCKER_HOST's engine.
    #[arg(long = "engine", global = true, value_name = "[NAME=]ADDRESS")]
    pub engines: Vec<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the base, CPython variant, runtime and builder images.
    Build(BuildArgs),
    /// Show the environment banner of every interpreter configuration.
    Info(InfoArgs),
    /// Run a benchmark (gil, jit, uops, or a script path) across interpreters.
    Run(Box<RunArgs>),
    /// Check C extensions on every build: the greeters, your .c file, or a real package
    /// (project, sdist, --pypi NAME): built, imported, GIL state, a readiness verdict.
    Ext(Box<ExtArgs>),
    /// Compare results (--json files, or folders of repeated runs): B against A, per configuration.
    Compare(CompareArgs),
    /// Turn result files (run, compare, ext --json) into a static HTML page with charts,
    /// and the verdicts into Markdown for a pull request.
    Report(ReportArgs),
    /// Print the built-in config.yaml, as a starting point for --config.
    Config,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The reference: a run's JSON file (--json), or a folder of repeated runs' files.
    pub a: PathBuf,
    /// What is compared with it: a file or a folder, as A.
    pub b: PathBuf,
    /// Exit non-zero when a configuration is significantly slower in B by more than PCT percent.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub fail_on_regression: Option<f64>,
    /// Exit non-zero when a configuration uses significantly more peak memory in B by more
    /// than PCT percent.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub fail_on_memory_regression: Option<f64>,
    /// Write the comparison as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Half-width of the status band in percent (default: A's run's band, else 10).
    #[arg(long, value_name = "PCT", value_parser = |s: &str| ranges::BAND_PERCENT.percent(s))]
    pub band: Option<f64>,
}

/// `run --measure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MeasureArg {
    #[default]
    Time,
    Instructions,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("output").required(true).multiple(true))]
pub struct ReportArgs {
    /// Result files written with --json by run (a suite's or a script's per-benchmark files
    /// too), compare and ext, or folders of them. Several runs of one benchmark show its history.
    #[arg(required = true, value_name = "RESULT.json")]
    pub files: Vec<PathBuf>,
    /// Write the page into DIR: index.html, and the result files copied under DIR/data/.
    #[arg(long, value_name = "DIR", group = "output")]
    pub html: Option<PathBuf>,
    /// Write the verdicts as compact Markdown (for a pull request).
    #[arg(long, value_name = "FILE", group = "output")]
    pub markdown: Option<PathBuf>,
}

/// `--profile`, on every command that builds.
#[derive(Debug, Args, Default, Clone)]
pub struct ProfileArg {
    /// How CPython is built: quick (no PGO or LTO: minutes) or release (PGO + LTO, like the
    /// official images: about 3× the time). Default: the config's build.profile.
    #[arg(long, value_enum, value_name = "quick|release")]
    pub profile: Option<crate::config::Profile>,
}

impl Command {
    /// The build profile its `--profile` chose, if it builds and one was given.
    pub fn profile(&self) -> Option<crate::config::Profile> {
        match self {
            Command::Build(a) => a.build.profile,
            Command::Info(a) => a.build.profile,
            Command::Run(a) => a.build.profile,
            Command::Ext(a) => a.build.profile,
            Command::Compare(_) | Command::Report(_) | Command::Config => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub build: ProfileArg,

    /// Print the build summary as JSON to this file as well.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// CPU budget: variant builds in flight and make's -j (default: config build.jobs, 0 = the engine's CPUs).
    #[arg(long, value_name = "N", value_parser = ranges::JOBS.u32_parser())]
    pub jobs: Option<u32>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub build: ProfileArg,

    /// Comma-separated interpreter names (default: all).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub interpreters: Vec<String>,
}

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    #[command(flatten)]
    pub build: ProfileArg,

    /// gil, jit, uops, suite, a benchmark of the suite (see --list), pyperformance,
    /// ftscalingbench, or the path of a Python script to run through the same matrix.
    #[arg(required_unless_present = "list")]
    pub benchmark: Option<String>,

    /// List every benchmark (gil, jit, uops and the suite's, by category) and exit.
    #[arg(long)]
    pub list: bool,

    /// suite only: run just this category's benchmarks.
    #[arg(long, value_name = "CATEGORY")]
    pub category: Option<String>,

    /// Threads: one count N (runs 1 and N) or a sweep such as 1,2,4, for gil and
    /// the suite's benchmarks (default: 1 and the host's CPU count), and for your
    /// script when its arguments after `--` hold {threads}.
    #[arg(short = 't', long, value_delimiter = ',', allow_negative_numbers = true,
          value_parser = ranges::THREADS.u32_parser())]
    pub threads: Vec<u32>,

    /// gil: fib(N) per thread and loop (default 25); jit: calls of fib() per loop (default 10000).
    #[arg(short = 'n', allow_negative_numbers = true, value_parser = ranges::N.u32_parser())]
    pub n: Option<u32>,

    /// Measured processes (containers) per configuration, interleaved round-robin
    /// (default from config).
    #[arg(short = 'p', long, visible_alias = "repeat", short_alias = 'r',
          value_parser = ranges::PROCESSES.u32_parser())]
    pub processes: Option<u32>,

    /// Discarded processes per configuration before the measured ones (default from config: 0).
    #[arg(long, visible_alias = "warmup", short_alias = 'w',
          value_parser = ranges::WARMUP_PROCESSES.u32_parser())]
    pub warmup_processes: Option<u32>,

    /// Measured values per process (default from config).
    #[arg(long, value_parser = ranges::VALUES.u32_parser())]
    pub values: Option<u32>,

    /// Discarded warm-up values per process, before the measured ones (default from config).
    #[arg(long, value_parser = ranges::WARMUPS.u32_parser())]
    pub warmups: Option<u32>,

    /// Calibrate the loops so one value takes at least this many seconds (default from config).
    #[arg(long, value_name = "SECONDS", value_parser = |s: &str| ranges::MIN_TIME.seconds(s))]
    pub min_time: Option<f64>,

    /// Fixed loops per value instead of calibrating.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub loops: Option<u32>,

    /// Interpreter the others are compared with (default from config: 3.13), or
    /// per-version: each build against its own version's stock build.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,

    /// Comma-separated interpreter names, e.g. "3.13,3.13t,3.13t -X gil=1".
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub interpreters: Vec<String>,

    /// Seconds before a container is killed and its row reported as timed out.
    #[arg(long, value_name = "SECONDS", value_parser = ranges::TIMEOUT_SECONDS.u64_parser())]
    pub timeout: Option<u64>,

    /// Write results with full metadata as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write one CSV row per interpreter configuration.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,

    /// Write a Markdown table.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Write one pyperf JSON file per configuration into DIR, for `pyperf stats`
    /// and `pyperf compare_to`.
    #[arg(long, value_name = "DIR")]
    pub pyperf: Option<PathBuf>,

    /// Write the page `report` would make of this run's results into DIR: index.html,
    /// and the result files under DIR/data/ (a suite's benchmarks on one page).
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,

    /// uops only: open the tutorial's interactive REPL (needs a terminal).
    #[arg(long)]
    pub interactive: bool,

    /// pyperformance: the benchmarks to run, comma-separated (default: all of them).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub benchmarks: Vec<String>,

    /// ftscalingbench: the patterns to run, comma-separated (default: every pattern
    /// the script registers).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub patterns: Vec<String>,

    /// ftscalingbench: run this script on every build instead of each version's own:
    /// a configured version's (3.14), a CPython tree's or a source tarball's.
    #[arg(long, value_name = "VERSION|DIR|TARBALL")]
    pub script_from: Option<String>,

    /// pyperformance: a folder of wheels for the benchmarks' third-party packages
    /// (repeatable); asked before PyPI.
    #[arg(long, value_name = "DIR")]
    pub wheelhouse: Vec<PathBuf>,

    /// pyperformance: never ask PyPI; third-party packages come only from --wheelhouse and the cache.
    #[arg(long)]
    pub offline: bool,

    /// With several engines you declare identical: split the configurations across them
    /// instead of running all on each. Every engine also runs the baseline, so that each
    /// ratio is still taken on one host.
    #[arg(long)]
    pub shard: bool,

    /// Your script: print what it wrote to stdout and stderr, per interpreter (it is in --json either way).
    #[arg(long)]
    pub show_output: bool,

    /// What each value is: time (the default), or instructions counted under Valgrind's
    /// Callgrind (one thread, in an image layer of its own), with estimated cycles beside them.
    #[arg(long, value_enum, default_value_t = MeasureArg::Time)]
    pub measure: MeasureArg,

    /// Half-width of the status band in percent: a change inside it is "similar"
    /// (default: config benchmarks.band, else 10).
    #[arg(long, value_name = "PCT", value_parser = |s: &str| ranges::BAND_PERCENT.percent(s))]
    pub band: Option<f64>,

    /// Your script with --threads: each of the N threads does the one-thread work
    /// (speed-up t1·N/tN); without it the script's total work is taken as fixed (t1/tN).
    #[arg(long)]
    pub work_per_thread: bool,

    /// Arguments passed to a user script after `--`.
    #[arg(last = true)]
    pub script_args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExtArgs {
    #[command(flatten)]
    pub build: ProfileArg,

    /// What to check: a single .c file, a project folder (pyproject.toml or setup.py),
    /// or an sdist (.tar.gz, .zip); several folders or sdists make a list.
    /// Default: the tutorial's greeter modules.
    pub source: Vec<PathBuf>,

    /// Check packages from PyPI: their sdists, NAME or NAME==VERSION, built on every
    /// interpreter. Several names make a list: one matrix, package × build.
    #[arg(long, value_name = "NAME[==VERSION]", num_args = 1..)]
    pub pypi: Vec<String>,

    /// A requirements file of packages to check (NAME, NAME==VERSION, or a local folder
    /// or sdist, one a line; repeatable): one matrix, package × build.
    #[arg(short = 'r', long = "requirements", value_name = "FILE")]
    pub requirements: Vec<PathBuf>,

    /// For a list: an earlier `--json` file of the list; the output says what changed since.
    #[arg(long, value_name = "FILE")]
    pub since: Option<PathBuf>,

    /// For a list: check every package again, not serving results from the cache
    /// (which is still refreshed).
    #[arg(long)]
    pub no_cache: bool,

    /// A folder of wheels for the build requirements (repeatable); asked before PyPI.
    #[arg(long, value_name = "DIR")]
    pub wheelhouse: Vec<PathBuf>,

    /// Never ask PyPI: build requirements come only from --wheelhouse and the cache.
    #[arg(long)]
    pub offline: bool,

    /// A Rust package's crates: a folder of NAME-VERSION.crate files (repeatable;
    /// cargo's ~/.cargo/registry/cache/index.crates.io-* is one), asked before
    /// crates.io. Each is checked against the package's Cargo.lock.
    #[arg(
        long,
        value_name = "DIR",
        env = "PYBENCH_CRATES",
        value_delimiter = ':'
    )]
    pub crates: Vec<PathBuf>,

    /// Python code (or "-m module") run in N threads at once with the GIL forced off,
    /// after the imports: crashes are reported apart from exceptions.
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub smoke: Option<String>,

    /// Threads for --smoke.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub smoke_threads: u32,

    /// Verdicts that make the exit status non-zero
    /// (default: fell-back,thread-unsafe,tests-fail,smoke-fails,import-fails,build-fails,crashes).
    #[arg(long, value_name = "VERDICTS", value_delimiter = ',')]
    pub fail_on: Option<Vec<crate::commands::ext::readiness::Readiness>>,

    /// Write a package's readiness as a Markdown table (for a pull request).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Module name of your extension (default: the file name without .c).
    #[arg(long)]
    pub module: Option<String>,

    /// Where the compiled modules or built wheels go (default: ./pybench-ext-out).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Write the matrix as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write the page `report` would make of the result into DIR: index.html, and the
    /// JSON under DIR/data/.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,

    /// Seconds before a container is killed.
    #[arg(long, value_name = "SECONDS", value_parser = ranges::TIMEOUT_SECONDS.u64_parser())]
    pub timeout: Option<u64>,

    /// Run the package's own tests (pytest) on every build: once plainly, once with every
    /// test in N threads at once (pytest-run-parallel), the GIL forced off on free-threaded
    /// builds. PATH: a folder or file of tests on this machine (default: the package's own).
    /// pytest's own arguments go after `--`. Put it after the package.
    #[arg(long, value_name = "PATH", num_args = 0..=1)]
    pub tests: Option<Option<PathBuf>>,

    /// Threads each test runs in for --tests (default: the engine's CPU count, at least 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=256))]
    pub parallel_threads: Option<u32>,

    /// Check the package on each release's ThreadSanitizer build instead (`3.14tsan`:
    /// free-threaded, compiled with clang's -fsanitize=thread, with CPython's own
    /// suppressions; built on first use, images of its own): the package is compiled with
    /// -fsanitize=thread, and every data race its imports, --smoke and --tests run into is
    /// reported once, with both accesses' stacks (verdict "data race").
    #[arg(long)]
    pub tsan: bool,

    /// Only these builds, e.g. "3.14,3.14t" or "*t" (default: every build of the config;
    /// releases no named build belongs to are not built).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub interpreters: Vec<String>,

    /// pytest's own arguments for --tests, after `--`.
    #[arg(last = true, value_name = "PYTEST ARGS")]
    pub pytest_args: Vec<String>,
}

impl ExtArgs {
    /// The one path given, when one is.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.source.first().map(PathBuf::as_path)
    }

    /// The one `--pypi` name given, when one is.
    pub fn pypi_name(&self) -> Option<&str> {
        self.pypi.first().map(String::as_str)
    }

    /// Several packages: paths and names together more than one, or a requirements file.
    pub fn is_list(&self) -> bool {
        self.source.len() + self.pypi.len() > 1 || !self.requirements.is_empty()
    }
}

/// `--fail-on-regression`: a percentage in (0, 1000].
fn parse_percent(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("{text:?} is not a percentage, e.g. 5"))?;
    if v > 0.0 && v <= 1000.0 {
        Ok(v)
    } else {
        Err(format!("{v} is outside (0, 1000] percent"))
    }
}
