//! `run --measure instructions`: which benchmarks can be counted, and how
//! each process starts under Valgrind's Callgrind. Pure.
//!
//! The harness opens and closes the measured window itself
//! (benchmarks/counts.py, through the layer's `libpybench_window.so`);
//! Callgrind starts with collection off, so start-up and imports never count.

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
        Benchmark::Pyperformance { .. } => Some("--measure instructions counts the harness's measured window, and pyperformance's benchmarks run under pyperf's own workers: measure them in time.".into()),
        Benchmark::Ftscaling(_) => Some("ftscalingbench measures how threads scale, and Valgrind runs one thread at a time: measure it in time.".into()),
        Benchmark::Script { pyperf: true, .. } => Some("--measure instructions counts the harness's measured window, and a pyperf script measures in pyperf's own worker processes: use harness.bench (benchmarks/harness.py) in the script, or measure time.".into()),
        _ => None,
    }
}

/// The command line of one counted process: Callgrind, then the
/// interpreter's own argv. Pure.
pub fn argv(interpreter: &Interpreter) -> Vec<String> {
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
    argv.extend(interpreter.argv.iter().cloned());
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
/// layer, under Callgrind, with the pins. Pure.
pub fn counted(interpreter: &Interpreter, layer_image: &str) -> Interpreter {
    let mut counted = interpreter.clone();
    counted.image = layer_image.to_string();
    counted.argv = argv(interpreter);
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

    #[test]
    fn benchmarks_outside_the_harness_window_are_refused() {
        assert!(refusal(&Benchmark::Uops).is_some());
        assert!(refusal(&script(&[], true))
            .unwrap()
            .contains("harness.bench"));
        let pyperformance = Benchmark::Pyperformance {
            names: vec![],
            needs: vec![],
            pyperf_args: vec![],
        };
        assert!(refusal(&pyperformance).unwrap().contains("pyperf"));
        let ft = Benchmark::Ftscaling(FtScaling::default());
        assert!(refusal(&ft).is_some());
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
        let c = counted(&i, "pybench-docker/pythons:3.14-callgrind-abc");
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
    }
}
