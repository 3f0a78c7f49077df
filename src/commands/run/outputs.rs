//! The result files a run writes: JSON after every round, so a crash keeps what
//! finished; CSV and Markdown at the end.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::RunArgs;
use crate::report::Format;
use crate::results::Report;

/// The result files the user asked for.
#[derive(Clone)]
pub struct Outputs {
    files: Vec<(Format, PathBuf)>,
    /// Folder for one pyperf file per configuration, written at the end.
    pyperf: Option<PathBuf>,
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
        }
    }

    /// For one benchmark of several (`run suite`): each file name gains the
    /// benchmark's name, `r.json` → `r.lock-shared.json`; the pyperf folder
    /// gains a subfolder.
    pub fn for_member(self, name: &str) -> Outputs {
        let files = self
            .files
            .into_iter()
            .map(|(format, path)| {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                let file = match path.extension() {
                    Some(ext) => format!("{stem}.{name}.{}", ext.to_string_lossy()),
                    None => format!("{stem}.{name}"),
                };
                (format, path.with_file_name(file))
            })
            .collect();
        Outputs {
            files,
            pyperf: self.pyperf.map(|p| p.join(name)),
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
}
