//! Build requirements to wheels, for one interpreter target: newest version
//! that satisfies every specifier seen so far, wheels installable on the
//! target, dependencies followed through their markers. Greedy, without
//! backtracking (build requirements are short lists); a conflict is reported
//! with both sides rather than guessed around.

use std::collections::{BTreeMap, VecDeque};
use std::str::FromStr;

use anyhow::{anyhow, Result};
use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VersionOrUrl};

use super::index::{Candidate, PackageIndex};
use super::wheel_tags::{normalize, Target};

/// The wheels one target needs, by normalized name.
pub type Resolution = BTreeMap<String, Candidate>;

/// The marker environment of our interpreters on x86_64 Linux. Pure.
pub fn marker_environment(t: &Target) -> MarkerEnvironment {
    let version = format!("{}.{}", t.major, t.minor);
    let full = format!("{version}.0");
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: "Linux",
        platform_version: "",
        python_full_version: &full,
        python_version: &version,
        sys_platform: "linux",
    })
    .expect("X.Y.0 is a valid version")
}

/// A requirement line, parsed, or a sentence saying which one is wrong.
pub fn parse_requirement(line: &str, from: &str) -> Result<Requirement> {
    Requirement::from_str(line)
        .map_err(|e| anyhow!("the requirement {line:?} ({from}) is not valid PEP 508: {e}"))
}

fn specifiers(r: &Requirement) -> Result<Option<VersionSpecifiers>> {
    match &r.version_or_url {
        None => Ok(None),
        Some(VersionOrUrl::VersionSpecifier(s)) => Ok(Some(s.clone())),
        Some(VersionOrUrl::Url(u)) => Err(anyhow!(
            "the build requirement {} points at a URL ({u}); containers have no network: \
             build that wheel yourself and pass its folder with --wheelhouse.",
            r.name
        )),
    }
}

fn python_allows(c: &Candidate, t: &Target) -> bool {
    let Some(text) = &c.requires_python else {
        return true;
    };
    match VersionSpecifiers::from_str(text) {
        Ok(spec) => spec.contains(&Version::new([t.major as u64, t.minor as u64, 0])),
        Err(_) => true, // pip ignores what it cannot parse too
    }
}

/// The best candidate: the newest final release allowed by every specifier
/// (a pre-release only when nothing else fits, as PEP 440 says).
fn best<'a>(
    candidates: &'a [Candidate],
    wanted: &[VersionSpecifiers],
    t: &Target,
) -> Option<&'a Candidate> {
    let allowed: Vec<(Version, &Candidate)> = candidates
        .iter()
        .filter(|c| c.wheel.installs_on(t) && python_allows(c, t))
        .filter_map(|c| Some((Version::from_str(&c.wheel.version).ok()?, c)))
        .filter(|(v, _)| wanted.iter().all(|s| s.contains(v)))
        .collect();
    let newest = |pre: bool| {
        allowed
            .iter()
            .filter(|(v, _)| pre || !v.any_prerelease())
            // Among equal versions prefer a pure wheel, then the first listed.
            .max_by(|(a, ca), (b, cb)| a.cmp(b).then(ca.wheel.is_pure().cmp(&cb.wheel.is_pure())))
            .map(|(_, c)| *c)
    };
    newest(false).or_else(|| newest(true))
}

/// Every specifier seen per project, with who asked ("" for the list given).
type Asked = Vec<(VersionSpecifiers, String)>;

/// The error for a project chosen already whose version a later requirement refuses.
fn conflict(
    target: &Target,
    name: &str,
    have: &Candidate,
    asked: &Asked,
    by: &str,
    spec: Option<&VersionSpecifiers>,
) -> anyhow::Error {
    let who: Vec<String> = asked
        .iter()
        .map(|(s, by)| match by.as_str() {
            "" => s.to_string(),
            by => format!("{s} ({by})"),
        })
        .collect();
    let asker = if by.is_empty() {
        "the requirements given"
    } else {
        by
    };
    anyhow!(
        "the requirements conflict for {}: {name} {} was chosen, but {asker} asks for {name}{}; \
         pin a version that fits all of {}, or provide one with --wheelhouse.",
        target.label(),
        have.wheel.version,
        spec.map(|s| s.to_string()).unwrap_or_default(),
        who.join(", ")
    )
}

/// The error for a project no index has a fitting wheel of.
fn no_wheel(
    target: &Target,
    name: &str,
    by: &str,
    spec: Option<&VersionSpecifiers>,
    indexes: &[&dyn PackageIndex],
) -> anyhow::Error {
    let places: Vec<String> = indexes.iter().map(|i| i.describe()).collect();
    let why = match by {
        "" => String::new(),
        by => format!(", needed by {by}"),
    };
    anyhow!(
        "no wheel of {name}{} for {} ({}{why}) in {}. Put one in a folder and pass it \
         with --wheelhouse, or drop --offline so that PyPI is asked.",
        spec.map(|s| s.to_string()).unwrap_or_default(),
        target.label(),
        target.abi_tag(),
        places.join(" or ")
    )
}

/// The first index's best candidate, with that index (which is asked for its requirements).
fn find<'a>(
    name: &str,
    wanted: &[VersionSpecifiers],
    target: &Target,
    indexes: &[&'a dyn PackageIndex],
) -> Result<Option<(Candidate, &'a dyn PackageIndex)>> {
    for index in indexes {
        let candidates = index.candidates(name)?;
        if let Some(c) = best(&candidates, wanted, target) {
            return Ok(Some((c.clone(), *index)));
        }
    }
    Ok(None)
}

/// Resolves `requirements` for `target`; indexes are asked in order, and the
/// first that has a fitting wheel of a project supplies it.
pub fn resolve(
    requirements: &[String],
    target: &Target,
    indexes: &[&dyn PackageIndex],
) -> Result<Resolution> {
    let env = marker_environment(target);
    let mut chosen = Resolution::new();
    let mut asked: BTreeMap<String, Asked> = BTreeMap::new();
    let mut queue: VecDeque<(Requirement, String)> = VecDeque::new();
    for line in requirements {
        queue.push_back((parse_requirement(line, "asked for")?, String::new()));
    }
    while let Some((req, by)) = queue.pop_front() {
        let name = normalize(req.name.as_ref());
        let spec = specifiers(&req)?;
        let wanted = asked.entry(name.clone()).or_default();
        if let Some(s) = &spec {
            wanted.push((s.clone(), by.clone()));
        }
        let all: Vec<VersionSpecifiers> = wanted.iter().map(|(s, _)| s.clone()).collect();
        if let Some(have) = chosen.get(&name) {
            let v = Version::from_str(&have.wheel.version).ok();
            if v.is_some_and(|v| all.iter().all(|s| s.contains(&v))) {
                continue;
            }
            return Err(conflict(target, &name, have, wanted, &by, spec.as_ref()));
        }
        let Some((candidate, index)) = find(&name, &all, target, indexes)? else {
            return Err(no_wheel(target, &name, &by, spec.as_ref(), indexes));
        };
        let dependent = format!("{name} {}", candidate.wheel.version);
        for line in index.requires(&candidate)? {
            let dep = parse_requirement(&line, &dependent)?;
            if dep.marker.evaluate(&env, &req.extras) {
                queue.push_back((dep, dependent.clone()));
            }
        }
        chosen.insert(name, candidate);
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::super::index::Origin;
    use super::super::wheel_tags::parse_wheel_name;
    use super::*;

    /// An index in memory: (file, requires, requires_python).
    struct Memory(Vec<(&'static str, Vec<&'static str>, Option<&'static str>)>);

    impl PackageIndex for Memory {
        fn candidates(&self, name: &str) -> Result<Vec<Candidate>> {
            Ok(self
                .0
                .iter()
                .filter_map(|(file, _, py)| {
                    let wheel = parse_wheel_name(file)?;
                    (wheel.name == name).then(|| Candidate {
                        wheel,
                        file: crate::file_name::FileName::parse(file).unwrap(),
                        origin: Origin::Local(file.into()),
                        requires_python: py.map(String::from),
                    })
                })
                .collect())
        }
        fn requires(&self, c: &Candidate) -> Result<Vec<String>> {
            let (_, req, _) = self
                .0
                .iter()
                .find(|(f, _, _)| *f == c.file.as_str())
                .unwrap();
            Ok(req.iter().map(|s| s.to_string()).collect())
        }
        fn describe(&self) -> String {
            "memory".into()
        }
    }

    const T313: Target = Target {
        major: 3,
        minor: 13,
        free_threaded: false,
    };
    const T313T: Target = Target {
        major: 3,
        minor: 13,
        free_threaded: true,
    };
    const T310: Target = Target {
        major: 3,
        minor: 10,
        free_threaded: false,
    };

    fn files(r: &Resolution) -> Vec<&str> {
        r.values().map(|c| c.file.as_str()).collect()
    }

    fn hatch() -> Memory {
        Memory(vec![
            (
                "hatchling-1.27.0-py3-none-any.whl",
                vec![
                    "packaging>=24.2",
                    "pluggy>=1.0",
                    "tomli>=1.2.2; python_version < \"3.11\"",
                    "pytest; extra == \"test\"",
                ],
                Some(">=3.8"),
            ),
            ("hatchling-2.0.0-py3-none-any.whl", vec![], Some(">=3.99")),
            ("packaging-24.1-py3-none-any.whl", vec![], None),
            ("packaging-25.0-py3-none-any.whl", vec![], None),
            ("packaging-26.0rc1-py3-none-any.whl", vec![], None),
            ("pluggy-1.6.0-py3-none-any.whl", vec![], None),
            ("tomli-2.2.1-py3-none-any.whl", vec![], None),
            (
                "cython-3.1.0-cp313-cp313-manylinux_2_17_x86_64.whl",
                vec![],
                None,
            ),
            (
                "cython-3.1.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
                vec![],
                None,
            ),
            ("cython-3.1.0-py3-none-any.whl", vec![], None),
            ("nogil_only-1.0-cp313-cp313-linux_x86_64.whl", vec![], None),
        ])
    }

    #[test]
    fn dependencies_follow_markers_and_requires_python() {
        let index = hatch();
        let r = resolve(&["hatchling".into()], &T313, &[&index]).unwrap();
        assert_eq!(
            files(&r),
            [
                "hatchling-1.27.0-py3-none-any.whl",
                "packaging-25.0-py3-none-any.whl",
                "pluggy-1.6.0-py3-none-any.whl"
            ]
        );
        // tomli only where its marker holds.
        let old = resolve(&["hatchling".into()], &T310, &[&index]).unwrap();
        assert!(old.contains_key("tomli"), "{:?}", files(&old));
    }

    #[test]
    fn binary_wheels_fit_the_abi_and_pure_ones_win_ties() {
        let index = hatch();
        let r = resolve(&["Cython>=3".into()], &T313T, &[&index]).unwrap();
        assert_eq!(files(&r), ["cython-3.1.0-py3-none-any.whl"]);
        let e = resolve(&["nogil-only".into()], &T313T, &[&index])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no wheel of nogil-only for 3.13t (cp313t"),
            "{e}"
        );
        assert!(e.contains("--wheelhouse"), "{e}");
        assert!(resolve(&["nogil_only".into()], &T313, &[&index]).is_ok());
    }

    #[test]
    fn pre_releases_only_when_nothing_else_fits() {
        let index = hatch();
        let r = resolve(&["packaging>=25".into()], &T313, &[&index]).unwrap();
        assert_eq!(files(&r), ["packaging-25.0-py3-none-any.whl"]);
        let r = resolve(&["packaging>25".into()], &T313, &[&index]).unwrap();
        assert_eq!(files(&r), ["packaging-26.0rc1-py3-none-any.whl"]);
    }

    #[test]
    fn earlier_indexes_win_and_conflicts_are_named() {
        let local = Memory(vec![("packaging-24.1-py3-none-any.whl", vec![], None)]);
        let remote = hatch();
        let r = resolve(&["packaging".into()], &T313, &[&local, &remote]).unwrap();
        assert_eq!(files(&r), ["packaging-24.1-py3-none-any.whl"]);
        let e = resolve(
            &["packaging<25".into(), "hatchling".into()],
            &T313,
            &[&local, &remote],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("conflict") && e.contains("hatchling 1.27.0"),
            "{e}"
        );
        let e = resolve(&["x @ https://example.com/x.whl".into()], &T313, &[&remote])
            .unwrap_err()
            .to_string();
        assert!(e.contains("URL"), "{e}");
        let e = resolve(&["not a requirement!".into()], &T313, &[&remote])
            .unwrap_err()
            .to_string();
        assert!(e.contains("PEP 508"), "{e}");
    }
}
