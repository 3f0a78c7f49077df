//! Files written before result files named their kind (before schema 1).
//!
//! Until then every file had a shape of its own, and readers recognised it
//! by its top-level keys. Runs recorded then are measurements that cannot
//! be repeated, so they are still read, by this rule and only when a file
//! has no `"kind"`:
//!
//! | keys | kind |
//! |---|---|
//! | `benchmark`, `rows` and `host` | a run |
//! | `a`, `b` and `rows` | a comparison of one benchmark |
//! | `benchmarks`, alone | a comparison of several |
//! | `compiles` and `checks` | an extension matrix |
//! | `stages` and `images` | a build summary |
//!
//! (A package's readiness has carried `"kind": "ext-package"` from the
//! start.) Their contents are those of schema 1 without `kind` and
//! `schema`, except that a comparison of one benchmark was not wrapped in
//! `benchmarks`. Nothing else looks at which keys a file has.

use super::kind::Kind;

/// The shape of a file written before schema 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    Run,
    /// One benchmark's comparison, unwrapped.
    CompareOne,
    /// `{"benchmarks": [...]}`.
    CompareMany,
    ExtMatrix,
    Build,
}

impl Legacy {
    /// The kind of a file without `"kind"`, from its top-level keys.
    pub fn recognise(keys: &[String]) -> Option<Legacy> {
        let has = |k: &str| keys.iter().any(|key| key == k);
        Some(if has("benchmark") && has("rows") && has("host") {
            Legacy::Run
        } else if has("a") && has("b") && has("rows") {
            Legacy::CompareOne
        } else if has("benchmarks") && keys.len() == 1 {
            Legacy::CompareMany
        } else if has("compiles") && has("checks") {
            Legacy::ExtMatrix
        } else if has("stages") && has("images") {
            Legacy::Build
        } else {
            return None;
        })
    }

    pub fn kind(self) -> Kind {
        match self {
            Legacy::Run => Kind::Run,
            Legacy::CompareOne | Legacy::CompareMany => Kind::Compare,
            Legacy::ExtMatrix => Kind::ExtMatrix,
            Legacy::Build => Kind::Build,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn each_old_shape_is_recognised_by_its_keys() {
        let cases = [
            (
                &["tool_version", "benchmark", "rows", "host", "summary"][..],
                Some(Legacy::Run),
            ),
            (
                &["benchmark", "a", "b", "rows", "runs_a"][..],
                Some(Legacy::CompareOne),
            ),
            (&["benchmarks"][..], Some(Legacy::CompareMany)),
            (&["checks", "compiles"][..], Some(Legacy::ExtMatrix)),
            (&["stages", "images", "seconds"][..], Some(Legacy::Build)),
            (&["benchmarks", "notes"][..], None),
            (&["benchmark", "rows"][..], None),
            (&[][..], None),
        ];
        for (list, expected) in cases {
            assert_eq!(Legacy::recognise(&keys(list)), expected, "{list:?}");
        }
        assert_eq!(Legacy::CompareOne.kind(), Kind::Compare);
        assert_eq!(Legacy::Run.kind(), Kind::Run);
    }
}
