//! What a project needs to build: `[build-system]` of its pyproject.toml,
//! or setuptools for a setup.py-only project (what pip assumes). Pure.

use anyhow::{anyhow, bail, Result};
use serde::Deserialize;

/// The build requirements and backend of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildSystem {
    pub requires: Vec<String>,
    pub backend: Option<String>,
    /// `[project] name`, when given.
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct PyProject {
    #[serde(rename = "build-system")]
    build_system: Option<BuildSystemToml>,
    project: Option<ProjectToml>,
}

#[derive(Deserialize)]
struct BuildSystemToml {
    requires: Option<Vec<String>>,
    #[serde(rename = "build-backend")]
    build_backend: Option<String>,
}

#[derive(Deserialize)]
struct ProjectToml {
    name: Option<String>,
}

/// pip's assumption for a project without `[build-system]`.
const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// Reads the build system from pyproject.toml's text (None: no such file). Pure.
pub fn build_system(pyproject: Option<&str>, has_setup_py: bool) -> Result<BuildSystem> {
    let legacy = || BuildSystem {
        requires: vec![LEGACY_REQUIRES.into()],
        backend: None,
        name: None,
    };
    let Some(text) = pyproject else {
        if has_setup_py {
            return Ok(legacy());
        }
        bail!("no pyproject.toml or setup.py");
    };
    let doc: PyProject =
        toml::from_str(text).map_err(|e| anyhow!("pyproject.toml is not valid TOML: {e}"))?;
    let name = doc.project.and_then(|p| p.name);
    match doc.build_system {
        None if has_setup_py => Ok(BuildSystem { name, ..legacy() }),
        None => bail!(
            "pyproject.toml has no [build-system] table and there is no setup.py, \
             so nothing says how to build it"
        ),
        Some(b) => Ok(BuildSystem {
            requires: b.requires.ok_or_else(|| {
                anyhow!(
                    "pyproject.toml's [build-system] has no `requires` list (PEP 518 needs one)"
                )
            })?,
            backend: b.build_backend,
            name,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_requirements_are_read() {
        let text = "[build-system]\nrequires = [\"setuptools>=70\", \"pb-buildhelper==1.0\"]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = \"pb-x\"\n";
        let b = build_system(Some(text), false).unwrap();
        assert_eq!(b.requires, ["setuptools>=70", "pb-buildhelper==1.0"]);
        assert_eq!(b.backend.as_deref(), Some("setuptools.build_meta"));
        assert_eq!(b.name.as_deref(), Some("pb-x"));
    }

    #[test]
    fn setup_py_projects_get_setuptools() {
        assert_eq!(
            build_system(None, true).unwrap().requires,
            [LEGACY_REQUIRES]
        );
        let tool_only = "[tool.black]\nline-length = 99\n";
        assert_eq!(
            build_system(Some(tool_only), true).unwrap().requires,
            [LEGACY_REQUIRES]
        );
    }

    #[test]
    fn unbuildable_projects_say_why() {
        assert!(build_system(None, false).is_err());
        let e = build_system(Some("[tool.x]\n"), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no [build-system]"), "{e}");
        let e = build_system(Some("[build-system]\nbuild-backend = \"x\"\n"), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `requires`"), "{e}");
        let e = build_system(Some("[build-system\n"), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid TOML"), "{e}");
    }
}
