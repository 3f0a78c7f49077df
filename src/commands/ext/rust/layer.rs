//! The image layer a Rust package is built in: a release's builder image
//! plus Debian's rustc and cargo (dockerfiles/rust/), built on demand, so
//! the builder images of C packages stay as they are.
//!
//! Offline like the bases: a *packages* base is bootstrapped with
//! mmdebstrap from the config's mirror and suite with a pinned package list
//! (rustc, cargo), keeping its .deb files, and imported; then the layer is
//! built with the network off, installing only the .deb files of packages
//! the builder lacks. Both are tagged with a hash of what they are made of,
//! so an unchanged one is reused.

use anyhow::{bail, Context, Result};

use crate::commands::build::tool_layer;
use crate::commands::App;
use crate::docker::image::BuildRequest;
use crate::plan::{short_hash, BaseImage, BaseKind};

/// Debian's Rust toolchain.
pub const RUST_PACKAGES: [&str; 2] = ["rustc", "cargo"];

/// Suites whose own rustc is older than current PyO3 packages ask, and the
/// backports suite with a newer one: trixie has 1.85, where jiter asks 1.88
/// and orjson 1.95; trixie-backports has 1.98.
const NEWER_RUSTC: [(&str, &str); 1] = [("trixie", "trixie-backports")];

/// The packages the base installs for `suite`, and the further suites they
/// come from: rustc, cargo and their standard library from the backports of
/// a suite in [`NEWER_RUSTC`] (apt takes only what is named from backports,
/// so the library is named too), else the suite's own. Pure.
pub fn rust_packages(suite: &str) -> (Vec<String>, Vec<String>) {
    match NEWER_RUSTC.iter().find(|(s, _)| *s == suite) {
        Some((_, backports)) => (
            ["rustc", "cargo", "libstd-rust-dev"]
                .iter()
                .map(|p| format!("{p}/{backports}"))
                .collect(),
            vec![backports.to_string()],
        ),
        None => (
            RUST_PACKAGES.iter().map(|p| p.to_string()).collect(),
            vec![],
        ),
    }
}

const DOCKERFILE: &str = "layer.Dockerfile";

/// The packages base of a config's suite and mirror. Pure.
pub fn tools_base(namespace: &str, suite: &str, mirror: &str) -> BaseImage {
    let (packages, extra_suites) = rust_packages(suite);
    let mut parts = vec!["packages", suite, mirror];
    parts.extend(packages.iter().map(String::as_str));
    let image = format!("{namespace}/base:rust-{suite}-{}", short_hash(&parts));
    BaseImage {
        kind: BaseKind::Packages,
        llvm: None,
        suite: suite.to_string(),
        extra_suites,
        mirror: mirror.to_string(),
        packages,
        image,
    }
}

/// The layer's tag: the builder image's, with a hash of everything it is
/// made of (the image id it sits on, the packages base, the Dockerfile). Pure.
pub fn layer_tag(builder: &str, parts: &[&str]) -> String {
    let (repo, tag) = builder.rsplit_once(':').unwrap_or((builder, "latest"));
    format!("{repo}:{tag}-rust-{}", short_hash(parts))
}

/// The layer's build: the two images as arguments, no network. Pure.
pub fn build_request(tag: &str, tools: &str, builder: &str) -> BuildRequest {
    BuildRequest {
        tag: tag.to_string(),
        dockerfile: "Dockerfile".into(),
        build_args: [
            ("TOOLS".to_string(), tools.to_string()),
            ("BUILDER".to_string(), builder.to_string()),
        ]
        .into(),
        labels: Default::default(),
        network: false,
        target: None,
    }
}

/// What a Rust package's build depends on besides the builder image: the
/// packages base (suite, mirror, packages) and the layer's Dockerfile, as a
/// short hash for the results cache's key.
pub fn toolchain_identity(app: &App) -> Result<String> {
    let path = app.project.dockerfiles().join("rust").join(DOCKERFILE);
    let dockerfile = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let cfg = &app.config.base;
    let tools = tools_base(&app.config.images.namespace, &cfg.suite, &cfg.mirror);
    Ok(short_hash(&[&tools.image, &dockerfile]))
}

/// Makes sure the Rust layer on `builder` exists on `app`'s engine; its tag.
pub async fn ensure(app: &App, builder: &str) -> Result<String> {
    if builder.ends_with("-tsan") {
        bail!("{builder} is a ThreadSanitizer build: a Rust package is not built with --tsan yet (rustc would need -Zsanitizer=thread, a nightly option). Check it without --tsan.");
    }
    let path = app.project.dockerfiles().join("rust").join(DOCKERFILE);
    let dockerfile = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let cfg = &app.config.base;
    let tools = tools_base(&app.config.images.namespace, &cfg.suite, &cfg.mirror);
    let on = app.engine.inspect_image(builder).await?.with_context(|| {
        format!("{builder} is not on this engine: build it first (`pybench-docker build`)")
    })?;
    let tag = layer_tag(builder, &[&on.id, &tools.image, &dockerfile]);
    if app.engine.inspect_image(&tag).await?.is_some() {
        return Ok(tag);
    }
    let task = app.progress.task(&format!("rust layer on {builder}"));
    let request = build_request(&tag, &tools.image, builder);
    let files = vec![("Dockerfile", dockerfile.into_bytes())];
    tool_layer::build(app, &tools, "rust", &task, &request, files).await?;
    task.finish(tag.clone());
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::build::base;

    #[test]
    fn the_packages_base_keeps_its_debs_and_is_pinned_by_suite_mirror_and_packages() {
        let a = tools_base("pybench-docker", "trixie", "http://deb.debian.org/debian");
        let b = tools_base("pybench-docker", "trixie", "http://mirror/debian");
        assert!(a.image.starts_with("pybench-docker/base:rust-trixie-"));
        assert_ne!(a.image, b.image);
        let args = base::mmdebstrap_args(&a, std::path::Path::new("/c/t.tar"));
        assert!(args.contains(
            &"--include=rustc/trixie-backports,cargo/trixie-backports,libstd-rust-dev/trixie-backports"
                .to_string()
        ));
        assert!(
            args.contains(&"deb http://deb.debian.org/debian trixie-backports main".to_string())
        );
        assert!(args.contains(&"--skip=cleanup/apt/cache".to_string()));
        // A suite without a newer rustc in backports takes its own.
        let forky = tools_base("pybench-docker", "forky", "http://m");
        assert_eq!(forky.packages, ["rustc", "cargo"]);
        assert!(forky.extra_suites.is_empty());
        let pulled = base::pull_dockerfile("debian:trixie-slim", &a);
        assert!(
            pulled.contains("rm -f /etc/apt/apt.conf.d/docker-clean"),
            "{pulled}"
        );
        // The other bases are cleaned as before.
        let valgrind = crate::commands::run::valgrind_layer::tools_base("p", "trixie", "http://m");
        assert!(
            !base::mmdebstrap_args(&valgrind, std::path::Path::new("/t"))
                .iter()
                .any(|a| a.starts_with("--skip=cleanup"))
        );
    }

    #[test]
    fn the_layer_installs_only_what_the_builder_lacks_or_has_older_offline() {
        let d = include_str!("../../../../dockerfiles/rust/layer.Dockerfile");
        assert!(d.contains(
            "FROM ${BUILDER} AS pick\nCOPY --from=tools /var/cache/apt/archives/ /debs/"
        ));
        // A package the builder has in that version or newer is left out.
        assert!(d.contains(
            "dpkg --compare-versions \"${installed#installed }\" ge \"$(dpkg-deb --field \"$deb\" Version)\""
        ));
        assert!(d.contains("COPY --from=pick /debs/ /tmp/rust-debs/"));
        assert!(d.contains("dpkg --install /tmp/rust-debs/*.deb"));
        assert!(!d.contains("apt-get"), "nothing is downloaded");
        let r = build_request(
            "t",
            "pybench-docker/base:rust-trixie-1",
            "pybench-docker/builder:3.14.7",
        );
        assert!(!r.network);
        assert_eq!(r.build_args["BUILDER"], "pybench-docker/builder:3.14.7");
        assert_eq!(r.build_args["TOOLS"], "pybench-docker/base:rust-trixie-1");
    }

    #[test]
    fn the_layer_tag_follows_what_it_is_made_of() {
        let a = layer_tag("pybench-docker/builder:3.14.7", &["sha256:1", "t", "d"]);
        let b = layer_tag("pybench-docker/builder:3.14.7", &["sha256:2", "t", "d"]);
        assert!(a.starts_with("pybench-docker/builder:3.14.7-rust-"));
        assert_ne!(a, b);
    }
}
