//! The whole import graph: the package imported by its top-level names in
//! one process, its dependencies with it, and the first extension module
//! whose loading turned the GIL back on named, whether the package's own or
//! a dependency's. Pure.

use crate::commands::runner::{self, Parsed};
use crate::docker::ContainerOutput;
use crate::results::{BuildOutcome, ImportGraph, Readiness};

/// The `graph` part of the check container's report, when it has one.
pub fn read_graph(out: &ContainerOutput) -> Option<ImportGraph> {
    let Parsed::Result(v) = runner::parse_machine_line(&out.stdout) else {
        return None;
    };
    let graph = v.get("graph").filter(|g| !g.is_null())?;
    serde_json::from_value(graph.clone()).ok()
}

/// check_package.py's check argument for the graph. Pure.
pub fn graph_arg(build: &BuildOutcome) -> Option<String> {
    (!build.top_level.is_empty()).then(|| format!("--top-level={}", build.top_level.join(",")))
}

/// The verdict once the whole graph is known: a package that imports and
/// keeps the GIL off module by module, but whose import (a dependency's
/// module) turns it back on, works only with the GIL; one that cannot be
/// imported whole does not import. Worse verdicts stand. Pure.
pub fn judge_graph(
    verdict: (Readiness, String),
    graph: Option<&ImportGraph>,
    build: &BuildOutcome,
    free_threaded: bool,
) -> (Readiness, String) {
    let Some(g) = graph else {
        return verdict;
    };
    if !matches!(verdict.0, Readiness::Ready | Readiness::NeedsGil) {
        return verdict;
    }
    let importing = g.top_level.join(", ");
    if let Some(sig) = g.signal {
        let why = format!("importing {importing} killed the interpreter (signal {sig})");
        return (Readiness::Crashes, why);
    }
    if let Some(error) = &g.error {
        let deps = match build.dependencies_installed {
            Some(false) => " (its dependencies were not all in the wheelhouse: pass their wheels with --wheelhouse)",
            _ => "",
        };
        return (
            Readiness::ImportFails,
            format!("importing the package failed: {error}{deps}"),
        );
    }
    // The graph watches each extension module being created: a dependency
    // it names is the culprit, also when an import module by module saw the
    // GIL on; the package's own module is already named by that import.
    let own = |m: &String| build.modules.contains(m);
    match &g.reenabled_by {
        Some(module) if free_threaded && (verdict.0 == Readiness::Ready || !own(module)) => {
            let whose = if own(module) {
                "its own module"
            } else {
                "a dependency's module"
            };
            let why = format!(
                "importing {importing} re-enabled the GIL: {module} ({whose}, no Py_mod_gil slot)"
            );
            (Readiness::NeedsGil, why)
        }
        _ => verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(reenabled_by: Option<&str>, error: Option<&str>) -> ImportGraph {
        ImportGraph {
            top_level: vec!["pb_uses_dep".into()],
            modules: 3,
            extensions: vec!["pb_uses_dep._core".into(), "pb_gil_undeclared".into()],
            reenabled_by: reenabled_by.map(String::from),
            error: error.map(String::from),
            ..Default::default()
        }
    }

    fn build() -> BuildOutcome {
        BuildOutcome {
            built: true,
            modules: vec!["pb_uses_dep._core".into()],
            top_level: vec!["pb_uses_dep".into()],
            dependencies_installed: Some(true),
            ..Default::default()
        }
    }

    fn ready() -> (Readiness, String) {
        (Readiness::Ready, "1 module(s) import, GIL stays off".into())
    }

    #[test]
    fn a_dependency_that_turns_the_gil_on_is_named() {
        let g = graph(Some("pb_gil_undeclared"), None);
        assert_eq!(
            judge_graph(ready(), Some(&g), &build(), true),
            (
                Readiness::NeedsGil,
                "importing pb_uses_dep re-enabled the GIL: pb_gil_undeclared (a dependency's \
                 module, no Py_mod_gil slot)"
                    .into()
            )
        );
        // A GIL build has nothing to re-enable; no graph, no change.
        assert_eq!(judge_graph(ready(), Some(&g), &build(), false), ready());
        assert_eq!(judge_graph(ready(), None, &build(), true), ready());
        let seen = (
            Readiness::NeedsGil,
            "pb_uses_dep._core re-enabled the GIL".to_string(),
        );
        assert!(judge_graph(seen, Some(&g), &build(), true)
            .1
            .contains("pb_gil_undeclared (a dependency's module"));
        let own = graph(Some("pb_uses_dep._core"), None);
        assert!(judge_graph(ready(), Some(&own), &build(), true)
            .1
            .contains("its own module"));
    }

    #[test]
    fn a_package_that_does_not_import_whole_is_not_ready() {
        let g = graph(
            None,
            Some("pb_uses_dep: ModuleNotFoundError: No module named 'x'"),
        );
        let mut b = build();
        b.dependencies_installed = Some(false);
        let (verdict, why) = judge_graph(ready(), Some(&g), &b, true);
        assert_eq!(verdict, Readiness::ImportFails);
        assert!(
            why.contains("ModuleNotFoundError") && why.contains("--wheelhouse"),
            "{why}"
        );
        // Worse verdicts stand.
        let worse = (Readiness::BuildFails, "gcc".to_string());
        assert_eq!(judge_graph(worse.clone(), Some(&g), &b, true), worse);
        let crashed = ImportGraph {
            signal: Some(11),
            ..graph(None, None)
        };
        assert_eq!(
            judge_graph(ready(), Some(&crashed), &b, true).0,
            Readiness::Crashes
        );
    }

    #[test]
    fn the_graph_is_read_from_the_check_report() {
        let out = |stdout: &str| ContainerOutput {
            stdout: stdout.into(),
            ..Default::default()
        };
        let line = r#"PYBENCH_RESULT {"modules":[],"smoke":null,"graph":{"top_level":["pb"],"modules":4,"extensions":["pb._c","dep"],"reenabled_by":"dep","gil_after":true,"error":null,"exit_code":0,"signal":null}}"#;
        let g = read_graph(&out(line)).unwrap();
        assert_eq!(g.reenabled_by.as_deref(), Some("dep"));
        assert_eq!(g.extensions, ["pb._c", "dep"]);
        assert_eq!(
            read_graph(&out(r#"PYBENCH_RESULT {"modules":[],"graph":null}"#)),
            None
        );
        assert_eq!(
            graph_arg(&build()).as_deref(),
            Some("--top-level=pb_uses_dep")
        );
        assert_eq!(graph_arg(&BuildOutcome::default()), None);
    }
}
