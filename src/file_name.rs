//! A file name that came from something this tool does not trust (a package
//! index's JSON, a container's answer), checked before it is ever joined
//! onto a local path: `cache.join(name)` with `../../etc/x` or `/etc/x` in
//! `name` would write outside the cache, as root.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One plain file name: no separators, not `.` or `..`, no NUL or other
/// control characters, not hidden, at most 255 bytes (Linux's NAME_MAX).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FileName(String);

impl FileName {
    /// `name` if it is a plain file name; else why not, naming it.
    pub fn parse(name: &str) -> Result<FileName, String> {
        let why = if name.is_empty() {
            Some("it is empty")
        } else if name.len() > 255 {
            Some("it is longer than 255 bytes")
        } else if name.contains(['/', '\\']) {
            Some("it holds a path separator")
        } else if name.starts_with('.') {
            Some("it starts with '.' (`..`, or a hidden file)")
        } else if name.chars().any(char::is_control) {
            Some("it holds a control character")
        } else {
            None
        };
        match why {
            Some(why) => Err(format!("{name:?} is not a plain file name: {why}")),
            None => Ok(FileName(name.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FileName {
    type Error = String;

    fn try_from(name: String) -> Result<FileName, String> {
        FileName::parse(&name)
    }
}

impl From<FileName> for String {
    fn from(name: FileName) -> String {
        name.0
    }
}

impl std::ops::Deref for FileName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<Path> for FileName {
    fn as_ref(&self) -> &Path {
        Path::new(&self.0)
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for ok in [
            "pip-26.3-py3-none-any.whl",
            "numpy-2.3.0.tar.gz",
            "x y.zip",
            "ünïcode-1.0.tar.gz",
        ] {
            assert_eq!(FileName::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn anything_that_leaves_the_folder_is_refused() {
        let long = "a".repeat(256);
        for bad in [
            "",
            ".",
            "..",
            "../x.whl",
            "../../etc/cron.d/x-1.0-py3-none-any.whl",
            "/etc/passwd",
            "a/b.whl",
            "a\\b.whl",
            "x\0y.whl",
            "x\ny.whl",
            ".hidden.whl",
            long.as_str(),
        ] {
            let e = FileName::parse(bad).unwrap_err();
            assert!(e.contains("is not a plain file name"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn json_is_checked_on_the_way_in() {
        let ok: FileName = serde_json::from_str("\"a-1.0.tar.gz\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"a-1.0.tar.gz\"");
        let e = serde_json::from_str::<FileName>("\"../a.whl\"").unwrap_err();
        assert!(e.to_string().contains("not a plain file name"), "{e}");
    }
}
