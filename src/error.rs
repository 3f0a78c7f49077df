//! How a command ends: the errors that decide the exit code, and how an error
//! chain is printed.

/// Exit code after Ctrl-C / SIGTERM / SIGHUP, as shells expect.
pub const EXIT_INTERRUPTED: i32 = 130;
/// Exit code for every other failure: bad input, a failed check, a daemon error.
pub const EXIT_FAILED: i32 = 1;

/// Returned by commands whose checks ran but did not all pass (a failed row).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChecksFailed(pub String);

/// The session was cancelled by a signal.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The causes of an error on one line, each said once: bollard and our own
/// wrappers often repeat the inner message in the outer one.
pub fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_repeated_by_its_wrapper_is_said_once() {
        let inner = anyhow::anyhow!("no such image");
        let e = inner.context("cannot run 3.13t: no such image");
        assert_eq!(chain(&e), "cannot run 3.13t: no such image");
        let e = anyhow::anyhow!("disk full").context("cannot write out.json");
        assert_eq!(chain(&e), "cannot write out.json: disk full");
    }
}
