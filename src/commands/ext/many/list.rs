//! The packages of a list: `--pypi A B …`, several paths, and requirements
//! files (`-r FILE`), read and checked before anything starts. Pure but for
//! reading the files and looking at the paths.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::packages::source::{classify, parse_pypi, ExtSource};
use crate::packages::wheel_tags::normalize;

/// A requirements file is a few KB; a larger one is not a list of packages.
const REQUIREMENTS_LIMIT: u64 = 1 << 20;

/// One line of a requirements file, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Pypi {
        name: String,
        version: Option<String>,
    },
    /// A local folder or sdist, relative to the file's folder when not absolute.
    Path(PathBuf),
}

/// A requirements file's packages: `NAME`, `NAME==VERSION` (extras dropped),
/// or a path starting with `.` or `/`. Comments and blank lines skipped;
/// anything else (options, `>=` and other specifiers, markers) refused with
/// its line number, as `ext` could not check what it asks for. Pure.
pub fn parse_requirements(text: &str, file: &str) -> Result<Vec<Line>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = match raw.find(" #").or(raw.starts_with('#').then_some(0)) {
            Some(at) => &raw[..at],
            None => raw,
        }
        .trim();
        if line.is_empty() {
            continue;
        }
        let at = format!("{file}, line {}", i + 1);
        if line.starts_with('-') {
            bail!("{at}: {line:?} is a pip option; `ext -r` takes package names (NAME or NAME==VERSION) and local paths only. Remove the line, or give another file with -r.");
        }
        if line.starts_with('.') || line.starts_with('/') {
            out.push(Line::Path(PathBuf::from(line)));
            continue;
        }
        if line.contains(';') {
            bail!("{at}: {line:?} has an environment marker; `ext` checks every build, so drop the marker.");
        }
        let without_extras = match (line.find('['), line.find(']')) {
            (Some(a), Some(b)) if a < b => format!("{}{}", &line[..a], &line[b + 1..]),
            _ => line.to_string(),
        };
        let compact: String = without_extras.split_whitespace().collect();
        let (name, version) = parse_pypi(&compact).map_err(|_| {
            anyhow::anyhow!("{at}: {line:?} is not NAME or NAME==VERSION; `ext` checks one exact version of each package (the newest when none is given), so pin it with == or drop the specifier.")
        })?;
        out.push(Line::Pypi { name, version });
    }
    Ok(out)
}

/// Every package the arguments name, in order (paths, `--pypi`, then each
/// file's), each once; a `.c` file or a missing path refused. Reads the files.
pub fn packages(paths: &[PathBuf], pypi: &[String], files: &[PathBuf]) -> Result<Vec<ExtSource>> {
    let mut out: Vec<ExtSource> = Vec::new();
    let add = |source: ExtSource, out: &mut Vec<ExtSource>| {
        if !out.contains(&source) {
            out.push(source);
        }
    };
    for p in paths {
        add(package_at(p, None)?, &mut out);
    }
    for spec in pypi {
        let (name, version) = parse_pypi(spec)?;
        add(ExtSource::Pypi { name, version }, &mut out);
    }
    for file in files {
        let text = crate::regular_file::read_to_string(
            file,
            REQUIREMENTS_LIMIT,
            crate::regular_file::Links::Follow,
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot read the requirements file {} (-r): {e}. Give a text file of package names, one a line.",
                file.display()
            )
        })?;
        let folder = file.parent().unwrap_or(Path::new("."));
        for line in parse_requirements(&text, &file.display().to_string())? {
            let source = match line {
                Line::Pypi { name, version } => ExtSource::Pypi { name, version },
                Line::Path(p) => package_at(&folder.join(p), Some(file))?,
            };
            add(source, &mut out);
        }
    }
    if out.is_empty() {
        bail!("the requirements file(s) name no package. Add package names (NAME or NAME==VERSION), one a line.");
    }
    refuse_duplicates(&out)?;
    Ok(out)
}

/// The name a package's row goes by before PyPI is asked: the project on
/// PyPI, a folder's name, an sdist's file name without its extension. Pure.
pub fn name_of(source: &ExtSource) -> String {
    let file_name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    };
    match source {
        ExtSource::Pypi { name, .. } => name.clone(),
        ExtSource::Project(dir) => file_name(dir),
        ExtSource::Sdist(archive) => {
            let file = file_name(archive);
            [".tar.gz", ".tgz", ".zip"]
                .iter()
                .find_map(|ext| file.strip_suffix(ext))
                .unwrap_or(&file)
                .to_string()
        }
        ExtSource::Greeter | ExtSource::CFile(_) => format!("{source:?}"),
    }
}

/// How a package was given, for an error.
fn given(source: &ExtSource) -> String {
    match source {
        ExtSource::Pypi {
            name,
            version: Some(v),
        } => format!("{name}=={v} (PyPI)"),
        ExtSource::Pypi {
            name,
            version: None,
        } => format!("{name} (PyPI)"),
        ExtSource::Project(p) | ExtSource::Sdist(p) => p.display().to_string(),
        other => format!("{other:?}"),
    }
}

/// Two entries of one name (PEP 503: case and `-_.` aside) would share an
/// output folder, a row for `--since` and a cache name: refused. Pure.
fn refuse_duplicates(list: &[ExtSource]) -> Result<()> {
    for (i, a) in list.iter().enumerate() {
        let name = normalize(&name_of(a));
        if let Some(b) = list[..i].iter().find(|b| normalize(&name_of(b)) == name) {
            bail!(
                "the list names the package {name:?} twice: {} and {}. Rows, output folders and --since are matched on the name, so two entries of one name would collide. Keep one of them (check the other in a run of its own, or rename its folder).",
                given(b),
                given(a)
            );
        }
    }
    Ok(())
}

/// A path of the list: a project folder or an sdist.
fn package_at(path: &Path, file: Option<&Path>) -> Result<ExtSource> {
    let from = file.map_or(String::new(), |f| format!(" (in {})", f.display()));
    match classify(Some(path), None).with_context(|| format!("in the list of packages{from}"))? {
        ExtSource::CFile(_) => bail!("{}{from} is a single .c file: a list holds packages (project folders, sdists, PyPI names). Check the .c file on its own with `ext FILE.c`.", path.display()),
        source => Ok(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirements_file_gives_names_pins_and_paths() {
        let text = "# audit\nnumpy==2.3.0\n\n  msgpack  # the fast one\nujson[extra] == 5.10.0\n./local/pkg\n";
        assert_eq!(
            parse_requirements(text, "r.txt").unwrap(),
            [
                Line::Pypi {
                    name: "numpy".into(),
                    version: Some("2.3.0".into())
                },
                Line::Pypi {
                    name: "msgpack".into(),
                    version: None
                },
                Line::Pypi {
                    name: "ujson".into(),
                    version: Some("5.10.0".into())
                },
                Line::Path("./local/pkg".into()),
            ]
        );
    }

    #[test]
    fn what_ext_cannot_check_is_refused_with_its_line() {
        let e = |text: &str| parse_requirements(text, "r.txt").unwrap_err().to_string();
        let specifier = e("numpy\nscipy>=1.10\n");
        assert!(
            specifier.starts_with("r.txt, line 2: \"scipy>=1.10\""),
            "{specifier}"
        );
        assert!(specifier.contains("pin it with =="), "{specifier}");
        assert!(e("-r other.txt").contains("is a pip option"));
        assert!(e("--index-url https://x").contains("is a pip option"));
        assert!(e("numpy==2.3.0; python_version >= '3.13'").contains("environment marker"));
    }

    #[test]
    fn a_list_is_read_in_order_each_package_once_c_files_refused() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("setup.py"), "").unwrap();
        std::fs::write(dir.path().join("mod.c"), "").unwrap();
        let file = dir.path().join("r.txt");
        std::fs::write(&file, "msgpack\n./pkg\nnumpy==2.3.0\n").unwrap();
        let list = packages(
            std::slice::from_ref(&pkg),
            &["numpy==2.3.0".into()],
            std::slice::from_ref(&file),
        )
        .unwrap();
        let pypi = |n: &str, v: Option<&str>| ExtSource::Pypi {
            name: n.into(),
            version: v.map(String::from),
        };
        assert_eq!(
            list,
            [
                ExtSource::Project(pkg.canonicalize().unwrap()),
                pypi("numpy", Some("2.3.0")),
                pypi("msgpack", None),
            ]
        );
        std::fs::write(&file, "./mod.c\n").unwrap();
        let e = format!(
            "{:#}",
            packages(&[], &[], std::slice::from_ref(&file)).unwrap_err()
        );
        assert!(e.contains("is a single .c file"), "{e}");
        std::fs::write(&file, "./nowhere\n").unwrap();
        let e = format!(
            "{:#}",
            packages(&[], &[], std::slice::from_ref(&file)).unwrap_err()
        );
        assert!(
            e.contains("in the list of packages (in ") && e.contains("does not exist"),
            "{e}"
        );
        std::fs::write(&file, "# nothing\n").unwrap();
        let e = packages(&[], &[], &[file]).unwrap_err().to_string();
        assert!(e.contains("name no package"), "{e}");
    }

    #[test]
    fn two_entries_of_one_normalised_name_are_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a/My_Pkg"), dir.path().join("b/my-pkg"));
        for d in [&a, &b] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("setup.py"), "").unwrap();
        }
        let e = packages(&[a.clone(), b.clone()], &[], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"my-pkg\" twice"), "{e}");
        assert!(
            e.contains("a/My_Pkg and ") && e.contains("b/my-pkg."),
            "{e}"
        );
        let e = packages(&[], &["numpy==2.3.0".into(), "NumPy==2.2.0".into()], &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("numpy==2.3.0 (PyPI) and NumPy==2.2.0 (PyPI)") && e.contains("Keep one"),
            "{e}"
        );
        // The same entry twice is one package, not a collision.
        assert_eq!(
            packages(&[], &["numpy".into(), "numpy".into()], &[])
                .unwrap()
                .len(),
            1
        );
    }
}
