//! What a build will cost, said before it starts.

use crate::config::Profile;

/// The note printed before a release-profile build compiles anything:
/// which builds, and what each costs against a quick one (measured in
/// docs/measurements.md, "Release profile"). `None` for a quick build or
/// when every build is already an image. Pure.
pub fn release_cost_note(profile: Profile, to_compile: &[String]) -> Option<String> {
    if profile != Profile::Release || to_compile.is_empty() {
        return None;
    }
    Some(format!(
        "profile release (PGO + LTO): {} CPython build{} to compile ({}), each about 3× a quick build: one release build took 18 min 20 s on a 2-CPU machine where a quick one takes about 6 min (docs/measurements.md). --profile quick builds in minutes.",
        to_compile.len(),
        if to_compile.len() == 1 { "" } else { "s" },
        to_compile.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_release_build_with_something_to_compile_is_announced() {
        let two = ["3.14".to_string(), "3.14t".to_string()];
        let note = release_cost_note(Profile::Release, &two).unwrap();
        assert!(
            note.contains("2 CPython builds to compile (3.14, 3.14t)"),
            "{note}"
        );
        assert!(note.contains("about 3×"), "{note}");
        assert!(release_cost_note(Profile::Release, &two[..1])
            .unwrap()
            .contains("1 CPython build to compile (3.14)"));
        assert_eq!(release_cost_note(Profile::Quick, &two), None);
        assert_eq!(release_cost_note(Profile::Release, &[]), None);
    }
}
