//! Which CPython source to fetch, the hash it must have, and the check of both.

use super::SourceError;

/// Which CPython source to fetch and the hash it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// e.g. "3.13.15" or "3.15.0rc2".
    pub version: String,
    /// Lowercase hex sha256 of `Python-{version}.tar.xz`.
    pub sha256: String,
    /// Overrides the version used in Debian's `.orig.tar.xz` name.
    pub debian_version: Option<String>,
}

impl SourceSpec {
    /// Debian's spelling of the version: pre-releases sort before the
    /// release with `~`, so "3.15.0rc2" becomes "3.15.0~rc2".
    pub fn debian_version(&self) -> String {
        if let Some(v) = &self.debian_version {
            return v.clone();
        }
        match self.version.find(|c: char| c.is_ascii_alphabetic()) {
            Some(i) => format!("{}~{}", &self.version[..i], &self.version[i..]),
            None => self.version.clone(),
        }
    }

    /// "3.13" for "3.13.15".
    pub fn major_minor(&self) -> String {
        self.version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The cache file name, as python.org names the tarball.
    pub fn tarball_name(&self) -> String {
        format!("Python-{}.tar.xz", self.version)
    }

    /// Rejects pins that would make bad URLs or file names.
    pub fn validate(&self) -> Result<(), SourceError> {
        let invalid = |problem: String| Err(SourceError::InvalidSpec { problem });
        if !is_valid_version(&self.version) {
            return invalid(format!("{:?} is not a CPython version", self.version));
        }
        if self.sha256.len() != 64 || !self.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return invalid(format!(
                "the sha256 {:?} for {} is not 64 hex digits",
                self.sha256, self.version
            ));
        }
        Ok(())
    }
}

/// `X.Y[.Z]` optionally followed by `a|b|rc` and a number.
fn is_valid_version(v: &str) -> bool {
    let split = v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len());
    let (release, pre) = v.split_at(split);
    let parts: Vec<&str> = release.split('.').collect();
    let release_ok = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let pre_ok = pre.is_empty()
        || ["a", "b", "rc"].iter().any(|tag| {
            pre.strip_prefix(tag)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
    release_ok && pre_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(version: &str, sha256: impl Into<String>) -> SourceSpec {
        SourceSpec {
            version: version.into(),
            sha256: sha256.into(),
            debian_version: None,
        }
    }

    #[test]
    fn debian_version_mapping() {
        let deb = |v: &str| spec(v, "").debian_version();
        assert_eq!(deb("3.15.0rc2"), "3.15.0~rc2");
        assert_eq!(deb("3.14.0a7"), "3.14.0~a7");
        assert_eq!(deb("3.14.0b1"), "3.14.0~b1");
        assert_eq!(deb("3.13.15"), "3.13.15");
        let mut spec = spec("3.13.1", "");
        spec.debian_version = Some("3.13.1+dfsg".into());
        assert_eq!(spec.debian_version(), "3.13.1+dfsg");
    }

    #[test]
    fn major_minor_and_validation() {
        assert_eq!(spec("3.13.15", "").major_minor(), "3.13");
        assert_eq!(spec("3.15.0rc2", "").major_minor(), "3.15");
        let good = "a".repeat(64);
        for v in ["3.13.1", "3.15.0rc2", "3.14.0a7", "3.14.0b1", "3.13"] {
            spec(v, good.clone()).validate().unwrap();
        }
        for v in [
            "",
            "3",
            "../3.13.1",
            "3.13.1/x",
            "3.13.x",
            "3.13.1rc",
            "3.13.1dev1",
        ] {
            let err = spec(v, good.clone()).validate().unwrap_err();
            assert!(err.to_string().contains("config.yaml"), "{v}: {err}");
        }
        let err = spec("3.13.1", "abc").validate().unwrap_err();
        assert!(err.to_string().contains("64 hex digits"), "{err}");
    }
}
