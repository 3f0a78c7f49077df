//! Test helper: a minimal but valid wheel on disk.

use std::io::Write;
use std::path::Path;

/// Writes a pure wheel of `name` `version` whose METADATA lists `requires`.
pub fn write_wheel(path: &Path, name: &str, version: &str, requires: &[&str]) {
    let dist = format!("{}-{version}.dist-info", name.replace('-', "_"));
    let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for r in requires {
        metadata.push_str(&format!("Requires-Dist: {r}\n"));
    }
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (file, body) in [
        (format!("{dist}/METADATA"), metadata),
        (
            format!("{dist}/WHEEL"),
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".into(),
        ),
        (format!("{dist}/RECORD"), String::new()),
    ] {
        zip.start_file(file, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}
