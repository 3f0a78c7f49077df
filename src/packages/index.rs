//! Where build requirements come from: folders of wheels on the host (the
//! user's `--wheelhouse`, our cache) and PyPI's JSON API. The resolver sees
//! both through `PackageIndex`, so it is tested with an index in memory.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use super::wheel_tags::{normalize, parse_wheel_name, WheelName};
use crate::file_name::FileName;

/// One wheel an index offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub wheel: WheelName,
    /// Checked: it is joined onto the cache and the wheelhouse.
    pub file: FileName,
    pub origin: Origin,
    /// `Requires-Python`, when the index says.
    pub requires_python: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A wheel already on this machine.
    Local(PathBuf),
    /// A wheel to download, pinned by the index's sha256.
    Remote { url: String, sha256: String },
}

/// What the resolver asks of an index.
pub trait PackageIndex {
    /// Every wheel of the (normalized) project name; empty if it has none.
    fn candidates(&self, name: &str) -> Result<Vec<Candidate>>;
    /// The `Requires-Dist` lines of one candidate.
    fn requires(&self, candidate: &Candidate) -> Result<Vec<String>>;
    /// For error messages: "the wheelhouse /x", "PyPI".
    fn describe(&self) -> String;
}

/// Folders of `.whl` files.
pub struct Wheelhouse {
    pub dirs: Vec<PathBuf>,
}

impl PackageIndex for Wheelhouse {
    fn candidates(&self, name: &str) -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(file) = FileName::parse(&entry.file_name().to_string_lossy()) else {
                    continue;
                };
                match parse_wheel_name(&file) {
                    Some(wheel) if wheel.name == name => out.push(Candidate {
                        wheel,
                        file,
                        origin: Origin::Local(entry.path()),
                        requires_python: None,
                    }),
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    fn requires(&self, candidate: &Candidate) -> Result<Vec<String>> {
        let Origin::Local(path) = &candidate.origin else {
            bail!("{} is not in a wheelhouse", candidate.file);
        };
        Ok(metadata_field(&read_metadata(path)?, "Requires-Dist"))
    }

    fn describe(&self) -> String {
        let dirs: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
        format!("the wheelhouse ({})", dirs.join(", "))
    }
}

/// The `METADATA` file of a wheel on disk.
fn read_metadata(wheel: &Path) -> Result<String> {
    let file =
        std::fs::File::open(wheel).with_context(|| format!("cannot open {}", wheel.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a wheel (not a zip archive)", wheel.display()))?;
    let name = (0..zip.len())
        .filter_map(|i| {
            zip.name_for_index(i)
                .and_then(|n| n.ok())
                .map(|n| n.to_string())
        })
        .find(|n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1)
        .ok_or_else(|| anyhow!("{} has no .dist-info/METADATA", wheel.display()))?;
    let mut text = String::new();
    zip.by_name(&name)?
        .take(4 << 20)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {name} in {}", wheel.display()))?;
    Ok(text)
}

/// Values of one header of a core-metadata file (headers end at the first
/// blank line; continuation lines are not used by these fields). Pure.
pub fn metadata_field(metadata: &str, field: &str) -> Vec<String> {
    metadata
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(field))
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

/// PyPI's JSON API (`/pypi/NAME/json`), or a mirror with the same API.
/// Answers are kept for the life of the value: resolving for several
/// targets asks the same questions.
pub struct PyPi {
    base: String,
    /// Where wheels are downloaded to (the cache's wheel folder).
    downloads: PathBuf,
    answers: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

pub const PYPI: &str = "https://pypi.org";

#[derive(Deserialize)]
struct ProjectJson {
    info: InfoJson,
    #[serde(default)]
    releases: std::collections::BTreeMap<String, Vec<FileJson>>,
}

#[derive(Deserialize)]
struct InfoJson {
    version: String,
}

/// One file of a release, as PyPI lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct FileJson {
    pub filename: String,
    pub url: String,
    pub digests: Digests,
    #[serde(default)]
    pub requires_python: Option<String>,
    #[serde(default)]
    pub yanked: bool,
    #[serde(default)]
    pub packagetype: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Digests {
    pub sha256: String,
}

/// A release's sdist, for `ext --pypi`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sdist {
    pub name: String,
    pub version: String,
    /// Checked: it is joined onto the cache.
    pub file: FileName,
    pub url: String,
    pub sha256: String,
}

const JSON_LIMIT: u64 = 64 << 20;

impl PyPi {
    pub fn new(base: &str, downloads: &Path) -> PyPi {
        PyPi {
            base: base.to_string(),
            downloads: downloads.to_path_buf(),
            answers: Default::default(),
        }
    }

    fn get(&self, path: &str) -> Result<(ProjectJson, String)> {
        let url = format!("{}/pypi/{path}/json", self.base.trim_end_matches('/'));
        let known = self.answers.lock().unwrap().get(&url).cloned();
        let text = match known {
            Some(text) => text,
            None => {
                let text = crate::download::fetch_text(&url, JSON_LIMIT)
                    .map_err(|why| anyhow!("asking {url} failed: {why}"))?;
                self.answers
                    .lock()
                    .unwrap()
                    .insert(url.clone(), text.clone());
                text
            }
        };
        let json = serde_json::from_str(&text)
            .with_context(|| format!("{url} did not answer with PyPI's JSON"))?;
        Ok((json, url))
    }

    /// The sdist of `name` (newest release, or `version`), from the
    /// project's page: mirrors do not all serve per-release pages.
    pub fn sdist(&self, name: &str, version: Option<&str>) -> Result<Sdist> {
        let (json, url) = self.get(&normalize(name))?;
        let version = version.unwrap_or(&json.info.version).to_string();
        let files = json.releases.get(&version).ok_or_else(|| {
            anyhow!(
                "{name} has no release {version} on PyPI (the newest is {}).",
                json.info.version
            )
        })?;
        let file = files
            .iter()
            .find(|f| f.packagetype == "sdist" && !f.yanked)
            .ok_or_else(|| {
                anyhow!(
                    "{name} {version} has no source distribution on PyPI (only wheels): \
                     download its source yourself and give `ext` the folder or archive."
                )
            })?;
        let file_name = FileName::parse(&file.filename).map_err(|why| {
            anyhow!(
                "{url} lists the sdist of {name} {version} under a name this tool will not \
                 write: {why}. The index is broken or hostile; download the sdist yourself and \
                 give `ext` its path."
            )
        })?;
        Ok(Sdist {
            name: normalize(name),
            version,
            file: file_name,
            url: absolute(&url, &file.url)?,
            sha256: file.digests.sha256.clone(),
        })
    }
}

/// A file URL as listed, made absolute (mirrors list relative ones). An
/// index on the web lists files on the web: a `file://` URL from it would
/// read this machine's files (`/dev/zero` without end) into the cache.
fn absolute(page: &str, href: &str) -> Result<String> {
    let base = url::Url::parse(page).with_context(|| format!("{page} is not a URL"))?;
    let url = base
        .join(href)
        .with_context(|| format!("{href} is not a URL"))?;
    let web = |u: &url::Url| matches!(u.scheme(), "http" | "https");
    if web(&base) && !web(&url) {
        bail!(
            "{page} lists a file at {url}, which is not on the web: the index is broken or \
             hostile. Download the package yourself and give `ext` its path, or use \
             --wheelhouse and --offline."
        );
    }
    Ok(url.to_string())
}

impl PackageIndex for PyPi {
    fn candidates(&self, name: &str) -> Result<Vec<Candidate>> {
        let (json, page) = match self.get(name) {
            Ok(found) => found,
            Err(e) if e.to_string().contains("HTTP 404") => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for files in json.releases.values() {
            for f in files.iter().filter(|f| !f.yanked) {
                // A name that is not a plain file name is no candidate: it
                // would be joined onto the cache.
                let Ok(file) = FileName::parse(&f.filename) else {
                    continue;
                };
                if let Some(wheel) = parse_wheel_name(&file) {
                    out.push(Candidate {
                        wheel,
                        file,
                        origin: Origin::Remote {
                            url: absolute(&page, &f.url)?,
                            sha256: f.digests.sha256.clone(),
                        },
                        requires_python: f.requires_python.clone().filter(|s| !s.is_empty()),
                    });
                }
            }
        }
        Ok(out)
    }

    /// From the wheel's own METADATA (downloaded into the cache, where the
    /// wheelhouse takes it from later): the authoritative list, and mirrors
    /// do not all serve per-release pages.
    fn requires(&self, candidate: &Candidate) -> Result<Vec<String>> {
        let Origin::Remote { url, sha256 } = &candidate.origin else {
            bail!("{} is not on PyPI", candidate.file);
        };
        let wheel = crate::download::fetch_pinned(url, &candidate.file, sha256, &self.downloads)
            .map_err(|why| anyhow!("downloading {} failed: {why}", candidate.file))?;
        Ok(metadata_field(&read_metadata(&wheel)?, "Requires-Dist"))
    }

    fn describe(&self) -> String {
        format!("PyPI ({})", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_headers_are_read_until_the_body() {
        let meta = "Metadata-Version: 2.1\nName: x\nRequires-Dist: a>=1\nrequires-dist: b; extra == \"t\"\n\nRequires-Dist: not-a-header\n";
        assert_eq!(
            metadata_field(meta, "Requires-Dist"),
            ["a>=1", "b; extra == \"t\""]
        );
        assert!(metadata_field(meta, "Requires-Python").is_empty());
    }

    #[test]
    fn relative_file_urls_are_made_absolute() {
        let page = "https://mirror.example/pypi/pip/json";
        assert_eq!(
            absolute(page, "../../packages/07/pip.whl").unwrap(),
            "https://mirror.example/packages/07/pip.whl"
        );
        assert_eq!(
            absolute(page, "https://files.example/pip.whl").unwrap(),
            "https://files.example/pip.whl"
        );
        for local in ["file:///dev/zero", "file:///etc/shadow"] {
            let e = absolute(page, local).unwrap_err().to_string();
            assert!(e.contains("which is not on the web"), "{e}");
        }
    }

    /// An index whose JSON names files outside the cache gets none of them
    /// joined onto a path: such a wheel is no candidate, such an sdist an error.
    #[test]
    fn names_from_an_index_are_plain_file_names_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("pypi/evil/json");
        std::fs::create_dir_all(page.parent().unwrap()).unwrap();
        let file = |name: &str, kind: &str| {
            format!(
                r#"{{"filename":"{name}","url":"x","digests":{{"sha256":"00"}},"packagetype":"{kind}"}}"#
            )
        };
        let json = format!(
            r#"{{"info":{{"version":"1.0"}},"releases":{{"1.0":[{},{},{}]}}}}"#,
            file(
                "../../../etc/cron.d/evil-1.0-py3-none-any.whl",
                "bdist_wheel"
            ),
            file("evil-1.0-py3-none-any.whl", "bdist_wheel"),
            file("../../evil-1.0.tar.gz", "sdist"),
        );
        std::fs::write(&page, json).unwrap();
        let index = PyPi::new(&format!("file://{}", dir.path().display()), dir.path());
        let found = index.candidates("evil").unwrap();
        let names: Vec<&str> = found.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(names, ["evil-1.0-py3-none-any.whl"]);
        let e = index.sdist("evil", None).unwrap_err().to_string();
        assert!(e.contains("under a name this tool will not write"), "{e}");
        assert!(e.contains("is not a plain file name"), "{e}");
        // The download itself refuses such a name too.
        let e =
            crate::download::fetch_pinned("file:///x", "../x.whl", "00", dir.path()).unwrap_err();
        assert!(e.contains("is not a plain file name"), "{e}");
    }

    #[test]
    fn a_wheelhouse_lists_its_wheels_and_reads_their_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pb_helper-1.0-py3-none-any.whl");
        super::super::testing::write_wheel(&path, "pb-helper", "1.0", &["six>=1"]);
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let house = Wheelhouse {
            dirs: vec![dir.path().to_path_buf(), dir.path().join("missing")],
        };
        let found = house.candidates("pb-helper").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(house.requires(&found[0]).unwrap(), ["six>=1"]);
        assert!(house.candidates("six").unwrap().is_empty());
    }
}
