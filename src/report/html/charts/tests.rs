//! The charts drawn from the fixture's data.

use super::super::svg::tests::{assert_well_formed, count};
use super::palette::{verdict_words, VERDICTS};
use super::rows::{ratio_chart, shorten, versions_chart};
use super::scaling::scaling_chart;
use super::select::{pairing_rows, ratio_rows, scaling_series, version_rows, RatioRow};
use super::trend::trend_chart;
use crate::analysis::compare::compare_rows;
use crate::analysis::compare::{compare_pair, Band, Comparison, Verdict};
use crate::report::fixture;
use crate::results::{Report, Row};

#[test]
fn the_ratio_chart_draws_every_completed_row_and_says_why_for_the_others() {
    let report = fixture::report();
    let rows = ratio_rows(&report, &compare_rows(&report));
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.group.is_none()));
    let chart = ratio_chart("gil", "ratio", &rows, Band::DEFAULT);
    assert_well_formed(&chart);
    // system, 3.13 (the baseline) and 3.13t have a point; the two
    // with an interval also a whisker.
    assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
    assert_eq!(count(&chart, "<line class=\"datum\""), 2);
    assert!(chart.contains("timed out after 600 s"));
    assert!(chart.contains("failed: exit code 139 (SIGSEGV)"));
    assert!(chart.contains(">improved</text>") && chart.contains(">baseline</text>"));
    // The legend: a swatch for each verdict and the band.
    for v in VERDICTS {
        assert!(
            chart.contains(&format!(">{}</text>", verdict_words(v))),
            "{v}"
        );
    }
    assert!(chart.contains("±10% band"));
    assert!(chart.contains("<title>3.13t: 0.30× ["), "{chart}");
}

fn threaded(report: &Report) -> Report {
    let mut r = report.clone();
    r.rows.retain(|row| row.outcome.is_ok());
    let mut two: Vec<Row> = r.rows.clone();
    for row in &mut r.rows {
        row.threads = Some(1);
    }
    for row in &mut two {
        row.threads = Some(2);
        // Each thread does the one-thread work: the GIL builds take
        // twice as long, the free-threaded one 10% longer.
        let factor = if row.interpreter == "3.13t" { 1.1 } else { 2.0 };
        for s in &mut row.samples {
            s.seconds *= factor;
            s.values.iter_mut().for_each(|v| *v *= factor);
        }
    }
    r.rows.extend(two);
    r
}

#[test]
fn threads_group_the_ratio_chart() {
    let report = threaded(&fixture::report());
    let rows = ratio_rows(&report, &compare_rows(&report));
    let groups: Vec<Option<&str>> = rows.iter().map(|r| r.group.as_deref()).collect();
    assert_eq!(groups[0], Some("1 thread"));
    assert_eq!(groups[rows.len() - 1], Some("2 threads"));
    let chart = ratio_chart("gil", "ratio", &rows, Band::DEFAULT);
    assert_well_formed(&chart);
    assert_eq!(count(&chart, ">1 thread</text>"), 1);
    assert_eq!(count(&chart, ">2 threads</text>"), 1);
}

#[test]
fn the_scaling_chart_has_a_line_per_interpreter_and_the_ideal() {
    let plain = fixture::report();
    assert_eq!(scaling_chart(&plain, &compare_rows(&plain)), None);
    let report = threaded(&fixture::report());
    let comparisons = compare_rows(&report);
    let series = scaling_series(&report, &comparisons);
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["system", "3.13", "3.13t"]);
    let ft = &series[2];
    assert_eq!(ft.points[0], (1, 1.0, 1.0));
    assert!((ft.points[1].1 - 2.0 / 1.1).abs() < 1e-9, "{ft:?}");
    let chart = scaling_chart(&report, &comparisons).unwrap();
    assert_well_formed(&chart);
    // A segment and two points per interpreter; the ideal is not data.
    assert_eq!(count(&chart, "<line class=\"datum\""), 3);
    assert_eq!(count(&chart, "<circle class=\"datum\""), 6);
    assert_eq!(count(&chart, "<polyline"), 1);
    assert!(chart.contains("ideal</text>"));
    assert!(chart.contains("<title>3.13t ×2: 1.82× speed-up (91% efficiency)</title>"));
}

/// The fixture (3.13, 3.13t, a timed-out 3.13t -X gil=1, a failed
/// 3.13j) with a second version beside it: 3.14 10% faster than 3.13,
/// 3.14t 1.3× and 3.14j 0.85× of 3.14, with some noise of their own.
pub(crate) fn two_versions() -> Report {
    let mut report = fixture::report();
    let of = |name: &str| report.rows.iter().find(|r| r.interpreter == name).cloned();
    let mut more = vec![];
    for (from, to, factor) in [
        ("3.13", "3.14", 0.9),
        ("3.13", "3.14t", 0.9 * 1.3),
        ("3.13", "3.14j", 0.9 * 0.85),
    ] {
        let mut row = of(from).unwrap();
        row.interpreter = to.into();
        if let Some(info) = &mut row.info {
            info.version = "3.14.0".into();
        }
        for (i, s) in row.samples.iter_mut().enumerate() {
            let f = factor * (1.0 + 0.004 * ((i * 7 + to.len()) % 5) as f64);
            s.seconds *= f;
            s.values.iter_mut().for_each(|v| *v *= f);
        }
        more.push(row);
    }
    report.rows.extend(more);
    report
}

fn labels(rows: &[RatioRow]) -> Vec<(&str, &str)> {
    rows.iter()
        .map(|r| (r.group.as_deref().unwrap(), r.label.as_str()))
        .collect()
}

#[test]
fn across_versions_each_build_meets_its_own_stock_build() {
    // `--band 20`: 3.14j's 0.85× is similar, not improved, by the run's band.
    let mut report = two_versions();
    report.band = Some(0.2);
    let rows = version_rows(&report);
    assert_eq!(
        labels(&rows),
        [
            ("3.13 · CPython 3.13.1", "3.13t (free-threaded)"),
            ("3.13 · CPython 3.13.1", "3.13j (JIT)"),
            ("3.14 · CPython 3.14.0", "3.14t (free-threaded)"),
            ("3.14 · CPython 3.14.0", "3.14j (JIT)"),
        ]
    );
    // The run's own comparison: 3.13t against 3.13, paired by round.
    let by_row = compare_rows(&report);
    assert_eq!(rows[0].value, Ok(by_row[2].comparison.unwrap()));
    assert_eq!(rows[1].value, Err("failed: exit code 139 (SIGSEGV)".into()));
    // 3.14t against 3.14, not against the report's baseline (3.13).
    let (t, j) = (
        rows[2].value.clone().unwrap(),
        rows[3].value.clone().unwrap(),
    );
    assert!((t.ratio - 1.3).abs() < 0.02, "{t:?}");
    assert!((j.ratio - 0.85).abs() < 0.02, "{j:?}");
    assert_eq!(
        (t.verdict, j.verdict),
        (Verdict::Degraded, Verdict::Similar)
    );
    assert!(t.ci_low.unwrap() < t.ratio && t.ratio < t.ci_high.unwrap());
    let base = report
        .rows
        .iter()
        .position(|r| r.interpreter == "3.14")
        .unwrap();
    let row = report
        .rows
        .iter()
        .position(|r| r.interpreter == "3.14t")
        .unwrap();
    assert_eq!(
        Some(t),
        compare_pair(&report.rows[base], &report.rows[row], true, report.band())
    );

    let chart = versions_chart(&report).unwrap();
    assert_well_formed(&chart);
    assert!(chart.contains("class=\"chart versions\""));
    // A point for each of the three ratios, a whisker for each interval.
    assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
    assert_eq!(count(&chart, "<line class=\"datum\""), 3);
    assert_eq!(count(&chart, ">3.14 · CPython 3.14.0</text>"), 1);
    assert!(chart.contains("failed: exit code 139 (SIGSEGV)"));
    assert!(
        chart.contains("<title>3.14t (free-threaded): 1.3"),
        "{chart}"
    );
    // The shaded band and its legend are the run's band, not ±10 %.
    assert!(chart.contains("±20%: similar when") && chart.contains("±20% band"));
    assert!(!chart.contains("±10%"), "{chart}");
}

#[test]
fn the_charts_shade_the_band_the_verdicts_used() {
    let report = fixture::report();
    let c = compare_rows(&report)[2].comparison.unwrap();
    let narrow = Band::new(0.02).unwrap();
    let rows = vec![RatioRow {
        label: "3.13t".into(),
        group: None,
        value: Ok(c),
    }];
    let chart = ratio_chart("gil", "ratio", &rows, narrow);
    assert!(chart.contains("±2%: similar when") && chart.contains("±2% band"));
    assert!(!chart.contains("±10%"), "{chart}");
    let day = |d: i64| report.started_at + chrono::Duration::days(d);
    let trend = trend_chart("3.13t", &[(day(0), c), (day(1), c)], narrow);
    assert!(trend.contains("<title>±2%: similar</title>"), "{trend}");
    // A wide band widens the axis: ±40 % needs 1.4× on it, ±2 % does not.
    let wide = trend_chart(
        "3.13t",
        &[(day(0), c), (day(1), c)],
        Band::new(0.4).unwrap(),
    );
    assert!(
        wide.contains(">1.5×</text>") && !trend.contains(">1.5×</text>"),
        "{trend}"
    );
}

#[test]
fn across_versions_needs_two_versions_and_takes_one_thread() {
    // One version: nothing to compare across.
    let one = fixture::report();
    assert_eq!(version_rows(&one), vec![]);
    assert_eq!(versions_chart(&one), None);
    // A second version with its stock build alone has no pair either.
    let mut stock_only = two_versions();
    stock_only
        .rows
        .retain(|r| !r.interpreter.starts_with("3.14") || r.interpreter == "3.14");
    assert_eq!(versions_chart(&stock_only), None);
    // Thread sweeps: the one-thread rows only.
    let swept = threaded(&two_versions());
    let rows = version_rows(&swept);
    // (threaded() keeps the rows that completed: 3.13j is gone.)
    assert_eq!(
        labels(&rows).iter().map(|(_, l)| *l).collect::<Vec<_>>(),
        [
            "3.13t (free-threaded)",
            "3.14t (free-threaded)",
            "3.14j (JIT)"
        ]
    );
    assert_eq!(rows[1].value, version_rows(&two_versions())[2].value);
    // An own source is a version too: my-branch, my-branch-t, my-branch-j.
    let mut own = two_versions();
    for row in &mut own.rows {
        if let Some(rest) = row.interpreter.strip_prefix("3.14") {
            row.interpreter = match rest {
                "" => "my-branch".into(),
                suffix => format!("my-branch-{suffix}"),
            };
            row.info = None;
        }
    }
    let own_rows = version_rows(&own);
    let groups = labels(&own_rows);
    assert_eq!(groups[2], ("my-branch", "my-branch-t (free-threaded)"));
    assert_eq!(groups[3], ("my-branch", "my-branch-j (JIT)"));
}

#[test]
fn a_trend_has_a_point_and_whisker_per_run() {
    let report = fixture::report();
    let c = compare_rows(&report)[2].comparison.unwrap();
    let day = |d: i64| report.started_at + chrono::Duration::days(d);
    let points = vec![
        (day(0), c),
        (day(3), Comparison { ratio: 0.5, ..c }),
        (day(9), c),
    ];
    let chart = trend_chart("3.13t", &points, Band::DEFAULT);
    assert_well_formed(&chart);
    assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
    assert_eq!(count(&chart, "<line class=\"datum\""), 3);
    assert_eq!(count(&chart, "<polyline"), 1);
    assert!(chart.contains(">2025-06-01</text>") && chart.contains(">2025-06-10</text>"));
    assert!(chart.contains("newest 0.30×"));
    // Runs on one day are labelled with their hours.
    let hours = vec![(day(0), c), (day(0) + chrono::Duration::hours(5), c)];
    assert!(trend_chart("x", &hours, Band::DEFAULT).contains(">06-01 19:03</text>"));
}

#[test]
fn a_comparison_draws_b_against_a() {
    let bytes = crate::report::documents::tests::comparison_json();
    let Ok(crate::report::documents::Document::Compare(docs)) =
        crate::report::documents::read("c.json", &bytes)
    else {
        panic!("not a comparison")
    };
    let rows = pairing_rows(&docs[0]);
    let chart = ratio_chart("compare", "B / A", &rows, Band::DEFAULT);
    assert_well_formed(&chart);
    assert_eq!(count(&chart, "<circle class=\"datum\""), 3);
    assert!(chart.contains("not completed in A or in B"));
    assert!(chart.contains(">degraded</text>"));
}

#[test]
fn long_reasons_are_shortened() {
    assert_eq!(shorten("a\nb", 10), "a b");
    assert_eq!(shorten(&"x".repeat(20), 5), "xxxxx…");
}

/// `two_versions()` with every build's typed identity, a `tj` build of
/// 3.14 and a tail-calling one; their names are not what they are, so
/// only the typed fields can place them.
fn typed_versions() -> Report {
    use crate::domain::Mode;
    use crate::options::{BuildIdentity, Profile, Variant};
    let mut report = two_versions();
    let copy = |from: &str, name: &str| {
        let mut row = report
            .rows
            .iter()
            .find(|r| r.interpreter == from)
            .cloned()
            .unwrap();
        row.interpreter = name.into();
        row
    };
    let more = [copy("3.14j", "fastest"), copy("3.14t", "experiment")];
    report.rows.extend(more);
    for row in &mut report.rows {
        let (release, version, options, mode) = match row.interpreter.as_str() {
            "3.13" => ("3.13", "3.13.1", "stock", Mode::Default),
            "3.13t" => ("3.13", "3.13.1", "t", Mode::Default),
            "3.13t -X gil=1" => ("3.13", "3.13.1", "t", Mode::GilForced),
            "3.13j" => ("3.13", "3.13.1", "j", Mode::Default),
            "3.14" => ("3.14", "3.14.0", "stock", Mode::Default),
            "3.14t" => ("3.14", "3.14.0", "t", Mode::Default),
            "3.14j" => ("3.14", "3.14.0", "j", Mode::Default),
            "fastest" => ("3.14", "3.14.0", "c", Mode::Default),
            "experiment" => ("3.14", "3.14.0", "tj", Mode::Default),
            _ => continue,
        };
        row.build = Some(BuildIdentity {
            release: release.into(),
            version: version.into(),
            options: Variant::parse(options).unwrap(),
            mode,
            profile: Profile::Quick,
        });
    }
    report
}

#[test]
fn across_versions_groups_on_the_typed_build_not_the_name() {
    let report = typed_versions();
    let rows = version_rows(&report);
    assert_eq!(
        labels(&rows),
        [
            ("3.13 · CPython 3.13.1", "3.13t (free-threaded)"),
            ("3.13 · CPython 3.13.1", "3.13j (JIT)"),
            ("3.14 · CPython 3.14.0", "3.14t (free-threaded)"),
            ("3.14 · CPython 3.14.0", "3.14j (JIT)"),
            ("3.14 · CPython 3.14.0", "experiment (free-threaded JIT)"),
            ("3.14 · CPython 3.14.0", "fastest (tail-calling)"),
        ]
    );
    // The same ratios as the names gave for the builds both know.
    let by_name = version_rows(&two_versions());
    assert_eq!(rows[2].value, by_name[2].value);
    // Each new build against its own release's stock build.
    let fastest = rows[5].value.clone().unwrap();
    assert!((fastest.ratio - 0.85).abs() < 0.02, "{fastest:?}");
    let chart = versions_chart(&report).unwrap();
    assert_well_formed(&chart);
    assert!(chart.contains("fastest (tail-calling)"), "{chart}");
}

#[test]
fn rows_keep_their_typed_build_and_older_files_still_read() {
    let report = typed_versions();
    let json = serde_json::to_value(&report).unwrap();
    let fastest = (json["rows"].as_array().unwrap().iter())
        .find(|r| r["interpreter"] == "fastest")
        .unwrap();
    assert_eq!(
        fastest["build"],
        serde_json::json!({"release": "3.14", "version": "3.14.0", "options": "c", "mode": "default", "profile": "quick"})
    );
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
    // A file from before: no `build` on any row, read as None.
    let old = serde_json::to_value(two_versions()).unwrap();
    assert!(old["rows"][1].get("build").is_none());
    let read: Report = serde_json::from_value(old).unwrap();
    assert!(read.rows.iter().all(|r| r.build.is_none()));
}
