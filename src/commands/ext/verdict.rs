//! What an import check found, and whether that is what was expected. Pure.

use crate::commands::runner::{self, Parsed};
use crate::docker::ContainerOutput;
use crate::results::{CheckResult, Expect, ImportCheck};

/// Did the import do what was expected? Pure. Returns (passed, verdict words).
/// "Re-enabled" means the GIL was off before the import and on after it; a GIL
/// build reports it on throughout, which is not a re-enable.
pub fn judge(
    expect: Expect,
    imported: bool,
    gil: (Option<bool>, Option<bool>),
    error_type: Option<&str>,
    exit_code: i64,
) -> (bool, String) {
    let reenabled = gil == (Some(false), Some(true));
    if exit_code != 0 && exit_code != 1 {
        let why = if exit_code > 128 {
            format!("interpreter crashed (signal {})", exit_code - 128)
        } else {
            format!("exit code {exit_code}")
        };
        return (false, why);
    }
    match expect {
        Expect::Works | Expect::Imports if imported && !reenabled => (true, "works".into()),
        Expect::Imports if imported => (true, "works, GIL re-enabled".into()),
        Expect::Works if imported => (false, "GIL re-enabled, expected it to stay off".into()),
        Expect::GilReenabled if imported && reenabled => {
            (true, "GIL re-enabled, with warning".into())
        }
        Expect::GilReenabled if imported => (false, "GIL stayed off, expected re-enabled".into()),
        Expect::AbiMismatch if !imported && error_type == Some("ABIMismatch") => {
            (true, "ABI mismatch caught".into())
        }
        Expect::AbiMismatch if imported => (false, "imported despite an ABI mismatch".into()),
        _ => (
            false,
            format!("import failed: {}", error_type.unwrap_or("unknown error")),
        ),
    }
}

/// Reads check_import.py's machine line into a result. Pure.
pub fn read_check(k: &ImportCheck, out: &ContainerOutput) -> CheckResult {
    let v = match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => v,
        _ => serde_json::Value::Null,
    };
    let imported = v.get("imported").and_then(|x| x.as_bool()).unwrap_or(false);
    let gil_before = v.get("gil_before").and_then(|x| x.as_bool());
    let gil_after = v.get("gil_after").and_then(|x| x.as_bool());
    let error_type = v.pointer("/error/type").and_then(|x| x.as_str());
    let error = v.get("error").filter(|e| !e.is_null()).map(|e| {
        format!(
            "{}: {}",
            e.get("type").and_then(|x| x.as_str()).unwrap_or("?"),
            e.get("message").and_then(|x| x.as_str()).unwrap_or("")
        )
    });
    let warnings = v
        .get("warnings")
        .and_then(|w| w.as_array())
        .map(|a| {
            a.iter()
                .map(|w| {
                    format!(
                        "{}: {}",
                        w.get("category")
                            .and_then(|x| x.as_str())
                            .unwrap_or("Warning"),
                        w.get("message").and_then(|x| x.as_str()).unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let (passed, verdict) = if v.is_null() && out.exit_code == 0 {
        (false, "no result line".to_string())
    } else {
        judge(
            k.expect,
            imported,
            (gil_before, gil_after),
            error_type,
            out.exit_code,
        )
    };
    CheckResult {
        check: k.clone(),
        compiled: true,
        imported,
        greet: v.get("greet").and_then(|x| x.as_str()).map(String::from),
        gil_after,
        warnings,
        error: error.or_else(|| (out.exit_code > 1).then(|| runner::tail(&out.stderr, 3))),
        exit_code: out.exit_code,
        passed,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judging() {
        let off_on = (Some(false), Some(true));
        let off_off = (Some(false), Some(false));
        let gil_build = (Some(true), Some(true));
        assert!(judge(Expect::GilReenabled, true, off_on, None, 0).0);
        assert!(!judge(Expect::GilReenabled, true, off_off, None, 0).0);
        assert!(!judge(Expect::GilReenabled, true, gil_build, None, 0).0);
        assert!(judge(Expect::Works, true, off_off, None, 0).0);
        assert!(judge(Expect::Works, true, (None, None), None, 0).0);
        // A GIL build has the GIL throughout: not a re-enable.
        assert!(judge(Expect::Works, true, gil_build, None, 0).0);
        assert!(!judge(Expect::Works, true, off_on, None, 0).0);
        let abi = Some("ABIMismatch");
        assert!(judge(Expect::AbiMismatch, false, off_off, abi, 1).0);
        assert!(!judge(Expect::AbiMismatch, true, off_off, None, 0).0);
        let (ok, why) = judge(Expect::AbiMismatch, false, (None, None), None, 139);
        assert!(!ok && why.contains("crashed (signal 11)"), "{why}");
    }
}
