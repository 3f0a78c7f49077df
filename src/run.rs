//! `pybench-docker run`: a benchmark across interpreter configurations, each run
//! in its own container, repeated, summarised and compared with a baseline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Result};
use chrono::Utc;
use console::style;

use crate::app::{App, ChecksFailed};
use crate::cli::RunArgs;
use crate::plan::{Interpreter, Selection};
use crate::report::{self, Format};
use crate::results::{Host, Outcome, Report, Row, Sample};
use crate::runner::{self, Parsed, ScriptRun};

/// What to run, validated. Pure data.
#[derive(Debug, Clone, PartialEq)]
pub enum Benchmark {
    Gil {
        threads: Option<u32>,
        n: u32,
    },
    Jit {
        n: u32,
    },
    Uops,
    Script {
        dir: PathBuf,
        file: String,
        args: Vec<String>,
    },
}

impl Benchmark {
    pub fn name(&self) -> String {
        match self {
            Benchmark::Gil { .. } => "gil".into(),
            Benchmark::Jit { .. } => "jit".into(),
            Benchmark::Uops => "uops".into(),
            Benchmark::Script { file, .. } => file.clone(),
        }
    }

    /// Script and arguments inside the container.
    pub fn script_and_args(&self) -> (String, Vec<String>) {
        match self {
            Benchmark::Gil { threads, n } => {
                let mut a = vec!["-n".to_string(), n.to_string()];
                if let Some(t) = threads {
                    a.extend(["--threads".to_string(), t.to_string()]);
                }
                ("gil.py".into(), a)
            }
            Benchmark::Jit { n } => ("jit.py".into(), vec!["-n".into(), n.to_string()]),
            Benchmark::Uops => ("uops.py".into(), vec!["--demo".into()]),
            // User scripts run under a small timer that adds the banner and result line.
            Benchmark::Script { file, args, .. } => {
                let mut a = vec![format!("/script/{file}")];
                a.extend(args.iter().cloned());
                ("run_script.py".into(), a)
            }
        }
    }
}

/// Validated settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub benchmark: Benchmark,
    pub repeat: u32,
    pub warmup: u32,
    pub baseline: String,
    pub timeout: Duration,
}

fn non_negative(flag: &str, v: i64, min: i64, what: &str) -> Result<u32> {
    if v < min || v > u32::MAX as i64 {
        bail!(
            "{flag} {v} is out of range: {what}. Example: {flag} {}.",
            min.max(1)
        );
    }
    Ok(v as u32)
}

/// Checks every argument before anything starts. Pure but for the file check.
pub fn settings_from(args: &RunArgs, cfg: &crate::config::Config) -> Result<RunSettings> {
    let threads = args
        .threads
        .map(|t| non_negative("--threads", t, 1, "at least one thread is needed"))
        .transpose()?;
    let benchmark = match args.benchmark.as_str() {
        "gil" => Benchmark::Gil {
            threads: threads.or(cfg.benchmarks.gil.threads),
            n: match args.n {
                Some(n) => non_negative("-n", n, 0, "fib(n) needs n >= 0")?,
                None => cfg.benchmarks.gil.n,
            },
        },
        "jit" => Benchmark::Jit {
            n: match args.n {
                Some(n) => non_negative("-n", n, 1, "fib() must run at least once")?,
                None => cfg.benchmarks.jit.n,
            },
        },
        "uops" => Benchmark::Uops,
        other => {
            let path = Path::new(other);
            if !other.ends_with(".py") && !path.exists() {
                bail!("unknown benchmark {other:?}. Use gil, jit, uops, or the path of a Python script (e.g. ./my_bench.py).");
            }
            if !path.is_file() {
                bail!("the script {other:?} does not exist or is not a file. Check the path; it is relative to the current directory.");
            }
            let path = path.canonicalize()?;
            Benchmark::Script {
                dir: path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("/")),
                file: path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                args: args.script_args.clone(),
            }
        }
    };
    if !matches!(benchmark, Benchmark::Script { .. }) && !args.script_args.is_empty() {
        bail!("arguments after `--` are for your own scripts; {} takes its options directly (see --help).", benchmark.name());
    }
    if args.threads.is_some() && !matches!(benchmark, Benchmark::Gil { .. }) {
        bail!("--threads applies to the gil benchmark only.");
    }
    let repeat = match args.repeat {
        Some(r) => non_negative("--repeat", r, 1, "at least one measured run is needed")?,
        None => cfg.benchmarks.repeat,
    };
    let warmup = match args.warmup {
        Some(w) => non_negative("--warmup", w, 0, "warm-up runs cannot be negative")?,
        None => cfg.benchmarks.warmup,
    };
    let timeout = args.timeout.unwrap_or(cfg.containers.timeout_seconds);
    if timeout == 0 {
        bail!("--timeout 0 would stop every run at once: give seconds, e.g. --timeout 600.");
    }
    for (flag, path) in [
        ("--json", &args.json),
        ("--csv", &args.csv),
        ("--markdown", &args.markdown),
    ] {
        if let Some(p) = path {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if !dir.is_dir() {
                bail!("{flag} {}: the folder {} does not exist. Create it first, so results are not lost after the run.", p.display(), dir.display());
            }
        }
    }
    Ok(RunSettings {
        benchmark,
        repeat,
        warmup,
        baseline: args
            .baseline
            .clone()
            .unwrap_or_else(|| cfg.benchmarks.baseline.clone()),
        timeout: Duration::from_secs(timeout),
    })
}

pub async fn command(app: &App, args: &RunArgs) -> Result<()> {
    let settings = settings_from(args, &app.config)?;
    let interpreters: Vec<&Interpreter> = if args.interpreters.is_empty() {
        app.plan.default_interpreters(match settings.benchmark {
            Benchmark::Gil { .. } => Selection::Gil,
            Benchmark::Jit { .. } | Benchmark::Uops => Selection::Jit,
            Benchmark::Script { .. } => Selection::All,
        })
    } else {
        app.plan
            .select(&args.interpreters)
            .map_err(anyhow::Error::msg)?
    };
    if !matches!(settings.benchmark, Benchmark::Uops)
        && !interpreters.iter().any(|i| i.name == settings.baseline)
    {
        bail!(
            "the baseline {:?} is not among the interpreters of this run ({}). Pass --baseline with one of them, or add it to --interpreters.",
            settings.baseline,
            interpreters.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    if args.interactive && !matches!(settings.benchmark, Benchmark::Uops) {
        bail!("--interactive is for `run uops` only.");
    }
    app.ensure_images().await?;
    if let Benchmark::Uops = settings.benchmark {
        return crate::run::uops(app, &interpreters, args.interactive).await;
    }
    let mut report = new_report(app, &settings, args).await;
    for interp in &interpreters {
        report.rows.push(Row {
            interpreter: interp.name.clone(),
            command: command_line(interp, &settings.benchmark),
            env: interp.env.clone(),
            image: interp.image.clone(),
            image_id: app
                .engine
                .inspect_image(&interp.image)
                .await?
                .map(|f| f.id)
                .unwrap_or_default(),
            info: None,
            banner: None,
            samples: vec![],
            outcome: Outcome::Ok,
        });
    }
    let total = (settings.warmup + settings.repeat) as u64 * interpreters.len() as u64;
    let bar = app
        .progress
        .counter(&format!("run {}", settings.benchmark.name()), total, false);
    let outputs = Outputs::from(args);
    let mut done = 0;
    let interrupted = 'rounds: {
        for round in 0..settings.warmup + settings.repeat {
            let warmup = round < settings.warmup;
            // Round-robin: every interpreter once per round, so slow drift in the
            // machine's state spreads over all of them instead of biasing one.
            for (idx, interp) in interpreters.iter().enumerate() {
                if !matches!(report.rows[idx].outcome, Outcome::Ok) {
                    continue;
                }
                bar.step(format!(
                    "{} {} {}/{}",
                    interp.name,
                    if warmup { "warm-up" } else { "run" },
                    if warmup {
                        round + 1
                    } else {
                        round - settings.warmup + 1
                    },
                    if warmup {
                        settings.warmup
                    } else {
                        settings.repeat
                    }
                ));
                match one_run(app, interp, &settings, warmup).await {
                    Ok(result) => absorb(app, &mut report.rows[idx], result),
                    Err(e) if e.downcast_ref::<crate::app::Interrupted>().is_some() => {
                        break 'rounds true
                    }
                    Err(e) => return Err(e),
                }
                done += 1;
                bar.set_position(done);
            }
            // Keep what finished: a crash later loses at most one round.
            outputs.write(&report, false)?;
        }
        false
    };
    report.finished_at = Some(Utc::now());
    if interrupted {
        bar.fail("interrupted");
        outputs.write(&report, true)?;
        return Err(crate::app::Interrupted.into());
    }
    bar.finish(format!("{done} runs in {} containers", done));
    println!(
        "{}",
        report::render_table(&report, console::colors_enabled())
    );
    for note in outlier_notes(&report) {
        eprintln!("{} {note}", style("note:").yellow());
    }
    outputs.write(&report, true)?;
    let failed: Vec<String> = report
        .rows
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Ok))
        .map(|r| r.interpreter.clone())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ChecksFailed(format!(
            "{} of {} configurations failed: {}. The table shows why; the other results were kept.",
            failed.len(),
            report.rows.len(),
            failed.join(", ")
        ))
        .into())
    }
}

/// Runs far from the rest of their row (modified z-score above 3.5), worth a
/// second look: a noisy neighbour, a frequency change. Pure.
pub fn outlier_notes(report: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    for row in &report.rows {
        let xs = row.measured();
        // Fewer than five runs make the median absolute deviation meaningless.
        if xs.len() < 5 {
            continue;
        }
        for i in crate::stats::outliers(&xs, crate::stats::DEFAULT_OUTLIER_THRESHOLD) {
            notes.push(format!(
                "{}: run {} took {:.3} s, an outlier among its {} runs (modified z-score > {}); more --repeat or a --warmup run may steady it.",
                row.interpreter,
                i + 1,
                xs[i],
                xs.len(),
                crate::stats::DEFAULT_OUTLIER_THRESHOLD
            ));
        }
    }
    notes
}

/// The full command line of a row, for the record.
fn command_line(interp: &Interpreter, b: &Benchmark) -> Vec<String> {
    let (script, args) = b.script_and_args();
    let mut cmd = interp.argv.clone();
    cmd.push(script);
    cmd.extend(args);
    cmd
}

async fn new_report(app: &App, s: &RunSettings, args: &RunArgs) -> Report {
    let info = app.engine.docker.info().await.ok();
    let host = Host {
        cpus: info.as_ref().and_then(|i| i.ncpu).unwrap_or(0) as u32,
        os: info
            .as_ref()
            .and_then(|i| i.operating_system.clone())
            .unwrap_or_default(),
        arch: info
            .as_ref()
            .and_then(|i| i.architecture.clone())
            .unwrap_or_default(),
        docker_version: app.engine.server_version().await,
    };
    let (_, mut arguments) = s.benchmark.script_and_args();
    if !args.interpreters.is_empty() {
        arguments.push(format!("--interpreters={}", args.interpreters.join(",")));
    }
    Report {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        session: app.session.id.clone(),
        benchmark: s.benchmark.name(),
        arguments,
        baseline: s.baseline.clone(),
        repeat: s.repeat,
        warmup: s.warmup,
        host,
        started_at: Utc::now(),
        finished_at: None,
        rows: vec![],
    }
}

/// The result of one container run, before it is folded into a row.
struct RunResult {
    started_at: chrono::DateTime<Utc>,
    finished_at: chrono::DateTime<Utc>,
    warmup: bool,
    output: crate::docker::ContainerOutput,
    timeout: Duration,
}

async fn one_run(
    app: &App,
    interp: &Interpreter,
    s: &RunSettings,
    warmup: bool,
) -> Result<RunResult> {
    let (script, args) = s.benchmark.script_and_args();
    let bench_dir = app.project.benchmarks();
    let mut mounts = vec![];
    if let Benchmark::Script { dir, .. } = &s.benchmark {
        mounts.push(crate::docker::container::BindMount {
            host: dir.display().to_string(),
            container: "/script".into(),
            read_only: true,
        });
    }
    let run = ScriptRun {
        interpreter: interp,
        dir: &bench_dir,
        script,
        args,
        extra_env: vec![],
        extra_mounts: mounts,
        image: None,
        timeout: s.timeout,
        what: "run",
    };
    let started_at = Utc::now();
    let output = runner::run_script(app, &run).await?;
    Ok(RunResult {
        started_at,
        finished_at: Utc::now(),
        warmup,
        output,
        timeout: s.timeout,
    })
}

/// Folds one run into its row: a sample, or the row's failure. Pure but for printing.
fn absorb(app: &App, row: &mut Row, r: RunResult) {
    let out = &r.output;
    if row.banner.is_none() {
        if let Some(b) = runner::extract_banner(&out.stdout) {
            app.progress.println(format!(
                "{} {}\n{b}",
                style("▶").cyan().bold(),
                style(&row.interpreter).bold()
            ));
            row.banner = Some(b);
        }
    }
    row.outcome = match outcome_of(out, r.timeout) {
        Ok((seconds, info)) => {
            if row.info.is_none() {
                row.info = info;
            }
            row.samples.push(Sample {
                seconds,
                started_at: r.started_at,
                finished_at: r.finished_at,
                warmup: r.warmup,
            });
            Outcome::Ok
        }
        Err(o) => o,
    };
}

/// Reads a container's output: the measured seconds, or why the run failed. Pure.
pub fn outcome_of(
    out: &crate::docker::ContainerOutput,
    timeout: Duration,
) -> std::result::Result<(f64, Option<crate::results::InterpreterInfo>), Outcome> {
    if out.timed_out {
        return Err(Outcome::TimedOut {
            after_seconds: timeout.as_secs_f64(),
        });
    }
    let stderr_tail = runner::tail(&out.stderr, 12);
    if out.exit_code != 0 {
        return Err(Outcome::Failed {
            reason: format!("exit code {}", out.exit_code),
            stderr_tail,
        });
    }
    match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => match v.get("seconds").and_then(|s| s.as_f64()) {
            Some(s) if s.is_finite() && s >= 0.0 => Ok((s, runner::info_of(&v))),
            _ => Err(Outcome::Failed {
                reason: "the result line has no valid \"seconds\"".into(),
                stderr_tail,
            }),
        },
        Parsed::Missing => Err(Outcome::Failed {
            reason: "no PYBENCH_RESULT line in the output".into(),
            stderr_tail,
        }),
        Parsed::Malformed(why) => Err(Outcome::Failed {
            reason: why,
            stderr_tail,
        }),
    }
}

/// The result files the user asked for.
struct Outputs {
    files: Vec<(Format, PathBuf)>,
}

impl Outputs {
    fn from(args: &RunArgs) -> Outputs {
        let mut files = vec![];
        if let Some(p) = &args.json {
            files.push((Format::Json, p.clone()));
        }
        if let Some(p) = &args.csv {
            files.push((Format::Csv, p.clone()));
        }
        if let Some(p) = &args.markdown {
            files.push((Format::Markdown, p.clone()));
        }
        Outputs { files }
    }

    /// JSON is written after every round (partial results survive a crash);
    /// CSV and Markdown at the end.
    fn write(&self, report: &Report, last: bool) -> Result<()> {
        for (format, path) in &self.files {
            if !last && *format != Format::Json {
                continue;
            }
            let bytes = format.exporter().serialize(report)?;
            crate::output::write_atomically(path, &bytes)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

/// `run uops`: the micro-op transcript of each interpreter.
pub async fn uops(app: &App, interpreters: &[&Interpreter], interactive: bool) -> Result<()> {
    if interactive {
        return crate::run::interactive_uops(app, interpreters).await;
    }
    let dir = app.project.benchmarks();
    let mut saw_executor = false;
    for interp in interpreters {
        let run = ScriptRun {
            interpreter: interp,
            dir: &dir,
            script: "uops.py".into(),
            args: vec!["--demo".into()],
            extra_env: vec![],
            extra_mounts: vec![],
            image: None,
            timeout: Duration::from_secs(app.config.containers.timeout_seconds.min(300)),
            what: "uops",
        };
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
pub async fn interactive_uops(app: &App, interpreters: &[&Interpreter]) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        bail!("--interactive needs a terminal on standard input; run it from a shell, or drop --interactive for the transcript.");
    }
    let interp = interpreters
        .iter()
        .find(|i| {
            i.variant == Some(crate::plan::Variant::Jit) && i.mode == crate::plan::Mode::Default
        })
        .or(interpreters.first())
        .ok_or_else(|| anyhow::anyhow!("no interpreter selected"))?;
    crate::runner::interactive(app, interp, &app.project.benchmarks(), &["-i", "uops.py"]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::docker::ContainerOutput;

    fn cfg() -> crate::config::Config {
        parse(DEFAULT_YAML, &Source::Embedded).unwrap()
    }

    fn args(b: &str) -> RunArgs {
        RunArgs {
            benchmark: b.into(),
            threads: None,
            n: None,
            repeat: None,
            warmup: None,
            baseline: None,
            interpreters: vec![],
            timeout: None,
            json: None,
            csv: None,
            markdown: None,
            interactive: false,
            script_args: vec![],
        }
    }

    #[test]
    fn defaults_come_from_config() {
        let s = settings_from(&args("gil"), &cfg()).unwrap();
        assert_eq!(
            s.benchmark,
            Benchmark::Gil {
                threads: None,
                n: 35
            }
        );
        assert_eq!((s.repeat, s.warmup), (3, 0));
        assert_eq!(s.baseline, "3.13");
        let j = settings_from(&args("jit"), &cfg()).unwrap();
        assert_eq!(j.benchmark, Benchmark::Jit { n: 10000 });
    }

    #[test]
    fn bad_numbers_are_explained() {
        let mut a = args("gil");
        a.threads = Some(0);
        let e = settings_from(&a, &cfg()).unwrap_err().to_string();
        assert!(
            e.contains("--threads 0") && e.contains("at least one thread"),
            "{e}"
        );
        let mut a = args("gil");
        a.n = Some(-1);
        let e = settings_from(&a, &cfg()).unwrap_err().to_string();
        assert!(e.contains("-n -1"), "{e}");
        let mut a = args("jit");
        a.repeat = Some(0);
        assert!(settings_from(&a, &cfg())
            .unwrap_err()
            .to_string()
            .contains("--repeat 0"));
    }

    #[test]
    fn unknown_benchmark_and_missing_script() {
        let e = settings_from(&args("gli"), &cfg()).unwrap_err().to_string();
        assert!(
            e.contains("unknown benchmark \"gli\"") && e.contains("gil, jit, uops"),
            "{e}"
        );
        let e = settings_from(&args("/nope/bench.py"), &cfg())
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn output_folder_must_exist_before_running() {
        let mut a = args("gil");
        a.json = Some("/nonexistent-dir/r.json".into());
        let e = settings_from(&a, &cfg()).unwrap_err().to_string();
        assert!(e.contains("/nonexistent-dir"), "{e}");
    }

    #[test]
    fn scripts_and_arguments() {
        let g = Benchmark::Gil {
            threads: Some(4),
            n: 25,
        };
        assert_eq!(
            g.script_and_args(),
            (
                "gil.py".into(),
                vec!["-n".into(), "25".into(), "--threads".into(), "4".into()]
            )
        );
        let s = Benchmark::Script {
            dir: "/x".into(),
            file: "b.py".into(),
            args: vec!["--k".into()],
        };
        assert_eq!(
            s.script_and_args(),
            (
                "run_script.py".into(),
                vec!["/script/b.py".into(), "--k".into()]
            )
        );
    }

    fn output(code: i64, stdout: &str, timed_out: bool) -> ContainerOutput {
        ContainerOutput {
            exit_code: code,
            stdout: stdout.into(),
            stderr: "Traceback\nValueError: boom\n".into(),
            timed_out,
            wall: Duration::from_secs(1),
        }
    }

    #[test]
    fn outcomes() {
        let t = Duration::from_secs(9);
        let ok = output(0, "x\nPYBENCH_RESULT {\"seconds\":1.5}\n", false);
        assert_eq!(outcome_of(&ok, t).unwrap().0, 1.5);
        assert!(
            matches!(outcome_of(&output(0, "", true), t), Err(Outcome::TimedOut { after_seconds }) if after_seconds == 9.0)
        );
        match outcome_of(&output(1, "", false), t) {
            Err(Outcome::Failed {
                reason,
                stderr_tail,
            }) => {
                assert_eq!(reason, "exit code 1");
                assert!(stderr_tail.contains("boom"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            outcome_of(&output(0, "no line", false), t),
            Err(Outcome::Failed { .. })
        ));
        assert!(matches!(
            outcome_of(&output(0, "PYBENCH_RESULT {\"seconds\":-1}", false), t),
            Err(Outcome::Failed { .. })
        ));
        assert!(matches!(
            outcome_of(&output(0, "PYBENCH_RESULT {\"seconds\":\"x\"}", false), t),
            Err(Outcome::Failed { .. })
        ));
    }
}
