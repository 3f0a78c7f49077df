//! The image layer `run --measure instructions` runs in: a release's runtime
//! image plus Callgrind and the window's library (dockerfiles/valgrind/),
//! built on demand, so the timed images stay as they are.
//!
//! Offline like the bases: a *tools* base is bootstrapped with mmdebstrap
//! from the config's mirror and suite with a pinned package list (valgrind,
//! gcc, libc6-dev) and imported, then the layer is built with the network
//! off, copying only Callgrind's files and the compiled library from it.
//! Both are tagged with a hash of what they are made from, so an unchanged
//! one is reused.

use anyhow::{Context, Result};

use crate::commands::build::tool_layer;
use crate::commands::App;
use crate::docker::image::BuildRequest;
use crate::plan::{short_hash, BaseImage, BaseKind};

/// What the tools base installs: Debian's Valgrind, and a C compiler for the
/// window's library (never copied into the layer).
pub const TOOLS_PACKAGES: [&str; 3] = ["valgrind", "gcc", "libc6-dev"];

const DOCKERFILE: &str = "layer.Dockerfile";
const WINDOW_C: &str = "window.c";

/// The tools base of a config's suite and mirror. Pure.
pub fn tools_base(namespace: &str, suite: &str, mirror: &str) -> BaseImage {
    let mut parts = vec![suite, mirror];
    parts.extend(TOOLS_PACKAGES);
    BaseImage {
        kind: BaseKind::Builder,
        llvm: None,
        suite: suite.to_string(),
        extra_suites: vec![],
        mirror: mirror.to_string(),
        packages: TOOLS_PACKAGES.iter().map(|p| p.to_string()).collect(),
        image: format!("{namespace}/base:valgrind-{suite}-{}", short_hash(&parts)),
    }
}

/// Valgrind's name for the engine's architecture (`amd64`, `arm64`), or why
/// there is none. Pure.
pub fn valgrind_arch(arch: &str) -> Result<&'static str, String> {
    match arch {
        "x86_64" | "amd64" => Ok("amd64"),
        "aarch64" | "arm64" => Ok("arm64"),
        other => Err(format!(
            "--measure instructions runs Valgrind's amd64 or arm64 build, and this engine's machine is {other:?}: measure time there."
        )),
    }
}

/// The layer's Dockerfile for `arch`. Pure.
pub fn dockerfile(template: &str, arch: &str) -> String {
    template.replace("@ARCH@", arch)
}

/// The layer's tag: the runtime image's, with a hash of everything it is
/// made of (the image id it sits on, the tools base, the Dockerfile, the
/// library's source). Pure.
pub fn layer_tag(pythons: &str, parts: &[&str]) -> String {
    let (repo, tag) = pythons.rsplit_once(':').unwrap_or((pythons, "latest"));
    format!("{repo}:{tag}-callgrind-{}", short_hash(parts))
}

/// Makes sure the layer on `pythons` exists on `app`'s engine; its tag.
pub async fn ensure(app: &App, pythons: &str) -> Result<String> {
    let facts = app.engine.host_facts().await;
    let arch = valgrind_arch(&facts.arch).map_err(anyhow::Error::msg)?;
    let dir = app.project.dockerfiles().join("valgrind");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .with_context(|| format!("cannot read {}", dir.join(name).display()))
    };
    let (template, window) = (read(DOCKERFILE)?, read(WINDOW_C)?);
    let cfg = &app.config.base;
    let tools = tools_base(&app.config.images.namespace, &cfg.suite, &cfg.mirror);
    let on = app
        .engine
        .inspect_image(pythons)
        .await?
        .with_context(|| format!("{pythons} is not on this engine: build it first"))?;
    let rendered = dockerfile(&template, arch);
    let tag = layer_tag(pythons, &[&on.id, &tools.image, &rendered, &window]);
    if app.engine.inspect_image(&tag).await?.is_some() {
        return Ok(tag);
    }
    let task = app.progress.task(&format!("valgrind layer on {pythons}"));
    let request = BuildRequest {
        tag: tag.clone(),
        dockerfile: "Dockerfile".into(),
        build_args: [
            ("TOOLS".to_string(), tools.image.clone()),
            ("PYTHONS".to_string(), pythons.to_string()),
        ]
        .into(),
        labels: Default::default(),
        network: false,
        target: None,
    };
    let files = vec![
        ("Dockerfile", rendered.into_bytes()),
        (WINDOW_C, window.into_bytes()),
    ];
    tool_layer::build(app, &tools, "valgrind", &task, &request, files).await?;
    task.finish(tag.clone());
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::build::base;

    #[test]
    fn the_tools_base_is_pinned_by_suite_mirror_and_packages() {
        let a = tools_base("pybench-docker", "trixie", "http://deb.debian.org/debian");
        let b = tools_base("pybench-docker", "trixie", "http://mirror/debian");
        assert!(a.image.starts_with("pybench-docker/base:valgrind-trixie-"));
        assert_ne!(a.image, b.image);
        assert_eq!(a.packages, ["valgrind", "gcc", "libc6-dev"]);
        let args = base::mmdebstrap_args(&a, std::path::Path::new("/c/t.tar"));
        assert!(args.contains(&"--include=valgrind,gcc,libc6-dev".to_string()));
    }

    #[test]
    fn the_layer_copies_callgrind_for_the_engines_architecture_only() {
        let template = include_str!("../../../dockerfiles/valgrind/layer.Dockerfile");
        let d = dockerfile(template, "amd64");
        assert!(d.contains("/usr/libexec/valgrind/callgrind-amd64-linux"));
        assert!(!d.contains("@ARCH@"));
        assert!(!d.contains("memcheck"));
        // The binary itself, not Debian's shell wrapper around it.
        assert!(d.contains("/usr/bin/valgrind.bin /usr/bin/valgrind\n"));
        assert!(d.contains("libpybench_window.so /usr/local/lib/pybench/libpybench_window.so"));
        assert_eq!(valgrind_arch("x86_64"), Ok("amd64"));
        assert!(valgrind_arch("riscv64")
            .unwrap_err()
            .contains("measure time"));
    }

    #[test]
    fn the_layer_tag_follows_what_it_is_made_of() {
        let a = layer_tag("pybench-docker/pythons:3.14", &["sha256:1", "t"]);
        let b = layer_tag("pybench-docker/pythons:3.14", &["sha256:2", "t"]);
        assert!(a.starts_with("pybench-docker/pythons:3.14-callgrind-"));
        assert_ne!(a, b);
    }
}
