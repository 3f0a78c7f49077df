//! What a result file must hold to be read: every rule in one place, each
//! failure naming the field and the row. Pure.
//!
//! Times are positive and finite (a process that measured nothing, or
//! minus one second, is not a measurement); a process of a run recorded
//! with the harness has values; names and texts, and lists, stay within
//! [`limits`]. Files from before the harness (a run whose `values` is 0)
//! kept only each process's mean, so their processes may have no values.

use std::collections::BTreeMap;
use std::fmt;

use super::compare::{CompareFile, Comparisons, Pairing};
use super::limits;
use super::memory::ProcessMemory;
use super::run::{Host, HostState, InterpreterInfo, Outcome, Report, Row, Sample};
use crate::analysis::compare::Comparison;

mod ext;

/// Where in a file a value is: `rows[2] ("3.13t").samples[1].values[0]`.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    parent: Option<&'a At<'a>>,
    step: Step<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root,
    Field(&'static str),
    Index(usize),
    /// An entry with its name, to find it by.
    Named(usize, &'a str),
}

impl<'a> At<'a> {
    pub fn root() -> At<'static> {
        At {
            parent: None,
            step: Step::Root,
        }
    }

    pub fn field(&'a self, name: &'static str) -> At<'a> {
        self.then(Step::Field(name))
    }

    pub fn index(&'a self, i: usize) -> At<'a> {
        self.then(Step::Index(i))
    }

    /// Entry `i` of a list, found by people under `name`.
    pub fn named(&'a self, i: usize, name: &'a str) -> At<'a> {
        self.then(Step::Named(i, name))
    }

    fn then(&'a self, step: Step<'a>) -> At<'a> {
        At {
            parent: Some(self),
            step,
        }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}")?;
        }
        let first = matches!(
            self.parent,
            None | Some(At {
                step: Step::Root,
                ..
            })
        );
        match self.step {
            Step::Root => Ok(()),
            Step::Field(name) if first => write!(f, "{name}"),
            Step::Field(name) => write!(f, ".{name}"),
            Step::Index(i) => write!(f, "[{i}]"),
            Step::Named(i, name) => write!(f, "[{i}] ({:?})", shortened(name)),
        }
    }
}

/// A name cut to 40 characters for a message (it may be the one too long).
fn shortened(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_string(),
    }
}

/// A value a result file must not hold: where, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// `rows[2] ("3.13t").samples[1].values[0]`.
    pub at: String,
    /// `is -1, not a positive, finite number of seconds`.
    pub why: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.at, self.why)
    }
}

pub type Checked = Result<(), Invalid>;

/// A document that can say whether what it holds may be read.
pub trait Validate {
    fn validate(&self, at: &At) -> Checked;
}

pub fn fail(at: &At, why: impl Into<String>) -> Checked {
    Err(Invalid {
        at: at.to_string(),
        why: why.into(),
    })
}

/// Whether `x` can be a time: positive and finite. Shared with what `run`
/// accepts from a process, so that what is written can be read.
pub fn is_time(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// A time in seconds.
pub fn time(at: &At, x: f64) -> Checked {
    match is_time(x) {
        true => Ok(()),
        false => fail(
            at,
            format!("is {x}, not a positive, finite number of seconds"),
        ),
    }
}

/// A list of times, at most `max` of them.
pub fn times(at: &At, xs: &[f64], max: usize) -> Checked {
    count(at, xs.len(), max)?;
    xs.iter()
        .enumerate()
        .try_for_each(|(i, x)| time(&at.index(i), *x))
}

/// A list of `n` entries, at most `max`.
pub fn count(at: &At, n: usize, max: usize) -> Checked {
    match n <= max {
        true => Ok(()),
        false => fail(at, format!("has {n} entries, more than the {max} allowed")),
    }
}

/// A number that may be 0 but not negative or infinite (seconds waited, a
/// load average).
pub fn non_negative(at: &At, x: f64) -> Checked {
    match x.is_finite() && x >= 0.0 {
        true => Ok(()),
        false => fail(at, format!("is {x}, not a finite number of at least 0")),
    }
}

/// A share: between 0 and 1.
pub fn share(at: &At, x: f64) -> Checked {
    match (0.0..=1.0).contains(&x) {
        true => Ok(()),
        false => fail(at, format!("is {x}, not a share between 0 and 1")),
    }
}

/// A name, at most [`limits::NAME_CHARS`] characters.
pub fn name(at: &At, s: &str) -> Checked {
    match s.len() <= limits::NAME_CHARS || s.chars().count() <= limits::NAME_CHARS {
        true => Ok(()),
        false => fail(
            at,
            format!(
                "is a name of {} characters, more than the {} allowed",
                s.chars().count(),
                limits::NAME_CHARS
            ),
        ),
    }
}

/// Names, each as [`name`], at most [`limits::ENTRIES`] of them.
pub fn names(at: &At, list: &[String]) -> Checked {
    count(at, list.len(), limits::ENTRIES)?;
    list.iter()
        .enumerate()
        .try_for_each(|(i, s)| name(&at.index(i), s))
}

/// Any other text, at most [`limits::TEXT_BYTES`] bytes.
pub fn text(at: &At, s: &str) -> Checked {
    match s.len() <= limits::TEXT_BYTES {
        true => Ok(()),
        false => fail(
            at,
            format!(
                "is a text of {} bytes, more than the {} allowed",
                s.len(),
                limits::TEXT_BYTES
            ),
        ),
    }
}

/// Texts, each as [`text`], at most [`limits::ENTRIES`] of them.
pub fn texts(at: &At, list: &[String]) -> Checked {
    count(at, list.len(), limits::ENTRIES)?;
    list.iter()
        .enumerate()
        .try_for_each(|(i, s)| text(&at.index(i), s))
}

/// An optional name or text, checked when present.
pub fn maybe(at: &At, s: Option<&String>, rule: fn(&At, &str) -> Checked) -> Checked {
    s.map_or(Ok(()), |s| rule(at, s))
}

impl Validate for Report {
    fn validate(&self, at: &At) -> Checked {
        for (field, value) in [("benchmark", &self.benchmark), ("baseline", &self.baseline)] {
            name(&at.field(field), value)?;
        }
        maybe(&at.field("part_of"), self.part_of.as_ref(), name)?;
        name(&at.field("session"), &self.session)?;
        name(&at.field("tool_version"), &self.tool_version)?;
        texts(&at.field("arguments"), &self.arguments)?;
        non_negative(&at.field("min_time"), self.min_time)?;
        host(&at.field("host"), &self.host)?;
        let rows = at.field("rows");
        count(&rows, self.rows.len(), limits::ROWS)?;
        let harness = self.values > 0;
        self.rows.iter().enumerate().try_for_each(|(i, r)| {
            let label = r.label();
            row(&rows.named(i, &label), r, harness)
        })
    }
}

fn host(at: &At, h: &Host) -> Checked {
    let fields = [
        ("engine", &h.engine),
        ("hostname", &h.hostname),
        ("os", &h.os),
        ("arch", &h.arch),
        ("docker_version", &h.docker_version),
    ];
    (fields.iter()).try_for_each(|(field, value)| name(&at.field(field), value))
}

/// A configuration: its names, how it ran, and every process.
fn row(at: &At, r: &Row, harness: bool) -> Checked {
    name(&at.field("interpreter"), &r.interpreter)?;
    maybe(&at.field("baseline"), r.baseline.as_ref(), name)?;
    if r.threads == Some(0) {
        return fail(
            &at.field("threads"),
            "is 0: a benchmark runs on one thread at least",
        );
    }
    texts(&at.field("command"), &r.command)?;
    environment(&at.field("env"), &r.env)?;
    name(&at.field("image"), &r.image)?;
    name(&at.field("image_id"), &r.image_id)?;
    maybe(&at.field("banner"), r.banner.as_ref(), text)?;
    if let Some(flags) = &r.configure_flags {
        texts(&at.field("configure_flags"), flags)?;
    }
    if let Some(b) = &r.build {
        let at = at.field("build");
        name(&at.field("release"), &b.release)?;
        name(&at.field("version"), &b.version)?;
    }
    if let Some(script) = &r.source_script {
        let at = at.field("source_script");
        text(&at.field("origin"), &script.origin)?;
        name(&at.field("path"), &script.path)?;
        name(&at.field("sha256"), &script.sha256)?;
    }
    if let Some(i) = &r.info {
        info(&at.field("info"), i)?;
    }
    match &r.outcome {
        Outcome::Ok => Ok(()),
        Outcome::Failed {
            reason,
            stderr_tail,
        } => {
            text(&at.field("outcome").field("reason"), reason)?;
            text(&at.field("outcome").field("stderr_tail"), stderr_tail)
        }
        Outcome::TimedOut { after_seconds } => {
            non_negative(&at.field("outcome").field("after_seconds"), *after_seconds)
        }
    }?;
    let samples = at.field("samples");
    count(&samples, r.samples.len(), limits::PROCESSES)?;
    (r.samples.iter().enumerate()).try_for_each(|(j, s)| sample(&samples.index(j), s, harness))
}

fn environment(at: &At, env: &BTreeMap<String, String>) -> Checked {
    count(at, env.len(), limits::ENTRIES)?;
    env.iter().try_for_each(|(k, v)| {
        name(at, k)?;
        text(at, v)
    })
}

/// What the probe said about the interpreter.
fn info(at: &At, i: &InterpreterInfo) -> Checked {
    let fields = [
        ("implementation", &i.implementation),
        ("version", &i.version),
        ("executable", &i.executable),
        ("system", &i.system),
        ("machine", &i.machine),
        ("byteorder", &i.byteorder),
        ("abiflags", &i.abiflags),
    ];
    (fields.iter()).try_for_each(|(field, value)| text(&at.field(field), value))?;
    count(&at.field("flags"), i.flags.len(), limits::ENTRIES)?;
    (i.flags.keys()).try_for_each(|k| name(&at.field("flags"), k))?;
    environment(&at.field("env"), &i.env)
}

/// One process: its time, its values, and what else it reported.
fn sample(at: &At, s: &Sample, harness: bool) -> Checked {
    time(&at.field("seconds"), s.seconds)?;
    if harness && s.values.is_empty() {
        return fail(
            &at.field("values"),
            "is empty: every process of a run measured with the harness reports its values",
        );
    }
    values(at, &s.values, &s.warmups, &s.thread_values)?;
    memory(at, s.memory.as_ref(), s.values.len(), s.warmups.len())?;
    maybe(&at.field("cpuset"), s.cpuset.as_ref(), name)?;
    if let Some(h) = &s.host {
        host_state(&at.field("host"), h)?;
    }
    if let Some(o) = &s.output {
        text(&at.field("output").field("stdout"), &o.stdout)?;
        text(&at.field("output").field("stderr"), &o.stderr)?;
    }
    let metrics = at.field("metrics");
    count(&metrics, s.metrics.len(), limits::ENTRIES)?;
    for (k, m) in s.metrics.iter().enumerate() {
        let at = metrics.named(k, &m.name);
        name(&at.field("name"), &m.name)?;
        if m.values.is_empty() {
            return fail(
                &at.field("values"),
                "is empty: a named benchmark reports its values",
            );
        }
        values(&at, &m.values, &m.warmups, &m.thread_values)?;
        memory(&at, m.memory.as_ref(), m.values.len(), m.warmups.len())?;
    }
    if let Some(jit) = &s.jit {
        text(&at.field("jit").field("reason"), &jit.reason)?;
        count(&at.field("jit"), jit.details.len(), limits::ENTRIES)?;
    }
    let skipped = at.field("skipped");
    count(&skipped, s.skipped.len(), limits::ENTRIES)?;
    s.skipped.iter().enumerate().try_for_each(|(k, sk)| {
        name(&skipped.index(k).field("name"), &sk.name)?;
        text(&skipped.index(k).field("reason"), &sk.reason)
    })
}

/// A process's memory, checked against its values as when it was parsed.
fn memory(at: &At, m: Option<&ProcessMemory>, values: usize, warmups: usize) -> Checked {
    match m {
        Some(m) => match m.check(values, warmups) {
            Ok(()) => Ok(()),
            Err(why) => {
                let why = why.trim_start_matches("\"memory\"");
                fail(&at.field("memory"), why.trim_start_matches(['.', ':', ' ']))
            }
        },
        None => Ok(()),
    }
}

/// Measured values, warm-up values and each value's per-thread values.
fn values(at: &At, values: &[f64], warmups: &[f64], threads: &[Vec<f64>]) -> Checked {
    times(&at.field("values"), values, limits::VALUES)?;
    times(&at.field("warmups"), warmups, limits::VALUES)?;
    let per_thread = at.field("thread_values");
    count(&per_thread, threads.len(), limits::VALUES)?;
    (threads.iter().enumerate())
        .try_for_each(|(i, t)| times(&per_thread.index(i), t, limits::ENTRIES))
}

fn host_state(at: &At, h: &HostState) -> Checked {
    maybe(&at.field("cpu_model"), h.cpu_model.as_ref(), text)?;
    maybe(&at.field("governor"), h.governor.as_ref(), name)?;
    for (field, load) in [("load_before", h.load_before), ("load_after", h.load_after)] {
        load.map_or(Ok(()), |x| non_negative(&at.field(field), x))?;
    }
    h.steal.map_or(Ok(()), |x| share(&at.field("steal"), x))
}

impl Validate for CompareFile {
    fn validate(&self, at: &At) -> Checked {
        let all = at.field("benchmarks");
        count(&all, self.benchmarks.len(), limits::ENTRIES)?;
        (self.benchmarks.iter().enumerate())
            .try_for_each(|(i, c)| c.validate(&all.named(i, &c.benchmark)))
    }
}

impl Validate for Comparisons {
    fn validate(&self, at: &At) -> Checked {
        name(&at.field("benchmark"), &self.benchmark)?;
        text(&at.field("a"), &self.a)?;
        text(&at.field("b"), &self.b)?;
        if self.runs_a == 0 || self.runs_b == 0 {
            return fail(&at.field("runs_a"), "is 0: each side has one run at least");
        }
        names(&at.field("only_in_a"), &self.only_in_a)?;
        names(&at.field("only_in_b"), &self.only_in_b)?;
        let rows = at.field("rows");
        count(&rows, self.rows.len(), limits::ROWS)?;
        (self.rows.iter().enumerate())
            .try_for_each(|(i, p)| pairing(&rows.named(i, &p.label), p))?;
        let scaling = at.field("scaling");
        count(&scaling, self.scaling.len(), limits::ROWS)?;
        (self.scaling.iter().enumerate())
            .try_for_each(|(i, p)| name(&scaling.named(i, &p.label).field("label"), &p.label))
    }
}

/// One configuration of a comparison: its means and its ratio.
fn pairing(at: &At, p: &Pairing) -> Checked {
    name(&at.field("label"), &p.label)?;
    for (field, mean) in [("mean_a", p.mean_a), ("mean_b", p.mean_b)] {
        mean.map_or(Ok(()), |m| time(&at.field(field), m))?;
    }
    if let Some(m) = &p.memory {
        let at = at.field("memory");
        for (field, mean) in [("mean_a", m.mean_a), ("mean_b", m.mean_b)] {
            mean.map_or(Ok(()), |b| non_negative(&at.field(field), b))?;
        }
        if let Some(c) = &m.comparison {
            comparison(&at.field("comparison"), c)?;
        }
    }
    match &p.comparison {
        Some(c) => comparison(at, c),
        None => Ok(()),
    }
}

/// A ratio with its interval, change and p-value.
fn comparison(at: &At, c: &Comparison) -> Checked {
    ratio(&at.field("ratio"), c.ratio)?;
    for (field, bound) in [("ci_low", c.ci_low), ("ci_high", c.ci_high)] {
        bound.map_or(Ok(()), |b| ratio(&at.field(field), b))?;
    }
    if let (Some(low), Some(high)) = (c.ci_low, c.ci_high) {
        if low > high {
            return fail(
                &at.field("ci_low"),
                format!("is {low}, above ci_high {high}"),
            );
        }
    }
    if !(c.change.is_finite() && (c.change - (c.ratio - 1.0)).abs() < 1e-9) {
        return fail(
            &at.field("change"),
            format!("is {}, not ratio - 1", c.change),
        );
    }
    c.p_value.map_or(Ok(()), |p| share(&at.field("p_value"), p))
}

/// A ratio of two times: positive and finite.
fn ratio(at: &At, x: f64) -> Checked {
    match is_time(x) {
        true => Ok(()),
        false => fail(at, format!("is {x}, not a positive, finite ratio")),
    }
}
