//! The result files a run writes: JSON after every round, so a crash keeps what
//! finished; CSV and Markdown at the end; the page of `--html` last.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cli::RunArgs;
use crate::report::documents::Document;
use crate::report::site::{Site, SiteFile};
use crate::report::Format;
use crate::results::Report;

/// The result files the user asked for.
#[derive(Clone)]
pub struct Outputs {
    files: Vec<(Format, PathBuf)>,
    /// Folder for one pyperf file per configuration, written at the end.
    pyperf: Option<PathBuf>,
    /// `--html DIR`, shared by the benchmarks of a suite.
    site: Option<Site>,
}

/// `r.json` → `r.NAME.json`.
pub fn member_path(path: &Path, name: &str) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let file = match path.extension() {
        Some(ext) => format!("{stem}.{name}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{name}"),
    };
    path.with_file_name(file)
}

impl Outputs {
    pub fn from(args: &RunArgs) -> Outputs {
        let mut files = vec![];
        if let Some(p) = &args.json {
            files.push((Format::Json, p.clone()));
        }
        if let Some(p) = &args.csv {
            files.push((Format::Csv, p.clone()));
        }
        if let Some(p) = &args.markdown {
            files.push((Format::Markdown, p.clone()));
        }
        Outputs {
            files,
            pyperf: args.pyperf.clone(),
            site: args.html.as_deref().map(Site::new),
        }
    }

    /// For one benchmark of several (`run suite`): each file name gains the
    /// benchmark's name, `r.json` → `r.lock-shared.json`; the pyperf folder
    /// gains a subfolder.
    pub fn for_member(self, name: &str) -> Outputs {
        let files = self
            .files
            .into_iter()
            .map(|(format, path)| (format, member_path(&path, name)))
            .collect();
        Outputs {
            files,
            pyperf: self.pyperf.map(|p| p.join(name)),
            site: self.site,
        }
    }

    /// JSON is written after every round (partial results survive a crash);
    /// CSV and Markdown at the end.
    pub fn write(&self, report: &Report, last: bool) -> Result<()> {
        for (format, path) in &self.files {
            if !last && *format != Format::Json {
                continue;
            }
            let bytes = format.exporter().serialize(report)?;
            crate::report::write::write_atomically(path, &bytes)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
        if let (true, Some(dir)) = (last, &self.pyperf) {
            crate::report::pyperf::write_all(dir, report)?;
        }
        Ok(())
    }

    /// `--html DIR`: adds the run's results to the page and rewrites it,
    /// saying so. `parts`: each named benchmark of a run that measured
    /// several ([`split`](crate::report::split::split)).
    pub fn write_html(&self, report: &Report, parts: &[(String, Report)]) -> Result<()> {
        if let Some(site) = &self.site {
            println!(
                "{}",
                site.add(self.site_files(report, parts)?, chrono::Utc::now())?
            );
        }
        Ok(())
    }

    /// The files of a run as the page holds them, with the bytes and names
    /// `--json` writes (`BENCHMARK.json` without it): the run's own file,
    /// and each named benchmark's, which the page shows one by one.
    fn site_files(&self, report: &Report, parts: &[(String, Report)]) -> Result<Vec<SiteFile>> {
        let json = |r: &Report| Format::Json.exporter().serialize(r);
        let whole = match self.files.iter().find(|(f, _)| *f == Format::Json) {
            Some((_, path)) => path.clone(),
            None => PathBuf::from(format!(
                "{}.json",
                crate::report::split::file_part(&report.benchmark)
            )),
        };
        let mut files = vec![SiteFile {
            path: whole.display().to_string(),
            bytes: json(report)?,
            documents: match parts.is_empty() {
                true => vec![Document::Run(Box::new(report.clone()))],
                false => vec![],
            },
        }];
        for (name, part) in parts {
            let path = member_path(&whole, &crate::report::split::file_part(name));
            files.push(SiteFile {
                path: path.display().to_string(),
                bytes: json(part)?,
                documents: vec![Document::Run(Box::new(part.clone()))],
            });
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_members_get_their_own_files() {
        let args = RunArgs {
            json: Some("out/r.json".into()),
            markdown: Some("r".into()),
            pyperf: Some("pp".into()),
            ..RunArgs::default()
        };
        let o = Outputs::from(&args).for_member("lock-shared");
        let paths: Vec<&PathBuf> = o.files.iter().map(|(_, p)| p).collect();
        assert_eq!(
            paths,
            [
                &PathBuf::from("out/r.lock-shared.json"),
                &PathBuf::from("r.lock-shared")
            ]
        );
        assert_eq!(o.pyperf, Some(PathBuf::from("pp/lock-shared")));
    }

    fn page(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("index.html")).unwrap()
    }

    #[test]
    fn the_page_shows_the_run_and_copies_what_json_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let report = crate::report::fixture::report();
        // Without --json the copy is named after the benchmark.
        let args = RunArgs {
            html: Some(site.clone()),
            ..RunArgs::default()
        };
        Outputs::from(&args).write_html(&report, &[]).unwrap();
        let bytes = Format::Json.exporter().serialize(&report).unwrap();
        assert_eq!(std::fs::read(site.join("data/gil.json")).unwrap(), bytes);
        let shown = page(&site);
        assert_eq!(shown.matches("class=\"chart ratio\"").count(), 1);
        assert!(shown.contains("href=\"data/gil.json\">gil.json</a>"));
        // With --json, its name and the very bytes it wrote.
        let json = dir.path().join("r.json");
        let args = RunArgs {
            json: Some(json.clone()),
            html: Some(site.clone()),
            ..RunArgs::default()
        };
        let outputs = Outputs::from(&args);
        outputs.write(&report, true).unwrap();
        outputs.write_html(&report, &[]).unwrap();
        assert_eq!(
            std::fs::read(site.join("data/r.json")).unwrap(),
            std::fs::read(&json).unwrap()
        );
        assert!(page(&site).contains(&format!("href=\"data/r.json\">{}</a>", json.display())));
        // No --html: nothing.
        let none = Outputs::from(&RunArgs::default());
        none.write_html(&report, &[]).unwrap();
    }

    #[test]
    fn a_suites_benchmarks_and_a_scripts_metrics_share_one_page() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let args = RunArgs {
            json: Some(dir.path().join("r.json")),
            html: Some(site.clone()),
            ..RunArgs::default()
        };
        // As `prepare` makes them: one Outputs, a clone per benchmark.
        let all = Outputs::from(&args);
        let (first, second) = (
            all.clone().for_member("lock-shared"),
            all.clone().for_member("script"),
        );
        let mut lock = crate::report::fixture::report();
        lock.benchmark = "lock-shared".into();
        first.write_html(&lock, &[]).unwrap();
        assert_eq!(page(&site).matches("<article ").count(), 1);
        // The second measured two named benchmarks: each is shown from its
        // own file; the run's whole file is copied too.
        let mut script = crate::report::fixture::report();
        script.benchmark = "script".into();
        for row in &mut script.rows {
            for s in &mut row.samples {
                s.metrics = ["sort", "parse"]
                    .iter()
                    .map(|name| crate::results::Metric {
                        name: name.to_string(),
                        loops: 1,
                        values: s.values.clone(),
                        ..Default::default()
                    })
                    .collect();
            }
        }
        let parts = crate::report::split::split(&script);
        second.write_html(&script, &parts).unwrap();
        let shown = page(&site);
        assert_eq!(
            shown.matches("<article ").count(),
            3,
            "lock-shared, sort, parse"
        );
        assert!(shown.contains("<p class=\"lead\">lock-shared · script:sort · script:parse</p>"));
        for name in [
            "r.lock-shared.json",
            "r.script.json",
            "r.script.sort.json",
            "r.script.parse.json",
        ] {
            assert!(site.join("data").join(name).is_file(), "{name}");
        }
        assert!(shown.contains("href=\"data/r.script.sort.json\""));
        assert!(!shown.contains("href=\"data/r.script.json\""));
        let sort = &parts[0].1;
        assert_eq!(
            std::fs::read(site.join("data/r.script.sort.json")).unwrap(),
            Format::Json.exporter().serialize(sort).unwrap()
        );
    }
}
