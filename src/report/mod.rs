//! Turning a [`Report`] into files (JSON, CSV, Markdown, plain text) and into
//! the table printed on the terminal; and result files of every kind into a
//! static HTML page with charts ([`html`], written with its files' copies by
//! [`site`]) or a Markdown summary ([`summary`]).

pub mod csv;
pub mod cycles;
pub mod documents;
pub mod hosts;
pub mod html;
pub mod json;
pub mod markdown;
pub mod matrix;
pub mod memory;
pub mod packages;
pub mod pyperf;
pub mod races;
pub mod scaling;
pub mod site;
pub mod site_manifest;
pub mod split;
pub mod summary;
pub mod table;
pub mod write;

#[cfg(test)]
pub mod fixture;
pub(crate) mod format;

use std::fmt;
use std::str::FromStr;

use crate::results::Report;

pub use table::render_table;

/// Why a report could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not encode the report as JSON")]
    Json(#[from] serde_json::Error),
    #[error("unknown report format {0:?} (expected json, csv, md or txt)")]
    UnknownFormat(String),
}

/// Serializes a report into one file format.
pub trait Exporter {
    fn serialize(&self, report: &Report) -> Result<Vec<u8>, ExportError>;
    /// File name extension, without the dot.
    fn extension(&self) -> &'static str;
}

/// The file formats a report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Csv,
    Markdown,
    /// The terminal table without colors.
    Text,
}

impl Format {
    #[cfg(test)]
    pub const ALL: [Format; 4] = [Format::Json, Format::Csv, Format::Markdown, Format::Text];

    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Json => &json::JsonExporter,
            Format::Csv => &csv::CsvExporter,
            Format::Markdown => &markdown::MarkdownExporter,
            Format::Text => &table::TextExporter,
        }
    }

    /// The canonical name, which is also the file extension.
    pub fn name(self) -> &'static str {
        self.exporter().extension()
    }

    /// Picks a format from an output file name such as `results.md`.
    #[cfg(test)]
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        path.extension()?.to_str()?.parse().ok()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = ExportError;

    /// Accepts names and extensions, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "md" | "markdown" => Ok(Format::Markdown),
            "txt" | "text" | "table" => Ok(Format::Text),
            _ => Err(ExportError::UnknownFormat(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn formats_parse_from_names_and_extensions() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>().unwrap(), format);
            assert_eq!(format.to_string(), format.exporter().extension());
        }
        assert_eq!("Markdown".parse::<Format>().unwrap(), Format::Markdown);
        assert_eq!("table".parse::<Format>().unwrap(), Format::Text);
        let err = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown report format \"xml\" (expected json, csv, md or txt)"
        );
    }

    #[test]
    fn formats_pick_by_path() {
        assert_eq!(
            Format::from_path(Path::new("out/r.md")),
            Some(Format::Markdown)
        );
        assert_eq!(Format::from_path(Path::new("r.JSON")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("r")), None);
        assert_eq!(Format::from_path(Path::new("r.xml")), None);
    }

    #[test]
    fn every_exporter_produces_utf8_for_a_realistic_report() {
        let report = fixture::report();
        for format in Format::ALL {
            let bytes = format.exporter().serialize(&report).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains("3.13t -X gil=1"), "{format}");
        }
    }
}
