//! `run pyperformance`: which of pyperformance's benchmarks run, from
//! `benchmarks/pyperformance.tsv` (generated from the pinned wheel; a test
//! keeps them equal), and the third-party packages each needs, which
//! `pyperformance_deps` provides. Pure but for reading the file.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// One pyperformance benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// Third-party requirements (`chameleon==4.6.0`); empty: only pyperf.
    pub needs: Vec<String>,
    /// Why `--measure instructions` cannot count it (a child process,
    /// threads), read from its sources by pyperformance_catalog.py; `None`:
    /// it can be counted.
    pub uncountable: Option<String>,
}

/// Parses the catalogue: name, folder, extra options, requirements, why it
/// cannot be counted. Pure.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(
            |(i, line)| match line.split('\t').collect::<Vec<_>>().as_slice() {
                [name, _folder, _opts, needs, why] => Ok(Entry {
                    name: name.to_string(),
                    needs: needs.split_whitespace().map(String::from).collect(),
                    uncountable: (!why.trim().is_empty()).then(|| why.trim().to_string()),
                }),
                _ => Err(format!("line {}: expected 5 tab-separated fields", i + 1)),
            },
        )
        .collect()
}

pub fn load(benchmarks: &Path) -> Result<Vec<Entry>> {
    let path = benchmarks.join("pyperformance.tsv");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Each chosen benchmark's third-party requirements, where it has any.
pub type Needs = Vec<(String, Vec<String>)>;

/// The benchmarks to run (every benchmark when `wanted` is empty) and their
/// third-party requirements. Unknown names are an error listing the known
/// ones. Pure.
pub fn choose(catalog: &[Entry], wanted: &[String]) -> Result<(Vec<String>, Needs)> {
    let unknown: Vec<&String> = wanted
        .iter()
        .filter(|w| !catalog.iter().any(|e| &e.name == *w))
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = catalog.iter().map(|e| e.name.as_str()).collect();
        bail!(
            "unknown pyperformance benchmark(s): {}. pyperformance 1.14.0 has: {}.",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            known.join(", ")
        );
    }
    let chosen: Vec<&Entry> = catalog
        .iter()
        .filter(|e| wanted.is_empty() || wanted.contains(&e.name))
        .collect();
    let needs = chosen
        .iter()
        .filter(|e| !e.needs.is_empty())
        .map(|e| (e.name.clone(), e.needs.clone()))
        .collect();
    Ok((chosen.iter().map(|e| e.name.clone()).collect(), needs))
}

/// The benchmarks among `names` that `--measure instructions` cannot count,
/// each with the reason. Pure.
pub fn uncountable(catalog: &[Entry], names: &[String]) -> Vec<(String, String)> {
    catalog
        .iter()
        .filter(|e| names.contains(&e.name))
        .filter_map(|e| Some((e.name.clone(), e.uncountable.clone()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Vec<Entry> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks");
        load(&dir).unwrap()
    }

    #[test]
    fn the_catalogue_knows_pyperformance_and_its_requirements() {
        let c = catalog();
        assert!(c.len() > 90, "{}", c.len());
        let nbody = c.iter().find(|e| e.name == "nbody").unwrap();
        assert!(nbody.needs.is_empty());
        let chameleon = c.iter().find(|e| e.name == "chameleon").unwrap();
        assert_eq!(chameleon.needs, ["chameleon==4.6.0"]);
    }

    #[test]
    fn choosing_keeps_requirements_and_refuses_unknown_names() {
        let c = catalog();
        let names = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (run, needs) = choose(&c, &names(&["nbody", "chameleon", "float"])).unwrap();
        assert_eq!(run, ["chameleon", "float", "nbody"]);
        assert_eq!(
            needs,
            [(
                "chameleon".to_string(),
                vec!["chameleon==4.6.0".to_string()]
            )]
        );
        let e = choose(&c, &names(&["nbody", "nope"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown pyperformance benchmark(s): nope") && e.contains("richards"),
            "{e}"
        );
        let (all, needs) = choose(&c, &[]).unwrap();
        assert!(all.len() > 90 && all.contains(&"richards".to_string()));
        assert!(needs.len() > 20, "{}", needs.len());
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        assert_eq!(
            parse("# header\nnbody\tbm_nbody\n").unwrap_err(),
            "line 2: expected 5 tab-separated fields"
        );
    }

    #[test]
    fn benchmarks_outside_one_thread_of_one_process_are_known_uncountable() {
        let c = catalog();
        let names = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(uncountable(&c, &names(&["nbody", "richards", "json_dumps"])).is_empty());
        let found = uncountable(&c, &names(&["nbody", "python_startup", "concurrent_imap"]));
        let why: std::collections::BTreeMap<_, _> = found.into_iter().collect();
        assert!(why["python_startup"].contains("bench_command"), "{why:?}");
        assert!(
            why["concurrent_imap"].contains("child processes"),
            "{why:?}"
        );
        assert!(!why.contains_key("nbody"));
        let dask = c.iter().find(|e| e.name == "dask").unwrap();
        assert!(dask.uncountable.as_deref().unwrap().contains("threads"));
    }
}
