//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "pybench-docker",
    version,
    about = "Reproducible CPython free-threading and JIT experiments in Docker",
    long_about = "Builds CPython from pinned, verified sources in three variants (stock, free-threaded \
                  `t`, JIT `j`) plus the distro python3, runs benchmarks in locked-down containers \
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
    Run(RunArgs),
    /// Compile the greeter C extensions (or your own) against every build and test importing them.
    Ext(ExtArgs),
    /// Print the built-in config.yaml, as a starting point for --config.
    Config,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Print the build summary as JSON to this file as well.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Comma-separated interpreter names (default: all).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub interpreters: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// gil, jit, uops, or the path of a Python script to run through the same matrix.
    pub benchmark: String,

    /// Threads for the gil benchmark (default: the container's CPU count).
    #[arg(short = 't', long, allow_negative_numbers = true)]
    pub threads: Option<i64>,

    /// gil: fib(N) per thread (default 35); jit: calls of fib() (default 10000).
    #[arg(short = 'n', allow_negative_numbers = true)]
    pub n: Option<i64>,

    /// Measured runs per interpreter (default from config: 3).
    #[arg(short = 'r', long, allow_negative_numbers = true)]
    pub repeat: Option<i64>,

    /// Unmeasured runs before the measured ones (default from config: 0).
    #[arg(short = 'w', long, allow_negative_numbers = true)]
    pub warmup: Option<i64>,

    /// Interpreter the others are compared with (default from config: 3.13).
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,

    /// Comma-separated interpreter names, e.g. "3.13,3.13t,3.13t -X gil=1".
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub interpreters: Vec<String>,

    /// Seconds before a container is killed and its row reported as timed out.
    #[arg(long, value_name = "SECONDS")]
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

    /// uops only: open the tutorial's interactive REPL (needs a terminal).
    #[arg(long)]
    pub interactive: bool,

    /// Arguments passed to a user script after `--`.
    #[arg(last = true)]
    pub script_args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExtArgs {
    /// Your own single-file extension (default: the greeter modules in c_extension/).
    pub source: Option<PathBuf>,

    /// Module name of your extension (default: the file name without .c).
    #[arg(long)]
    pub module: Option<String>,

    /// Where the compiled modules go (default: ./pybench-ext-out).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Write the matrix as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Seconds before a container is killed.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}
