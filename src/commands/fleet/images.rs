//! Bringing the images a command needs to every engine of its fleet: the
//! engines that have them are ready; the others get them carried from one
//! that has them, or built (then carried on to the rest of that
//! architecture). Only the images the command needs are looked at, built
//! or carried.

use anyhow::Result;
use console::style;

use super::supply::{self, Holdings, Supply};
use super::Fleet;
use crate::commands::build;
use crate::docker::{DockerError, Engine};
use crate::plan::Needs;

/// Brings the images of `needs` to every reachable engine and says how.
/// `build`'s own job, when given, is how an engine builds (its `--jobs`,
/// its summary file); otherwise only what is missing or stale is built.
pub async fn bring_images(
    fleet: &mut Fleet,
    needs: &Needs,
    build_job: Option<&build::BuildJob>,
) -> Result<()> {
    let Some(first) = fleet.first_ready() else {
        return Ok(());
    };
    if needs.is_empty() {
        return Ok(());
    }
    let wanted = build::expected_images(first, needs).await?;
    let stages = needs.stages(&first.plan);
    let mut holdings = Vec::new();
    for i in 0..fleet.members.len() {
        let looked = match fleet.members[i].ready() {
            Ok(app) => Some(holdings_of(app.engine.as_ref(), &wanted, &stages).await),
            Err(_) => None,
        };
        holdings.push(match looked {
            Some(Ok(h)) => Some(h),
            Some(Err(e)) => {
                fleet.fail(i, e.into());
                None
            }
            None => None,
        });
    }
    let supplies = supply::plan(&holdings, build_job.is_some());
    for (i, s) in supplies.iter().enumerate() {
        let (Some(s), Some(h)) = (s, &holdings[i]) else {
            continue;
        };
        let from = match s {
            Supply::Carry { from } => fleet.members[*from].name(),
            _ => "",
        };
        let said = announcement(fleet.members[i].name(), *s, h, from, build_job.is_some());
        if let (Some(said), Ok(app)) = (said, fleet.members[i].ready()) {
            app.progress
                .println(format!("{} {said}", style("→").cyan()));
        }
    }
    build_where_chosen(fleet, &supplies, needs, build_job).await;
    carry_where_chosen(fleet, &supplies, &holdings).await;
    Ok(())
}

/// What an engine's line says about its images (`engine` empty: DOCKER_HOST's
/// alone, which says only what it does); `None` when there is nothing worth
/// saying. Pure.
pub fn announcement(
    engine: &str,
    supply: Supply,
    holdings: &Holdings,
    from: &str,
    build_command: bool,
) -> Option<String> {
    let named = !engine.is_empty();
    let on = match named {
        true => format!("engine {engine}: "),
        false => String::new(),
    };
    let missing = holdings.missing.join(", ");
    let text = match supply {
        Supply::Ready if build_command => "images present, carried from another engine: nothing to build (a build here would compile every variant again)".to_string(),
        Supply::Ready if named => "images present".to_string(),
        Supply::Ready => return None,
        Supply::Build if holdings.fresh() && named => {
            "images present: building to check them (layer cache)".to_string()
        }
        Supply::Build if holdings.fresh() => return None,
        Supply::Build if named => format!("images missing: building them there ({missing})"),
        Supply::Build => {
            format!("images are missing or out of date ({missing}); building them first")
        }
        Supply::Carry { .. } => {
            format!("images missing: carrying them from {from} (no compiling): {missing}")
        }
    };
    Some(on + &text)
}

/// The engines chosen to build, all at once; a failed build fails its
/// engine.
async fn build_where_chosen(
    fleet: &mut Fleet,
    supplies: &[Option<Supply>],
    needs: &Needs,
    build_job: Option<&build::BuildJob>,
) {
    let several = fleet.several();
    // With `build`'s job, a ready engine (its images carried to it) still
    // says what it holds.
    let builders: Vec<usize> = (0..fleet.members.len())
        .filter(|i| match supplies[*i] {
            Some(Supply::Build) => true,
            Some(Supply::Ready) => build_job.is_some(),
            _ => false,
        })
        .collect();
    let built = futures_util::future::join_all(builders.iter().map(|i| {
        let app = fleet.members[*i].ready().ok();
        let build = supplies[*i] == Some(Supply::Build);
        async move {
            let Some(app) = app else { return Ok(()) };
            let own = build_job.map(|job| match several {
                true => job.for_engine(&app.engine_name),
                false => job.clone(),
            });
            match (own, build) {
                (Some(job), true) => build::command(app, &job).await,
                (Some(job), false) => build::nothing_to_build(app, &job).await,
                (None, _) => build::build_needed(app, needs).await,
            }
        }
    }))
    .await;
    for (i, result) in builders.iter().zip(built) {
        if let Err(e) = result {
            let e = match several {
                true => e.context("building the images failed"),
                false => e,
            };
            fleet.fail(*i, e);
        }
    }
}

/// The carries, all at once, each from its engine once that one has the
/// images, each of the images its engine lacks; a failed carry (or a source
/// whose build failed) fails its engine.
async fn carry_where_chosen(
    fleet: &mut Fleet,
    supplies: &[Option<Supply>],
    holdings: &[Option<Holdings>],
) {
    let carries: Vec<(usize, usize)> = (0..fleet.members.len())
        .filter_map(|i| match supplies[i] {
            Some(Supply::Carry { from }) => Some((i, from)),
            _ => None,
        })
        .collect();
    let members = &fleet.members;
    let carried = futures_util::future::join_all(carries.iter().map(|(to, from)| {
        let images = holdings[*to]
            .as_ref()
            .map(|h| h.missing.clone())
            .unwrap_or_default();
        let (to, from) = (&members[*to], &members[*from]);
        async move {
            let (Ok(to_app), Ok(from_app)) = (to.ready(), from.ready()) else {
                return Err(format!("{} has no images to give", from.name()));
            };
            supply::carry(from_app.engine.as_ref(), to_app.engine.as_ref(), &images)
                .await
                .map(|c| (c, images.len()))
                .map_err(|e| e.to_string())
        }
    }))
    .await;
    for ((to, from), result) in carries.iter().zip(carried) {
        match result {
            Ok((c, n)) => eprintln!(
                "{} engine {}: carried {n} image(s), {:.2} GB, from {} in {:.0} s",
                style("✓").green(),
                fleet.members[*to].name(),
                c.bytes as f64 / 1e9,
                fleet.members[*from].name(),
                c.seconds
            ),
            Err(reason) => fleet.fail(*to, anyhow::anyhow!("carrying the images failed: {reason}")),
        }
    }
}

/// Which of `wanted` (image, build hash) the engine lacks, whether it holds
/// the variant `stages`, and its architecture.
async fn holdings_of(
    engine: &dyn Engine,
    wanted: &[(String, String)],
    stages: &[String],
) -> Result<Holdings, DockerError> {
    let mut missing = Vec::new();
    for (image, hash) in wanted {
        let facts = engine.inspect_image(image).await?;
        let current =
            facts.is_some_and(|f| f.labels.get(build::render::BUILD_HASH_LABEL) == Some(hash));
        if !current {
            missing.push(image.clone());
        }
    }
    let mut have_stages = true;
    for stage in stages {
        have_stages &= engine.inspect_image(stage).await?.is_some();
    }
    Ok(Holdings {
        missing,
        stages: have_stages,
        arch: engine.host_facts().await.arch,
    })
}
