//! Human-readable wording shared by the Markdown and terminal renderers, so
//! both say the same thing the same way.

use crate::analysis::compare::{Band, RowComparison, Verdict};
use crate::analysis::significance::DEFAULT_ALPHA;
use crate::results::{
    FeatureState, InterpreterInfo, JitSummary, JitVerdict, Measure, Outcome, Report, Row,
};

/// A duration: seconds with two decimals, or milliseconds with three
/// significant digits below one second.
pub(crate) fn duration(seconds: f64) -> String {
    let ms = seconds * 1000.0;
    // Thresholds sit half a unit below each boundary, so values that round up
    // take the next format: 0.9996 s prints "1.00 s", not "1000 ms".
    let us = ms * 1000.0;
    match ms.abs() {
        m if m >= 999.5 => format!("{seconds:.2} s"),
        m if m >= 99.95 => format!("{ms:.0} ms"),
        m if m >= 9.995 => format!("{ms:.1} ms"),
        m if m >= 0.9995 || m == 0.0 => format!("{ms:.2} ms"),
        // pyperf and pyperformance time operations of microseconds.
        m if m >= 0.09995 => format!("{us:.0} µs"),
        m if m >= 0.009995 => format!("{us:.1} µs"),
        _ => format!("{us:.2} µs"),
    }
}

/// A standard deviation, with its own unit so small spreads stay visible.
pub(crate) fn spread(stddev: f64) -> String {
    format!("± {}", duration(stddev))
}

/// A standard deviation of `measure`'s values: `± 21.0 ms`, `± 812 instr`.
pub(crate) fn spread_of(measure: Measure, stddev: f64) -> String {
    match measure.is_time() {
        true => spread(stddev),
        false => format!("± {}", value(measure, stddev)),
    }
}

/// A value of `measure` with its unit: `12.3 ms`, `13.14 k instr`.
pub(crate) fn value(measure: Measure, v: f64) -> String {
    match measure.count_suffix() {
        None => duration(v),
        Some(unit) => format!("{} {unit}", crate::results::count(v)),
    }
}

pub(crate) fn ratio(ratio: f64) -> String {
    format!("{ratio:.2}×")
}

/// A p-value with two significant digits, `<0.001` below that.
pub(crate) fn p_value(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else if p < 0.01 {
        format!("{p:.3}")
    } else {
        format!("{p:.2}")
    }
}

/// Relative spread of the process means above which a row is called noisy.
pub(crate) const NOISY: f64 = 0.05;

/// Lines warning that noise decided some rows, with what to do about it.
pub(crate) fn noise_warning(comparisons: &[RowComparison], band: Band) -> Vec<String> {
    let mut lines = vec![];
    let undecided: Vec<&str> = comparisons
        .iter()
        .filter(|c| {
            c.comparison
                .is_some_and(|c| c.verdict == Verdict::NotDistinguishable)
        })
        .map(|c| c.label.as_str())
        .collect();
    if !undecided.is_empty() {
        lines.push(format!(
            "{}: {}: the 95% interval crosses a {} boundary, so the noise hides which \
             side the truth is on",
            Verdict::NotDistinguishable.words(),
            undecided.join(", "),
            band
        ));
    }
    let noisiest = comparisons
        .iter()
        .filter_map(|c| Some((c.label.as_str(), c.summary?)))
        .filter(|(_, s)| s.n >= 2 && s.mean > 0.0)
        .map(|(label, s)| (label, s.stddev / s.mean))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((label, cv)) = noisiest.filter(|(_, cv)| *cv > NOISY) {
        lines.push(format!(
            "noisy: process means of {label} vary by {:.0}% (σ/mean); close other programs, \
             add --processes, or on a VM check CPU steal",
            cv * 100.0
        ));
    }
    lines
}

/// A timeout in whole seconds where possible: "600 s", "2.5 s".
pub(crate) fn timeout(seconds: f64) -> String {
    if seconds.fract() == 0.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{seconds:.1} s")
    }
}

/// Which interpreter feature a cell describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feature {
    FreeThreading,
    Jit,
}

/// How a feature cell should read, before any styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeatureCell {
    Enabled,
    Disabled,
    Unsupported,
    /// A free-threaded build running with the GIL switched back on
    /// (`-X gil=1`): it would be misleading to call that "enabled".
    GilReenabled,
    Unknown,
    /// The JIT probe (docs/jit-probe.md): JIT code ran during the values of
    /// every measured process, of some of them, of none, or the JIT was off.
    JitRan,
    JitRanInSome,
    JitDidNotRun,
    JitOff,
}

impl FeatureCell {
    pub(crate) fn of(info: Option<&InterpreterInfo>, feature: Feature) -> Self {
        let Some(info) = info else {
            return FeatureCell::Unknown;
        };
        let state = match feature {
            Feature::FreeThreading => info.free_threading,
            Feature::Jit => info.jit,
        };
        match state {
            FeatureState::Enabled
                if feature == Feature::FreeThreading && info.gil_enabled == Some(true) =>
            {
                FeatureCell::GilReenabled
            }
            FeatureState::Enabled => FeatureCell::Enabled,
            FeatureState::Disabled => FeatureCell::Disabled,
            FeatureState::Unsupported => FeatureCell::Unsupported,
        }
    }

    /// The JIT cell of a row: what the probe saw in its processes, or what
    /// the interpreter was configured to do in files from before the probe.
    pub(crate) fn jit(row: &Row) -> Self {
        // A build without the JIT says so; the probe's "off" is for builds
        // that have one (its evidence stays in the JSON either way).
        if row.info.as_ref().map(|i| i.jit) == Some(FeatureState::Unsupported) {
            return FeatureCell::Unsupported;
        }
        match row.jit_summary() {
            Some(JitSummary::All(JitVerdict::Ran)) => FeatureCell::JitRan,
            Some(JitSummary::All(JitVerdict::DidNotRun)) => FeatureCell::JitDidNotRun,
            Some(JitSummary::All(JitVerdict::Off)) => FeatureCell::JitOff,
            Some(JitSummary::Mixed { .. }) => FeatureCell::JitRanInSome,
            None => FeatureCell::of(row.info.as_ref(), Feature::Jit),
        }
    }

    pub(crate) fn text(self) -> &'static str {
        match self {
            FeatureCell::Enabled => "enabled ✨",
            FeatureCell::Disabled => "disabled",
            FeatureCell::Unsupported => "unsupported",
            FeatureCell::GilReenabled => "GIL re-enabled",
            FeatureCell::Unknown => "?",
            FeatureCell::JitRan => "ran",
            FeatureCell::JitRanInSome => "ran in some processes",
            FeatureCell::JitDidNotRun => "enabled, did not run",
            FeatureCell::JitOff => "off",
        }
    }
}

/// What the status column says about a row, before any styling.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Status {
    Verdict(Verdict),
    /// Completed, but there is no baseline to compare with.
    Completed,
    /// Completed without a single usable measurement.
    NoSamples,
    Failed(String),
    TimedOut(f64),
}

impl Status {
    pub(crate) fn of(row: &Row, comparison: &RowComparison) -> Self {
        match (&row.outcome, comparison.comparison, comparison.summary) {
            (Outcome::Failed { reason, .. }, _, _) => Status::Failed(one_line(reason)),
            (Outcome::TimedOut { after_seconds }, _, _) => Status::TimedOut(*after_seconds),
            (Outcome::Ok, Some(c), _) => Status::Verdict(c.verdict),
            (Outcome::Ok, None, Some(_)) => Status::Completed,
            (Outcome::Ok, None, None) => Status::NoSamples,
        }
    }

    pub(crate) fn text(&self) -> String {
        match self {
            Status::Verdict(v) => v.to_string(),
            Status::Completed => "ok".to_string(),
            Status::NoSamples => "no samples".to_string(),
            Status::Failed(reason) if reason.is_empty() => "failed".to_string(),
            Status::Failed(reason) => format!("failed: {reason}"),
            Status::TimedOut(after) => format!("timed out after {}", timeout(*after)),
        }
    }
}

/// "Intel Xeon · load 0.4–1.9 · steal 0.0%": the machine while measuring, from
/// every process's own reading. `None` for reports without such readings.
pub(crate) fn machine(report: &Report) -> Option<String> {
    let states: Vec<&crate::results::HostState> = report
        .rows
        .iter()
        .flat_map(|r| &r.samples)
        .filter_map(|s| s.host.as_ref())
        .collect();
    let first = states.first()?;
    let mut parts = vec![first
        .cpu_model
        .clone()
        .unwrap_or_else(|| "CPU model unknown".into())];
    if let Some(g) = &first.governor {
        parts.push(format!("governor {g}"));
    }
    let loads: Vec<f64> = states
        .iter()
        .flat_map(|s| [s.load_before, s.load_after])
        .flatten()
        .collect();
    if let (Some(lo), Some(hi)) = (
        loads.iter().copied().reduce(f64::min),
        loads.iter().copied().reduce(f64::max),
    ) {
        parts.push(format!("load {lo:.1}–{hi:.1}"));
    }
    if let Some(steal) = states.iter().filter_map(|s| s.steal).reduce(f64::max) {
        parts.push(format!("steal ≤{:.1}%", steal * 100.0));
    }
    Some(one_line(&parts.join(" · ")))
}

/// A warning when the machine was busy: other programs, or a hypervisor
/// taking CPU time, make every figure noisier.
pub(crate) fn busy_machine(report: &Report) -> Option<String> {
    // Counts do not move with the machine's load: no advice to wait for a quiet one.
    if !report.measure.is_time() {
        return None;
    }
    let states = report
        .rows
        .iter()
        .flat_map(|r| &r.samples)
        .filter_map(|s| s.host.as_ref());
    let (mut load, mut steal) = (0.0f64, 0.0f64);
    for s in states {
        load = load.max(s.load_before.unwrap_or(0.0));
        steal = steal.max(s.steal.unwrap_or(0.0));
    }
    let cpus = report.host.cpus.max(1) as f64;
    if steal > 0.02 {
        Some(format!("busy machine: the hypervisor stole up to {:.0}% of CPU time; measure on a quieter host or a dedicated VM", steal * 100.0))
    } else if load > cpus + 0.5 {
        Some(format!("busy machine: load average up to {load:.1} on {cpus} CPUs before measuring; stop other programs (builds, browsers) and run again"))
    } else {
        None
    }
}

/// What the values are and the band the statuses use, said with every table.
pub(crate) fn unit_and_band(report: &Report) -> String {
    let what = match report.measure {
        Measure::Time => "values: seconds per loop".to_string(),
        Measure::Instructions => "values: instructions per loop, counted by Valgrind's Callgrind in the measured window only (not start-up, imports or calibration), one thread, PYTHONHASHSEED=0".to_string(),
        Measure::EstimatedCycles => format!("values: estimated cycles per loop; {}", crate::results::CYCLE_MODEL),
    };
    let remains = match report.measure.is_time() {
        true => String::new(),
        // Counts pin what they can; what still differs between processes is said.
        false => largest_process_spread(report).map_or(String::new(), |cv| {
            let amount = match cv < 1e-4 {
                true => format!("{:.2} ppm", cv * 1e6),
                false => format!("{:.3}%", cv * 100.0),
            };
            format!("; process means differ by at most {amount} (σ/mean)")
        }),
    };
    format!("{what}{remains}; band {}", report.band())
}

/// The largest σ/mean of the process means of any completed row. Pure.
fn largest_process_spread(report: &Report) -> Option<f64> {
    report
        .rows
        .iter()
        .filter(|r| r.outcome.is_ok())
        .filter_map(|r| crate::analysis::stats::summarize(&r.measured()))
        .filter(|s| s.n >= 2 && s.mean > 0.0)
        .map(|s| s.stddev / s.mean)
        .max_by(f64::total_cmp)
}

/// The line that explains how to read ratios and statuses.
pub(crate) fn legend(report: &Report) -> String {
    let base = one_line(&report.baseline);
    let bases = report.baseline_rows();
    let done = |row: &&crate::results::Row| row.outcome.is_ok() && !row.measured().is_empty();
    let failed: Vec<String> = bases
        .iter()
        .filter(|row| !done(row))
        .map(|row| one_line(&row.interpreter))
        .collect();
    let of = match report.baseline == crate::results::PER_VERSION {
        true => {
            "its own version's stock build (the distro python: the first version's)".to_string()
        }
        false => base.clone(),
    };
    if !bases.iter().any(done) {
        return format!("no ratios: the baseline ({base}) has no completed measurements");
    }
    let mut text = format!(
        "ratio = mean / mean of {of} at the same thread count, with its 95% interval; {}",
        Verdict::rules(report.band(), DEFAULT_ALPHA, Some("paired by round"))
    );
    if !failed.is_empty() {
        text += &format!(
            "; no ratios for the rows of {}: that baseline did not complete",
            failed.join(", ")
        );
    }
    text
}

/// "5 processes × 10 values each", with warm-ups and correct plurals.
pub(crate) fn repetitions(report: &Report) -> String {
    let mut text = plural(report.repeat, "process", "processes");
    if report.warmup > 0 {
        text += &format!(" (+{} warm-up)", report.warmup);
    }
    if report.values > 0 {
        text += &format!(" × {}", plural(report.values, "value", "values"));
        if report.warmup_values > 0 {
            text += &format!(" (+{} warm-up)", report.warmup_values);
        }
    }
    text + " each"
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "8 CPUs · linux/x86_64 · Docker 27.3.1", skipping unknown parts.
pub(crate) fn host(report: &Report) -> String {
    let h = &report.host;
    let mut parts = vec![plural(h.cpus, "CPU", "CPUs")];
    match (h.os.is_empty(), h.arch.is_empty()) {
        (false, false) => parts.push(format!("{}/{}", h.os, h.arch)),
        (false, true) => parts.push(h.os.clone()),
        (true, false) => parts.push(h.arch.clone()),
        (true, true) => {}
    }
    if !h.docker_version.is_empty() {
        parts.push(format!("Docker {}", h.docker_version));
    }
    one_line(&parts.join(" · "))
}

/// The benchmark and its arguments as one would type them in a shell.
pub(crate) fn invocation(report: &Report) -> String {
    let mut words = vec![report.benchmark.clone()];
    words.extend(report.arguments.iter().map(|a| shell_quote(a)));
    one_line(&words.join(" "))
}

/// Single-quotes an argument when a shell would otherwise split or expand it.
pub(crate) fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_alphanumeric() || "-_=.,:/+@%".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Collapses whitespace and control characters (newlines, tabs, stray ANSI
/// escapes from stderr) into single spaces, so text cannot break a layout.
pub(crate) fn one_line(text: &str) -> String {
    console::strip_ansi_codes(text)
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_switch_to_milliseconds_below_one_second() {
        assert_eq!(duration(1.234), "1.23 s");
        assert_eq!(duration(12.0), "12.00 s");
        assert_eq!(duration(0.8452), "845 ms");
        assert_eq!(duration(0.0421), "42.1 ms");
        assert_eq!(duration(0.0042), "4.20 ms");
        assert_eq!(duration(0.0), "0.00 ms");
        assert_eq!(duration(0.9996), "1.00 s");
        assert_eq!(duration(0.000845), "845 µs");
        assert_eq!(duration(0.0000421), "42.1 µs");
        assert_eq!(duration(0.0000042), "4.20 µs");
        assert_eq!(duration(0.0009996), "1.00 ms");
        assert_eq!(duration(0.9994), "999 ms");
        assert_eq!(duration(0.09996), "100 ms");
        assert_eq!(duration(0.009996), "10.0 ms");
    }

    #[test]
    fn spread_ratio_and_timeout() {
        assert_eq!(spread(0.021), "± 21.0 ms");
        assert_eq!(spread(0.0), "± 0.00 ms");
        assert_eq!(spread(1.5), "± 1.50 s");
        assert_eq!(ratio(1.8749), "1.87×");
        assert_eq!(ratio(1.0), "1.00×");
        assert_eq!(p_value(0.0004), "<0.001");
        assert_eq!(p_value(0.0042), "0.004");
        assert_eq!(p_value(0.5), "0.50");
        assert_eq!(timeout(600.0), "600 s");
        assert_eq!(timeout(2.5), "2.5 s");
    }

    #[test]
    fn one_line_strips_control_characters() {
        assert_eq!(one_line("a\nb\t c\r\n\x1b[31mred"), "a b c red");
        assert_eq!(one_line("  "), "");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("--threads=4"), "--threads=4");
        assert_eq!(shell_quote("two words"), "'two words'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn feature_cells() {
        let mut info = InterpreterInfo {
            free_threading: FeatureState::Enabled,
            gil_enabled: Some(false),
            ..InterpreterInfo::default()
        };
        let ft = |info: &InterpreterInfo| FeatureCell::of(Some(info), Feature::FreeThreading);
        assert_eq!(ft(&info), FeatureCell::Enabled);
        assert_eq!(ft(&info).text(), "enabled ✨");
        info.gil_enabled = Some(true);
        assert_eq!(ft(&info), FeatureCell::GilReenabled);
        info.jit = FeatureState::Enabled;
        assert_eq!(
            FeatureCell::of(Some(&info), Feature::Jit),
            FeatureCell::Enabled
        );
        assert_eq!(FeatureCell::of(None, Feature::Jit).text(), "?");
    }

    #[test]
    fn the_jit_cell_says_what_the_probe_saw() {
        use crate::results::{JitEvidence, JitVerdict};
        let mut report = crate::report::fixture::report();
        let row = &mut report.rows[0];
        row.info = Some(InterpreterInfo {
            jit: FeatureState::Enabled,
            ..InterpreterInfo::default()
        });
        // A file from before the probe: what start-up configured.
        assert_eq!(FeatureCell::jit(row), FeatureCell::Enabled);
        let says = |verdict| {
            Some(JitEvidence {
                verdict,
                reason: String::new(),
                details: Default::default(),
            })
        };
        for s in row.samples.iter_mut() {
            s.jit = says(JitVerdict::DidNotRun);
        }
        assert_eq!(FeatureCell::jit(row).text(), "enabled, did not run");
        let measured = row.samples.iter().position(|s| !s.warmup).unwrap();
        row.samples[measured].jit = says(JitVerdict::Ran);
        let many = row.samples.iter().filter(|s| !s.warmup).count() > 1;
        let want = if many { "ran in some processes" } else { "ran" };
        assert_eq!(FeatureCell::jit(row).text(), want);
        for s in row.samples.iter_mut() {
            s.jit = says(JitVerdict::Off);
        }
        assert_eq!(FeatureCell::jit(row).text(), "off");
        // A build without the JIT: unsupported, whatever the probe said.
        if let Some(info) = row.info.as_mut() {
            info.jit = FeatureState::Unsupported;
        }
        assert_eq!(FeatureCell::jit(row).text(), "unsupported");
    }

    #[test]
    fn machine_line_and_busy_warning() {
        let mut report = crate::report::fixture::report();
        assert_eq!(machine(&report), None);
        assert_eq!(busy_machine(&report), None);
        let state = |load: f64, steal: f64| crate::results::HostState {
            cpu_model: Some("Xeon".into()),
            governor: None,
            load_before: Some(load),
            load_after: Some(load + 0.5),
            steal: Some(steal),
        };
        report.rows[0].samples[0].host = Some(state(0.2, 0.0));
        report.rows[1].samples[0].host = Some(state(1.0, 0.001));
        assert_eq!(
            machine(&report).unwrap(),
            "Xeon · load 0.2–1.5 · steal ≤0.1%"
        );
        assert_eq!(busy_machine(&report), None);
        report.rows[1].samples[1].host = Some(state(12.0, 0.0));
        assert!(busy_machine(&report)
            .unwrap()
            .contains("load average up to 12.0 on 8 CPUs"));
        report.rows[1].samples[1].host = Some(state(0.0, 0.10));
        assert!(busy_machine(&report).unwrap().contains("stole up to 10%"));
        // Counts do not move with the load: no advice, wherever the report goes.
        report.measure = crate::results::Measure::Instructions;
        assert_eq!(busy_machine(&report), None);
    }
}
