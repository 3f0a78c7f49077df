//! What a package needs beyond its build, read from its project folder: the
//! requirements of its own tests (`ext --tests`): pytest and
//! pytest-run-parallel, then its `test` extra (`[project.optional-dependencies]`
//! `test`, `tests` or `testing`) or else a requirements file of the usual
//! names. The parsing is pure; `tests_of` reads the files.

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use serde::Deserialize;

use crate::regular_file::{read_to_string, Links};

/// What runs the tests, whatever the package asks for.
pub const RUNNERS: [&str; 2] = ["pytest", "pytest-run-parallel"];

/// The extras a test suite's requirements go by, in order of preference.
const TEST_EXTRAS: [&str; 3] = ["test", "tests", "testing"];

/// Requirements files of tests, in order of preference, relative to the project.
const TEST_FILES: [&str; 4] = [
    "requirements-test.txt",
    "test-requirements.txt",
    "requirements/test.txt",
    "tests/requirements.txt",
];

/// A requirements file or pyproject.toml of a few KB; larger is not one.
const FILE_LIMIT: u64 = 1 << 20;

#[derive(Deserialize, Default)]
struct PyProject {
    project: Option<Project>,
}

#[derive(Deserialize, Default)]
struct Project {
    name: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    dynamic: Vec<String>,
    #[serde(rename = "optional-dependencies", default)]
    optional_dependencies: std::collections::BTreeMap<String, Vec<String>>,
}

/// The tests' requirements and where they came from (for the report).
#[derive(Debug, Clone, PartialEq)]
pub struct TestRequirements {
    pub requires: Vec<String>,
    pub from: String,
}

/// `Foo_Bar.baz` and `foo-bar-baz` are one name (PEP 503). Pure.
fn normalise(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        let c = if "._-".contains(c) { '-' } else { c };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The name a requirement line starts with. Pure.
fn requirement_name(line: &str) -> &str {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
        .unwrap_or(line.len());
    &line[..end]
}

/// The test extra of a pyproject.toml's text, without the package itself
/// (`pkg[test]` pulls in what is being tested). Pure.
pub fn test_extra(pyproject: &str) -> Result<Option<(String, Vec<String>)>> {
    let parsed: PyProject =
        toml::from_str(pyproject).map_err(|e| anyhow!("pyproject.toml is not valid TOML: {e}"))?;
    let project = parsed.project.unwrap_or_default();
    let own = project.name.as_deref().map(normalise);
    for extra in TEST_EXTRAS {
        if let Some(list) = project.optional_dependencies.get(extra) {
            let requires = list
                .iter()
                .filter(|r| Some(normalise(requirement_name(r))) != own)
                .cloned()
                .collect();
            return Ok(Some((extra.to_string(), requires)));
        }
    }
    Ok(None)
}

/// `[project] dependencies` of a pyproject.toml's text: the package's
/// runtime dependencies, when declared statically; None when the build
/// backend computes them (`dynamic`), or there is no `[project]`. Pure.
pub fn runtime_dependencies(pyproject: &str) -> Result<Option<Vec<String>>> {
    let parsed: PyProject =
        toml::from_str(pyproject).map_err(|e| anyhow!("pyproject.toml is not valid TOML: {e}"))?;
    Ok(parsed
        .project
        .filter(|p| !p.dynamic.iter().any(|d| d == "dependencies"))
        .map(|p| p.dependencies))
}

/// The runtime dependencies of the project in `dir` (see `runtime_dependencies`).
pub fn runtime_of(dir: &Path) -> Result<Option<Vec<String>>> {
    match read_small(&dir.join("pyproject.toml"))? {
        Some(text) => runtime_dependencies(&text),
        None => Ok(None),
    }
}

/// The requirement lines of a requirements file: comments and blank lines
/// left out; a pip option (`-r`, `-e`, `--index-url`) refused, as it would
/// reach beyond the wheelhouse. Pure.
pub fn requirement_lines(text: &str, file: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('-') {
            bail!(
                "{file}, line {}: `{line}` is a pip option; only requirement lines are read \
                 for --tests. Put the tests' requirements in the `test` extra of \
                 pyproject.toml, or in a file without options.",
                n + 1
            );
        }
        out.push(line.to_string());
    }
    Ok(out)
}

fn read_small(path: &Path) -> Result<Option<String>> {
    match read_to_string(path, FILE_LIMIT, Links::Refuse) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// The requirements of the tests of the project in `dir`: the runners,
/// then the test extra, else the first requirements file found.
pub fn tests_of(dir: &Path) -> Result<TestRequirements> {
    let mut requires: Vec<String> = RUNNERS.iter().map(|r| r.to_string()).collect();
    if let Some(text) = read_small(&dir.join("pyproject.toml"))? {
        if let Some((extra, list)) = test_extra(&text)? {
            requires.extend(list);
            let from = format!("pyproject.toml's `{extra}` extra");
            return Ok(TestRequirements { requires, from });
        }
    }
    for file in TEST_FILES {
        if let Some(text) = read_small(&dir.join(file))? {
            requires.extend(requirement_lines(&text, file)?);
            return Ok(TestRequirements {
                requires,
                from: file.to_string(),
            });
        }
    }
    Ok(TestRequirements {
        requires,
        from: "pytest and pytest-run-parallel only (no test extra or requirements file)".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_extra_without_the_package_itself() {
        let text = r#"
[project]
name = "Pb_Racy"
[project.optional-dependencies]
docs = ["sphinx"]
tests = ["pytest>=8", "hypothesis; python_version >= '3.13'", "pb-racy[docs]"]
"#;
        let (extra, list) = test_extra(text).unwrap().unwrap();
        assert_eq!(extra, "tests");
        assert_eq!(list, ["pytest>=8", "hypothesis; python_version >= '3.13'"]);
        assert_eq!(test_extra("[project]\nname = \"x\"\n").unwrap(), None);
        assert!(test_extra("[project").is_err());
    }

    #[test]
    fn runtime_dependencies_when_static() {
        let text = "[project]\nname = \"pb\"\ndependencies = [\"pb-gil-undeclared==1.0\"]\n";
        assert_eq!(
            runtime_dependencies(text).unwrap(),
            Some(vec!["pb-gil-undeclared==1.0".to_string()])
        );
        let dynamic = "[project]\nname = \"pb\"\ndynamic = [\"dependencies\"]\n";
        assert_eq!(runtime_dependencies(dynamic).unwrap(), None);
        assert_eq!(runtime_dependencies("[build-system]\n").unwrap(), None);
        assert_eq!(
            runtime_dependencies("[project]\nname = \"pb\"\n").unwrap(),
            Some(vec![])
        );
    }

    #[test]
    fn requirements_files_are_requirement_lines_only() {
        let text = "# tests\npytest>=8  # the runner\n\nnumpy==2.3.0\n";
        assert_eq!(
            requirement_lines(text, "requirements-test.txt").unwrap(),
            ["pytest>=8", "numpy==2.3.0"]
        );
        let e = requirement_lines("pytest\n-r base.txt\n", "test-requirements.txt")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("test-requirements.txt, line 2: `-r base.txt` is a pip option"),
            "{e}"
        );
    }

    #[test]
    fn the_runners_come_first_then_the_extra_or_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let found = tests_of(dir.path()).unwrap();
        assert_eq!(found.requires, RUNNERS);
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(dir.path().join("tests/requirements.txt"), "attrs\n").unwrap();
        let found = tests_of(dir.path()).unwrap();
        assert_eq!(found.requires, ["pytest", "pytest-run-parallel", "attrs"]);
        assert_eq!(found.from, "tests/requirements.txt");
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"pb\"\n[project.optional-dependencies]\ntest = [\"pytest>=8\"]\n",
        )
        .unwrap();
        let found = tests_of(dir.path()).unwrap();
        assert_eq!(
            found.requires,
            ["pytest", "pytest-run-parallel", "pytest>=8"]
        );
        assert_eq!(found.from, "pyproject.toml's `test` extra");
        assert_eq!(normalise("Foo__Bar.baz"), "foo-bar-baz");
    }
}
