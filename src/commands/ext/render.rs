//! The extension matrix as a terminal table, drawn by comfy-table.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table, Width};

use crate::results::CheckResult;

const HEADER: [&str; 7] = [
    "module",
    "built for",
    "loaded by",
    "imported",
    "greet(\"pybench\")",
    "GIL after",
    "result",
];

/// Columns that never wrap: the file name, whose break would mislead, and
/// the short fixed words.
const NO_WRAP: [bool; 7] = [true, true, false, true, false, true, false];

/// The matrix as a terminal table: failed checks in red if colors are
/// enabled, fitted to the width of stdout if it is a terminal.
pub fn render_matrix(results: &[CheckResult]) -> String {
    let width = console::Term::stdout()
        .size_checked()
        .map(|(_rows, cols)| cols);
    render_matrix_with(results, console::colors_enabled(), width)
}

/// The matrix, then each check's warnings (first line) below it. With
/// `color`, failed rows are red; with a `width`, long cells wrap. Pure.
fn render_matrix_with(results: &[CheckResult], color: bool, width: Option<u16>) -> String {
    let rows: Vec<[String; 7]> = results.iter().map(row_cells).collect();
    let mut table = new_table(color, width);
    table.set_header(HEADER);
    table.set_constraints(constraints(&rows));
    for (r, cells) in results.iter().zip(rows) {
        table.add_row(cells.map(|text| {
            let cell = Cell::new(text);
            if r.passed {
                cell
            } else {
                cell.fg(Color::Red)
            }
        }));
    }
    let mut out = vec![table.to_string()];
    for r in results {
        for w in &r.warnings {
            out.push(format!(
                "⚠ {} under {}: {}",
                r.check.output,
                loaded_by(r),
                w.lines().next().unwrap_or("")
            ));
        }
    }
    out.join("\n")
}

/// How narrow each column may get: the `NO_WRAP` columns keep their
/// content width, the others wrap between words but never inside one.
fn constraints(rows: &[[String; 7]]) -> Vec<ColumnConstraint> {
    (0..HEADER.len())
        .map(|i| {
            if NO_WRAP[i] {
                return ColumnConstraint::ContentWidth;
            }
            let longest_word = rows
                .iter()
                .map(|r| r[i].as_str())
                .chain([HEADER[i]])
                .flat_map(str::split_whitespace)
                .map(console::measure_text_width)
                .max()
                .unwrap_or(0);
            // The boundary includes the padding, one space either side.
            let fixed = u16::try_from(longest_word + 2).unwrap_or(u16::MAX);
            ColumnConstraint::LowerBoundary(Width::Fixed(fixed))
        })
        .collect()
}

/// A rounded box table that styles only when `color` and never asks the
/// terminal anything itself (so rendering stays pure).
pub(super) fn new_table(color: bool, width: Option<u16>) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(ContentArrangement::Dynamic)
        .force_no_tty();
    if color {
        table.enforce_styling();
    }
    if let Some(w) = width {
        table.set_width(w);
    }
    table
}

/// The interpreter and the environment it ran with, e.g. `python3.13t PYTHON_GIL=0`.
fn loaded_by(r: &CheckResult) -> String {
    std::iter::once(r.check.interpreter.clone())
        .chain(r.check.env.iter().map(|(k, v)| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One check's cells, in the order of `HEADER`.
fn row_cells(r: &CheckResult) -> [String; 7] {
    [
        r.check.output.clone(),
        r.check.built_for.clone(),
        loaded_by(r),
        if r.imported { "yes" } else { "no" }.into(),
        r.greet.clone().unwrap_or_else(|| "—".into()),
        match r.gil_after {
            Some(true) => "enabled",
            Some(false) => "disabled",
            None => "n/a",
        }
        .into(),
        format!("{} {}", if r.passed { "✓" } else { "✗" }, r.verdict),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Expect, ImportCheck};

    fn check(output: &str, env: &[(&str, &str)], passed: bool, verdict: &str) -> CheckResult {
        CheckResult {
            check: ImportCheck {
                output: output.into(),
                module: "greeter".into(),
                built_for: "3.13t".into(),
                interpreter: "python3.13t".into(),
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                expect: Expect::Works,
            },
            compiled: true,
            imported: passed,
            greet: passed.then(|| "Hello, pybench!".into()),
            gil_after: passed.then_some(false),
            warnings: vec![],
            error: None,
            exit_code: if passed { 0 } else { 1 },
            passed,
            verdict: verdict.into(),
        }
    }

    /// The trimmed cell texts of each line that is a table row (header included).
    fn rows(rendered: &str) -> Vec<Vec<String>> {
        rendered
            .lines()
            .filter(|l| l.starts_with('│'))
            .map(|l| {
                l.trim_matches('│')
                    .split('┆')
                    .map(|c| c.trim().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rows_keep_the_column_order_and_cell_texts() {
        let results = [
            check("3.13t-greeter_ft.so", &[("PYTHON_GIL", "0")], true, "works"),
            check("3.13-greeter_jit.so", &[], false, "not compiled"),
        ];
        let r = render_matrix_with(&results, false, None);
        let rows = rows(&r);
        assert_eq!(rows[0], HEADER);
        let expected_first = [
            "3.13t-greeter_ft.so",
            "3.13t",
            "python3.13t PYTHON_GIL=0",
            "yes",
            "Hello, pybench!",
            "disabled",
            "✓ works",
        ];
        assert_eq!(rows[1], expected_first);
        let expected_second = [
            "3.13-greeter_jit.so",
            "3.13t",
            "python3.13t",
            "no",
            "—",
            "n/a",
            "✗ not compiled",
        ];
        assert_eq!(rows[2], expected_second);
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn the_box_has_round_corners_and_one_line_per_row_without_a_width() {
        let results = [check("a.so", &[], true, "works")];
        let r = render_matrix_with(&results, false, None);
        let lines: Vec<&str> = r.lines().collect();
        // Top border, header, separator, one row, bottom border.
        assert_eq!(lines.len(), 5, "{r}");
        assert!(lines[0].starts_with('╭') && lines[0].ends_with('╮'), "{r}");
        assert!(lines[4].starts_with('╰') && lines[4].ends_with('╯'), "{r}");
        // Every line of the box is equally wide.
        let widths: Vec<usize> = lines
            .iter()
            .map(|l| console::measure_text_width(l))
            .collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}");
    }

    #[test]
    fn a_known_width_wraps_long_cells_to_fit() {
        let long = "GIL re-enabled, expected it to stay off, and more words to wrap";
        let results = [check(
            "3.13t-greeter_threaded_v1.so",
            &[("PYTHON_GIL", "0")],
            false,
            long,
        )];
        let wide = render_matrix_with(&results, false, None);
        assert!(console::measure_text_width(wide.lines().next().unwrap()) > 120);
        let r = render_matrix_with(&results, false, Some(120));
        assert!(
            r.lines().all(|l| console::measure_text_width(l) <= 120),
            "{r}"
        );
        assert!(r.lines().count() > 5, "something wrapped:\n{r}");
        // Words wrap whole, and the file name not at all.
        let kept = [
            "3.13t-greeter_threaded_v1.so",
            "python3.13t",
            "PYTHON_GIL=0",
        ];
        for word in long.split(' ').chain(kept) {
            assert!(r.contains(word), "{word} in\n{r}");
        }
    }

    #[test]
    fn only_failed_rows_are_red_and_only_with_colors() {
        let results = [
            check("good.so", &[], true, "works"),
            check("bad.so", &[], false, "import failed: ImportError"),
        ];
        let plain = render_matrix_with(&results, false, None);
        assert!(!plain.contains('\x1b'), "{plain}");
        let colored = render_matrix_with(&results, true, None);
        let line = |name: &str| colored.lines().find(|l| l.contains(name)).unwrap();
        assert!(!line("good.so").contains('\x1b'), "{colored}");
        assert!(line("bad.so").contains("\x1b[38;5;9m"), "{colored}");
    }

    #[test]
    fn warnings_follow_the_table_first_line_only() {
        let mut r = check("3.13t-greeter_threaded_v1.so", &[], true, "GIL re-enabled");
        r.warnings = vec!["RuntimeWarning: The GIL has been enabled\n  import greeter".into()];
        let out = render_matrix_with(&[r], false, None);
        let last = out.lines().last().unwrap();
        assert_eq!(
            last,
            "⚠ 3.13t-greeter_threaded_v1.so under python3.13t: \
             RuntimeWarning: The GIL has been enabled"
        );
        assert!(!out.contains("import greeter"), "{out}");
    }
}
