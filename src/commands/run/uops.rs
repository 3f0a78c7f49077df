//! `run uops`: the micro-ops of a warmed-up loop, as a transcript or in the
//! tutorial's REPL attached to this terminal.

use std::time::Duration;

use anyhow::{bail, Result};
use console::style;

use crate::commands::runner::{self, Parsed, ScriptRun};
use crate::commands::App;
use crate::plan::{Interpreter, Mode, Variant};

/// `run uops`: the micro-op transcript of each interpreter.
pub async fn command(app: &App, interpreters: &[Interpreter], interactive: bool) -> Result<()> {
    if interactive {
        return interactive_uops(app, interpreters).await;
    }
    let dir = app.project.benchmarks();
    let mut saw_executor = false;
    for interp in interpreters {
        let timeout = Duration::from_secs(app.config.containers.timeout_seconds.min(300));
        let run = ScriptRun::plain(interp, &dir, "uops.py", &["--demo"], "uops", timeout);
        let out = runner::run_script(app, &run).await?;
        println!(
            "{} {}",
            style("▶").cyan().bold(),
            style(&interp.name).bold()
        );
        let text: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| !l.starts_with("PYBENCH_RESULT"))
            .collect();
        println!("{}\n", text.join("\n"));
        if out.exit_code != 0 {
            bail!(
                "uops.py failed on {} (exit {}):\n{}",
                interp.name,
                out.exit_code,
                runner::tail(&out.stderr, 12)
            );
        }
        if let Parsed::Result(v) = runner::parse_machine_line(&out.stdout) {
            let after = v
                .get("after")
                .and_then(|a| a.as_array())
                .map(|a| a.len())
                .unwrap_or(0);
            saw_executor |= after > 0;
        }
    }
    if !saw_executor {
        eprintln!(
            "{} no interpreter produced micro-ops (only JIT builds with the JIT on do).",
            style("note:").yellow()
        );
    }
    Ok(())
}

/// `run uops --interactive`: the tutorial's REPL, attached to this terminal.
async fn interactive_uops(app: &App, interpreters: &[Interpreter]) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        bail!("--interactive needs a terminal on standard input; run it from a shell, or drop --interactive for the transcript.");
    }
    let interp = interpreters
        .iter()
        .find(|i| i.variant == Some(Variant::JIT) && i.mode == Mode::Default)
        .or(interpreters.first())
        .ok_or_else(|| anyhow::anyhow!("no interpreter selected"))?;
    let dir = app.project.benchmarks();
    let timeout = Duration::from_secs(app.config.containers.timeout_seconds);
    let run = ScriptRun::plain(interp, &dir, "-i", &["uops.py"], "repl", timeout);
    runner::interactive(app, &run).await
}
