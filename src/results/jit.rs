//! Whether JIT-compiled code ran: what `benchmarks/jitprobe.py` saw in each
//! process (its executors' entry marks, executors compiled or attached while
//! the values were measured), not what the interpreter was configured to do.
//! See docs/jit-probe.md.

use serde::{Deserialize, Serialize};

/// The probe's answer for one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JitVerdict {
    /// JIT-compiled code of the measured work ran during the measured values.
    #[serde(rename = "ran")]
    Ran,
    /// The JIT was enabled, and none of its code ran during the values.
    #[serde(rename = "enabled, did not run")]
    DidNotRun,
    /// Built without the JIT, or switched off with nothing compiled.
    #[serde(rename = "off")]
    Off,
}

impl JitVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            JitVerdict::Ran => "ran",
            JitVerdict::DidNotRun => "enabled, did not run",
            JitVerdict::Off => "off",
        }
    }
}

/// One process's evidence: the verdict, why, and every count the probe
/// reported (kept as it came, so a later probe's fields survive a re-read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JitEvidence {
    pub verdict: JitVerdict,
    #[serde(default)]
    pub reason: String,
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// What a configuration's processes say together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JitSummary {
    /// Every process that reported says the same.
    All(JitVerdict),
    /// Some processes ran JIT code, others did not: `ran` of `of`.
    Mixed { ran: usize, of: usize },
}

impl JitSummary {
    /// The measured processes' evidence together; `None` when none reported
    /// any (a file from before the probe, pyperf's own workers). Pure.
    pub fn of<'a>(evidence: impl IntoIterator<Item = &'a JitEvidence>) -> Option<JitSummary> {
        let verdicts: Vec<JitVerdict> = evidence.into_iter().map(|e| e.verdict).collect();
        let first = *verdicts.first()?;
        if verdicts.iter().all(|v| *v == first) {
            return Some(JitSummary::All(first));
        }
        let ran = verdicts.iter().filter(|v| **v == JitVerdict::Ran).count();
        Some(match ran {
            0 => JitSummary::All(JitVerdict::DidNotRun),
            _ => JitSummary::Mixed {
                ran,
                of: verdicts.len(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(verdict: JitVerdict) -> JitEvidence {
        JitEvidence {
            verdict,
            reason: String::new(),
            details: Default::default(),
        }
    }

    #[test]
    fn reads_the_probe_line_and_keeps_every_field() {
        let line = r#"{"built":true,"enabled":true,"marks":true,"entered":2,
            "executors":[{"origin":"fib (jit.py:33)","uops":41}],
            "verdict":"ran","reason":"2 executor(s) of the measured code entered while measured"}"#;
        let e: JitEvidence = serde_json::from_str(line).unwrap();
        assert_eq!(e.verdict, JitVerdict::Ran);
        assert_eq!(e.details["entered"], 2);
        let again: JitEvidence = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(again, e);
        for (text, want) in [
            ("\"enabled, did not run\"", JitVerdict::DidNotRun),
            ("\"off\"", JitVerdict::Off),
        ] {
            assert_eq!(serde_json::from_str::<JitVerdict>(text).unwrap(), want);
            assert_eq!(format!("\"{}\"", want.as_str()), text);
        }
        assert!(serde_json::from_str::<JitVerdict>("\"enabled\"").is_err());
    }

    #[test]
    fn processes_together() {
        use JitVerdict::*;
        let of = |vs: &[JitVerdict]| {
            let list: Vec<JitEvidence> = vs.iter().map(|v| evidence(*v)).collect();
            JitSummary::of(&list)
        };
        assert_eq!(of(&[]), None);
        assert_eq!(of(&[Ran, Ran]), Some(JitSummary::All(Ran)));
        assert_eq!(of(&[Off]), Some(JitSummary::All(Off)));
        assert_eq!(
            of(&[Ran, DidNotRun, Ran]),
            Some(JitSummary::Mixed { ran: 2, of: 3 })
        );
        assert_eq!(of(&[Off, DidNotRun]), Some(JitSummary::All(DidNotRun)));
    }
}
