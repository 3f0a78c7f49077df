//! `run --shard`: on engines the user declares identical, the configurations
//! are split instead of each engine running them all. Every engine also runs
//! the baseline(s), so each ratio is still taken within one host, between
//! processes interleaved round by round.

use crate::plan::{per_version_baselines, Interpreter};
use crate::results::PER_VERSION;

/// The baselines the rows of `interpreters` are compared with. Pure.
pub fn baselines(interpreters: &[Interpreter], baseline: &str) -> Result<Vec<String>, String> {
    if baseline != PER_VERSION {
        return Ok(vec![baseline.to_string()]);
    }
    let chosen: Vec<&Interpreter> = interpreters.iter().collect();
    let mut names = per_version_baselines(&chosen)?;
    names.sort();
    names.dedup();
    Ok(names)
}

/// Per engine, the interpreters it runs, in the run's order: every baseline,
/// and every `engines`-th of the others, dealt round-robin. Pure.
pub fn split(
    interpreters: &[Interpreter],
    baselines: &[String],
    engines: usize,
) -> Vec<Vec<Interpreter>> {
    let engines = engines.max(1);
    let mut shards = vec![Vec::new(); engines];
    let mut dealt = 0;
    for i in interpreters {
        if baselines.contains(&i.name) {
            shards.iter_mut().for_each(|s| s.push(i.clone()));
        } else {
            shards[dealt % engines].push(i.clone());
            dealt += 1;
        }
    }
    shards
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::plan::build_plan;

    fn names(shard: &[Interpreter]) -> Vec<&str> {
        shard.iter().map(|i| i.name.as_str()).collect()
    }

    #[test]
    fn every_engine_runs_the_baseline_and_a_share_of_the_others() {
        let plan = build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap();
        let wanted = ["system", "3.13", "3.13t", "3.14", "3.14t"];
        let chosen: Vec<Interpreter> = wanted
            .iter()
            .map(|n| {
                plan.interpreters
                    .iter()
                    .find(|i| i.name == *n)
                    .unwrap()
                    .clone()
            })
            .collect();
        let shards = split(&chosen, &baselines(&chosen, "3.13").unwrap(), 2);
        assert_eq!(names(&shards[0]), ["system", "3.13", "3.14"]);
        assert_eq!(names(&shards[1]), ["3.13", "3.13t", "3.14t"]);

        // Per version: each version's stock build goes with every shard.
        let per_version = baselines(&chosen, PER_VERSION).unwrap();
        assert_eq!(per_version, ["3.13", "3.14"]);
        let shards = split(&chosen, &per_version, 2);
        assert_eq!(names(&shards[0]), ["system", "3.13", "3.14", "3.14t"]);
        assert_eq!(names(&shards[1]), ["3.13", "3.13t", "3.14"]);
    }
}
