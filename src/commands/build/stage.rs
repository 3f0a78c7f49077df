//! One build request to the engine: the context sent, every line logged, the
//! current step shown, and a failure reported with the log's last lines.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::summary::human_duration;
use super::{BuildCtx, BuildError, StageFailure};
use crate::context::ContextBuilder;
use crate::docker::{BuildEvent, BuildRequest};
use crate::results::StageReport;

/// Runs one build request, logging every line, showing the current step.
pub async fn run_stage(
    ctx: &BuildCtx<'_>,
    stage: String,
    req: BuildRequest,
    context: ContextBuilder,
    log_dir: &Path,
) -> Result<StageReport, BuildError> {
    let task = ctx.progress.task(&stage);
    let t0 = Instant::now();
    let log_path = log_dir.join(format!("build-{}.log", sanitize(&stage)));
    let mut log = std::fs::File::create(&log_path)
        .map_err(|e| BuildError::Context(format!("cannot write {}: {e}", log_path.display())))?;
    task.step("sending the build context");
    let bytes = context
        .to_bytes(false)
        .map_err(|e| BuildError::Context(e.to_string()))?;
    let mut stream = Box::pin(ctx.engine.build(&req, bytes.into()));
    let mut step = String::from("(before the first step)");
    let mut ran_something = false;
    let mut tail: std::collections::VecDeque<String> = Default::default();
    let mut built = None;
    while let Some(ev) = stream.next().await {
        match ev {
            Ok(BuildEvent::Line(text)) => {
                let _ = log.write_all(text.as_bytes());
                for line in text.lines() {
                    if line.starts_with("Step ") {
                        step = line.to_string();
                        task.step(step.clone());
                    } else if line.starts_with(" ---> Running in") {
                        ran_something = true;
                    } else if !line.trim().is_empty() && !line.starts_with(" ---> ") {
                        task.step(format!("{}  {}", short_step(&step), line.trim()));
                    }
                    if tail.len() == 40 {
                        tail.pop_front();
                    }
                    tail.push_back(line.to_string());
                }
            }
            Ok(BuildEvent::Built(id)) => built = Some(id),
            Err(e) => {
                let _ = writeln!(log, "\nERROR: {e}");
                task.fail(format!("failed at {}", short_step(&step)));
                tail.push_back(format!("ERROR: {e}"));
                return Err(BuildError::Stage(Box::new(StageFailure {
                    stage,
                    step,
                    tail: Vec::from(tail).join("\n"),
                    log: log_path.display().to_string(),
                })));
            }
        }
    }
    if built.is_none() && ctx.engine.inspect_image(&req.tag).await?.is_none() {
        task.fail("the daemon ended the build without an image");
        return Err(BuildError::Stage(Box::new(StageFailure {
            stage,
            step,
            tail: Vec::from(tail).join("\n"),
            log: log_path.display().to_string(),
        })));
    }
    let outcome = if ran_something { "built" } else { "cached" };
    let secs = t0.elapsed().as_secs_f64();
    task.finish(format!(
        "{outcome} {} in {}",
        req.tag,
        human_duration(Duration::from_secs_f64(secs))
    ));
    Ok(StageReport {
        stage,
        outcome: outcome.into(),
        seconds: secs,
    })
}

/// `Step 13/15 : RUN make -j "${MAKE_JOBS}"` → `13/15`
fn short_step(step: &str) -> &str {
    step.strip_prefix("Step ")
        .and_then(|s| s.split(' ').next())
        .unwrap_or(step)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Awaits `fut` unless the session is cancelled first.
pub async fn cancellable<T>(
    cancel: &tokio_util::sync::CancellationToken,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, BuildError> {
    tokio::select! {
        v = fut => Ok(v),
        _ = cancel.cancelled() => Err(BuildError::Interrupted),
    }
}
