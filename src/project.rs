//! Where things live: the project's files (Dockerfiles, benchmarks, extensions)
//! and the user's cache (sources, base rootfs tarballs, build logs).

use std::path::{Path, PathBuf};

/// `$XDG_CACHE_HOME/pybench-docker`, or `~/.cache/pybench-docker`.
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("pybench-docker")
}

/// The project folders the tool reads at run time.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    /// `--project-dir`, else the current directory or one of its parents holding
    /// `dockerfiles/cpython.Dockerfile`, else the source tree this binary was built from.
    pub fn locate(explicit: Option<&Path>) -> Result<Project, String> {
        let marker = Path::new("dockerfiles").join("cpython.Dockerfile");
        if let Some(dir) = explicit {
            if dir.join(&marker).is_file() {
                return Ok(Project {
                    root: dir.to_path_buf(),
                });
            }
            return Err(format!(
                "{} is not a pybench-docker project: it has no {}. Pass the folder that holds dockerfiles/, benchmarks/ and c_extension/.",
                dir.display(),
                marker.display()
            ));
        }
        if let Ok(cwd) = std::env::current_dir() {
            for dir in cwd.ancestors() {
                if dir.join(&marker).is_file() {
                    return Ok(Project {
                        root: dir.to_path_buf(),
                    });
                }
            }
        }
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR"));
        if built_from.join(&marker).is_file() {
            return Ok(Project {
                root: built_from.to_path_buf(),
            });
        }
        Err("cannot find the pybench-docker project files (dockerfiles/, benchmarks/, c_extension/). Run from the project folder or pass --project-dir.".into())
    }

    pub fn dockerfiles(&self) -> PathBuf {
        self.root.join("dockerfiles")
    }
    pub fn benchmarks(&self) -> PathBuf {
        self.root.join("benchmarks")
    }
    pub fn c_extension(&self) -> PathBuf {
        self.root.join("c_extension")
    }
}
