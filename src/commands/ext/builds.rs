//! `ext --interpreters`: the builds a check runs on, when not all of the
//! config's. A team moving to 3.14t checks on 3.14 and 3.14t only, and no
//! other release is built for it.

use crate::plan::{Mode, Plan};

/// The plan narrowed to the builds `names` select (names and patterns as
/// `run --interpreters` takes them), and to the releases they belong to.
/// An error names what was wrong: an unknown name, or a selection holding
/// no build (`system`, `3.14t -X gil=1`: `ext` compiles against builds). Pure.
pub fn narrow(mut plan: Plan, names: &[String]) -> Result<Plan, String> {
    let chosen: Vec<String> = plan
        .select(names)
        .map_err(|e| format!("--interpreters: {e}"))?
        .into_iter()
        .filter(|i| i.mode == Mode::Default && i.variant.is_some())
        .map(|i| i.name.clone())
        .collect();
    if chosen.is_empty() {
        return Err(format!(
            "--interpreters {:?} selects no build: ext compiles the package against each build \
             of the config (like 3.14 or 3.14t), not the distro's python or a run-time option \
             such as -X gil=1. Name builds, e.g. --interpreters 3.14,3.14t.",
            names.join(",")
        ));
    }
    plan.interpreters.retain(|i| chosen.contains(&i.name));
    let images: Vec<String> = plan.interpreters.iter().map(|i| i.image.clone()).collect();
    plan.releases.retain(|r| images.contains(&r.pythons));
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self};
    use crate::plan::build_plan;

    fn plan() -> Plan {
        let (config, _) = config::load(None).unwrap();
        build_plan(&config).unwrap()
    }

    #[test]
    fn only_the_named_builds_and_their_release_remain() {
        let all = plan();
        assert!(all.releases.len() >= 2);
        let narrowed = narrow(all, &["3.14".into(), "3.14t".into()]).unwrap();
        let names: Vec<&str> = narrowed
            .interpreters
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(names, ["3.14", "3.14t"]);
        assert_eq!(narrowed.releases.len(), 1);
        assert!(narrowed.releases[0].pythons.ends_with(":3.14.7"));
    }

    #[test]
    fn patterns_select_builds_and_leave_run_time_options_out() {
        let narrowed = narrow(plan(), &["*t".into()]).unwrap();
        let names: Vec<&str> = narrowed
            .interpreters
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(names, ["3.13t", "3.14t"]);
    }

    #[test]
    fn an_unknown_name_or_no_build_is_refused_with_the_fix() {
        let e = narrow(plan(), &["3.12t".into()]).unwrap_err();
        assert!(e.contains("unknown interpreter \"3.12t\""), "{e}");
        assert!(e.contains("Valid names"), "{e}");
        let e = narrow(plan(), &["system".into()]).unwrap_err();
        assert!(e.contains("selects no build"), "{e}");
        assert!(e.contains("--interpreters 3.14,3.14t"), "{e}");
    }
}
