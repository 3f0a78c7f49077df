//! Shared by the commands' unit tests: an [`App`] on a fake engine with the
//! tutorial's configuration (the built-in one with 3.13 alone), and container
//! outputs shaped like our scripts'.

use std::sync::Arc;

use crate::commands::App;
use crate::config::{parse, tutorial_yaml, Source};
use crate::docker::fake::FakeEngine;
use crate::docker::ContainerSpec;
use crate::plan::build_plan;
use crate::project::Project;

/// An app with the tutorial's config on `engine`, caching into `cache`.
pub fn app_on(engine: Arc<FakeEngine>, cache: &std::path::Path) -> App {
    app_with_yaml(&tutorial_yaml(), engine, cache)
}

pub fn app_with_yaml(yaml: &str, engine: Arc<FakeEngine>, cache: &std::path::Path) -> App {
    let config = parse(yaml, &Source::Embedded).unwrap();
    let plan = build_plan(&config).unwrap();
    let project = Project::locate(Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))).unwrap();
    let mut app = App::new(config, plan, project, engine);
    app.cache = cache.to_path_buf();
    app
}

/// The interpreter a container was started for (from its label).
pub fn interpreter_of(spec: &ContainerSpec) -> String {
    spec.labels
        .iter()
        .find(|(k, _)| k == "pybench-docker.interpreter")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// What a benchmark script prints: a banner and the machine line.
pub fn script_stdout(seconds: f64) -> String {
    format!(
        "====================\nFree Threading: unsupported\n====================\nPYBENCH_RESULT {{\"schema\":1,\"kind\":\"gil\",\"seconds\":{seconds}}}\n"
    )
}

/// The built-in config with every release's mirror a fake tarball in `dir`,
/// pinned to that tarball's sha256.
pub fn offline_yaml(dir: &std::path::Path) -> String {
    let mirror = dir.join("mirror");
    std::fs::create_dir_all(&mirror).unwrap();
    let default_plan =
        build_plan(&parse(crate::config::DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap();
    let mut yaml = crate::config::DEFAULT_YAML.to_string();
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
