//! Memory beside time, in words and tables: the second table under a run's
//! time table (terminal and Markdown), the legend naming the sources as the
//! processes recorded them, and the memory per extra thread of a sweep.
//! Pure: a report in, text out.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

use super::format;
use super::table::{comparison_cells, comparison_table};
use crate::analysis::compare::{Band, Comparison, RowComparison, Verdict};
use crate::analysis::memory::{thread_slopes, RowMemory, Sources, ThreadSlope};
use crate::analysis::memory_pairs::memory_regressions;
use crate::analysis::significance::DEFAULT_ALPHA;
use crate::results::{Comparisons, ContainerSource, ProcessSource, Report};

const MIB: f64 = (1u64 << 20) as f64;

/// The title above the memory table.
pub(crate) const TITLE: &str = "Memory: peak resident set of the benchmark process";

pub(crate) const HEADERS: [&str; 7] = [
    "Interpreter",
    "Peak ± σ",
    "Ratio [95% CI]",
    "p",
    "Status",
    "Container",
    "Growth",
];

/// `215.6 MiB`.
pub(crate) fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / MIB)
}

/// `+1.3 MiB`, `−1.2 MiB`, `+12 KiB` below a MiB (a few pages), `0 KiB`.
pub(crate) fn signed_size(bytes: f64) -> String {
    let sign = if bytes < 0.0 { "−" } else { "+" };
    match bytes.abs() {
        b if b >= 0.95 * MIB => format!("{sign}{:.1} MiB", b / MIB),
        b if b >= 512.0 => format!("{sign}{:.0} KiB", b / 1024.0),
        _ => "0 KiB".into(),
    }
}

/// A memory ratio: three decimals, because memory's intervals are narrow
/// (an A/A pair is within ±2 %): `1.245× [1.243–1.247]`.
pub(crate) fn ratio_cell(c: &Comparison) -> String {
    match (c.ci_low, c.ci_high) {
        (Some(l), Some(h)) => format!("{:.3}× [{l:.3}–{h:.3}]", c.ratio),
        _ => format!("{:.3}×", c.ratio),
    }
}

/// `215.6 MiB ± 0.1`.
pub(crate) fn peak_cell(m: &RowMemory) -> String {
    format!("{} ± {:.1}", mib(m.summary.mean), m.summary.stddev / MIB)
}

/// The container's peak; `≤ X` when it was set before this benchmark.
pub(crate) fn container_cell(m: &RowMemory) -> String {
    match m.container {
        Some(c) if c.own => mib(c.mean),
        Some(c) => format!("≤ {}", mib(c.mean)),
        None => "—".into(),
    }
}

/// `+0.2 MiB (3 of 5 grew)`.
pub(crate) fn growth_cell(m: &RowMemory) -> String {
    match m.growth {
        Some(g) => format!("{} ({} of {} grew)", signed_size(g.mean), g.grew, g.of),
        None => "—".into(),
    }
}

/// The status word: the verdict of the ratio, or what the row lacks.
pub(crate) fn status_cell(m: &RowMemory) -> String {
    match m.comparison {
        Some(c) => c.verdict.words().to_string(),
        None => "no baseline".into(),
    }
}

/// What one row's figures are, in words.
pub(crate) fn sources_text(s: &Sources) -> String {
    let process = match (s.process, s.reset) {
        (Some(ProcessSource::ProcStatus), true) => {
            "VmHWM of /proc/self/status, reset before each value"
        }
        (Some(ProcessSource::ProcStatus), false) => {
            "VmHWM of /proc/self/status, since the process started"
        }
        (Some(ProcessSource::Getrusage), _) => {
            "ru_maxrss of getrusage, never reset (start-up and the exec'ing process included)"
        }
        (Some(ProcessSource::PyperfMaxRss), _) => "pyperf's mem_max_rss of each worker",
        (None, _) => "not recorded",
    };
    let container = match s.container {
        Some(ContainerSource::Cgroup1) => "cgroup v1 memory.max_usage_in_bytes",
        Some(ContainerSource::Cgroup2) => "cgroup v2 memory.peak",
        None => "not recorded",
    };
    let limit = match s.limit {
        Some(bytes) => format!("limit {:.0} MiB", bytes as f64 / MIB),
        None => "no limit".into(),
    };
    format!(
        "process: {process}; container: {container} (child processes, page cache, \
         kernel memory included; {limit})"
    )
}

/// The legend under the memory table: how to read it, and the sources as
/// recorded (one line when every row agrees, else one per row).
pub(crate) fn legend(comparisons: &[RowComparison], band: Band) -> Vec<String> {
    let mut lines = vec![format!(
        "memory ratio = peak / the baseline's peak at the same thread count, paired by round, \
         with its 95% interval; {} (lower is better: improved = less memory)",
        Verdict::rules(band, DEFAULT_ALPHA, None).replace("faster/slower", "less/more memory")
    )];
    let rows: Vec<(&str, &RowMemory)> = (comparisons.iter())
        .filter_map(|c| Some((c.label.as_str(), c.memory.as_ref()?)))
        .collect();
    let Some((_, first)) = rows.first() else {
        return vec![];
    };
    if rows.iter().all(|(_, m)| m.sources == first.sources) {
        lines.push(format!("sources: {}", sources_text(&first.sources)));
    } else {
        for (label, m) in &rows {
            lines.push(format!(
                "sources of {}: {}",
                format::one_line(label),
                sources_text(&m.sources)
            ));
        }
    }
    if rows
        .iter()
        .any(|(_, m)| m.container.is_some_and(|c| !c.own))
    {
        lines.push(
            "≤: the container's peak was reached before this benchmark (start-up or an \
             earlier benchmark of the same script), so it is an upper bound"
                .into(),
        );
    }
    lines
}

/// `3.14t: +243.0 KiB per extra thread [+210.1, +275.9] (1, 2, 4 threads, 15 processes)`.
pub(crate) fn slope_line(s: &ThreadSlope) -> String {
    let kib = |b: f64| format!("{:.1}", b / 1024.0);
    let interval = match (s.low, s.high) {
        (Some(l), Some(h)) => format!(" [{:+.1}, {:+.1}]", l / 1024.0, h / 1024.0),
        _ => String::new(),
    };
    let threads: Vec<String> = s.threads.iter().map(u32::to_string).collect();
    format!(
        "{}: {}{} KiB per extra thread{interval} ({} threads, {} processes)",
        format::one_line(&s.interpreter),
        if s.slope >= 0.0 { "+" } else { "−" },
        kib(s.slope.abs()),
        threads.join(", "),
        s.processes
    )
}

/// The lines on memory per extra thread, with their heading; none without a sweep.
pub(crate) fn slope_lines(report: &Report) -> Vec<String> {
    let slopes = thread_slopes(report);
    if slopes.is_empty() {
        return vec![];
    }
    let mut lines =
        vec!["memory per extra thread (least squares over every process, 95% interval):".into()];
    lines.extend(slopes.iter().map(|s| format!("  {}", slope_line(s))));
    lines
}

/// The memory per extra thread of a run of several benchmarks (the suite,
/// a script's named benchmarks) swept over threads: per interpreter, the
/// median of its benchmarks' slopes and their range. Each benchmark's own
/// slope, with its interval, is under its table. Empty without a sweep.
pub fn suite_slopes(parts: &[(String, Report)]) -> Vec<String> {
    let mut by_interpreter: Vec<(String, Vec<f64>)> = vec![];
    for (_, report) in parts {
        for s in thread_slopes(report) {
            match by_interpreter.iter_mut().find(|(n, _)| *n == s.interpreter) {
                Some((_, slopes)) => slopes.push(s.slope),
                None => by_interpreter.push((s.interpreter, vec![s.slope])),
            }
        }
    }
    if by_interpreter.is_empty() {
        return vec![];
    }
    let kib = |b: f64| format!("{:+.1}", b / 1024.0);
    let mut lines = vec![format!(
        "memory per extra thread over the {} benchmarks (median of each benchmark's slope, \
         its range; KiB):",
        parts.len()
    )];
    for (name, mut slopes) in by_interpreter {
        slopes.sort_by(f64::total_cmp);
        let n = slopes.len();
        let median = match n % 2 {
            1 => slopes[n / 2],
            _ => (slopes[n / 2 - 1] + slopes[n / 2]) / 2.0,
        };
        lines.push(format!(
            "  {}: {} ({} … {}, {n} benchmarks)",
            format::one_line(&name),
            kib(median),
            kib(slopes[0]),
            kib(slopes[n - 1])
        ));
    }
    lines
}

/// The cells of one row of the memory table.
pub(crate) fn cells(label: &str, m: &RowMemory) -> [String; 7] {
    let (ratio, p) = match m.comparison {
        Some(c) => (
            ratio_cell(&c),
            c.p_value.map_or("—".into(), format::p_value),
        ),
        None => ("—".into(), "—".into()),
    };
    [
        format::one_line(label),
        peak_cell(m),
        ratio,
        p,
        status_cell(m),
        container_cell(m),
        growth_cell(m),
    ]
}

/// The memory table for the terminal, its title and legend; `None` when no
/// row recorded memory (files from before it was measured).
pub fn render(report: &Report, comparisons: &[RowComparison], color: bool) -> Option<String> {
    comparisons.iter().find(|c| c.memory.is_some())?;
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(HEADERS);
    if !color {
        table.force_no_tty();
    }
    for rc in comparisons {
        match &rc.memory {
            Some(m) => table.add_row(cells(&rc.label, m).map(Cell::new)),
            None => table.add_row(
                [format::one_line(&rc.label), "—".into()]
                    .into_iter()
                    .chain(std::iter::repeat_n("—".to_string(), 5))
                    .map(Cell::new),
            ),
        };
    }
    for column in [1, 2, 3, 5, 6] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let dim = |text: String| match color {
        true => console::Style::new()
            .dim()
            .force_styling(true)
            .apply_to(text)
            .to_string(),
        false => text,
    };
    let title = match color {
        true => console::Style::new()
            .bold()
            .force_styling(true)
            .apply_to(TITLE)
            .to_string(),
        false => TITLE.to_string(),
    };
    let mut out = vec![title, table.to_string()];
    out.extend(legend(comparisons, report.band()).into_iter().map(dim));
    out.extend(slope_lines(report).into_iter().map(dim));
    Some(out.join("\n") + "\n")
}

/// `compare`'s memory table under its time table: each configuration's
/// peak in A and in B, B / A with its interval and status; empty when no
/// configuration recorded memory.
pub fn render_compare(c: &Comparisons) -> String {
    if c.rows.iter().all(|p| p.memory.is_none()) {
        return String::new();
    }
    let size = |m: Option<f64>| m.map_or("—".into(), mib);
    let rows = c.rows.iter().filter_map(|p| {
        let m = p.memory.as_ref()?;
        let found = (m.comparison.as_ref()).map(|c| (ratio_cell(c), c.p_value, c.verdict));
        let [ratio, pv, status] = comparison_cells(found, "not on both sides");
        Some([
            p.label.clone(),
            size(m.mean_a),
            size(m.mean_b),
            ratio,
            pv,
            status,
        ])
    });
    let table = comparison_table(
        [
            "Memory",
            "Peak A",
            "Peak B",
            "B / A [95% CI]",
            "p",
            "Status",
        ],
        rows.collect(),
    );
    let how = match c.runs_a == 1 && c.runs_b == 1 {
        true => "each process's peak an observation (Welch)",
        false => "one level per run, its processes' geometric mean (Student's t on the runs)",
    };
    format!(
        "{table}\npeak memory of the benchmark process, B / A as measured ({how}); \
         above 1 is more memory in B (degraded)\n"
    )
}

/// `--fail-on-memory-regression PCT`: the configurations using significantly
/// more memory in B by more than `percent` %, each named (with its
/// benchmark when there are several).
pub fn memory_gate(all: &[Comparisons], percent: f64) -> Vec<String> {
    let several = all.len() > 1;
    all.iter()
        .flat_map(|c| {
            memory_regressions(&c.rows, percent)
                .into_iter()
                .filter_map(move |p| {
                    let change = p.memory.as_ref()?.comparison?.change * 100.0;
                    Some(match several {
                        false => format!("{} {change:+.1}%", p.label),
                        true => format!("{} {} {change:+.1}%", c.benchmark, p.label),
                    })
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::compare_rows;
    use crate::report::fixture;

    #[test]
    fn the_table_has_every_row_its_ratio_and_the_sources_as_recorded() {
        let report = fixture::report_with_memory();
        let text = render(&report, &compare_rows(&report), false).unwrap();
        assert!(text.starts_with(TITLE), "{text}");
        for header in HEADERS {
            assert!(text.contains(header), "{header}: {text}");
        }
        assert!(text.contains("15.5 MiB ± 0.0"), "{text}");
        assert!(text.contains("19.3 MiB"), "{text}");
        assert!(text.contains("1.245× ["), "{text}");
        assert!(
            text.contains("degraded") && text.contains("improved"),
            "{text}"
        );
        assert!(text.contains("21.5 MiB"), "container: {text}");
        assert!(text.contains("(5 of 5 grew)"), "{text}");
        assert!(
            text.contains(
                "sources: process: VmHWM of /proc/self/status, reset before each value; \
                 container: cgroup v1 memory.max_usage_in_bytes"
            ),
            "{text}"
        );
        assert!(text.contains("limit 4096 MiB"), "{text}");
        assert!(text.contains("less/more memory"), "{text}");
        assert!(!text.contains("per extra thread"), "no sweep: {text}");
        assert!(render(&fixture::report(), &compare_rows(&fixture::report()), false).is_none());
    }

    #[test]
    fn the_legend_states_the_band_the_verdicts_used() {
        let mut report = fixture::report_with_memory();
        report.band = Some(0.02);
        let text = render(&report, &compare_rows(&report), false).unwrap();
        assert!(text.contains(">2% less/more memory"), "{text}");
        assert!(!text.contains("10%"), "{text}");
    }

    #[test]
    fn rows_that_differ_in_sources_are_named_and_an_earlier_peak_is_an_upper_bound() {
        let mut report = fixture::report_with_memory();
        for s in &mut report.rows[0].samples {
            let m = s.memory.as_mut().unwrap();
            m.process_source = Some(ProcessSource::PyperfMaxRss);
            m.container_peak_start = m.container_peak;
        }
        let text = render(&report, &compare_rows(&report), false).unwrap();
        assert!(
            text.contains("sources of system: process: pyperf's mem_max_rss"),
            "{text}"
        );
        assert!(text.contains("sources of 3.13: process: VmHWM"), "{text}");
        assert!(text.contains("≤ 16.4 MiB"), "{text}");
        assert!(text.contains("upper bound"), "{text}");
    }

    #[test]
    fn a_sweep_adds_its_memory_per_extra_thread() {
        let mut report = fixture::report_with_memory();
        let mut two = report.rows[2].clone();
        report.rows[2].threads = Some(1);
        two.threads = Some(2);
        for s in two.samples.iter_mut() {
            let m = s.memory.as_mut().unwrap();
            m.peak_values = vec![m.peak_values[0].map(|b| b + 300 * 1024)];
            m.process_peak = m.peak_values[0];
        }
        report.rows.push(two);
        let text = render(&report, &compare_rows(&report), false).unwrap();
        assert!(
            text.contains("3.13t: +300.0 KiB per extra thread ["),
            "{text}"
        );
        assert!(text.contains("(1, 2 threads, 10 processes)"), "{text}");
    }

    /// One side of a comparison: the fixture with every peak times `factor`.
    fn side(factor: f64) -> Report {
        let mut r = fixture::report_with_memory();
        for row in &mut r.rows {
            for (i, s) in row.samples.iter_mut().enumerate() {
                let m = s.memory.as_mut().unwrap();
                let peak = (m.peak_values[0].unwrap() as f64 * factor) as u64;
                *m = fixture::memory(peak + 4096 * (i as u64 % 3), 6 << 20);
            }
        }
        r
    }

    fn comparisons(factor: f64) -> crate::results::Comparisons {
        let (a, b) = (side(1.0), side(factor));
        crate::results::Comparisons {
            measure: Default::default(),
            band: None,
            benchmark: "gil".into(),
            a: "a.json".into(),
            b: "b.json".into(),
            runs_a: 1,
            runs_b: 1,
            normalized: true,
            rows: crate::analysis::pairing::pair_reports(&a, &b, Band::DEFAULT),
            only_in_a: vec![],
            only_in_b: vec![],
            scaling: vec![],
        }
    }

    #[test]
    fn compare_shows_memory_and_gates_on_it() {
        let c = comparisons(1.3);
        let text = render_compare(&c);
        assert!(text.contains("│ Memory"), "{text}");
        let ft = text.lines().find(|l| l.starts_with("│ 3.13t ")).unwrap();
        assert!(ft.contains("19.3 MiB") && ft.contains("25.1 MiB"), "{ft}");
        assert!(ft.contains("1.300× [") && ft.contains("degraded"), "{ft}");
        let gate = memory_gate(std::slice::from_ref(&c), 20.0);
        assert_eq!(gate.len(), 3, "{gate:?}");
        assert!(gate.iter().any(|g| g == "3.13t +30.0%"), "{gate:?}");
        assert!(memory_gate(std::slice::from_ref(&c), 40.0).is_empty());
        let same = comparisons(1.0);
        assert!(memory_gate(&[same], 1.0).is_empty());
        let mut old = c;
        old.rows.iter_mut().for_each(|p| p.memory = None);
        assert_eq!(render_compare(&old), "");
    }

    #[test]
    fn a_suite_sweep_gets_the_median_slope_of_its_benchmarks() {
        let part = |per_thread: u64| {
            let mut report = fixture::report_with_memory();
            report.rows.truncate(3);
            let mut two = report.rows[2].clone();
            report.rows[2].threads = Some(1);
            two.threads = Some(2);
            for s in two.samples.iter_mut() {
                let m = s.memory.as_mut().unwrap();
                m.peak_values = vec![m.peak_values[0].map(|b| b + per_thread)];
                m.process_peak = m.peak_values[0];
            }
            report.rows.push(two);
            report
        };
        let parts = vec![
            ("a".to_string(), part(100 * 1024)),
            ("b".to_string(), part(300 * 1024)),
            ("c".to_string(), part(200 * 1024)),
        ];
        let lines = suite_slopes(&parts);
        assert!(lines[0].contains("over the 3 benchmarks"), "{lines:?}");
        assert_eq!(lines[1], "  3.13t: +200.0 (+100.0 … +300.0, 3 benchmarks)");
        assert!(suite_slopes(&[("a".into(), fixture::report_with_memory())]).is_empty());
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(mib(215.6 * MIB), "215.6 MiB");
        assert_eq!(signed_size(-1.24 * MIB), "−1.2 MiB");
        assert_eq!(signed_size(12288.0), "+12 KiB");
        assert_eq!(signed_size(-4096.0), "−4 KiB");
        assert_eq!(signed_size(100.0), "0 KiB");
        assert_eq!(signed_size(0.3 * MIB), "+307 KiB");
    }
}
