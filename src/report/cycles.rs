//! The second metric of `run --measure instructions`: the same run with each
//! process's estimated cycles (Callgrind's cache model) in place of its
//! instruction counts, so it gets the same statistics, intervals and
//! verdicts, labelled as the model it is. Pure.

use crate::results::{Measure, Report, Row, Sample};

/// `report` in estimated cycles per loop; `None` unless it counted
/// instructions and every measured process carries a cycle per value.
pub fn cycles_report(report: &Report) -> Option<Report> {
    if report.measure != Measure::Instructions {
        return None;
    }
    let complete =
        |s: &Sample| s.warmup || (!s.cycles.is_empty() && s.cycles.len() == s.values.len());
    if !report.rows.iter().flat_map(|r| &r.samples).all(complete) {
        return None;
    }
    Some(Report {
        measure: Measure::EstimatedCycles,
        unit: Some(Measure::EstimatedCycles.unit().to_string()),
        rows: report.rows.iter().map(row_in_cycles).collect(),
        ..report.clone()
    })
}

fn row_in_cycles(row: &Row) -> Row {
    let samples = row
        .samples
        .iter()
        .map(|s| Sample {
            seconds: s.cycles.iter().sum::<f64>() / s.cycles.len().max(1) as f64,
            values: s.cycles.clone(),
            // Warm-up values' cycles are in the harness's record, not kept here.
            warmups: vec![],
            metrics: vec![],
            ..s.clone()
        })
        .filter(|s| !s.values.is_empty())
        .collect();
    Row {
        samples,
        ..row.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn cycles_take_the_place_of_instructions_with_their_own_unit() {
        assert!(cycles_report(&fixture::report()).is_none());
        let mut counted = fixture::report();
        counted.measure = Measure::Instructions;
        for s in counted.rows.iter_mut().flat_map(|r| &mut r.samples) {
            s.cycles = s.values.iter().map(|v| v * 1.5).collect();
        }
        let cycles = cycles_report(&counted).unwrap();
        assert_eq!(cycles.measure, Measure::EstimatedCycles);
        let (a, b) = (&counted.rows[0].samples[0], &cycles.rows[0].samples[0]);
        assert_eq!(b.values, a.cycles);
        assert!((b.seconds - a.seconds * 1.5).abs() < 1e-9 * a.seconds.abs().max(1.0));
        let text = crate::report::render_table(&cycles, false);
        assert!(text.contains("est. cycles"), "{text}");
        assert!(text.contains("a model"), "{text}");
        assert!(text.contains("process means differ by at most"), "{text}");
        // A process without cycles: no second table rather than a partial one.
        let measured = counted.rows[0].samples.iter_mut().find(|s| !s.warmup);
        measured.unwrap().cycles.clear();
        assert!(cycles_report(&counted).is_none());
    }
}
