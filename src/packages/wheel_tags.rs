//! Wheel file names (PEP 427) and whether a wheel installs on one of our
//! interpreter builds (PEP 425 tags, manylinux glibc levels). Pure.

/// What a wheel's file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelName {
    /// Normalized (PEP 503): `pb-buildhelper`.
    pub name: String,
    pub version: String,
    pub python_tags: Vec<String>,
    pub abi_tags: Vec<String>,
    pub platform_tags: Vec<String>,
}

/// An interpreter build a wheel must install on: CPython X.Y, default or
/// free-threaded ABI, on x86_64 Linux with the runtime image's glibc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub major: u32,
    pub minor: u32,
    pub free_threaded: bool,
}

/// glibc of the Debian trixie images the interpreters run in: 2.41.
pub const GLIBC_MINOR: u32 = 41;
const ARCH: &str = "x86_64";

impl Target {
    /// `cp313t`: the ABI tag a wheel built for this target carries.
    pub fn abi_tag(&self) -> String {
        let t = if self.free_threaded { "t" } else { "" };
        format!("cp{}{}{t}", self.major, self.minor)
    }

    /// `3.13t`
    pub fn label(&self) -> String {
        let t = if self.free_threaded { "t" } else { "" };
        format!("{}.{}{t}", self.major, self.minor)
    }
}

/// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Parses `name-version(-build)?-python-abi-platform.whl`; None if it is not one.
pub fn parse_wheel_name(file: &str) -> Option<WheelName> {
    let stem = file.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, tags) = match parts.len() {
        5 => (parts[0], parts[1], &parts[2..]),
        6 => (parts[0], parts[1], &parts[3..]),
        _ => return None,
    };
    if name.is_empty() || version.is_empty() {
        return None;
    }
    let split = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
    Some(WheelName {
        name: normalize(name),
        version: version.to_string(),
        python_tags: split(tags[0]),
        abi_tags: split(tags[1]),
        platform_tags: split(tags[2]),
    })
}

impl WheelName {
    /// Whether pip would install this wheel on `target`.
    pub fn installs_on(&self, target: &Target) -> bool {
        self.python_tags
            .iter()
            .any(|py| self.abi_tags.iter().any(|abi| abi_fits(py, abi, target)))
            && self.platform_tags.iter().any(|p| platform_fits(p))
    }

    /// A wheel for any Python 3 on any platform.
    pub fn is_pure(&self) -> bool {
        self.abi_tags == ["none"] && self.platform_tags == ["any"]
    }
}

fn abi_fits(python: &str, abi: &str, t: &Target) -> bool {
    let cp = format!("cp{}{}", t.major, t.minor);
    match abi {
        "none" => python == "py3" || python == format!("py{}{}", t.major, t.minor) || python == cp,
        // The stable ABI has no free-threaded form before 3.15's abi3t.
        "abi3" => {
            !t.free_threaded
                && python
                    .strip_prefix(&format!("cp{}", t.major))
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| m <= t.minor)
        }
        // PEP 803: the free-threaded stable ABI, from 3.15 (`cp315-abi3.abi3t`).
        "abi3t" => {
            t.free_threaded
                && (t.major, t.minor) >= (3, 15)
                && python
                    .strip_prefix(&format!("cp{}", t.major))
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| (15..=t.minor).contains(&m))
        }
        _ => python == cp && abi == t.abi_tag(),
    }
}

fn platform_fits(platform: &str) -> bool {
    if platform == "any" || platform == format!("linux_{ARCH}") {
        return true;
    }
    let legacy = [
        ("manylinux1", 5),
        ("manylinux2010", 12),
        ("manylinux2014", 17),
    ];
    for (name, glibc) in legacy {
        if platform == format!("{name}_{ARCH}") {
            return glibc <= GLIBC_MINOR;
        }
    }
    // manylinux_2_17_x86_64
    platform
        .strip_prefix("manylinux_2_")
        .and_then(|rest| rest.strip_suffix(&format!("_{ARCH}")))
        .and_then(|minor| minor.parse::<u32>().ok())
        .is_some_and(|minor| minor <= GLIBC_MINOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP313: Target = Target {
        major: 3,
        minor: 13,
        free_threaded: false,
    };
    const CP313T: Target = Target {
        major: 3,
        minor: 13,
        free_threaded: true,
    };

    fn installs(file: &str, t: &Target) -> bool {
        parse_wheel_name(file).unwrap().installs_on(t)
    }

    #[test]
    fn names_are_parsed_and_normalized() {
        let w = parse_wheel_name("Pb_Build.Helper-1.0-py2.py3-none-any.whl").unwrap();
        assert_eq!(w.name, "pb-build-helper");
        assert_eq!(w.version, "1.0");
        assert_eq!(w.python_tags, ["py2", "py3"]);
        assert!(w.is_pure());
        let b = parse_wheel_name("x-2.0-1build-cp313-cp313t-linux_x86_64.whl").unwrap();
        assert_eq!(b.abi_tags, ["cp313t"]);
        assert!(parse_wheel_name("x-1.0.tar.gz").is_none());
        assert!(parse_wheel_name("x-1.0-py3-none.whl").is_none());
    }

    #[test]
    fn pure_wheels_install_everywhere() {
        assert!(installs("setuptools-84.2.1-py3-none-any.whl", &CP313T));
        assert!(installs("six-1.16.0-py2.py3-none-any.whl", &CP313));
        assert!(!installs("old-1.0-py2-none-any.whl", &CP313));
    }

    #[test]
    fn binary_wheels_match_the_abi_and_glibc() {
        // PEP 803: abi3 for the GIL builds, abi3t for the free-threaded ones from 3.15.
        let both = "pb-1.0-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl";
        let at = |minor, free_threaded| Target {
            major: 3,
            minor,
            free_threaded,
        };
        assert!(installs(both, &at(15, true)) && installs(both, &at(16, true)));
        assert!(installs(both, &at(15, false)));
        assert!(!installs(both, &at(14, true)) && !installs(both, &at(14, false)));
        assert!(!installs(
            "pb-1.0-cp315-abi3-manylinux_2_28_x86_64.whl",
            &at(15, true)
        ));
        let manylinux = "numpy-2.3.0-cp313-cp313t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl";
        assert!(installs(manylinux, &CP313T));
        assert!(!installs(manylinux, &CP313));
        assert!(installs("a-1-cp313-cp313-manylinux2014_x86_64.whl", &CP313));
        assert!(!installs(
            "a-1-cp313-cp313-manylinux_2_99_x86_64.whl",
            &CP313
        ));
        assert!(!installs(
            "a-1-cp313-cp313-musllinux_1_2_x86_64.whl",
            &CP313
        ));
        assert!(!installs(
            "a-1-cp313-cp313-manylinux2014_aarch64.whl",
            &CP313
        ));
        assert!(!installs("a-1-cp314-cp314-linux_x86_64.whl", &CP313));
    }

    #[test]
    fn the_stable_abi_is_for_gil_builds_of_that_version_or_later() {
        let abi3 = "cryptography-46-cp311-abi3-manylinux_2_34_x86_64.whl";
        assert!(installs(abi3, &CP313));
        assert!(!installs(abi3, &CP313T));
        assert!(!installs("a-1-cp314-abi3-linux_x86_64.whl", &CP313));
        assert_eq!(CP313T.abi_tag(), "cp313t");
        assert_eq!(CP313T.label(), "3.13t");
    }
}
