//! `pybench-docker info`: every interpreter configuration's environment banner,
//! checked against what its build and runtime switches should give.

use std::time::Duration;

use anyhow::Result;
use console::style;

use crate::cli::InfoArgs;
use crate::commands::runner::{self, Parsed, ScriptRun};
use crate::commands::App;
use crate::error::ChecksFailed;
use crate::plan::{Interpreter, Mode, Plan, Variant};
use crate::results::FeatureState;

/// `info`, checked: the configurations to describe.
pub struct InfoJob {
    pub interpreters: Vec<Interpreter>,
}

/// Every configuration, or the ones named with `--interpreters`. Pure.
pub fn prepare(args: &InfoArgs, plan: &Plan) -> Result<InfoJob> {
    let chosen: Vec<&Interpreter> = if args.interpreters.is_empty() {
        plan.interpreters.iter().collect()
    } else {
        plan.select(&args.interpreters)
            .map_err(anyhow::Error::msg)?
    };
    Ok(InfoJob {
        interpreters: chosen.into_iter().cloned().collect(),
    })
}

/// Free threading and JIT state an interpreter configuration must report. Pure.
pub fn expected_features(i: &Interpreter) -> (FeatureState, FeatureState) {
    use FeatureState::*;
    let state = |built_in: bool, switched_off: bool| match (built_in, switched_off) {
        (false, _) => Unsupported,
        (true, true) => Disabled,
        (true, false) => Enabled,
    };
    let variant = i.variant.unwrap_or(Variant::STOCK);
    (
        state(variant.is_free_threaded(), i.mode == Mode::GilForced),
        state(variant.has_jit(), i.mode == Mode::JitOff),
    )
}

/// Whether the configuration's build must report the tail-calling
/// interpreter (its `c` option). Pure.
pub fn expects_tail_call(i: &Interpreter) -> bool {
    i.variant
        .is_some_and(|v| v.has(crate::options::BuildOption::TailCall))
}

/// What is wrong with the facts an interpreter reported, against what its
/// build and runtime switches promise; `None` when they agree. Pure.
pub fn mismatch(i: &Interpreter, info: &crate::results::InterpreterInfo) -> Option<String> {
    let (want_ft, want_jit) = expected_features(i);
    let want_tail_call = expects_tail_call(i);
    if info.free_threading != want_ft || info.jit != want_jit {
        return Some(format!(
            "{}: reports free threading {} and JIT {}, expected {} and {}",
            i.name, info.free_threading, info.jit, want_ft, want_jit
        ));
    }
    (info.tail_call != want_tail_call).then(|| {
        let says = |built: bool| if built { "built in" } else { "not built in" };
        format!(
            "{}: reports the tail-calling interpreter {}, expected {}",
            i.name,
            says(info.tail_call),
            says(want_tail_call)
        )
    })
}

/// Every configuration's banner, on an engine that holds their images.
pub async fn command(app: &App, job: &InfoJob) -> Result<()> {
    let dir = app.project.benchmarks();
    let mut problems = Vec::new();
    for interp in &job.interpreters {
        let timeout = Duration::from_secs(app.config.containers.timeout_seconds.min(120));
        let run = ScriptRun::plain(interp, &dir, "pyinfo.py", &[], "info", timeout);
        let out = runner::run_script(app, &run).await?;
        println!(
            "{} {}",
            style("▶").cyan().bold(),
            style(&interp.name).bold()
        );
        match runner::extract_banner(&out.stdout) {
            Some(b) => println!("{b}"),
            None => println!("{}", out.stdout.trim_end()),
        }
        match runner::parse_machine_line(&out.stdout) {
            Parsed::Result(v) => match runner::info_of(&v) {
                Some(info) => match mismatch(interp, &info) {
                    None => print_jit_probe(&v),
                    Some(problem) => problems.push(problem),
                },
                None => problems.push(format!(
                    "{}: the info line lacks interpreter facts",
                    interp.name
                )),
            },
            _ => problems.push(format!(
                "{}: no result (exit {}); stderr:\n{}",
                interp.name,
                out.exit_code,
                runner::tail(&out.stderr, 10)
            )),
        }
        println!();
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ChecksFailed(format!(
            "some interpreters do not behave as their build promises:\n  {}",
            problems.join("\n  ")
        ))
        .into())
    }
}

/// What the JIT probe saw in the info script's own hot loop (docs/jit-probe.md):
/// a finding, never a failure (3.15.0rc2's `tj` is enabled and never runs).
fn print_jit_probe(line: &serde_json::Value) {
    if let Some(e) = runner::jit_probe_of(line, "jit_probe") {
        println!(
            "JIT probe, a hot loop: {} ({})",
            e.verdict.as_str(),
            e.reason
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, yaml_with_315, Source};
    use crate::plan::build_plan;
    use FeatureState::*;

    #[test]
    fn expectations_follow_the_tutorial() {
        let plan = build_plan(&parse(&yaml_with_315(), &Source::Embedded).unwrap()).unwrap();
        let want = |name: &str| {
            expected_features(plan.interpreters.iter().find(|i| i.name == name).unwrap())
        };
        assert_eq!(want("system"), (Unsupported, Unsupported));
        assert_eq!(want("3.13"), (Unsupported, Unsupported));
        assert_eq!(want("3.13t"), (Enabled, Unsupported));
        assert_eq!(want("3.13t -X gil=1"), (Disabled, Unsupported));
        assert_eq!(want("3.13j"), (Unsupported, Enabled));
        assert_eq!(want("3.13j PYTHON_JIT=0"), (Unsupported, Disabled));
        assert_eq!(want("3.14t"), (Enabled, Unsupported));
        assert_eq!(want("3.15tj"), (Enabled, Enabled));
        assert_eq!(want("3.15tj -X gil=1"), (Disabled, Enabled));
        assert_eq!(want("3.15tj PYTHON_JIT=0"), (Enabled, Disabled));
    }

    #[test]
    fn a_tail_calling_build_must_report_its_interpreter_loop() {
        let yaml = crate::config::DEFAULT_YAML.replace(
            "variants: [stock, t, j]\n  # The release candidate",
            "variants: [stock, t, j, c]\n  # The release candidate",
        );
        let plan = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        let find = |name: &str| plan.interpreters.iter().find(|i| i.name == name).unwrap();
        let reported = |i: &Interpreter, tail_call: bool| {
            let (free_threading, jit) = expected_features(i);
            crate::results::InterpreterInfo {
                free_threading,
                jit,
                tail_call,
                ..Default::default()
            }
        };
        let c = find("3.14c");
        assert!(expects_tail_call(c));
        assert_eq!(mismatch(c, &reported(c, true)), None);
        let problem = mismatch(c, &reported(c, false)).unwrap();
        assert!(
            problem.contains("3.14c") && problem.contains("expected built in"),
            "{problem}"
        );
        let stock = find("3.14");
        assert!(!expects_tail_call(stock));
        assert_eq!(mismatch(stock, &reported(stock, false)), None);
        assert!(mismatch(stock, &reported(stock, true)).is_some());
        let mut ft_wrong = reported(stock, false);
        ft_wrong.free_threading = Enabled;
        assert!(mismatch(stock, &ft_wrong)
            .unwrap()
            .contains("free threading"));
    }
}
