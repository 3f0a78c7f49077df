//! The extension matrix as a terminal table. Pure.

use console::style;

use super::verdict::CheckResult;

/// The matrix as a terminal table. Pure.
pub fn render_matrix(results: &[CheckResult]) -> String {
    let header = [
        "module",
        "built for",
        "loaded by",
        "imported",
        "greet(\"pybench\")",
        "GIL after",
        "result",
    ];
    let rows: Vec<[String; 7]> = results
        .iter()
        .map(|r| {
            let loaded = if r.check.env.is_empty() {
                r.check.interpreter.clone()
            } else {
                format!(
                    "{} {}",
                    r.check.interpreter,
                    r.check
                        .env
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            };
            [
                r.check.output.clone(),
                r.check.built_for.clone(),
                loaded,
                if r.imported {
                    "yes".into()
                } else {
                    "no".into()
                },
                r.greet.clone().unwrap_or_else(|| "—".into()),
                match r.gil_after {
                    Some(true) => "enabled".into(),
                    Some(false) => "disabled".into(),
                    None => "n/a".into(),
                },
                format!("{} {}", if r.passed { "✓" } else { "✗" }, r.verdict),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| console::measure_text_width(&r[i]))
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..7).map(width).collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "{}{}",
                    c,
                    " ".repeat(widths[i] - console::measure_text_width(c))
                )
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![
        line(&header.map(String::from)),
        widths
            .iter()
            .map(|w| "─".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    ];
    for (r, cells) in results.iter().zip(&rows) {
        let l = line(cells);
        out.push(if console::colors_enabled() {
            if r.passed {
                l
            } else {
                style(l).red().to_string()
            }
        } else {
            l
        });
        for w in &r.warnings {
            out.push(format!("    ⚠ {}", w.lines().next().unwrap_or("")));
        }
    }
    out.join("\n")
}
