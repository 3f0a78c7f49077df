//! Many named benchmarks (pyperformance's) at once: one line per benchmark,
//! one column per configuration, each cell the ratio to that row's baseline
//! with a mark for its verdict, and a last line with the geometric mean of
//! the ratios per configuration. Pure.
//!
//! Memory gets the same matrix under time's when the processes recorded it:
//! each benchmark's peak-memory ratio to the same baseline, and per
//! configuration the geometric mean of those ratios: with time's, the two
//! figures PEP 779 judges free threading by.

use comfy_table::{presets, Cell, CellAlignment, Table};

use crate::analysis::compare::{compare_rows, Comparison, RowComparison, Verdict};
use crate::results::{Measure, Report, CYCLE_MODEL};

/// The mark after a ratio: the verdict in one character, a space before it.
fn mark(v: Verdict) -> String {
    match v.mark() {
        "" => String::new(),
        m => format!(" {m}"),
    }
}

/// Which figure a matrix shows: time's comparison or memory's.
type Figure = fn(&RowComparison) -> Option<Comparison>;

fn time(rc: &RowComparison) -> Option<Comparison> {
    rc.comparison
}

fn memory(rc: &RowComparison) -> Option<Comparison> {
    rc.memory.as_ref()?.comparison
}

/// Per configuration label: every benchmark's ratio (None where it did not run).
fn ratios(
    compared: &[Vec<RowComparison>],
    labels: &[String],
    figure: Figure,
) -> Vec<Vec<Option<(f64, Verdict)>>> {
    compared
        .iter()
        .map(|rows| {
            labels
                .iter()
                .map(|label| {
                    let rc = rows.iter().find(|r| &r.label == label)?;
                    figure(rc).map(|c| (c.ratio, c.verdict))
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

/// The time matrix, and memory's under it when recorded: each with its
/// legend and, per configuration, how many benchmarks were significantly
/// better or worse; then both geometric means side by side.
pub fn render(parts: &[(String, Report)]) -> String {
    let Some((_, first)) = parts.first() else {
        return String::new();
    };
    let labels: Vec<String> = first.rows.iter().map(|r| r.label()).collect();
    let compared: Vec<Vec<RowComparison>> = parts.iter().map(|(_, r)| compare_rows(r)).collect();
    let words = words_of(first.measure);
    let (table, time_geo) = matrix(parts, &labels, &ratios(&compared, &labels, time), words);
    let what = match first.measure {
        Measure::Time => String::new(),
        m => format!(" in {} per loop", m.unit()),
    };
    let mut out = format!(
        "{table}ratio{what} to each row's baseline ({}); {}\n",
        first.baseline,
        match first.measure {
            Measure::Time => Verdict::marks_legend(first.band()),
            _ => Verdict::marks_legend_in(first.band(), words.better_legend, "more"),
        }
    );
    if first.measure == Measure::EstimatedCycles {
        out += &format!("{CYCLE_MODEL}\n");
    }
    let cells = ratios(&compared, &labels, memory);
    if cells.iter().flatten().any(Option::is_some) {
        let (table, memory_geo) = matrix(parts, &labels, &cells, MEMORY);
        out += &format!(
            "\nPeak memory of each benchmark's worker processes (pyperf's mem_max_rss)\n\
             {table}memory ratio to each row's baseline; + less memory by >{p}, − more by >{p}\n",
            p = first.band().percent()
        );
        out += "geometric means against each row's baseline (time · memory):\n";
        for ((label, t), m) in labels.iter().zip(&time_geo).zip(&memory_geo) {
            if t.is_some() || m.is_some() {
                let show = |g: &Option<f64>| g.map_or("—".into(), |g| format!("{g:.3}×"));
                out += &format!("  {label}: time {} · memory {}\n", show(t), show(m));
            }
        }
    }
    out
}

/// How a matrix counts its verdicts.
#[derive(Clone, Copy)]
struct Words {
    better: &'static str,
    worse: &'static str,
    /// How the legend says `better`.
    better_legend: &'static str,
}

const TIME: Words = Words {
    better: "faster",
    worse: "slower",
    better_legend: "faster",
};
const INSTRUCTIONS: Words = Words {
    better: "with fewer instructions",
    worse: "with more",
    better_legend: "fewer instructions",
};
const CYCLES: Words = Words {
    better: "with fewer estimated cycles",
    worse: "with more",
    better_legend: "fewer estimated cycles",
};

/// How a matrix of `measure` counts its verdicts.
fn words_of(measure: Measure) -> Words {
    match measure {
        Measure::Time => TIME,
        Measure::Instructions => INSTRUCTIONS,
        Measure::EstimatedCycles => CYCLES,
    }
}

const MEMORY: Words = Words {
    better: "with less memory",
    worse: "with more",
    better_legend: "less memory",
};

/// One matrix with its geometric-mean line and verdict counts, and the
/// geometric mean per configuration.
fn matrix(
    parts: &[(String, Report)],
    labels: &[String],
    cells: &[Vec<Option<(f64, Verdict)>>],
    words: Words,
) -> (String, Vec<Option<f64>>) {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .force_no_tty();
    let mut header = vec![Cell::new("Benchmark")];
    header.extend(labels.iter().map(Cell::new));
    table.set_header(header);
    for ((name, _), row) in parts.iter().zip(cells) {
        let mut line = vec![Cell::new(name)];
        line.extend(row.iter().map(|c| match c {
            Some((ratio, v)) => Cell::new(format!("{ratio:.2}×{}", mark(*v))),
            None => Cell::new("—"),
        }));
        table.add_row(line);
    }
    let column = |i: usize| cells.iter().filter_map(move |row| row[i]);
    let mut geo = vec![Cell::new("geometric mean")];
    let mut means = vec![];
    let mut counts = vec![];
    for (i, label) in labels.iter().enumerate() {
        let rs: Vec<f64> = column(i).map(|(r, _)| r).collect();
        let mean = geometric_mean(&rs);
        geo.push(Cell::new(mean.map_or("—".into(), |g| format!("{g:.3}×"))));
        means.push(mean);
        let count = |v: Verdict| column(i).filter(|(_, x)| *x == v).count();
        if column(i).any(|(_, v)| v != Verdict::Baseline) {
            counts.push(format!(
                "{label}: {} {}, {} {}, {} {}, {} {}, of {}",
                count(Verdict::Improved),
                words.better,
                count(Verdict::Degraded),
                words.worse,
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
    (format!("{table}\n{}\n", counts.join("\n")), means)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn counted_matrices_say_their_unit_and_the_model() {
        let mut a = fixture::report();
        a.measure = Measure::Instructions;
        let text = render(&[("nbody".into(), a.clone())]);
        assert!(text.contains("ratio in instructions per loop"), "{text}");
        assert!(text.contains("with fewer instructions"), "{text}");
        assert!(!text.contains("faster"), "{text}");
        a.measure = Measure::EstimatedCycles;
        let text = render(&[("nbody".into(), a)]);
        assert!(text.contains("with fewer estimated cycles"), "{text}");
        assert!(text.contains("are a model"), "{text}");
    }

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

    #[test]
    fn memory_gets_its_matrix_and_its_geometric_mean_beside_times() {
        let a = fixture::report_with_memory();
        let mut b = a.clone();
        for row in b.rows.iter_mut().filter(|r| r.interpreter == "3.13t") {
            for s in &mut row.samples {
                let m = s.memory.as_mut().unwrap();
                let peak = m.peak_values[0].unwrap() * 2;
                *m = fixture::memory(peak, 1 << 20);
            }
        }
        let text = render(&[("nbody".into(), a), ("float".into(), b)]);
        let (time, memory) = text.split_once("Peak memory of each").unwrap();
        assert!(time.contains("0.30× +"), "{text}");
        // 3.13t: 19.3/15.5 = 1.245× in one, twice that in the other: 1.761×.
        assert!(
            memory.contains("1.25× −") && memory.contains("2.49× −"),
            "{text}"
        );
        assert!(
            memory.contains("3.13t: 0 with less memory, 2 with more"),
            "{text}"
        );
        assert!(
            memory.contains("  3.13t: time 0.302× · memory 1.761×"),
            "{text}"
        );
        assert!(!render(&[("nbody".into(), fixture::report())]).contains("memory"));
    }
}
