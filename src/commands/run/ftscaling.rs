//! `run ftscalingbench`: which `Tools/ftscalingbench/ftscalingbench.py` each
//! interpreter runs, decided before anything connects. By default each
//! version runs its own source's script (3.14's differs from 3.15's); a
//! version whose source has none is skipped, saying why; `--script-from`
//! gives every interpreter one script instead (a configured version's, a
//! CPython tree's or a tarball's), and every row records which it ran.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::config::Config;
use crate::ftscalingbench::{self, Script, PATH_IN_TREE};
use crate::plan::{Interpreter, Plan, ReleaseImages};
use crate::results::SourceScript;

/// Where the script is inside the container (its folder mounted read-only).
pub const SCRIPT_DIR_IN_CONTAINER: &str = "/ftscalingbench";

/// What `run ftscalingbench` was asked for, and once resolved, which script
/// each interpreter runs. Pure data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FtScaling {
    /// `--patterns`; empty runs every pattern of each script.
    pub patterns: Vec<String>,
    /// `--threads` as given.
    pub threads: Vec<u32>,
    /// `--script-from` as given.
    pub script_from: Option<String>,
    /// By interpreter name: the script it runs (filled by [`resolve`]).
    pub scripts: BTreeMap<String, Script>,
}

impl FtScaling {
    /// The driver's arguments in the container, before `--threads N`.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec![format!(
            "{SCRIPT_DIR_IN_CONTAINER}/{}",
            ftscalingbench::FILE_NAME
        )];
        if !self.patterns.is_empty() {
            args.extend(["--patterns".to_string(), self.patterns.join(",")]);
        }
        args
    }

    /// `--patterns` and `--script-from` as the report records them.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = vec![];
        if !self.patterns.is_empty() {
            flags.push(format!("--patterns={}", self.patterns.join(",")));
        }
        if let Some(from) = &self.script_from {
            flags.push(format!("--script-from={from}"));
        }
        flags
    }

    /// The host folder mounted for `interpreter`, when it has a script.
    pub fn dir_for(&self, interpreter: &str) -> Option<&Path> {
        self.scripts.get(interpreter).map(|s| s.dir.as_path())
    }

    /// What a row records about the script its interpreter ran.
    pub fn recorded(&self, interpreter: &str) -> Option<SourceScript> {
        self.scripts.get(interpreter).map(|s| SourceScript {
            origin: s.origin.clone(),
            path: PATH_IN_TREE.into(),
            sha256: s.sha256.clone(),
        })
    }
}

/// Where a release's script comes from: its verified tarball, or its own
/// source (a checkout or a tarball).
fn script_of_release(
    release: &ReleaseImages,
    cfg: &Config,
    cache: &Path,
) -> Result<Option<Script>> {
    let store = cache.join("ftscalingbench");
    match &release.source {
        Some(own) if own.is_dir() => {
            let origin = format!("{}'s checkout {}", release.label, own.display());
            Ok(ftscalingbench::from_tree(own, &origin, &store).map_err(anyhow::Error::msg)?)
        }
        Some(own) => {
            let sha = crate::download::sha256_file(own)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", own.display()))?;
            let origin = format!("{}'s tarball {}", release.label, own.display());
            Ok(ftscalingbench::from_tarball(own, &sha, &origin, &store)
                .map_err(anyhow::Error::msg)?)
        }
        None => {
            let variant = &release.variants[0];
            let spec = crate::sources::SourceSpec {
                version: variant.version.to_string(),
                sha256: variant.sha256.clone(),
                debian_version: variant.debian_version.clone(),
            };
            let tarball = crate::sources::fetch(
                &spec,
                &cfg.sources.mirrors,
                &cache.join("sources"),
                &mut |_| {},
            )?;
            let origin = format!("CPython {}'s source tarball", release.version);
            Ok(
                ftscalingbench::from_tarball(&tarball, &spec.sha256, &origin, &store)
                    .map_err(anyhow::Error::msg)?,
            )
        }
    }
}

/// `--script-from`: a configured version or own source by its label
/// (`3.14`, `3.14.7`, `my-branch`), else a CPython tree or a tarball.
fn script_from(text: &str, plan: &Plan, cfg: &Config, cache: &Path) -> Result<Script> {
    let release = plan
        .releases
        .iter()
        .find(|r| r.label == text || r.tag == text || r.version.to_string() == text);
    let path = PathBuf::from(text);
    let found = match (release, path.is_dir(), path.is_file()) {
        (Some(r), ..) => script_of_release(r, cfg, cache)?,
        (None, true, _) => {
            let origin = format!("the tree {text}");
            ftscalingbench::from_tree(&path, &origin, &cache.join("ftscalingbench"))
                .map_err(anyhow::Error::msg)?
        }
        (None, false, true) => {
            let sha = crate::download::sha256_file(&path)
                .map_err(|e| anyhow::anyhow!("cannot read {text}: {e}"))?;
            let origin = format!("the tarball {text}");
            ftscalingbench::from_tarball(&path, &sha, &origin, &cache.join("ftscalingbench"))
                .map_err(anyhow::Error::msg)?
        }
        (None, false, false) => bail!(
            "--script-from {text:?} is neither a configured version ({}) nor a CPython tree or source tarball here. Name a version, or give the path of a checkout or a Python-X.Y.Z.tar.xz.",
            plan.releases.iter().map(|r| r.label.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    found.ok_or_else(|| {
        anyhow::anyhow!(
            "--script-from {text:?} has no {PATH_IN_TREE}: it first appeared in CPython 3.14. Give a 3.14 or newer source."
        )
    })
}

/// What [`resolve`] decided besides the scripts: which interpreters run,
/// and why the others do not.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub interpreters: Vec<Interpreter>,
    /// One line per version skipped (or per interpreter run on another
    /// version's script), said before the run.
    pub notes: Vec<String>,
}

/// Gives every interpreter its script, or leaves it out with the reason;
/// checks `--patterns` against the scripts. Fetches a release's verified
/// tarball when it is not cached yet (the build would).
pub fn resolve(
    bench: &mut FtScaling,
    interpreters: &[Interpreter],
    cfg: &Config,
    plan: &Plan,
    cache: &Path,
) -> Result<Resolved> {
    let chosen = match &bench.script_from {
        Some(text) => Some(script_from(text, plan, cfg, cache)?),
        None => None,
    };
    let mut by_release: BTreeMap<String, Option<Script>> = BTreeMap::new();
    let (mut kept, mut notes) = (vec![], vec![]);
    for interp in interpreters {
        let release = plan.releases.iter().find(|r| r.pythons == interp.image);
        let script = match (&chosen, release, interp.variant) {
            (Some(s), ..) => Some(s.clone()),
            (None, Some(r), Some(_)) => {
                if !by_release.contains_key(&r.tag) {
                    let found = script_of_release(r, cfg, cache)?;
                    if found.is_none() {
                        notes.push(format!(
                            "{}: skipped, {} has no {PATH_IN_TREE} (it first appeared in 3.14); --script-from 3.14 runs 3.14's script on every build",
                            r.label,
                            match &r.source { Some(p) => p.display().to_string(), None => format!("CPython {}'s source", r.version) }
                        ));
                    }
                    by_release.insert(r.tag.clone(), found);
                }
                by_release[&r.tag].clone()
            }
            _ => {
                notes.push(format!(
                    "{}: skipped, the distro's python comes with no ftscalingbench.py; --script-from VERSION runs one there",
                    interp.name
                ));
                None
            }
        };
        if let Some(script) = script {
            bench.scripts.insert(interp.name.clone(), script);
            kept.push(interp.clone());
        }
    }
    if kept.is_empty() {
        bail!(
            "no interpreter of this run has an ftscalingbench.py: {}. Add a 3.14 or newer version, or give one with --script-from.",
            notes.join("; ")
        );
    }
    check_patterns(bench)?;
    Ok(Resolved {
        interpreters: kept,
        notes,
    })
}

/// Every pattern asked for must be registered by some script of the run.
fn check_patterns(bench: &FtScaling) -> Result<()> {
    let mut known: Vec<&str> = vec![];
    for p in bench.scripts.values().flat_map(|s| &s.patterns) {
        if !known.contains(&p.as_str()) {
            known.push(p);
        }
    }
    let unknown: Vec<&String> = (bench.patterns.iter())
        .filter(|p| !known.contains(&p.as_str()))
        .collect();
    if let Some(first) = unknown.first() {
        bail!(
            "unknown pattern {first:?}: the ftscalingbench.py of this run registers {}. Give names from that list to --patterns.",
            known.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::ftscalingbench::tests::{tarball, TINY};
    use crate::plan::{build_plan, Selection};

    /// The built-in config with real (tiny) tarballs on a file mirror:
    /// 3.14.7's holds an ftscalingbench.py, 3.13.15's none, as upstream.
    fn offline(dir: &Path) -> (Config, Plan) {
        let mirror = dir.join("mirror");
        fs_create(&mirror);
        let default = build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap();
        let mut yaml = DEFAULT_YAML.to_string();
        for release in &default.releases {
            let name = format!("Python-{}.tar.xz", release.version);
            let files: Vec<(&str, &str)> = match release.version.minor {
                13 => vec![("README.rst", "3.13")],
                _ => vec![("README.rst", "3.14"), (PATH_IN_TREE, TINY)],
            };
            let path = tarball(&mirror, &name, &files);
            let sha = crate::download::sha256_file(&path).unwrap();
            yaml = yaml.replace(release.variants[0].sha256.as_str(), &sha);
        }
        let start = yaml.find("  mirrors:\n").unwrap();
        let end = start + yaml[start..].find("\n\n").unwrap();
        let file_mirror = format!(
            "  mirrors:\n    - file://{}/Python-{{version}}.tar.xz",
            mirror.display()
        );
        yaml.replace_range(start..end, &file_mirror);
        let cfg = parse(&yaml, &Source::Embedded).unwrap();
        let plan = build_plan(&cfg).unwrap();
        (cfg, plan)
    }

    fn fs_create(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
    }

    fn names(interpreters: &[Interpreter]) -> Vec<&str> {
        interpreters.iter().map(|i| i.name.as_str()).collect()
    }

    #[test]
    fn each_version_runs_its_own_script_and_one_without_is_skipped_saying_why() {
        let dir = tempfile::tempdir().unwrap();
        let (cfg, plan) = offline(dir.path());
        let chosen: Vec<Interpreter> = plan
            .default_interpreters(Selection::Scaling)
            .into_iter()
            .cloned()
            .collect();
        assert_eq!(
            names(&chosen),
            [
                "3.13",
                "3.13t",
                "3.13t -X gil=1",
                "3.14",
                "3.14t",
                "3.14t -X gil=1"
            ]
        );
        let mut bench = FtScaling::default();
        let cache = dir.path().join("cache");
        let resolved = resolve(&mut bench, &chosen, &cfg, &plan, &cache).unwrap();
        assert_eq!(
            names(&resolved.interpreters),
            ["3.14", "3.14t", "3.14t -X gil=1"]
        );
        assert_eq!(resolved.notes.len(), 1, "{:?}", resolved.notes);
        assert!(
            resolved.notes[0].starts_with("3.13: skipped, CPython 3.13.15's source has no Tools/ftscalingbench/ftscalingbench.py")
                && resolved.notes[0].contains("--script-from 3.14"),
            "{:?}",
            resolved.notes
        );
        let recorded = bench.recorded("3.14t").unwrap();
        assert_eq!(recorded.origin, "CPython 3.14.7's source tarball");
        assert_eq!(recorded.path, PATH_IN_TREE);
        assert!(bench
            .dir_for("3.14t")
            .unwrap()
            .join("ftscalingbench.py")
            .is_file());
        assert_eq!(bench.dir_for("3.13t"), None);

        // --script-from 3.14: every build runs 3.14.7's, 3.13t included.
        let mut from = FtScaling {
            script_from: Some("3.14".into()),
            patterns: vec!["create_dict".into()],
            ..FtScaling::default()
        };
        let all = resolve(&mut from, &chosen, &cfg, &plan, &cache).unwrap();
        assert_eq!(all.interpreters.len(), 6);
        assert!(all.notes.is_empty());
        assert_eq!(from.scripts["3.13t"], from.scripts["3.14t"]);
        assert_eq!(
            from.args(),
            [
                "/ftscalingbench/ftscalingbench.py",
                "--patterns",
                "create_dict"
            ]
        );
    }

    #[test]
    fn an_own_checkout_runs_the_script_of_its_tree() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("cpython");
        std::fs::create_dir_all(tree.join("Include")).unwrap();
        std::fs::write(
            tree.join("Include/patchlevel.h"),
            "#define PY_VERSION \"3.15.0a1+\"\n",
        )
        .unwrap();
        let script = tree.join(PATH_IN_TREE);
        std::fs::create_dir_all(script.parent().unwrap()).unwrap();
        std::fs::write(&script, TINY.replace("create_dict", "my_new_pattern")).unwrap();
        let entry = "  - name: my-branch\n    source: cpython\n    variants: [stock, t]\n";
        let yaml = DEFAULT_YAML.replacen("\nsources:\n", &format!("{entry}\nsources:\n"), 1);
        let file = dir.path().join("c.yaml");
        std::fs::write(&file, yaml).unwrap();
        let (cfg, _) = crate::config::load(Some(&file)).unwrap();
        let plan = build_plan(&cfg).unwrap();
        let chosen: Vec<Interpreter> = plan
            .select(&["my-branch-t".into()])
            .unwrap()
            .into_iter()
            .cloned()
            .collect();
        let mut bench = FtScaling {
            patterns: vec!["my_new_pattern".into()],
            ..FtScaling::default()
        };
        let cache = dir.path().join("cache");
        let resolved = resolve(&mut bench, &chosen, &cfg, &plan, &cache).unwrap();
        assert_eq!(names(&resolved.interpreters), ["my-branch-t"]);
        let recorded = bench.recorded("my-branch-t").unwrap();
        assert!(
            recorded.origin.starts_with("my-branch's checkout "),
            "{recorded:?}"
        );
        assert!(bench.scripts["my-branch-t"]
            .patterns
            .contains(&"my_new_pattern".to_string()));
    }

    #[test]
    fn unknown_patterns_and_sources_are_refused_naming_what_there_is() {
        let dir = tempfile::tempdir().unwrap();
        let (cfg, plan) = offline(dir.path());
        let chosen: Vec<Interpreter> = plan
            .select(&["3.14t".into()])
            .unwrap()
            .into_iter()
            .cloned()
            .collect();
        let cache = dir.path().join("cache");
        let mut bench = FtScaling {
            patterns: vec!["create_dict".into(), "nope".into()],
            ..FtScaling::default()
        };
        let e = resolve(&mut bench, &chosen, &cfg, &plan, &cache)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("unknown pattern \"nope\"")
                && e.contains("object_cfunction, create_dict, create_frozendict"),
            "{e}"
        );
        for (from, words) in [
            (
                "/no/such/tree",
                "is neither a configured version (3.13, 3.14)",
            ),
            ("3.13", "has no Tools/ftscalingbench/ftscalingbench.py"),
        ] {
            let mut bench = FtScaling {
                script_from: Some(from.into()),
                ..FtScaling::default()
            };
            let e = resolve(&mut bench, &chosen, &cfg, &plan, &cache)
                .unwrap_err()
                .to_string();
            assert!(e.contains(words), "{e}");
        }
        // Only versions without a script: nothing to run, said before anything starts.
        let old: Vec<Interpreter> = plan
            .select(&["3.13t".into()])
            .unwrap()
            .into_iter()
            .cloned()
            .collect();
        let e = resolve(&mut FtScaling::default(), &old, &cfg, &plan, &cache)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("no interpreter of this run has an ftscalingbench.py"),
            "{e}"
        );
    }
}
