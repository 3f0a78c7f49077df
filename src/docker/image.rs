//! Images: what we know of one, build requests, and the pure conversions to the
//! daemon's queries (build with the classic builder, import a rootfs, pull).

use std::collections::HashMap;

use bollard::query_parameters::{BuildImageOptions, BuilderVersion, CreateImageOptions};

/// What we need to know about an existing image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFacts {
    pub id: String,
    pub size: u64,
    pub labels: HashMap<String, String>,
}

/// One event of a build, reduced to what progress and logs need.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildEvent {
    /// A line of output (`Step 3/9 : RUN ...`, compiler output, ...).
    Line(String),
    /// The image id of the finished build.
    Built(String),
}

/// A request to build one image from a context tar.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildRequest {
    pub tag: String,
    pub dockerfile: String,
    pub build_args: HashMap<String, String>,
    pub labels: HashMap<String, String>,
    /// Whether RUN steps may reach the network (only apt in a pulled base needs it).
    pub network: bool,
    /// Build only up to this stage of a multi-stage Dockerfile.
    pub target: Option<String>,
}

/// The query the daemon receives for a build. Pure, so tests can check it.
pub fn build_options(req: &BuildRequest) -> BuildImageOptions {
    BuildImageOptions {
        dockerfile: req.dockerfile.clone(),
        t: Some(req.tag.clone()),
        buildargs: Some(req.build_args.clone()),
        labels: Some(req.labels.clone()),
        // Intermediate containers go away even when a step fails; the build cache
        // keeps the finished layers, so a rerun resumes at the failing step.
        rm: true,
        forcerm: true,
        // The classic builder: no BuildKit session needed, works on every daemon.
        version: BuilderVersion::BuilderV1,
        // CPython builds never reach the network: sources come in the context.
        networkmode: (!req.network).then(|| "none".to_string()),
        target: req.target.clone().unwrap_or_default(),
        ..Default::default()
    }
}

/// The query importing a rootfs tarball sent as the body (`docker import -`).
pub fn import_options(repo: &str, tag: &str, changes: Vec<String>) -> CreateImageOptions {
    CreateImageOptions {
        from_src: Some("-".into()),
        repo: Some(repo.into()),
        tag: Some(tag.into()),
        changes,
        ..Default::default()
    }
}

/// The query pulling `name[:tag]`; a missing tag means `latest`.
pub fn pull_options(image: &str) -> CreateImageOptions {
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (image, "latest"),
    };
    CreateImageOptions {
        from_image: Some(name.into()),
        tag: Some(tag.into()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_use_the_classic_builder_without_network_and_clean_up() {
        let req = BuildRequest {
            tag: "x/y:1".into(),
            dockerfile: "cpython.Dockerfile".into(),
            build_args: HashMap::from([("A".into(), "1".into())]),
            labels: HashMap::from([("l".into(), "v".into())]),
            network: false,
            target: None,
        };
        let o = build_options(&req);
        assert_eq!(o.version, BuilderVersion::BuilderV1);
        assert_eq!(o.networkmode.as_deref(), Some("none"));
        assert!(o.rm && o.forcerm);
        assert!(!o.nocache);
        assert_eq!(o.t.as_deref(), Some("x/y:1"));
        assert_eq!(o.dockerfile, "cpython.Dockerfile");
        assert_eq!(o.buildargs.unwrap()["A"], "1");
        assert_eq!(o.target, "");
        let staged = BuildRequest {
            target: Some("configure-cache".into()),
            ..req
        };
        assert_eq!(build_options(&staged).target, "configure-cache");
    }
}
