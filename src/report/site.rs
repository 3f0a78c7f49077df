//! `--html DIR`: the folder a page is written into: `index.html`, and under
//! `data/` a copy of every result file the page shows, so that its links
//! work wherever the folder goes.
//!
//! One writer for every command: `report` gives the files it read from
//! disk, `run` and `ext` the results they have just written (the documents
//! in memory, with the bytes of their JSON files). `run suite` adds each
//! benchmark's files as it finishes, through one [`Site`], and the page is
//! rewritten with everything so far.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};

use crate::report::documents::{self, Document, Input, Source};
use crate::report::html;
use crate::report::site_manifest;
use crate::report::write::write_atomically;

/// The folder under DIR that holds the copies of the result files.
pub const DATA: &str = "data";

/// One result file for the page: what the page calls it, its bytes (copied
/// under [`DATA`]) and the documents it shows from it.
#[derive(Debug, Clone)]
pub struct SiteFile {
    /// The path it was given as or written to; its file name names the copy.
    pub path: String,
    pub bytes: Vec<u8>,
    /// Nothing for a file that is only copied (a run's whole file when the
    /// page shows each of its benchmarks from that benchmark's own file).
    pub documents: Vec<Document>,
}

/// Checks `--html DIR` before anything starts: DIR is a folder that holds
/// no `index.html` or `data/` file the page did not write earlier
/// ([`site_manifest`]), or does not exist yet in a folder that does (it is
/// created when the page is written).
pub fn check_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        if !dir.is_dir() {
            bail!(
                "--html {}: not a folder; give the folder to write index.html into (it is created when missing).",
                dir.display()
            );
        }
        site_manifest::survey(dir)?;
        return Ok(());
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        bail!(
            "--html {}: the folder {} does not exist. Create it first, so the page is not lost after the command.",
            dir.display(),
            parent.display()
        );
    }
    Ok(())
}

/// A distinct file name under [`DATA`] for each path: its own name, with
/// `-2`, `-3`, … before the extension when another file has it already.
pub fn copy_names(paths: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    for path in paths {
        let name = Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "result.json".into());
        let (stem, ext) = match name.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
            _ => (name.clone(), String::new()),
        };
        let mut candidate = name.clone();
        let mut n = 2;
        while names.contains(&candidate) {
            candidate = format!("{stem}-{n}{ext}");
            n += 1;
        }
        names.push(candidate);
    }
    names
}

/// A relative link to `name` under [`DATA`], percent-encoded.
pub fn href(name: &str) -> String {
    const SAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    format!(
        "{DATA}/{}",
        percent_encoding::utf8_percent_encode(name, SAFE)
    )
}

/// What the page shows, each document linked to its file's copy; a run
/// given twice (the same benchmark, session and start) is shown once. Pure.
pub fn inputs(files: &[SiteFile]) -> Vec<Input> {
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut inputs: Vec<Input> = vec![];
    for (file, copy) in files.iter().zip(copy_names(&paths)) {
        let source = Source {
            path: file.path.clone(),
            href: href(&copy),
        };
        for document in &file.documents {
            if let Document::Run(r) = document {
                let seen = inputs.iter().any(|i| match &i.document {
                    Document::Run(o) => {
                        o.benchmark == r.benchmark
                            && o.session == r.session
                            && o.started_at == r.started_at
                    }
                    _ => false,
                });
                if seen {
                    continue;
                }
            }
            inputs.push(Input {
                source: source.clone(),
                document: document.clone(),
            });
        }
    }
    inputs
}

/// Writes the page of `files` into `dir` (created when missing) with their
/// copies under [`DATA`]; the line that says so.
pub fn write(dir: &Path, files: &[SiteFile], generated: DateTime<Utc>) -> Result<String> {
    let inputs = inputs(files);
    let page = html::render(&inputs, generated);
    // Checked again: the folder may have changed during a long run.
    let before = site_manifest::survey(dir)?;
    let data = dir.join(DATA);
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut written = std::collections::BTreeSet::new();
    for (file, copy) in files.iter().zip(copy_names(&paths)) {
        let to = data.join(&copy);
        write_atomically(&to, &file.bytes)
            .with_context(|| format!("cannot write {}", to.display()))?;
        written.insert(format!("{DATA}/{copy}"));
    }
    let index = dir.join("index.html");
    write_atomically(&index, page.as_bytes())
        .with_context(|| format!("cannot write {}", index.display()))?;
    written.insert("index.html".into());
    site_manifest::record(dir, &before, &written)?;
    let others = match before.others {
        0 => String::new(),
        n => format!(
            "; {} already there left as {}",
            html::plural(n, "other entry", "other entries"),
            if n == 1 { "it was" } else { "they were" }
        ),
    };
    Ok(format!(
        "wrote {} ({} from {}; the files are copied to {}{others})",
        index.display(),
        html::plural(inputs.len(), "document", "documents"),
        html::plural(files.len(), "file", "files"),
        data.display()
    ))
}

/// The page of one JSON result a command has just produced (`ext`): read
/// back from its `bytes`, named after the file it was written to with
/// `--json`, or `default_name` without one.
pub fn write_one(
    dir: &Path,
    written_to: Option<&Path>,
    default_name: &str,
    bytes: Vec<u8>,
    generated: DateTime<Utc>,
) -> Result<String> {
    let path = written_to.map_or_else(|| default_name.to_string(), |p| p.display().to_string());
    let document = documents::read(&path, &bytes).map_err(anyhow::Error::msg)?;
    let file = SiteFile {
        path,
        bytes,
        documents: vec![document],
    };
    write(dir, &[file], generated)
}

/// `--html DIR` of a command that produces results in turns (`run suite`:
/// one benchmark after another): every turn's files are added and the page
/// is rewritten with all of them. Clones share the files.
#[derive(Debug, Clone)]
pub struct Site {
    dir: PathBuf,
    files: Arc<Mutex<Vec<SiteFile>>>,
}

impl Site {
    pub fn new(dir: &Path) -> Site {
        Site {
            dir: dir.to_path_buf(),
            files: Arc::default(),
        }
    }

    /// Adds `files` and rewrites the page; the line that says so.
    pub fn add(&self, files: Vec<SiteFile>, generated: DateTime<Utc>) -> Result<String> {
        let mut all = self
            .files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.extend(files);
        write(&self.dir, &all, generated)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::report::documents::tests::{ext_matrix_json, ext_package_json};
    use crate::report::fixture;

    fn generated() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 2, 9, 0, 0).unwrap()
    }

    fn run_file(path: &str, report: crate::results::Report) -> SiteFile {
        SiteFile {
            path: path.into(),
            bytes: serde_json::to_vec(&report).unwrap(),
            documents: vec![Document::Run(Box::new(report))],
        }
    }

    #[test]
    fn copies_get_distinct_safe_names() {
        let paths = ["a/r.json", "b/r.json", "c/r.json", "x y#.json", "noext"];
        assert_eq!(
            copy_names(&paths),
            ["r.json", "r-2.json", "r-3.json", "x y#.json", "noext"]
        );
        assert_eq!(href("x y#.json"), "data/x%20y%23.json");
    }

    #[test]
    fn the_folder_must_be_one_or_creatable() {
        let dir = tempfile::tempdir().unwrap();
        check_dir(dir.path()).unwrap();
        check_dir(&dir.path().join("new")).unwrap();
        let file = dir.path().join("f.html");
        std::fs::write(&file, b"x").unwrap();
        let e = check_dir(&file).unwrap_err().to_string();
        assert!(
            e.starts_with("--html ") && e.contains("not a folder"),
            "{e}"
        );
        let e = check_dir(&dir.path().join("no/such"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist. Create it first"), "{e}");
        assert!(!e.contains('\n'), "one paragraph: {e}");
    }

    #[test]
    fn in_memory_documents_become_the_page_and_their_bytes_the_copies() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let mut jit = fixture::report();
        jit.benchmark = "jit".into();
        let matrix = ext_matrix_json();
        let files = vec![
            run_file("out/gil.json", fixture::report()),
            run_file("jit.json", jit),
            SiteFile {
                path: "ext.json".into(),
                bytes: matrix.clone(),
                documents: vec![documents::read("ext.json", &matrix).unwrap()],
            },
            // Copied, shown by nothing.
            SiteFile {
                path: "other/gil.json".into(),
                bytes: b"{}".to_vec(),
                documents: vec![],
            },
        ];
        let said = write(&site, &files, generated()).unwrap();
        assert_eq!(
            said,
            format!(
                "wrote {} (3 documents from 4 files; the files are copied to {})",
                site.join("index.html").display(),
                site.join("data").display()
            )
        );
        let page = std::fs::read_to_string(site.join("index.html")).unwrap();
        assert_eq!(page, html::render(&inputs(&files), generated()));
        assert_eq!(page.matches("<article ").count(), 3);
        assert!(page.contains("href=\"data/gil.json\">out/gil.json</a>"));
        assert!(page.contains("href=\"data/ext.json\">ext.json</a>"));
        assert!(!page.contains("data/gil-2.json"));
        for (name, file) in ["gil.json", "jit.json", "ext.json", "gil-2.json"]
            .iter()
            .zip(&files)
        {
            assert_eq!(
                std::fs::read(site.join("data").join(name)).unwrap(),
                file.bytes
            );
        }
    }

    #[test]
    fn a_users_own_index_is_never_overwritten_and_other_files_are_left() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir(&site).unwrap();
        std::fs::write(site.join("index.html"), "my own page").unwrap();
        let files = vec![run_file("r.json", fixture::report())];
        let e = check_dir(&site).unwrap_err().to_string();
        assert!(
            e.contains("holds index.html, which pybench-docker did not write"),
            "{e}"
        );
        let e = write(&site, &files, generated()).unwrap_err().to_string();
        assert!(e.contains("never overwrites them"), "{e}");
        assert_eq!(
            std::fs::read_to_string(site.join("index.html")).unwrap(),
            "my own page"
        );
        assert!(!site.join("data").exists());
        // Its own page is rewritten; a user's other file stays, and is named.
        std::fs::rename(site.join("index.html"), site.join("notes.html")).unwrap();
        write(&site, &files, generated()).unwrap();
        let said = write(&site, &files, generated()).unwrap();
        assert!(
            said.ends_with("; 1 other entry already there left as it was)"),
            "{said}"
        );
        assert_eq!(
            std::fs::read_to_string(site.join("notes.html")).unwrap(),
            "my own page"
        );
    }

    #[test]
    fn a_run_given_twice_is_shown_once() {
        let report = fixture::report();
        let files = vec![
            run_file("a.json", report.clone()),
            run_file("b.json", report),
        ];
        let shown = inputs(&files);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].source.path, "a.json");
    }

    #[test]
    fn one_result_is_read_back_from_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let bytes = ext_package_json();
        let said = write_one(&site, None, "ext-package.json", bytes.clone(), generated()).unwrap();
        assert!(said.contains("1 document from 1 file"), "{said}");
        let page = std::fs::read_to_string(site.join("index.html")).unwrap();
        assert!(page.contains("ext · pb 1.0 (sdist)"));
        assert!(page.contains("href=\"data/ext-package.json\">ext-package.json</a>"));
        assert_eq!(
            std::fs::read(site.join("data/ext-package.json")).unwrap(),
            bytes
        );
        // Named after the file --json wrote.
        let written = dir.path().join("results/pkg.json");
        write_one(&site, Some(&written), "x.json", bytes, generated()).unwrap();
        let page = std::fs::read_to_string(site.join("index.html")).unwrap();
        assert!(page.contains(&format!("href=\"data/pkg.json\">{}</a>", written.display())));
        // Bytes that are not a result are an error, and say which.
        let e = write_one(&site, None, "bad.json", b"[]".to_vec(), generated())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("bad.json is not a pybench-docker result file"),
            "{e}"
        );
    }

    #[test]
    fn a_site_adds_each_turn_and_rewrites_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let site = Site::new(&dir.path().join("site"));
        let shared = site.clone();
        let mut first = fixture::report();
        first.benchmark = "lock-shared".into();
        let mut second = fixture::report();
        second.benchmark = "queue".into();
        site.add(vec![run_file("r.lock-shared.json", first)], generated())
            .unwrap();
        let page = std::fs::read_to_string(dir.path().join("site/index.html")).unwrap();
        assert_eq!(page.matches("<article ").count(), 1);
        let said = shared
            .add(vec![run_file("r.queue.json", second)], generated())
            .unwrap();
        assert!(said.contains("2 documents from 2 files"), "{said}");
        let page = std::fs::read_to_string(dir.path().join("site/index.html")).unwrap();
        assert_eq!(page.matches("<article ").count(), 2);
        assert!(page.contains("<p class=\"lead\">lock-shared · queue</p>"));
    }
}
