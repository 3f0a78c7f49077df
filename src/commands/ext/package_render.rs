//! A package's readiness on every interpreter: a terminal table (comfy-table)
//! and the same verdicts as Markdown for a pull request. Pure but for the
//! terminal's width and colours.

use comfy_table::{Cell, Color};

use super::render::new_table;
use crate::report::races::{more_races, race_details, race_heading, races_markdown, shown};
use crate::results::{Grade, PackageResult, Readiness};

const HEADER: [&str; 7] = [
    "interpreter",
    "wheel",
    "imported",
    "GIL after import",
    "smoke",
    "tests",
    "verdict",
];

fn colour(r: Readiness) -> Color {
    match r.grade() {
        Grade::Good => Color::Green,
        Grade::Caution => Color::Yellow,
        Grade::Bad => Color::Red,
    }
}

/// `cp313t` from `cp313-cp313t-linux_x86_64`; "—" without a wheel.
fn abi_tag(r: &PackageResult) -> String {
    r.build
        .tags
        .first()
        .and_then(|t| t.split('-').nth(1))
        .map(String::from)
        .unwrap_or_else(|| "—".into())
}

fn imported(r: &PackageResult) -> String {
    if !r.build.built {
        return "—".into();
    }
    let ok = r.modules.iter().filter(|m| m.imported).count();
    format!("{ok}/{}", r.modules.len())
}

fn gil_after(r: &PackageResult) -> String {
    if !r.build.built || r.modules.is_empty() {
        return "—".into();
    }
    if !r.free_threaded {
        return "on (GIL build)".into();
    }
    let reenabled: Vec<&str> = r
        .modules
        .iter()
        .filter(|m| m.reenabled_gil())
        .map(|m| m.module.as_str())
        .collect();
    match reenabled.as_slice() {
        [] => "off: Py_mod_gil declared".into(),
        names => format!("on: re-enabled by {}", names.join(", ")),
    }
}

fn smoke(r: &PackageResult) -> String {
    match &r.smoke {
        None => "—".into(),
        Some(s) if s.signal.is_some() => format!("signal {}", s.signal.unwrap_or(0)),
        Some(s) if !s.errors.is_empty() => {
            format!("{} of {} threads raised", s.errors.len(), s.threads)
        }
        Some(s) if s.exit_code != 0 => format!("exit {}", s.exit_code),
        Some(s) => format!("ok, {} threads", s.threads),
    }
}

fn cells(r: &PackageResult) -> [String; 7] {
    [
        r.interpreter.clone(),
        abi_tag(r),
        imported(r),
        gil_after(r),
        smoke(r),
        r.tests.as_ref().map_or_else(|| "—".into(), |t| t.summary()),
        r.readiness.words().into(),
    ]
}

/// The table with a title line, then why each interpreter that is not ready is not.
pub fn render_readiness(package: &str, results: &[PackageResult]) -> String {
    let width = console::Term::stdout().size_checked().map(|(_, cols)| cols);
    render_readiness_with(package, results, console::colors_enabled(), width)
}

fn render_readiness_with(
    package: &str,
    results: &[PackageResult],
    color: bool,
    width: Option<u16>,
) -> String {
    let mut table = new_table(color, width);
    table.set_header(HEADER);
    for r in results {
        let mut row: Vec<Cell> = cells(r).into_iter().map(Cell::new).collect();
        if let Some(last) = row.pop() {
            row.push(last.fg(colour(r.readiness)));
        }
        table.add_row(row);
    }
    let mut out = vec![format!("Extension readiness: {package}"), table.to_string()];
    if let Some(modules) = module_matrix(results, color, width) {
        out.push(modules);
    }
    for r in results {
        let mark = match r.readiness.grade() {
            Grade::Good => "✓",
            Grade::Caution => "◐",
            Grade::Bad => "✗",
        };
        out.push(format!("{mark} {}: {}", r.interpreter, r.why));
        if let Some(tsan) = &r.tsan {
            let (races, left_out) = shown(&tsan.races);
            for race in races {
                out.push(format!("  ⚡ {}", race_heading(race)));
                out.extend(race_details(race).iter().map(|l| format!("    {l}")));
            }
            out.extend(more_races(left_out).map(|m| format!("  {m}")));
        }
        if r.readiness == Readiness::FellBack {
            // The compiler's words pip hid: the first few of its errors.
            for line in r.build.compiler_errors.iter().take(5) {
                out.push(format!("  │ {line}"));
            }
        }
        for m in &r.modules {
            for w in &m.warnings {
                out.push(format!(
                    "  ⚠ {}: {}",
                    m.module,
                    w.lines().next().unwrap_or("")
                ));
            }
        }
    }
    out.join("\n")
}

/// One module on one interpreter, in a few words. Pure.
fn module_cell(r: &PackageResult, module: &str) -> String {
    let Some(m) = r.modules.iter().find(|m| m.module == module) else {
        return "—".into();
    };
    if let Some(sig) = m.signal {
        return format!("crashed (signal {sig})");
    }
    if !m.imported {
        let kind = m
            .error
            .as_deref()
            .and_then(|e| e.split(':').next())
            .unwrap_or("failed");
        return match &m.missing {
            Some(name) => format!("{kind} (needs {name})"),
            None => kind.to_string(),
        };
    }
    match (r.free_threaded, m.reenabled_gil()) {
        (true, true) => "GIL re-enabled".into(),
        (true, false) => "ok, GIL off".into(),
        (false, _) => "ok".into(),
    }
}

/// Modules down, interpreters across: what each import did. None when the
/// package has no more than one module (the readiness table says it all).
fn module_matrix(results: &[PackageResult], color: bool, width: Option<u16>) -> Option<String> {
    let mut modules: Vec<&str> = results
        .iter()
        .flat_map(|r| r.modules.iter().map(|m| m.module.as_str()))
        .collect();
    modules.sort();
    modules.dedup();
    if modules.len() < 2 {
        return None;
    }
    let mut table = new_table(color, width);
    table.set_header(
        std::iter::once("module").chain(results.iter().map(|r| r.interpreter.as_str())),
    );
    for module in modules {
        table.add_row(
            std::iter::once(module.to_string())
                .chain(results.iter().map(|r| module_cell(r, module))),
        );
    }
    Some(table.to_string())
}

/// The verdicts as a Markdown table with the reasons, for a pull request. Pure.
pub fn render_markdown(package: &str, results: &[PackageResult]) -> String {
    let mut out = format!(
        "### Extension readiness: {package}\n\n| {} | why |\n|",
        HEADER.join(" | ")
    );
    out.push_str(&"---|".repeat(HEADER.len() + 1));
    out.push('\n');
    for r in results {
        let mut row = cells(r);
        row[6] = format!("**{}**", row[6]);
        let why = r.why.replace('|', "\\|");
        out.push_str(&format!("| {} | {why} |\n", row.join(" | ")));
    }
    let ready = results
        .iter()
        .filter(|r| r.readiness == Readiness::Ready)
        .count();
    out.push_str(&format!("\n{ready} of {} builds ready.\n", results.len()));
    out.push_str(&races_markdown(results));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{BuildOutcome, ModuleCheck, SmokeOutcome};

    fn result(
        name: &str,
        ft: bool,
        gil_after: bool,
        readiness: Readiness,
        why: &str,
    ) -> PackageResult {
        PackageResult {
            interpreter: name.into(),
            free_threaded: ft,
            build: BuildOutcome {
                built: readiness != Readiness::BuildFails,
                tags: vec![format!(
                    "cp313-cp313{}-linux_x86_64",
                    if ft { "t" } else { "" }
                )],
                ..Default::default()
            },
            modules: vec![ModuleCheck {
                module: "pb._core".into(),
                imported: true,
                gil_before: Some(!ft),
                gil_after: Some(gil_after),
                warnings: if ft && gil_after {
                    vec![
                        "RuntimeWarning: The global interpreter lock (GIL) has been enabled".into(),
                    ]
                } else {
                    vec![]
                },
                ..Default::default()
            }],
            smoke: Some(SmokeOutcome {
                threads: 8,
                ..Default::default()
            }),
            tests: None,
            graph: None,
            tsan: None,
            readiness,
            why: why.into(),
        }
    }

    #[test]
    fn the_table_shows_tags_gil_and_verdicts() {
        let results = [
            result("3.13", false, true, Readiness::Ready, "1 module(s) import"),
            result(
                "3.13t",
                true,
                true,
                Readiness::NeedsGil,
                "pb._core re-enabled the GIL (no Py_mod_gil slot)",
            ),
        ];
        let text = render_readiness_with("pb-x 1.0", &results, false, None);
        assert!(text.starts_with("Extension readiness: pb-x 1.0"), "{text}");
        for needle in [
            "cp313t",
            "1/1",
            "on (GIL build)",
            "on: re-enabled by pb._core",
            "ok, 8 threads",
            "works with the GIL",
            "◐ 3.13t: pb._core re-enabled",
            "⚠ pb._core: RuntimeWarning",
        ] {
            assert!(text.contains(needle), "{needle}\n{text}");
        }
        let md = render_markdown("pb-x 1.0", &results);
        assert!(md.contains("| 3.13t | cp313t | 1/1 | on: re-enabled by pb._core | ok, 8 threads | — | **works with the GIL** |"), "{md}");
        assert!(md.contains("1 of 2 builds ready."), "{md}");
    }

    #[test]
    fn several_modules_get_a_matrix() {
        let mut a = result("3.13t", true, false, Readiness::ImportFails, "x");
        a.modules.push(ModuleCheck {
            module: "pb._extra".into(),
            error: Some("ModuleNotFoundError: No module named 'numpy'".into()),
            missing: Some("numpy".into()),
            ..Default::default()
        });
        let b = result("3.13", false, true, Readiness::Ready, "y");
        let text = module_matrix(&[b.clone(), a.clone()], false, None).unwrap();
        for needle in [
            "pb._core",
            "ok, GIL off",
            "ModuleNotFoundError (needs numpy)",
            "—",
        ] {
            assert!(text.contains(needle), "{needle}\n{text}");
        }
        assert!(
            module_matrix(&[b], false, None).is_none(),
            "one module: no matrix"
        );
    }

    #[test]
    fn failed_builds_show_dashes() {
        let r = result(
            "3.14",
            false,
            false,
            Readiness::BuildFails,
            "x.c:1: error: boom",
        );
        let [_, _, imported, gil, _, _, verdict] = cells(&r);
        assert_eq!(
            (imported.as_str(), gil.as_str(), verdict.as_str()),
            ("—", "—", "build fails")
        );
    }
}
