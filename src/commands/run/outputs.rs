//! The result files a run writes: JSON after every round, so a crash keeps what
//! finished; CSV and Markdown at the end.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::RunArgs;
use crate::report::Format;
use crate::results::Report;

/// The result files the user asked for.
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
