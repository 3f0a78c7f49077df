//! What the tool layers (Callgrind's on a runtime image, Rust's on a
//! builder) share: their packages base made sure of, then the layer built
//! with the network off, its build lines shown on the task.

use anyhow::Result;
use futures_util::StreamExt;

use super::base;
use crate::commands::App;
use crate::docker::image::{BuildEvent, BuildRequest};
use crate::plan::BaseImage;
use crate::ui::progress::Task;

/// Builds `request` from a context of `files` (name, contents), once the
/// packages base `tools` is on the engine (bootstrapped or pulled as the
/// config says, its log under the cache's `logs/<logs>`).
pub async fn build(
    app: &App,
    tools: &BaseImage,
    logs: &str,
    task: &Task,
    request: &BuildRequest,
    files: Vec<(&str, Vec<u8>)>,
) -> Result<()> {
    let cfg = &app.config.base;
    let log_dir = app.cache.join("logs").join(logs);
    base::ensure(
        app.engine.as_ref(),
        tools,
        cfg.mode,
        &cfg.pull_image,
        task,
        &log_dir,
    )
    .await?;
    let mut ctx = crate::context::ContextBuilder::new();
    for (name, bytes) in files {
        ctx.add_bytes(name, bytes, false)?;
    }
    let mut stream = Box::pin(app.engine.build(request, ctx.to_bytes(false)?.into()));
    while let Some(event) = stream.next().await {
        if let BuildEvent::Line(line) = event? {
            task.step(line);
        }
    }
    Ok(())
}
