//! Many named benchmarks (pyperformance's) at once: one line per benchmark,
//! one column per configuration, each cell the ratio to that row's baseline
//! with a mark for its verdict, and a last line with the geometric mean of
//! the ratios per configuration. Pure.

use comfy_table::{presets, Cell, CellAlignment, Table};

use crate::analysis::compare::{compare_rows, Verdict};
use crate::results::Report;

/// The mark after a ratio: the verdict in one character, a space before it.
fn mark(v: Verdict) -> String {
    match v.mark() {
        "" => String::new(),
        m => format!(" {m}"),
    }
}

/// Per configuration label: every benchmark's ratio (None where it did not run).
fn ratios(parts: &[(String, Report)], labels: &[String]) -> Vec<Vec<Option<(f64, Verdict)>>> {
    parts
        .iter()
        .map(|(_, report)| {
            let rows = compare_rows(report);
            labels
                .iter()
                .map(|label| {
                    let rc = rows.iter().find(|r| &r.label == label)?;
                    rc.comparison.map(|c| (c.ratio, c.verdict))
                })
                .collect()
        })
        .collect()
}

/// exp(mean(ln r)) of the ratios that exist; None when there are none.
pub fn geometric_mean(xs: &[f64]) -> Option<f64> {
    let logs: Vec<f64> = xs.iter().filter(|x| **x > 0.0).map(|x| x.ln()).collect();
    (!logs.is_empty()).then(|| (logs.iter().sum::<f64>() / logs.len() as f64).exp())
}

/// The table, the legend and, per configuration, how many benchmarks were
/// significantly faster or slower.
pub fn render(parts: &[(String, Report)]) -> String {
    let Some((_, first)) = parts.first() else {
        return String::new();
    };
    let labels: Vec<String> = first.rows.iter().map(|r| r.label()).collect();
    let cells = ratios(parts, &labels);
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .force_no_tty();
    let mut header = vec![Cell::new("Benchmark")];
    header.extend(labels.iter().map(Cell::new));
    table.set_header(header);
    for ((name, _), row) in parts.iter().zip(&cells) {
        let mut line = vec![Cell::new(name)];
        line.extend(row.iter().map(|c| match c {
            Some((ratio, v)) => Cell::new(format!("{ratio:.2}×{}", mark(*v))),
            None => Cell::new("—"),
        }));
        table.add_row(line);
    }
    let column = |i: usize| cells.iter().filter_map(move |row| row[i]);
    let mut geo = vec![Cell::new("geometric mean")];
    let mut counts = vec![];
    for (i, label) in labels.iter().enumerate() {
        let rs: Vec<f64> = column(i).map(|(r, _)| r).collect();
        geo.push(Cell::new(
            geometric_mean(&rs).map_or("—".into(), |g| format!("{g:.3}×")),
        ));
        let count = |v: Verdict| column(i).filter(|(_, x)| *x == v).count();
        if column(i).any(|(_, v)| v != Verdict::Baseline) {
            counts.push(format!(
                "{label}: {} faster, {} slower, {} {}, {} {}, of {}",
                count(Verdict::Improved),
                count(Verdict::Degraded),
                count(Verdict::Similar),
                Verdict::Similar.words(),
                count(Verdict::NotDistinguishable),
                Verdict::NotDistinguishable.words(),
                rs.len()
            ));
        }
    }
    table.add_row(geo);
    for i in 1..=labels.len() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!(
        "{table}\nratio to each row's baseline ({}); {}\n{}\n",
        first.baseline,
        Verdict::marks_legend(first.band()),
        counts.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn geometric_mean_of_known_ratios() {
        assert!((geometric_mean(&[0.5, 2.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((geometric_mean(&[1.1, 1.1, 1.1]).unwrap() - 1.1).abs() < 1e-12);
        assert_eq!(geometric_mean(&[]), None);
    }

    #[test]
    fn one_line_per_benchmark_and_the_geometric_mean() {
        let a = fixture::report();
        let mut b = a.clone();
        for row in b.rows.iter_mut().filter(|r| r.interpreter == "system") {
            for s in &mut row.samples {
                s.seconds *= 2.0;
            }
        }
        let text = render(&[("nbody".into(), a), ("float".into(), b)]);
        assert!(text.contains("│ nbody"), "{text}");
        assert!(text.contains("│ float"), "{text}");
        // system: 1.04× in one, 2.09× in the other: geometric mean 1.476×.
        assert!(text.contains("1.476×"), "{text}");
        assert!(
            text.contains("system: 0 faster, 1 slower, 1 similar"),
            "{text}"
        );
        assert!(text.contains("—"), "the failed rows have no ratio: {text}");
    }
}
