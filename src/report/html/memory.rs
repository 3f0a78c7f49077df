//! Memory on a run's card, beside its time: each configuration's peak
//! memory (bar at the mean, whisker from the lowest to the highest process)
//! with its ratio to the baseline coloured by verdict, memory against
//! threads for a sweep, the numbers, and the sources as recorded. Pure.

use super::charts::{ratio_chart, trend_chart, verdict_colour, verdict_words, RatioRow};
use super::escape;
use super::svg::{linear_ticks, text_width, tick_label, Anchor, Linear, Paint, Svg};
use crate::analysis::compare::RowComparison;
use crate::analysis::memory::{peaks, thread_slopes, RowMemory};
use crate::report::documents::History;
use crate::report::memory as words;
use crate::results::{Comparisons, Report};

const MIB: f64 = (1u64 << 20) as f64;
const WIDTH: f64 = 760.0;
const ROW: f64 = 22.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 34.0;
/// Colours of the lines of a sweep, one per interpreter (Okabe–Ito).
const SERIES: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];

/// One bar: a configuration's peaks in MiB and its ratio's words.
struct Bar<'a> {
    label: &'a str,
    mean: f64,
    low: f64,
    high: f64,
    memory: &'a RowMemory,
}

fn bars<'a>(report: &Report, comparisons: &'a [RowComparison]) -> Vec<Bar<'a>> {
    (report.rows.iter().zip(comparisons))
        .filter_map(|(row, rc)| {
            let memory = rc.memory.as_ref()?;
            let all: Vec<f64> = peaks(row).into_iter().flatten().map(|b| b / MIB).collect();
            Some(Bar {
                label: &rc.label,
                mean: memory.summary.mean / MIB,
                low: all.iter().copied().fold(f64::INFINITY, f64::min),
                high: all.iter().copied().fold(0.0, f64::max),
                memory,
            })
        })
        .collect()
}

/// Peak memory per configuration, with its ratio to the baseline.
pub fn peak_chart(report: &Report, comparisons: &[RowComparison]) -> Option<String> {
    let bars = bars(report, comparisons);
    if bars.is_empty() {
        return None;
    }
    let left = bars
        .iter()
        .map(|b| text_width(b.label, 12.0))
        .fold(60.0, f64::max)
        + 16.0;
    let most = bars.iter().map(|b| b.high.max(b.mean)).fold(1.0, f64::max);
    // The value beside each bar sets the right margin, so none is cut.
    let widest = (bars.iter())
        .map(|b| text_width(&value_text(b), 11.0))
        .fold(120.0, f64::max);
    let x = Linear {
        domain: (0.0, most * 1.08),
        range: (left, WIDTH - widest - 16.0),
    };
    let height = TOP + ROW * bars.len() as f64 + BOTTOM;
    let title = format!("{}: peak memory per configuration", report.benchmark);
    let mut s = Svg::new(WIDTH, height, &title, "chart memory");
    s.text(
        left,
        16.0,
        "peak resident set, MiB",
        Anchor::Start,
        13.0,
        "#1f2328",
        600,
    );
    let bottom = TOP + ROW * bars.len() as f64;
    for t in linear_ticks(0.0, x.domain.1, 6) {
        let at = x.map(t);
        s.line(
            at,
            TOP - 6.0,
            at,
            bottom,
            Paint::stroke("#eaeef2", 1.0),
            None,
        );
        s.text(
            at,
            bottom + 14.0,
            &tick_label(t),
            Anchor::Middle,
            11.0,
            "#59636e",
            400,
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        draw_bar(&mut s, &x, y, bar);
    }
    Some(s.finish())
}

fn draw_bar(s: &mut Svg, x: &Linear, y: f64, bar: &Bar) {
    let mid = y + ROW / 2.0;
    let left = x.range.0;
    s.text(
        left - 8.0,
        mid + 4.0,
        bar.label,
        Anchor::End,
        12.0,
        "#1f2328",
        400,
    );
    let verdict = bar.memory.comparison.map(|c| c.verdict);
    let ink = verdict.map_or("#8c959f", verdict_colour);
    let ratio = bar.memory.comparison.map(|c| words::ratio_cell(&c));
    let tip = format!(
        "{}: {} (processes {:.1}–{:.1} MiB){}",
        bar.label,
        words::peak_cell(bar.memory),
        bar.low,
        bar.high,
        ratio.as_ref().map_or(String::new(), |r| format!(", {r}"))
    );
    let width = x.map(bar.mean) - left;
    s.rect(
        left,
        y + 4.0,
        width,
        ROW - 8.0,
        Paint::fill(ink).datum(),
        Some(&tip),
    );
    if bar.high > bar.low {
        let paint = Paint::stroke("#1f2328", 1.5).datum();
        s.line(x.map(bar.low), mid, x.map(bar.high), mid, paint, None);
    }
    let value = value_text(bar);
    s.text(
        x.range.1 + 8.0,
        mid + 4.0,
        &value,
        Anchor::Start,
        11.0,
        ink,
        400,
    );
}

/// `19.5 MiB · 1.232× [1.226–1.238] degraded`.
fn value_text(bar: &Bar) -> String {
    match bar.memory.comparison {
        Some(c) => format!(
            "{:.1} MiB · {} {}",
            bar.mean,
            words::ratio_cell(&c),
            verdict_words(c.verdict)
        ),
        None => format!("{:.1} MiB", bar.mean),
    }
}

/// Memory against threads: each interpreter's mean peak at each thread
/// count, joined; `None` without a sweep.
pub fn threads_chart(report: &Report, comparisons: &[RowComparison]) -> Option<String> {
    let slopes = thread_slopes(report);
    if slopes.is_empty() {
        return None;
    }
    let points = |name: &str| -> Vec<(f64, f64)> {
        (report.rows.iter().zip(comparisons))
            .filter(|(row, _)| row.interpreter == name)
            .filter_map(|(row, rc)| {
                Some((
                    f64::from(row.threads?),
                    rc.memory.as_ref()?.summary.mean / MIB,
                ))
            })
            .collect()
    };
    let all: Vec<(f64, f64)> = slopes.iter().flat_map(|s| points(&s.interpreter)).collect();
    let most_threads = all.iter().map(|p| p.0).fold(1.0, f64::max);
    let (lo, hi) = all.iter().fold((f64::INFINITY, 0.0f64), |(l, h), p| {
        (l.min(p.1), h.max(p.1))
    });
    let pad = ((hi - lo) * 0.15).max(0.5);
    let x = Linear {
        domain: (0.0, most_threads * 1.05),
        range: (60.0, WIDTH - 200.0),
    };
    let y = Linear {
        domain: ((lo - pad).max(0.0), hi + pad),
        range: (250.0, 30.0),
    };
    let mut s = Svg::new(
        WIDTH,
        290.0,
        &format!("{}: memory against threads", report.benchmark),
        "chart memory-threads",
    );
    threads_axes(&mut s, &x, &y);
    for (i, slope) in slopes.iter().enumerate() {
        let ink = SERIES[i % SERIES.len()];
        let mut pts = points(&slope.interpreter);
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mapped: Vec<(f64, f64)> = pts.iter().map(|(t, m)| (x.map(*t), y.map(*m))).collect();
        let line = words::slope_line(slope);
        s.polyline(&mapped, Paint::stroke(ink, 2.0).datum(), Some(&line));
        for ((t, m), (px, py)) in pts.iter().zip(&mapped) {
            let tip = format!("{} ×{t}: {m:.1} MiB", slope.interpreter);
            s.circle(*px, *py, 4.0, Paint::fill(ink).datum(), Some(&tip));
        }
        if let Some((px, py)) = mapped.last() {
            s.text(
                px + 8.0,
                py + 4.0,
                &slope.interpreter,
                Anchor::Start,
                12.0,
                ink,
                600,
            );
        }
    }
    Some(s.finish())
}

/// The memory-against-threads chart's grid, tick labels and axis titles.
fn threads_axes(s: &mut Svg, x: &Linear, y: &Linear) {
    for t in linear_ticks(y.domain.0, y.domain.1, 6) {
        s.line(
            x.range.0,
            y.map(t),
            x.range.1,
            y.map(t),
            Paint::stroke("#eaeef2", 1.0),
            None,
        );
        s.text(
            x.range.0 - 6.0,
            y.map(t) + 4.0,
            &tick_label(t),
            Anchor::End,
            11.0,
            "#59636e",
            400,
        );
    }
    for t in linear_ticks(0.0, x.domain.1, 8)
        .into_iter()
        .filter(|t| t.fract() == 0.0)
    {
        s.text(
            x.map(t),
            266.0,
            &tick_label(t),
            Anchor::Middle,
            11.0,
            "#59636e",
            400,
        );
    }
    s.text(
        (x.range.0 + x.range.1) / 2.0,
        284.0,
        "threads",
        Anchor::Middle,
        12.0,
        "#59636e",
        400,
    );
    s.vertical_text(16.0, 140.0, "peak MiB", 12.0, "#59636e");
}

/// The memory table as the terminal shows it.
fn numbers(comparisons: &[RowComparison]) -> String {
    let mut out = String::from("<div class=\"scroll\"><table class=\"memory\">\n<thead><tr>");
    for (i, h) in words::HEADERS.iter().enumerate() {
        let class = if matches!(i, 1 | 2 | 3 | 5 | 6) {
            " class=\"num\""
        } else {
            ""
        };
        out += &format!("<th{class}>{}</th>", escape(h));
    }
    out += "</tr></thead>\n<tbody>\n";
    for rc in comparisons {
        let Some(m) = &rc.memory else { continue };
        let cells = words::cells(&rc.label, m);
        out += "<tr>";
        for (i, c) in cells.iter().enumerate() {
            let class = if matches!(i, 1 | 2 | 3 | 5 | 6) {
                " class=\"num\""
            } else {
                ""
            };
            out += &format!("<td{class}>{}</td>", escape(c));
        }
        out += "</tr>\n";
    }
    out + "</tbody></table></div>\n"
}

/// The card's memory section (title, charts with captions, numbers, notes);
/// `None` when no row recorded memory.
pub fn section(report: &Report, comparisons: &[RowComparison]) -> Option<String> {
    let chart = peak_chart(report, comparisons)?;
    let legend = words::legend(comparisons, report.band());
    let mut body = format!(
        "<figure>{chart}<figcaption>{}</figcaption></figure>\n",
        escape(legend.first().map_or("", String::as_str))
    );
    if let Some(sweep) = threads_chart(report, comparisons) {
        body += &format!(
            "<figure>{sweep}<figcaption>{}</figcaption></figure>\n",
            escape(&words::slope_lines(report).join(" "))
        );
    }
    body += &numbers(comparisons);
    for line in legend.iter().skip(1) {
        body += &format!("<p class=\"note\">{}</p>\n", escape(line));
    }
    Some(format!(
        "<section>\n<h3>{}</h3>\n{body}</section>\n",
        escape(words::TITLE)
    ))
}

/// Each configuration's memory ratio run by run, where two runs or more
/// have one; `None` otherwise (files from before memory was recorded).
pub fn history(history: &History) -> Option<String> {
    let band = history.newest().0.band();
    let charts: Vec<String> = (history.trend_labels().iter())
        .filter_map(|label| {
            let points: Vec<_> = (0..history.runs.len())
                .filter_map(|k| {
                    let report = history.runs[k].0;
                    let i = report.rows.iter().position(|r| &r.label() == label)?;
                    let c = history.comparisons[k][i].memory.as_ref()?.comparison?;
                    Some((report.started_at, c))
                })
                .collect();
            (points.len() >= 2).then(|| {
                format!(
                    "<figure>{}</figure>\n",
                    trend_chart(&format!("{label} memory"), &points, band)
                )
            })
        })
        .collect();
    if charts.is_empty() {
        return None;
    }
    Some(format!(
        "<section>\n<h3>Memory history</h3>\n<p>Each configuration's peak-memory ratio to its \
         run's baseline, with its 95% interval, run by run.</p>\n<div class=\"trends\">\n{}</div>\n\
         </section>\n",
        charts.concat()
    ))
}

/// A comparison's memory: each configuration's peak in B against A, with
/// its interval, coloured by verdict; `None` when neither side recorded it.
pub fn compare_section(doc: &Comparisons) -> Option<String> {
    let rows: Vec<RatioRow> = (doc.rows.iter())
        .filter_map(|p| {
            let m = p.memory.as_ref()?;
            Some(RatioRow {
                label: p.label.clone(),
                group: None,
                value: m
                    .comparison
                    .ok_or_else(|| "not recorded on both sides".to_string()),
            })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let chart = ratio_chart(
        &format!("{}: peak memory, B against A", doc.benchmark),
        "peak memory B / A (log scale; below 1× B uses less)",
        &rows,
        doc.band(),
    );
    let how = match doc.runs_a == 1 && doc.runs_b == 1 {
        true => "each process's peak an observation (Welch)",
        false => "one level per run, its processes' geometric mean (Student's t on the runs)",
    };
    Some(format!(
        "<section>\n<h3>Peak memory B / A</h3>\n<figure>{chart}<figcaption>{}</figcaption>\
         </figure>\n</section>\n",
        escape(&format!(
            "Peak memory of the benchmark process, B / A as measured ({how}), with its 95% \
             interval; memory does not drift with the machine's load, so it is not taken \
             relative to the runs' baselines."
        ))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::compare_rows;
    use crate::report::fixture;
    use crate::report::html::svg::tests::{assert_well_formed, count};

    #[test]
    fn each_configuration_has_its_bar_ratio_and_sources() {
        let report = fixture::report_with_memory();
        let html = section(&report, &compare_rows(&report)).unwrap();
        assert_well_formed(&html);
        assert!(html.contains("Memory: peak resident set"), "{html}");
        // system, 3.13 and 3.13t completed; the others have no bar.
        assert_eq!(count(&html, "<rect"), 3, "{html}");
        assert!(html.contains("19.3 MiB · 1.245× ["), "{html}");
        assert!(html.contains(verdict_colour(crate::analysis::compare::Verdict::Degraded)));
        assert!(html.contains("VmHWM of /proc/self/status"), "{html}");
        assert!(!html.contains("memory against threads"), "no sweep");
        assert!(section(&fixture::report(), &compare_rows(&fixture::report())).is_none());
    }

    #[test]
    fn a_sweep_draws_memory_against_threads() {
        let mut report = fixture::report_with_memory();
        let mut two = report.rows[2].clone();
        report.rows[2].threads = Some(1);
        two.threads = Some(2);
        for s in &mut two.samples {
            let m = s.memory.as_mut().unwrap();
            m.peak_values = vec![m.peak_values[0].map(|b| b + (1 << 20))];
            m.process_peak = m.peak_values[0];
        }
        report.rows.push(two);
        let html = section(&report, &compare_rows(&report)).unwrap();
        assert_well_formed(&html);
        assert!(html.contains("memory against threads"), "{html}");
        assert!(html.contains("<polyline"), "{html}");
        assert!(
            html.contains("3.13t: +1024.0 KiB per extra thread"),
            "{html}"
        );
    }

    #[test]
    fn the_memory_ratio_has_its_history() {
        let (a, mut b) = (fixture::report_with_memory(), fixture::report_with_memory());
        b.started_at += chrono::Duration::days(1);
        let source = crate::report::documents::Source {
            path: "r.json".into(),
            href: "data/r.json".into(),
        };
        let runs = vec![(&a, &source), (&b, &source)];
        let h = History {
            benchmark: "gil",
            engine: "",
            measure: Default::default(),
            comparisons: runs.iter().map(|(r, _)| compare_rows(r)).collect(),
            runs,
        };
        let html = history(&h).unwrap();
        assert_well_formed(&html);
        assert!(html.contains("3.13t memory"), "{html}");
        let old = fixture::report();
        let runs = vec![(&old, &source), (&old, &source)];
        let h = History {
            benchmark: "gil",
            engine: "",
            measure: Default::default(),
            comparisons: runs.iter().map(|(r, _)| compare_rows(r)).collect(),
            runs,
        };
        assert!(history(&h).is_none());
    }

    #[test]
    fn a_comparison_gets_its_memory_chart() {
        let (a, mut b) = (fixture::report_with_memory(), fixture::report_with_memory());
        for s in b.rows.iter_mut().flat_map(|r| r.samples.iter_mut()) {
            let m = s.memory.as_mut().unwrap();
            *m = fixture::memory(m.peak_values[0].unwrap() * 2, 1 << 20);
        }
        let mut doc = Comparisons {
            measure: Default::default(),
            band: None,
            benchmark: "gil".into(),
            a: "a.json".into(),
            b: "b.json".into(),
            runs_a: 1,
            runs_b: 1,
            normalized: true,
            rows: crate::analysis::pairing::pair_reports(&a, &b, Default::default()),
            only_in_a: vec![],
            only_in_b: vec![],
            scaling: vec![],
        };
        let html = compare_section(&doc).unwrap();
        assert_well_formed(&html);
        assert!(
            html.contains("Peak memory B / A") && html.contains("2.00×"),
            "{html}"
        );
        doc.rows.iter_mut().for_each(|p| p.memory = None);
        assert!(compare_section(&doc).is_none());
    }
}
