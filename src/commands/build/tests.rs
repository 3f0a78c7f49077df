//! `build_all` and `build_needed` through a fake engine: which builds are
//! asked for, in what order, with which arguments and contexts, and what a
//! failing variant stops. Sources come from a `file://` mirror: no network.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::render::BUILD_HASH_LABEL;
use super::*;
use crate::commands::test_support::{app_with_yaml, offline_yaml};
use crate::docker::fake::{FakeEngine, RecordedBuild};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

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
    assert_eq!(base.llvm, crate::toolchain::version_llvm(&v.version));
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
async fn a_command_that_needs_one_runtime_image_builds_that_release_only() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = offline_yaml(dir.path());
    let (app, engine) = offline_app(&yaml, &dir.path().join("cache"));
    let wanted: Vec<_> = app
        .plan
        .interpreters
        .iter()
        .filter(|i| i.name == "3.14" || i.name == "3.14t")
        .cloned()
        .collect();
    let needs = Needs::runtime_of(&app.plan, &wanted);

    build_needed(&app, &needs).await.unwrap();

    let mut tags: Vec<String> = engine.builds().into_iter().map(|b| b.request.tag).collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            "pybench-docker/cpython:3.14.7-configure-cache-quick",
            "pybench-docker/cpython:3.14.7-j-quick",
            "pybench-docker/cpython:3.14.7-stock-quick",
            "pybench-docker/cpython:3.14.7-t-quick",
            "pybench-docker/pythons:3.14.7",
        ],
        "neither 3.13 nor the builder image"
    );
    let (image, hash) = expected_images(&app, &needs).await.unwrap().remove(0);
    assert_eq!(image, "pybench-docker/pythons:3.14.7");
    assert_eq!(
        label_of(&engine, &image, BUILD_HASH_LABEL).await,
        Some(hash),
        "built as the whole plan would build it"
    );
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
    // The next attempt asks for the builds again and stops at the same variant.
    let again = build_needed(&app, &Needs::everything(&app.plan))
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains(&broken.label()), "{again}");
}
