//! `report RESULT.json… --html DIR [--markdown FILE]`: result files of any
//! kind (run, a suite's or a script's per-benchmark files, compare, ext)
//! turned into a static page with charts, and a Markdown summary of the
//! verdicts for a pull request. Needs no daemon.
//!
//! Every file is read and recognised before anything is written: one that
//! is not ours stops the command with a paragraph saying which and why.
//! The page links each raw file; they are copied into `DIR/data/` so that
//! the links work wherever the folder goes.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::cli::ReportArgs;
use crate::report::documents::{self, Document};
use crate::report::site::{self, SiteFile};
use crate::report::summary;
use crate::report::write::{check_output_file, write_atomically};
use crate::results;

/// One file given on the command line, read.
struct Given {
    path: PathBuf,
    bytes: Vec<u8>,
}

/// The files named: each file itself, each folder's `*.json` in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = vec![];
    for path in paths {
        let found = results::json_files(path).map_err(anyhow::Error::msg)?;
        if found.is_empty() {
            bail!(
                "{} holds no .json file: give result files written with --json, or folders of them.",
                path.display()
            );
        }
        files.extend(found);
    }
    Ok(files)
}

/// Reads every file (regular files only, up to the size limit); all the
/// problems at once, one paragraph each.
fn read_all(paths: &[PathBuf]) -> Result<Vec<Given>> {
    let mut given = vec![];
    let mut problems = vec![];
    for path in paths {
        match results::read(path) {
            Ok(bytes) => given.push(Given {
                path: path.clone(),
                bytes,
            }),
            Err(paragraph) => problems.push(paragraph),
        }
    }
    match problems.is_empty() {
        true => Ok(given),
        false => Err(nothing_written(problems, paths.len())),
    }
}

fn nothing_written(problems: Vec<String>, total: usize) -> anyhow::Error {
    let count = problems.len();
    let text = problems.join("\n\n");
    match (count, total) {
        (1, _) => anyhow::anyhow!("{text}\nNothing was written."),
        _ => anyhow::anyhow!(
            "{count} of {total} files cannot be reported; nothing was written.\n\n{text}"
        ),
    }
}

/// Recognises every file. A run that measured several named benchmarks
/// becomes one document per benchmark (a run given twice, its own file and
/// the file of one of its benchmarks say, is shown once: [`site::inputs`]).
fn recognise(given: Vec<Given>) -> Result<Vec<SiteFile>> {
    let mut files = vec![];
    let mut problems = vec![];
    let total = given.len();
    for g in given {
        let path = g.path.display().to_string();
        let document = match documents::read(&path, &g.bytes) {
            Ok(d) => d,
            Err(paragraph) => {
                problems.push(paragraph);
                continue;
            }
        };
        let documents = match document {
            Document::Run(report) => {
                let parts = crate::report::split::split(&report);
                match parts.is_empty() {
                    true => vec![Document::Run(report)],
                    false => parts
                        .into_iter()
                        .map(|(_, r)| Document::Run(Box::new(r)))
                        .collect(),
                }
            }
            other => vec![other],
        };
        files.push(SiteFile {
            path,
            bytes: g.bytes,
            documents,
        });
    }
    match problems.is_empty() {
        true => Ok(files),
        false => Err(nothing_written(problems, total)),
    }
}

pub fn command(args: &ReportArgs) -> Result<()> {
    if let Some(dir) = &args.html {
        site::check_dir(dir)?;
    }
    if let Some(path) = &args.markdown {
        check_output_file("--markdown", path)?;
    }
    let paths = expand(&args.files)?;
    let files = recognise(read_all(&paths)?)?;
    if let Some(dir) = &args.html {
        println!("{}", site::write(dir, &files, chrono::Utc::now())?);
    }
    if let Some(path) = &args.markdown {
        let inputs = site::inputs(&files);
        write_atomically(path, summary::render(&inputs).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::report::fixture;
    use crate::results::Metric;

    fn args(files: Vec<PathBuf>, html: Option<PathBuf>, markdown: Option<PathBuf>) -> ReportArgs {
        ReportArgs {
            files,
            html,
            markdown,
        }
    }

    /// A run's result file, as `run --json` writes it.
    fn write_json(dir: &Path, name: &str, report: &crate::results::Report) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, results::to_json(report).unwrap()).unwrap();
        path
    }

    #[test]
    fn a_bad_file_stops_everything_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let good = write_json(dir.path(), "gil.json", &fixture::report());
        let bad = dir.path().join("notes.json");
        std::fs::write(&bad, b"{\"todo\": [1]}").unwrap();
        let site = dir.path().join("site");
        let md = dir.path().join("pr.md");
        let e = command(&args(
            vec![good.clone(), bad],
            Some(site.clone()),
            Some(md.clone()),
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("notes.json is not a pybench-docker result file"),
            "{e}"
        );
        assert!(
            e.contains("`run --json FILE`") && e.ends_with("Nothing was written."),
            "{e}"
        );
        assert!(!site.exists() && !md.exists());
        // Two problems: both said, with the count.
        let missing = dir.path().join("missing.json");
        let e = command(&args(
            vec![good, missing.clone(), missing],
            Some(site.clone()),
            None,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("2 of 3 files cannot be reported; nothing was written."),
            "{e}"
        );
        assert_eq!(e.matches("cannot read").count(), 2, "{e}");
        assert!(!site.exists());
    }

    #[test]
    fn writes_the_page_the_copies_and_the_summary() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        std::fs::create_dir(&runs).unwrap();
        let early = fixture::report();
        let mut late = fixture::report();
        late.started_at += chrono::Duration::days(2);
        late.session = "late".into();
        write_json(&runs, "1.json", &early);
        write_json(&runs, "2.json", &late);
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        let mut jit = fixture::report();
        jit.benchmark = "jit".into();
        let jit_path = write_json(&other, "1.json", &jit);
        let site = dir.path().join("site");
        let md = dir.path().join("pr.md");
        command(&args(
            vec![runs, jit_path],
            Some(site.clone()),
            Some(md.clone()),
        ))
        .unwrap();
        let page = std::fs::read_to_string(site.join("index.html")).unwrap();
        assert_eq!(page.matches("class=\"chart ratio\"").count(), 2);
        assert_eq!(page.matches("class=\"chart trend\"").count(), 2);
        // Same names from two folders: both copied, the second renamed.
        for name in ["1.json", "2.json", "1-2.json"] {
            assert!(site.join("data").join(name).is_file(), "{name}");
            assert!(page.contains(&format!("href=\"data/{name}\"")), "{name}");
        }
        assert_eq!(
            std::fs::read(site.join("data/1-2.json")).unwrap(),
            std::fs::read(other.join("1.json")).unwrap()
        );
        let summary = std::fs::read_to_string(md).unwrap();
        assert!(
            summary.starts_with("## pybench-docker: gil · jit"),
            "{summary}"
        );
    }

    #[test]
    fn a_run_of_several_benchmarks_is_split_and_shown_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = fixture::report();
        for row in &mut report.rows {
            for s in &mut row.samples {
                s.metrics = ["sort", "parse"]
                    .iter()
                    .map(|name| Metric {
                        name: name.to_string(),
                        loops: 1,
                        values: s.values.clone(),
                        ..Metric::default()
                    })
                    .collect();
            }
        }
        let whole = write_json(dir.path(), "r.json", &report);
        let parts = crate::report::split::split(&report);
        let sort = write_json(dir.path(), "r.sort.json", &parts[0].1);
        let files = recognise(read_all(&[whole, sort]).unwrap()).unwrap();
        let inputs = site::inputs(&files);
        let names: Vec<&str> = inputs
            .iter()
            .filter_map(|i| match &i.document {
                Document::Run(r) => Some(r.benchmark.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["gil:sort", "gil:parse"]);
    }

    #[test]
    fn a_pipe_in_a_folder_of_results_is_refused_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write_json(dir.path(), "1.json", &fixture::report());
        let pipe = dir.path().join("2.json");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        assert!(made.unwrap().success());
        let site = dir.path().join("site");
        let e = command(&args(vec![dir.path().into()], Some(site.clone()), None))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("2.json is a named pipe (FIFO), not a regular file"),
            "{e}"
        );
        assert!(!site.exists());
    }

    #[test]
    fn folders_without_results_and_file_outputs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = expand(&[dir.path().to_path_buf()]).unwrap_err().to_string();
        assert!(e.contains("holds no .json file"), "{e}");
        let good = write_json(dir.path(), "gil.json", &fixture::report());
        let e = command(&args(vec![good.clone()], Some(good.clone()), None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a folder"), "{e}");
        let md = dir.path().join("nope/pr.md");
        let e = command(&args(vec![good], None, Some(md)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
    }
}
