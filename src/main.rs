//! pybench-docker: parse, run, print the error chain, exit non-zero on failure.

mod analysis;
mod checkout;
mod cli;
mod commands;
mod config;
mod context;
mod docker;
mod domain;
mod download;
mod error;
mod file_name;
mod ftscalingbench;
mod options;
mod packages;
mod plan;
mod project;
mod ranges;
mod regular_file;
mod report;
mod results;
mod session;
mod sources;
mod toolchain;
mod ui;
mod wheels;

use clap::Parser;
use console::style;

fn main() {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "{} cannot start the async runtime: {e}",
                style("error:").red().bold()
            );
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(commands::main(cli));
    // Blocking tasks (downloads) must not keep an interrupted process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code);
}
