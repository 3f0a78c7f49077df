//! The configurations a run measures: each interpreter at each thread count,
//! with the CPUs its containers are pinned to. Pure.

use super::settings::{Benchmark, THREADS_PLACEHOLDER};
use crate::commands::runner::cpuset_for;
use crate::plan::Interpreter;

/// One row of the results: an interpreter configuration at a thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    pub interpreter: Interpreter,
    /// For benchmarks that take a thread count.
    pub threads: Option<u32>,
    /// CPUs its containers are pinned to; `None` for a user's script, whose
    /// use of threads we cannot know.
    pub cpuset: Option<String>,
}

/// Thread counts of a benchmark: none given runs 1 and the CPU count; one
/// count N runs 1 and N, so every build's single-thread cost is in the table
/// next to its parallel speed; a sweep runs exactly its counts, in order.
pub fn thread_counts(benchmark: &Benchmark, host_cpus: u32) -> Vec<Option<u32>> {
    let swept = match benchmark {
        Benchmark::Gil { .. } | Benchmark::Suite { .. } | Benchmark::Ftscaling(_) => true,
        Benchmark::Script { threads, .. } => !threads.is_empty(),
        Benchmark::Jit { .. } | Benchmark::Uops | Benchmark::Pyperformance { .. } => false,
    };
    if !swept {
        return vec![None];
    }
    let mut counts = match benchmark.threads() {
        [] => vec![1, host_cpus.max(1)],
        [n] => vec![1, *n],
        sweep => sweep.to_vec(),
    };
    counts.sort_unstable();
    counts.dedup();
    counts.into_iter().map(Some).collect()
}

/// Every interpreter at every thread count, grouped by thread count, so
/// that each configuration runs moments after its baseline at the same
/// count; for ftscalingbench grouped by interpreter instead, so that its
/// one-thread and N-thread processes, whose ratio is the speed-up, do.
pub fn configurations(
    interpreters: &[Interpreter],
    benchmark: &Benchmark,
    host_cpus: u32,
) -> Vec<Configuration> {
    // A script says how many threads it runs only through a sweep.
    let cpuset = |threads: Option<u32>| match benchmark {
        Benchmark::Uops => None,
        Benchmark::Script { .. } if threads.is_none() => None,
        _ => Some(cpuset_for(threads.unwrap_or(1), host_cpus)),
    };
    let counts = thread_counts(benchmark, host_cpus);
    let config = |i: &Interpreter, threads: Option<u32>| Configuration {
        interpreter: i.clone(),
        threads,
        cpuset: cpuset(threads),
    };
    match benchmark {
        Benchmark::Ftscaling(_) => (interpreters.iter())
            .flat_map(|i| counts.iter().map(move |t| config(i, *t)))
            .collect(),
        _ => (counts.iter())
            .flat_map(|t| interpreters.iter().map(move |i| config(i, *t)))
            .collect(),
    }
}

/// Script and arguments for one configuration: the benchmark's, with the
/// configuration's thread count (`--threads N`, or in place of a user
/// script's `{threads}`).
pub fn script_and_args(benchmark: &Benchmark, threads: Option<u32>) -> (String, Vec<String>) {
    let (script, mut args) = benchmark.script_and_args();
    match (threads, benchmark) {
        (Some(t), Benchmark::Script { .. }) => {
            for arg in &mut args {
                *arg = arg.replace(THREADS_PLACEHOLDER, &t.to_string());
            }
        }
        (Some(t), _) => args.extend(["--threads".to_string(), t.to_string()]),
        (None, _) => {}
    }
    (script, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::plan::build_plan;

    fn interpreters() -> Vec<Interpreter> {
        let plan = build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap();
        plan.interpreters[..2].to_vec()
    }

    #[test]
    fn gil_runs_one_thread_and_the_asked_count_pinned() {
        let gil = Benchmark::Gil {
            threads: vec![2],
            n: 30,
        };
        let c = configurations(&interpreters(), &gil, 2);
        let got: Vec<(String, Option<u32>, Option<String>)> = c
            .iter()
            .map(|c| (c.interpreter.name.clone(), c.threads, c.cpuset.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("system".into(), Some(1), Some("1".into())),
                ("3.13".into(), Some(1), Some("1".into())),
                ("system".into(), Some(2), Some("0-1".into())),
                ("3.13".into(), Some(2), Some("0-1".into())),
            ]
        );
        let one = Benchmark::Gil {
            threads: vec![1],
            n: 30,
        };
        assert_eq!(thread_counts(&one, 8), vec![Some(1)]);
        let default = Benchmark::Gil {
            threads: vec![],
            n: 30,
        };
        assert_eq!(thread_counts(&default, 4), vec![Some(1), Some(4)]);
    }

    #[test]
    fn more_threads_than_cpus_run_on_all_cpus() {
        let gil = Benchmark::Gil {
            threads: vec![8],
            n: 30,
        };
        let c = configurations(&interpreters(), &gil, 2);
        assert_eq!(c.last().unwrap().cpuset.as_deref(), Some("0-1"));
        assert_eq!(c.last().unwrap().threads, Some(8));
    }

    #[test]
    fn jit_is_pinned_to_one_cpu_and_scripts_float() {
        let jit = Benchmark::Jit { n: 100 };
        let c = configurations(&interpreters(), &jit, 2);
        assert!(c
            .iter()
            .all(|c| c.threads.is_none() && c.cpuset.as_deref() == Some("1")));
        let script = Benchmark::Script {
            dir: "/x".into(),
            file: "b.py".into(),
            args: vec![],
            threads: vec![],
            scaling: false,
            pyperf: false,
        };
        assert!(configurations(&interpreters(), &script, 2)
            .iter()
            .all(|c| c.cpuset.is_none()));
    }

    #[test]
    fn a_script_sweep_fills_in_its_thread_count_and_is_pinned() {
        let script = Benchmark::Script {
            dir: "/x".into(),
            file: "b.py".into(),
            args: vec!["--workers={threads}".into(), "-v".into()],
            threads: vec![4, 1],
            scaling: false,
            pyperf: false,
        };
        let c = configurations(&interpreters(), &script, 2);
        let got: Vec<(Option<u32>, Option<&str>)> =
            c.iter().map(|c| (c.threads, c.cpuset.as_deref())).collect();
        assert_eq!(
            got,
            [
                (Some(1), Some("1")),
                (Some(1), Some("1")),
                (Some(4), Some("0-1")),
                (Some(4), Some("0-1"))
            ]
        );
        let (_, args) = script_and_args(&script, Some(4));
        assert_eq!(args, ["/script/b.py", "--workers=4", "-v"]);
        assert!(!script.scales_work());
    }

    #[test]
    fn ftscalingbench_runs_each_interpreters_thread_counts_back_to_back() {
        let fts = Benchmark::Ftscaling(crate::commands::run::ftscaling::FtScaling {
            threads: vec![2],
            ..Default::default()
        });
        let got: Vec<(String, Option<u32>)> = configurations(&interpreters(), &fts, 2)
            .iter()
            .map(|c| (c.interpreter.name.clone(), c.threads))
            .collect();
        assert_eq!(
            got,
            [
                ("system".into(), Some(1)),
                ("system".into(), Some(2)),
                ("3.13".into(), Some(1)),
                ("3.13".into(), Some(2)),
            ]
        );
    }

    #[test]
    fn the_configuration_sets_the_thread_count() {
        let gil = Benchmark::Gil {
            threads: vec![4],
            n: 25,
        };
        let (_, args) = script_and_args(&gil, Some(1));
        assert_eq!(args, vec!["-n", "25", "--threads", "1"]);
        let suite = Benchmark::Suite {
            name: "lock-shared".into(),
            scaling: true,
            threads: vec![4, 1, 2, 2],
        };
        let (script, args) = script_and_args(&suite, Some(2));
        assert_eq!(
            (script.as_str(), args),
            (
                "suite/run.py",
                vec!["lock-shared".to_string(), "--threads".into(), "2".into()]
            )
        );
        assert_eq!(thread_counts(&suite, 2), vec![Some(1), Some(2), Some(4)]);
    }
}
