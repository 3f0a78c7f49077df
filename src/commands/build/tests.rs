//! `build_all` and `ensure_images` through a fake engine: which builds are
//! asked for, in what order, with which arguments and contexts, and what a
//! failing variant stops. Sources come from a `file://` mirror: no network.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::commands::test_support::app_with_yaml;
use crate::config::{parse, Source, DEFAULT_YAML};
use crate::docker::fake::{FakeEngine, RecordedBuild};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};
use crate::plan::build_plan;

/// The built-in config with every release's mirror a fake tarball in `dir`,
/// pinned to that tarball's sha256.
fn offline_yaml(dir: &Path) -> String {
    let mirror = dir.join("mirror");
    std::fs::create_dir_all(&mirror).unwrap();
    let default_plan = build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap();
    let mut yaml = DEFAULT_YAML.to_string();
    for release in &default_plan.releases {
        let tarball = mirror.join(format!("Python-{}.tar.xz", release.version));
        std::fs::write(&tarball, format!("fake CPython {} source", release.version)).unwrap();
        let sha = crate::download::sha256_file(&tarball).unwrap();
        let pinned = &release.variants[0].sha256;
        assert!(
            yaml.contains(pinned.as_str()),
            "{pinned} not in config.yaml"
        );
        yaml = yaml.replace(pinned.as_str(), &sha);
    }
    let start = yaml
        .find("  mirrors:\n")
        .expect("config.yaml lists mirrors");
    let end = start + yaml[start..].find("\n\n").unwrap();
    let file_mirror = format!(
        "  mirrors:\n    - file://{}/Python-{{version}}.tar.xz",
        mirror.display()
    );
    yaml.replace_range(start..end, &file_mirror);
    yaml
}

fn no_containers(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    panic!("a build starts no container, but {} was started", spec.name)
}

/// An app on a fresh fake that already has both base images.
fn offline_app(yaml: &str, cache: &Path) -> (App, Arc<FakeEngine>) {
    let engine = FakeEngine::new(no_containers);
    let app = app_with_yaml(yaml, engine.clone(), cache);
    for base in app.plan.bases() {
        engine.add_image(&base.image, &[]);
    }
    (app, engine)
}

/// The one build of `tag`, and where it came in the order of builds.
fn build_of<'a>(builds: &'a [RecordedBuild], tag: &str) -> (usize, &'a RecordedBuild) {
    let found: Vec<(usize, &RecordedBuild)> = builds
        .iter()
        .enumerate()
        .filter(|(_, b)| b.request.tag == tag)
        .collect();
    assert_eq!(found.len(), 1, "builds of {tag}: {found:?}");
    found[0]
}

async fn label_of(engine: &FakeEngine, image: &str, key: &str) -> Option<String> {
    let facts = engine.inspect_image(image).await.unwrap()?;
    facts.labels.get(key).cloned()
}

/// The build of variant `v`: its Dockerfile and arguments. Returns
/// its position among the builds.
async fn check_variant_build(
    app: &crate::commands::App,
    engine: &FakeEngine,
    builds: &[RecordedBuild],
    v: &VariantBuild,
) -> usize {
    let plan = &app.plan;
    let (i, b) = build_of(builds, &v.image);
    assert_eq!(b.request.dockerfile, "cpython.rendered.Dockerfile");
    let args = &b.request.build_args;
    assert_eq!(*args, variant_build_args(v, &v.sha256, engine.cpus));
    assert_eq!(args["MAKE_JOBS"], "2", "jobs: 0 is the engine's CPU count");
    assert_eq!(args["PYTHON_VERSION"], v.version.to_string());
    assert_eq!(args["CONFIGURE_FLAGS"], v.configure_flags.join(" "));
    // Every variant compiles in its release's toolchain: the LLVM of that
    // version's JIT (each default release has a JIT variant).
    assert_eq!(args["BUILDER_BASE"], v.builder_base);
    let base = plan.bases().find(|b| b.image == v.builder_base).unwrap();
    assert_eq!(base.llvm, v.version.jit_llvm());
    // Pinned to the fake tarball, which is what the context carries.
    let sha = crate::download::sha256_file(
        &app.cache
            .join("sources")
            .join(format!("Python-{}.tar.xz", v.version)),
    )
    .unwrap();
    assert_eq!(args["PYTHON_SHA256"], sha);
    // Its identity is the first step of its own stage.
    let id = v.image.rsplit(':').next().unwrap();
    assert!(b.dockerfile.contains("FROM configure-cache\n\n"));
    assert!(b
        .dockerfile
        .contains(&format!("ARG PYBENCH_DOCKER_BUILD=\"{id}\"")));
    i
}

#[tokio::test]
async fn build_all_builds_each_variant_then_the_release_images_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = offline_yaml(dir.path());
    let (app, engine) = offline_app(&yaml, &dir.path().join("cache"));
    let plan = &app.plan;

    let summary = build_all(&BuildCtx::of(&app)).await.unwrap();

    let builds = engine.builds();
    let variants: Vec<&VariantBuild> = plan.variant_builds().collect();
    assert_eq!(
        variants.len(),
        6,
        "the built-in config builds stock, t and j of 3.13 and 3.14"
    );
    // Per release: its configure-cache stage, its variants, pythons and builder.
    assert_eq!(builds.len(), variants.len() + 3 * plan.releases.len());
    for (i, release) in plan.releases.iter().enumerate() {
        let (at, b) = build_of(&builds, &release.configure_cache);
        assert!(at < plan.releases.len(), "configure caches come first: {i}");
        assert_eq!(b.request.target.as_deref(), Some("configure-cache"));
        assert_eq!(b.request.build_args["PROFILE_FLAGS"], "");
        assert_eq!(b.request.build_args["BUILDER_BASE"], release.builder_base);
    }
    assert!(builds[plan.releases.len()..]
        .iter()
        .all(|b| b.request.target.is_none()));
    assert!(
        builds.iter().all(|b| !b.request.network),
        "no build has a network"
    );
    assert!(engine.runs().is_empty());

    let mut last_variant = 0;
    for v in &variants {
        last_variant = last_variant.max(check_variant_build(&app, &engine, &builds, v).await);
    }

    let hashes = expected_hashes(plan, &app.project.dockerfiles(), &Sources::new()).unwrap();
    for (release, hash) in plan.releases.iter().zip(&hashes) {
        for (image, base_arg, base) in [
            (&release.pythons, "RUNTIME_BASE", &plan.runtime_base.image),
            (&release.builder, "BUILDER_BASE", &release.builder_base),
        ] {
            let (i, b) = build_of(&builds, image);
            assert!(i > last_variant, "{image} is built after every variant");
            assert_eq!(
                b.request.build_args,
                HashMap::from([(base_arg.to_string(), base.clone())])
            );
            for v in &release.variants {
                let from = format!("FROM {} AS cpython-{}", v.image, v.variant.key());
                assert!(b.dockerfile.contains(&from), "{image} lacks {from:?}");
                assert!(b
                    .dockerfile
                    .contains(&format!("COPY --from=cpython-{}", v.variant.key())));
            }
            assert_eq!(
                label_of(&engine, image, BUILD_HASH_LABEL).await,
                Some(hash.clone())
            );
        }
    }

    let stages: Vec<&str> = summary.stages.iter().map(|s| s.stage.as_str()).collect();
    let bases = plan.bases().count();
    assert_eq!(
        stages[..bases],
        ["base builder-llvm18", "base builder-llvm19", "base runtime"]
    );
    assert!(summary.stages[..bases]
        .iter()
        .all(|s| s.outcome == "reused"));
    assert_eq!(
        stages[bases],
        format!("source {}", plan.releases[0].version)
    );
    assert_eq!(summary.images.len(), 2 * plan.releases.len());
}

#[tokio::test]
async fn two_runs_send_byte_identical_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = offline_yaml(dir.path());
    let mut runs = Vec::new();
    for cache in ["cache-a", "cache-b"] {
        let (app, engine) = offline_app(&yaml, &dir.path().join(cache));
        build_all(&BuildCtx::of(&app)).await.unwrap();
        let contexts: BTreeMap<String, String> = engine
            .builds()
            .into_iter()
            .map(|b| (b.request.tag, b.context_sha256))
            .collect();
        runs.push(contexts);
    }
    assert_eq!(
        runs[0].len(),
        12,
        "per release the configure cache, three variants, pythons and builder: {:?}",
        runs[0]
    );
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn ensure_images_builds_only_when_an_image_is_missing_or_stale() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = offline_yaml(dir.path());
    let (app, engine) = offline_app(&yaml, &dir.path().join("cache"));

    ensure_images(&app).await.unwrap();
    let first = engine.builds().len();
    assert_eq!(
        first, 12,
        "per release the configure cache, three variants, pythons and builder"
    );

    // Every image present with this plan's hash: nothing to do.
    ensure_images(&app).await.unwrap();
    assert_eq!(engine.builds().len(), first);

    // One release image from another plan: everything is asked for again
    // (the daemon's layer cache makes the unchanged steps free).
    let release = &app.plan.releases[0];
    engine.add_image(&release.builder, &[(BUILD_HASH_LABEL, "another-plan")]);
    ensure_images(&app).await.unwrap();
    assert_eq!(engine.builds().len(), 2 * first);
    ensure_images(&app).await.unwrap();
    assert_eq!(engine.builds().len(), 2 * first);
}

#[tokio::test]
async fn a_failing_variant_names_itself_and_no_release_image_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = offline_yaml(dir.path());
    let (app, engine) = offline_app(&yaml, &dir.path().join("cache"));
    let release = &app.plan.releases[0];
    let broken = release
        .variants
        .iter()
        .find(|v| v.variant.key() == "t")
        .unwrap();
    *engine.fail_build_of.lock().unwrap() = Some(broken.image.clone());

    let err = build_all(&BuildCtx::of(&app)).await.unwrap_err();

    let msg = err.to_string();
    let BuildError::Stage(failure) = err else {
        panic!("expected a stage failure, got {msg}");
    };
    assert_eq!(failure.stage, broken.label());
    assert!(
        msg.contains(&format!("building {} failed", broken.label())),
        "{msg}"
    );
    assert_eq!(failure.step, "Step 1/2 : FROM base");
    assert!(failure.tail.contains("non-zero code"), "{msg}");
    let log = std::fs::read_to_string(&failure.log).unwrap();
    assert!(
        log.contains("ERROR:") && log.contains("non-zero code"),
        "{log}"
    );

    let builds = engine.builds();
    assert!(builds.iter().any(|b| b.request.tag == broken.image));
    for image in [&release.pythons, &release.builder] {
        assert!(
            builds.iter().all(|b| &b.request.tag != image),
            "{image} was built after a variant failed"
        );
        assert!(engine.inspect_image(image).await.unwrap().is_none());
    }
    // The failure is not mistaken for fresh images on the next run.
    let again = ensure_images(&app).await.unwrap_err().to_string();
    assert!(again.contains(&broken.label()), "{again}");
}
