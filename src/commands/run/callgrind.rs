//! `run --measure instructions`: which benchmarks can be counted, and how
//! each process starts under Valgrind's Callgrind. Pure.
//!
//! The harness opens and closes the measured window itself
//! (benchmarks/counts.py, through the layer's `libpybench_window.so`);
//! Callgrind starts with collection off, so start-up and imports never count.
//! pyperf scripts and pyperformance run in pyperf's worker mode under
//! Callgrind, their window opened and closed by pyperf's own clock
//! (benchmarks/count_pyperf.py).

use super::settings::Benchmark;
use crate::plan::Interpreter;

/// Where the layer puts the window's library (dockerfiles/valgrind/).
pub const WINDOW_LIB: &str = "/usr/local/lib/pybench/libpybench_window.so";
/// Callgrind's output file; each window is dumped to `OUT.1`, `OUT.2`, …
/// on the container's tmpfs.
pub const CALLGRIND_OUT: &str = "/tmp/pybench-callgrind.out";

/// The simulated caches, pinned so that the host's caches (which Valgrind
/// would otherwise read from the CPU) do not change the estimated cycles:
/// I1 and D1 32 KiB 8-way, LL 8 MiB 16-way, 64-byte lines.
pub const CACHES: [&str; 3] = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"];

/// Why `benchmark` cannot be counted, said before anything starts; `None`
/// when it can. Valgrind runs the threads of a process one at a time, so a
/// count of N threads says nothing about N threads; the others do not go
/// through the harness's window.
pub fn refusal(benchmark: &Benchmark) -> Option<String> {
    let one_thread = "Valgrind runs the threads of a process one at a time, so instructions counted with several threads say nothing about how they run together";
    let multi: Vec<u32> = benchmark
        .threads()
        .iter()
        .copied()
        .filter(|t| *t > 1)
        .collect();
    match benchmark {
        Benchmark::Gil { threads, .. } | Benchmark::Suite { threads, .. } if threads.is_empty() => Some(format!(
            "--measure instructions counts one thread, and {} runs 1 thread and the CPU count unless told: {one_thread}. Add --threads 1.",
            benchmark.name()
        )),
        _ if !multi.is_empty() => Some(format!(
            "--measure instructions counts one thread, and this run asks for {} threads: {one_thread}. Use --threads 1, or measure time.",
            multi.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        )),
        Benchmark::Uops => Some("`run uops` prints micro-ops and measures nothing: --measure instructions is for benchmarks that measure.".into()),
        Benchmark::Pyperformance {
            uncountable,
            pyperf_args,
            ..
        } => pyperformance_refusal(uncountable, pyperf_args),
        Benchmark::Ftscaling(_) => Some("ftscalingbench measures how threads scale, and Valgrind runs one thread at a time: measure it in time.".into()),
        _ => None,
    }
}

/// pyperf's options a counted pyperformance run takes after `--`: each
/// benchmark runs once in pyperf's worker mode, so only how many loops,
/// warm-ups and values it computes mean anything.
pub const COUNTED_PYPERF_OPTIONS: [&str; 6] =
    ["-l", "--loops", "-w", "--warmups", "-n", "--values"];

/// Why a counted pyperformance run cannot start: benchmarks that cannot be
/// counted (named, each with its reason) or pyperf options that mean
/// nothing in a counted run; `None` when it can. Pure.
fn pyperformance_refusal(
    uncountable: &[(String, String)],
    pyperf_args: &[String],
) -> Option<String> {
    if !uncountable.is_empty() {
        let each: Vec<String> = uncountable
            .iter()
            .map(|(name, why)| format!("{name}: {why}"))
            .collect();
        return Some(format!(
            "--measure instructions cannot count {} of the chosen pyperformance benchmarks ({}). Name the others with --benchmarks, e.g. --benchmarks {}, or measure these in time.",
            uncountable.len(),
            each.join("; "),
            COUNTED_SUBSET.join(",")
        ));
    }
    let option = |arg: &String| {
        let flag = arg.split('=').next().unwrap_or(arg);
        let short = arg.get(..2).filter(|f| ["-l", "-w", "-n"].contains(f));
        COUNTED_PYPERF_OPTIONS.contains(&flag) || short.is_some()
    };
    let mut args = pyperf_args.iter();
    while let Some(arg) = args.next() {
        if !option(arg) {
            return Some(format!(
                "--measure instructions runs each pyperformance benchmark once, in pyperf's worker mode under Callgrind, so pyperf's option {arg} means nothing there: after `--` give only -n/--values, -w/--warmups and -l/--loops (e.g. `-- --values 2 --warmups 1`), and --processes for the containers per configuration."
            ));
        }
        if COUNTED_PYPERF_OPTIONS.contains(&arg.as_str()) {
            args.next(); // its number
        }
    }
    None
}

/// The pyperformance benchmarks docs/measurements.md counts: numeric
/// (float), object-oriented (richards, deltablue), search (hexiom),
/// serialisation (json_dumps) and one bytecode micro-benchmark
/// (unpack_sequence); one loop of each is about 10⁵–10⁸ instructions,
/// seconds under Callgrind.
pub const COUNTED_SUBSET: [&str; 6] = [
    "float",
    "richards",
    "deltablue",
    "hexiom",
    "json_dumps",
    "unpack_sequence",
];

/// Whether `benchmark` measures in pyperf's worker mode: its counted
/// processes start under Valgrind in a child of the container's process.
pub fn through_pyperf(benchmark: &Benchmark) -> bool {
    matches!(
        benchmark,
        Benchmark::Pyperformance { .. } | Benchmark::Script { pyperf: true, .. }
    )
}

/// The command line of one counted process: Callgrind, then the
/// interpreter's own argv. Pure.
pub fn argv(interpreter: &Interpreter) -> Vec<String> {
    let mut argv = valgrind();
    argv.extend(interpreter.argv.iter().cloned());
    argv
}

/// Valgrind's part of a counted command line, before the interpreter's. Pure.
pub fn valgrind() -> Vec<String> {
    let mut argv: Vec<String> = [
        "valgrind",
        "--tool=callgrind",
        // Valgrind's own notes stay out of the output; errors still show.
        "-q",
        // Nothing counts until the harness opens its window.
        "--collect-atstart=no",
        "--cache-sim=yes",
        // The JIT writes code into anonymous memory and runs it: every block
        // there is checked for changes before it runs again.
        "--smc-check=all-non-file",
        "--vgdb=no",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    argv.extend(CACHES.iter().map(|c| c.to_string()));
    argv.push(format!("--callgrind-out-file={CALLGRIND_OUT}"));
    argv
}

/// What the harness needs to open its window, and the pins that keep two
/// processes' counts equal: one hash seed (str and bytes hashes decide dict
/// and set layouts, and with them the work).
pub fn env() -> Vec<(String, String)> {
    [
        ("PYBENCH_MEASURE", "instructions"),
        ("PYBENCH_WINDOW_LIB", WINDOW_LIB),
        ("PYBENCH_CALLGRIND_OUT", CALLGRIND_OUT),
        ("PYTHONHASHSEED", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `interpreter` as a counted process runs it: in its image's Valgrind
/// layer, under Callgrind, with the pins. A benchmark measured through
/// pyperf starts as it is and gets Valgrind's command line in
/// `PYBENCH_VALGRIND` (JSON): its parent script starts one child per pyperf
/// script under it (benchmarks/count_pyperf.py). Pure.
pub fn counted(interpreter: &Interpreter, layer_image: &str, benchmark: &Benchmark) -> Interpreter {
    let mut counted = interpreter.clone();
    counted.image = layer_image.to_string();
    if through_pyperf(benchmark) {
        let prefix = serde_json::to_string(&valgrind()).expect("strings serialise");
        counted.env.insert("PYBENCH_VALGRIND".into(), prefix);
    } else {
        counted.argv = argv(interpreter);
    }
    counted
        .env
        .extend(env().into_iter().filter(|(k, _)| k == "PYTHONHASHSEED"));
    counted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::run::ftscaling::FtScaling;

    fn gil(threads: &[u32]) -> Benchmark {
        Benchmark::Gil {
            threads: threads.to_vec(),
            n: 25,
        }
    }

    fn script(threads: &[u32], pyperf: bool) -> Benchmark {
        Benchmark::Script {
            dir: "/s".into(),
            file: "s.py".into(),
            args: vec![],
            threads: threads.to_vec(),
            scaling: true,
            pyperf,
        }
    }

    #[test]
    fn one_thread_is_counted_and_more_are_refused_with_the_reason() {
        assert_eq!(refusal(&gil(&[1])), None);
        assert_eq!(refusal(&Benchmark::Jit { n: 10 }), None);
        assert_eq!(refusal(&script(&[], false)), None);
        assert_eq!(refusal(&script(&[1], false)), None);
        let why = refusal(&gil(&[1, 2])).unwrap();
        assert!(
            why.contains("asks for 2 threads") && why.contains("one at a time"),
            "{why}"
        );
        let why = refusal(&gil(&[])).unwrap();
        assert!(why.contains("Add --threads 1"), "{why}");
        let why = refusal(&script(&[4], false)).unwrap();
        assert!(why.contains("4 threads"), "{why}");
        let suite = Benchmark::Suite {
            name: "x".into(),
            scaling: true,
            threads: vec![],
        };
        assert!(refusal(&suite).unwrap().contains("Add --threads 1"));
    }

    fn pyperformance(uncountable: &[(&str, &str)], pyperf_args: &[&str]) -> Benchmark {
        Benchmark::Pyperformance {
            names: vec!["nbody".into()],
            needs: vec![],
            pyperf_args: pyperf_args.iter().map(|s| s.to_string()).collect(),
            uncountable: uncountable
                .iter()
                .map(|(n, w)| (n.to_string(), w.to_string()))
                .collect(),
        }
    }

    #[test]
    fn benchmarks_that_cannot_be_counted_are_refused_and_pyperf_ones_counted() {
        assert!(refusal(&Benchmark::Uops).is_some());
        assert_eq!(refusal(&script(&[], true)), None);
        assert_eq!(refusal(&script(&[1], true)), None);
        assert!(refusal(&script(&[2], true)).unwrap().contains("2 threads"));
        let ft = Benchmark::Ftscaling(FtScaling::default());
        assert!(refusal(&ft).is_some());
        assert_eq!(refusal(&pyperformance(&[], &[])), None);
        assert_eq!(
            refusal(&pyperformance(
                &[],
                &["--values", "2", "-w", "0", "-l1", "--loops=2"]
            )),
            None
        );
    }

    #[test]
    fn uncountable_pyperformance_benchmarks_are_named_with_their_reason() {
        let why = refusal(&pyperformance(
            &[
                ("python_startup", "it times a command (bench_command)"),
                ("dask", "threads"),
            ],
            &[],
        ))
        .unwrap();
        assert!(why.contains("cannot count 2"), "{why}");
        assert!(
            why.contains("python_startup: it times a command (bench_command)"),
            "{why}"
        );
        assert!(why.contains("dask: threads"), "{why}");
        assert!(why.contains("--benchmarks float,richards"), "{why}");
    }

    #[test]
    fn pyperf_options_other_than_loops_warmups_values_are_refused_when_counting() {
        for bad in [
            &["--fast"][..],
            &["--processes", "3"],
            &["--values", "2", "--min-time", "1"],
        ] {
            let why = refusal(&pyperformance(&[], bad)).unwrap();
            assert!(why.contains("means nothing there"), "{why}");
        }
        let why = refusal(&pyperformance(&[], &["--rigorous"])).unwrap();
        assert!(why.contains("--rigorous"), "{why}");
    }

    #[test]
    fn the_counted_subset_is_in_the_catalogue_and_countable() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks");
        let catalog = crate::commands::run::pyperformance::load(&dir).unwrap();
        let names: Vec<String> = COUNTED_SUBSET.iter().map(|s| s.to_string()).collect();
        let (chosen, _) = crate::commands::run::pyperformance::choose(&catalog, &names).unwrap();
        assert_eq!(chosen.len(), COUNTED_SUBSET.len());
        assert!(crate::commands::run::pyperformance::uncountable(&catalog, &names).is_empty());
    }

    #[test]
    fn a_counted_process_starts_under_callgrind_with_collection_off() {
        let i = Interpreter {
            name: "3.14j".into(),
            image: "pybench-docker/pythons:3.14".into(),
            argv: vec!["python3.14j".into(), "-X".into(), "jit".into()],
            env: [("PYTHON_JIT".to_string(), "1".to_string())].into(),
            variant: None,
            version: None,
            mode: crate::domain::Mode::Default,
        };
        let c = counted(&i, "pybench-docker/pythons:3.14-callgrind-abc", &gil(&[1]));
        assert_eq!(c.image, "pybench-docker/pythons:3.14-callgrind-abc");
        assert_eq!(&c.argv[..2], ["valgrind", "--tool=callgrind"]);
        assert!(c.argv.contains(&"--collect-atstart=no".to_string()));
        assert!(c.argv.contains(&"--smc-check=all-non-file".to_string()));
        assert!(c.argv.contains(&"--LL=8388608,16,64".to_string()));
        assert_eq!(&c.argv[c.argv.len() - 3..], &i.argv[..]);
        assert_eq!(c.env.get("PYTHONHASHSEED").map(String::as_str), Some("0"));
        assert_eq!(c.env.get("PYTHON_JIT").map(String::as_str), Some("1"));
        let env = env();
        assert!(env.contains(&("PYBENCH_WINDOW_LIB".into(), WINDOW_LIB.into())));
        assert!(!c.env.contains_key("PYBENCH_VALGRIND"));
    }

    #[test]
    fn a_pyperf_benchmark_starts_as_it_is_with_valgrind_for_its_children() {
        let i = Interpreter {
            name: "3.14t".into(),
            image: "pybench-docker/pythons:3.14".into(),
            argv: vec!["python3.14t".into()],
            env: Default::default(),
            variant: None,
            version: None,
            mode: crate::domain::Mode::Default,
        };
        for benchmark in [pyperformance(&[], &[]), script(&[], true)] {
            let c = counted(&i, "pybench-docker/pythons:3.14-callgrind-abc", &benchmark);
            assert_eq!(c.argv, i.argv);
            assert_eq!(c.image, "pybench-docker/pythons:3.14-callgrind-abc");
            let prefix: Vec<String> = serde_json::from_str(&c.env["PYBENCH_VALGRIND"]).unwrap();
            assert_eq!(prefix, valgrind());
            assert!(prefix.contains(&"--collect-atstart=no".to_string()));
            assert_eq!(c.env.get("PYTHONHASHSEED").map(String::as_str), Some("0"));
        }
    }
}
