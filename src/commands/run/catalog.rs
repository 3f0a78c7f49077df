//! The free-threading suite's catalogue, `benchmarks/suite/catalog.tsv`: the
//! names the driver accepts before anything starts. The Python registry is
//! the source; a test there keeps the file equal to it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One benchmark of the suite.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteEntry {
    pub category: String,
    pub name: String,
    /// N threads each do the one-thread work (speed-up t1·N/tN); otherwise
    /// the total work is fixed and shared out (speed-up t1/tN).
    pub scaling: bool,
    pub description: String,
}

/// Parses the tab-separated catalogue; `#` lines are comments. Pure.
pub fn parse(text: &str) -> Result<Vec<SuiteEntry>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, line)| {
            let f: Vec<&str> = line.split('\t').collect();
            match f.as_slice() {
                [category, name, kind @ ("scaling" | "fixed"), description] => Ok(SuiteEntry {
                    category: category.to_string(),
                    name: name.to_string(),
                    scaling: *kind == "scaling",
                    description: description.to_string(),
                }),
                _ => Err(format!(
                    "line {}: expected category, name, scaling|fixed and a description, tab-separated",
                    i + 1
                )),
            }
        })
        .collect()
}

/// Where the catalogue of the project's `benchmarks/` folder is.
pub fn file(benchmarks: &Path) -> PathBuf {
    benchmarks.join("suite/catalog.tsv")
}

/// The catalogue of the project's `benchmarks/` folder.
pub fn load(benchmarks: &Path) -> Result<Vec<SuiteEntry>> {
    let path = file(benchmarks);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the suite catalogue {}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Categories in catalogue order, each once.
pub fn categories(entries: &[SuiteEntry]) -> Vec<&str> {
    let mut out: Vec<&str> = vec![];
    for e in entries {
        if !out.contains(&e.category.as_str()) {
            out.push(&e.category);
        }
    }
    out
}

/// `run --list`: category, name and description, aligned.
pub fn render_list(entries: &[SuiteEntry]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING).set_header([
        "category",
        "benchmark",
        "what it shows",
    ]);
    table.add_row(["", "gil", "recursive fib(n) in N threads behind a barrier"]);
    table.add_row(["", "jit", "a small-int loop the JIT compiles"]);
    table.add_row(["", "uops", "the JIT's micro-ops before and after warm-up"]);
    table.add_row([
        "",
        "ftscalingbench",
        "CPython's Tools/ftscalingbench patterns, each at 1 and N threads",
    ]);
    for e in entries {
        table.add_row([e.category.as_str(), &e.name, &e.description]);
    }
    format!("{}\n", table.trim_fmt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_project_catalogue() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks");
        let entries = load(&dir).unwrap();
        assert!(entries.len() >= 10);
        assert_eq!(categories(&entries).len(), 10);
        assert!(entries
            .iter()
            .any(|e| e.name == "pool-processes" && !e.scaling));
        assert!(entries.iter().any(|e| e.name == "lock-shared" && e.scaling));
        let list = render_list(&entries);
        assert!(
            list.contains("lock-shared") && list.contains("gil"),
            "{list}"
        );
    }

    #[test]
    fn malformed_lines_name_their_number() {
        let e = parse("# c\na\tb\tscaling\td\nx\ty\n").unwrap_err();
        assert!(e.starts_with("line 3:"), "{e}");
        assert!(parse("a\tb\tmaybe\td").is_err());
    }
}
