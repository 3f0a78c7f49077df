//! `ext PACKAGE --tests`: the package's own test suite, run once plainly
//! and once with every test in N threads at once (pytest-run-parallel), on
//! a free-threaded build with the GIL forced off. What check_package.py's
//! `tests` step reported, read into types, and the verdict it adds: a
//! failure only under threads is a thread-safety bug, one without threads
//! is not. Pure.

use serde::Deserialize;

use crate::commands::runner::{self, Parsed};
use crate::docker::ContainerOutput;
use crate::results::{FailedTest, Readiness, TestRun, TestsOutcome};

/// Where a `--tests PATH` folder is mounted in the tests container.
pub const TESTS_MOUNT: &str = "/tests";

/// What `--tests` asks for, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestsJob {
    /// A folder (or file) of tests on this machine, run from its own
    /// folder; None: the package's own, from its project folder.
    pub path: Option<std::path::PathBuf>,
    /// After `--`: pytest's own arguments.
    pub pytest_args: Vec<String>,
    /// `--parallel-threads`; None: the engine's CPUs, at least 4.
    pub threads: Option<u32>,
}

/// The threads each test runs in: as asked, else the engine's CPU count
/// and at least 4 (fewer rarely meet in the racy window). Pure.
pub fn threads_for(asked: Option<u32>, engine_cpus: u32) -> u32 {
    asked.unwrap_or_else(|| engine_cpus.clamp(4, 256))
}

/// The seconds check_package.py may spend on its pytest runs: the
/// container's timeout less a margin for starting and reporting, so that a
/// hanging run is stopped (and said so) before the container is. Pure.
pub fn tests_budget(timeout: std::time::Duration) -> u64 {
    let seconds = timeout.as_secs();
    seconds.saturating_sub((seconds / 10).clamp(5, 60)).max(1)
}

/// check_package.py's tests arguments. Pure.
pub fn tests_args(work: &str, threads: u32, budget: u64, job: &TestsJob) -> Vec<String> {
    let mut args: Vec<String> = [
        "tests",
        "--work",
        work,
        "--threads",
        &threads.to_string(),
        "--budget",
        &budget.to_string(),
    ]
    .map(String::from)
    .to_vec();
    if let Some(path) = &job.path {
        args.push(format!("--cwd={TESTS_MOUNT}"));
        // A file is mounted inside the folder under its own name.
        if path.is_file() {
            if let Some(name) = path.file_name() {
                args.extend(["--".into(), name.to_string_lossy().into_owned()]);
            }
        }
    }
    if !job.pytest_args.is_empty() {
        if !args.iter().any(|a| a == "--") {
            args.push("--".into());
        }
        args.extend(job.pytest_args.iter().cloned());
    }
    args
}

/// check_package.py's `package-tests` line, or its `package-tests-plain`
/// one (printed before the parallel run: no `parallel` yet).
#[derive(Debug, Deserialize)]
struct TestsLine {
    gil_forced_off: bool,
    plain: TestRun,
    #[serde(default)]
    parallel: Option<TestRun>,
    #[serde(default)]
    parallel_threads: u32,
}

/// The tests container's report. When only the plain run's was printed,
/// the parallel run is the one that did not finish (a deadlock under
/// threads looks like this); with no report at all, the plain run failed
/// with what the container printed.
pub fn read_tests(out: &ContainerOutput) -> TestsOutcome {
    let why = match runner::parse_machine_line(&out.stdout) {
        Parsed::Result(v) => match serde_json::from_value::<TestsLine>(v) {
            Ok(line) => {
                let parallel = line.parallel.unwrap_or_else(|| TestRun {
                    threads: line.parallel_threads,
                    ..unfinished(out)
                });
                return TestsOutcome {
                    gil_forced_off: line.gil_forced_off,
                    plain: line.plain,
                    parallel,
                };
            }
            Err(e) => format!("unreadable tests report: {e}"),
        },
        Parsed::Malformed(why) => why,
        Parsed::Missing => String::new(),
    };
    let mut plain = TestRun {
        threads: 1,
        ..unfinished(out)
    };
    if !why.is_empty() {
        plain.output = why;
    }
    TestsOutcome {
        plain,
        ..Default::default()
    }
}

/// A run the container ended before it reported: a timeout flagged as
/// such, else the container's exit code (never 0: no report is no pass)
/// and its output's tail.
fn unfinished(out: &ContainerOutput) -> TestRun {
    if out.timed_out {
        return TestRun {
            timed_out: true,
            exit_code: -1,
            output: "the tests did not finish before the timeout (--timeout)".into(),
            ..Default::default()
        };
    }
    TestRun {
        exit_code: if out.exit_code == 0 {
            -1
        } else {
            out.exit_code
        },
        output: format!(
            "the tests step printed no report (exit code {}):\n{}\n{}",
            out.exit_code,
            runner::tail(&out.stdout, 20),
            runner::tail(&out.stderr, 20)
        ),
        ..Default::default()
    }
}

/// A run that did not pass: failures, a signal, or an exit code other
/// than 0 (5, no test collected, included).
fn failed(run: &TestRun) -> bool {
    !run.failed.is_empty() || run.signal.is_some() || run.timed_out || run.exit_code != 0
}

/// `tests/t.py::test_x (AssertionError: …; failed again in 3 of 3 reruns)`.
fn named_failures(run: &TestRun) -> String {
    let shown: Vec<String> = run
        .failed
        .iter()
        .take(3)
        .map(|f: &FailedTest| {
            let again = match f.reruns {
                0 => String::new(),
                n => format!("; failed again in {} of {n} reruns", f.failed_reruns),
            };
            format!("{} ({}{again})", f.test, f.message)
        })
        .collect();
    let more = run.failed.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// Why a run failed without naming a test: a signal, a timeout, no test.
fn run_trouble(run: &TestRun) -> String {
    match (run.signal, run.exit_code) {
        _ if run.timed_out => "pytest did not finish (timeout)".into(),
        (Some(sig), _) => format!("pytest was killed by signal {sig}"),
        (None, 5) => "no test was collected (give the tests with --tests PATH)".into(),
        (None, code) => {
            let last = run.output.lines().rev().find(|l| !l.trim().is_empty());
            format!("pytest exited {code}: {}", last.unwrap_or("").trim())
        }
    }
}

/// The verdict the tests add, or None when they passed both ways. Failing
/// plainly is "tests fail" whatever the threads did; passing plainly and
/// failing in threads is "fails under threads". Pure.
pub fn judge_tests(tests: &TestsOutcome) -> Option<(Readiness, String)> {
    let (plain, parallel) = (&tests.plain, &tests.parallel);
    if failed(plain) {
        let why = if plain.failed.is_empty() {
            run_trouble(plain)
        } else {
            format!(
                "{} of {} test(s) fail without threads: {}",
                plain.failed.len(),
                plain.failed.len() as u32 + plain.passed,
                named_failures(plain)
            )
        };
        return Some((Readiness::TestsFail, why));
    }
    if failed(parallel) {
        let gil = if tests.gil_forced_off {
            ", GIL off"
        } else {
            ""
        };
        let what = if parallel.failed.is_empty() {
            run_trouble(parallel)
        } else {
            named_failures(parallel)
        };
        let why = format!(
            "passes plainly, fails in {} threads{gil}: {what}",
            parallel.threads
        );
        return Some((Readiness::ThreadUnsafe, why));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(threads: u32, passed: u32, failed: &[(&str, u32)]) -> TestRun {
        TestRun {
            threads,
            passed,
            failed: failed
                .iter()
                .map(|(test, again)| FailedTest {
                    test: test.to_string(),
                    message: "AssertionError: assert '17' == '1042'".into(),
                    reruns: 3,
                    failed_reruns: *again,
                })
                .collect(),
            exit_code: if failed.is_empty() { 0 } else { 1 },
            seconds: 1.0,
            ..Default::default()
        }
    }

    fn outcome(plain: TestRun, parallel: TestRun) -> TestsOutcome {
        TestsOutcome {
            gil_forced_off: true,
            plain,
            parallel,
        }
    }

    const RACE: &str = "tests/test_render.py::test_render_round_trips";

    #[test]
    fn failing_only_in_threads_is_thread_unsafe_and_names_the_test() {
        let t = outcome(run(1, 2, &[]), run(8, 1, &[(RACE, 2)]));
        let (verdict, why) = judge_tests(&t).unwrap();
        assert_eq!(verdict, Readiness::ThreadUnsafe);
        assert_eq!(
            why,
            format!(
                "passes plainly, fails in 8 threads, GIL off: {RACE} (AssertionError: assert \
                 '17' == '1042'; failed again in 2 of 3 reruns)"
            )
        );
        // A crash under threads only is thread-unsafety too.
        let mut crashed = run(8, 0, &[]);
        (crashed.signal, crashed.exit_code) = (Some(11), -11);
        let (verdict, why) = judge_tests(&outcome(run(1, 2, &[]), crashed)).unwrap();
        assert_eq!(verdict, Readiness::ThreadUnsafe);
        assert!(why.ends_with("pytest was killed by signal 11"), "{why}");
    }

    #[test]
    fn failing_plainly_is_tests_fail_whatever_the_threads_did() {
        let t = outcome(run(1, 1, &[(RACE, 3)]), run(8, 2, &[]));
        let (verdict, why) = judge_tests(&t).unwrap();
        assert_eq!(verdict, Readiness::TestsFail);
        assert!(
            why.starts_with("1 of 2 test(s) fail without threads: "),
            "{why}"
        );
        let mut none = run(1, 0, &[]);
        none.exit_code = 5;
        let (verdict, why) = judge_tests(&outcome(none, run(8, 0, &[]))).unwrap();
        assert_eq!(verdict, Readiness::TestsFail);
        assert!(why.contains("no test was collected"), "{why}");
    }

    #[test]
    fn passing_both_ways_adds_no_verdict() {
        assert_eq!(judge_tests(&outcome(run(1, 2, &[]), run(8, 2, &[]))), None);
    }

    #[test]
    fn many_failures_are_counted_not_all_listed() {
        let names: Vec<String> = (0..5).map(|i| format!("t.py::t{i}")).collect();
        let failed: Vec<(&str, u32)> = names.iter().map(|n| (n.as_str(), 3)).collect();
        let why = judge_tests(&outcome(run(1, 5, &[]), run(4, 0, &failed)))
            .unwrap()
            .1;
        assert!(why.ends_with(" and 2 more"), "{why}");
        assert!(
            why.contains("t.py::t2") && !why.contains("t.py::t3"),
            "{why}"
        );
    }

    #[test]
    fn the_report_is_read_and_its_absence_is_a_failed_run() {
        let out = |stdout: &str, timed_out| ContainerOutput {
            stdout: stdout.into(),
            stderr: "boom".into(),
            exit_code: 137,
            timed_out,
            ..Default::default()
        };
        let line = r#"PYBENCH_RESULT {"schema":1,"kind":"package-tests","gil_forced_off":true,"plain":{"passed":2,"skipped":0,"failed":[],"threads":1,"exit_code":0,"signal":null,"seconds":0.8,"output":""},"parallel":{"passed":1,"skipped":0,"failed":[{"test":"t.py::x","message":"assert 1 == 2","reruns":3,"failed_reruns":3}],"threads":4,"exit_code":1,"signal":null,"seconds":0.7,"output":"..."}}"#;
        let t = read_tests(&out(line, false));
        assert!(t.gil_forced_off);
        assert_eq!(t.parallel.failed[0].test, "t.py::x");
        assert_eq!(t.parallel.failed[0].failed_reruns, 3);
        let missing = read_tests(&out("Traceback", false));
        assert_eq!(missing.plain.exit_code, 137);
        assert!(missing.plain.output.contains("no report"), "{missing:?}");
        assert_eq!(
            judge_tests(&missing).unwrap().0,
            Readiness::TestsFail,
            "no report is no pass"
        );
        let late = read_tests(&out("", true));
        assert!(late.plain.timed_out);
        assert!(judge_tests(&late).unwrap().1.contains("timeout"));
        // A report that is no object is no pass either, whatever the exit.
        let mut broken = out("PYBENCH_RESULT [1]", false);
        broken.exit_code = 0;
        let broken = read_tests(&broken);
        assert!(
            broken.plain.output.contains("not a JSON object"),
            "{broken:?}"
        );
        assert_eq!(judge_tests(&broken).unwrap().0, Readiness::TestsFail);
    }

    const PLAIN_PASSED: &str = r#"PYBENCH_RESULT {"schema":1,"kind":"package-tests-plain","gil_forced_off":true,"plain":{"passed":2,"skipped":0,"failed":[],"threads":1,"exit_code":0,"signal":null,"timed_out":false,"seconds":350.0,"output":""},"parallel_threads":8}"#;

    #[test]
    fn a_parallel_run_cut_short_after_a_plain_pass_fails_under_threads() {
        // The container's timeout struck during the parallel run.
        let out = ContainerOutput {
            stdout: format!("plain (1 thread): exit 0\n{PLAIN_PASSED}\n"),
            exit_code: -1,
            timed_out: true,
            ..Default::default()
        };
        let t = read_tests(&out);
        assert_eq!((t.plain.passed, t.plain.seconds), (2, 350.0));
        assert!(t.parallel.timed_out && t.parallel.threads == 8, "{t:?}");
        let (verdict, why) = judge_tests(&t).unwrap();
        assert_eq!(verdict, Readiness::ThreadUnsafe);
        assert_eq!(
            why,
            "passes plainly, fails in 8 threads, GIL off: pytest did not finish (timeout)"
        );
        assert_eq!(t.summary(), "2/2 plain · timeout ×8");
        // Killed otherwise (out of memory): the exit code says so.
        let out = ContainerOutput {
            timed_out: false,
            exit_code: 137,
            ..out
        };
        let t = read_tests(&out);
        assert!(!t.parallel.timed_out);
        let (verdict, why) = judge_tests(&t).unwrap();
        assert_eq!(verdict, Readiness::ThreadUnsafe);
        assert!(why.contains("pytest exited 137"), "{why}");
    }

    #[test]
    fn a_run_s_own_timeout_is_told_from_a_signal() {
        let mut late = run(8, 1, &[]);
        (late.timed_out, late.exit_code) = (true, -1);
        let why = judge_tests(&outcome(run(1, 2, &[]), late)).unwrap().1;
        assert!(why.ends_with("pytest did not finish (timeout)"), "{why}");
        // SIGHUP's exit code is -1 too: a signal, not a timeout.
        let mut hung_up = run(8, 1, &[]);
        (hung_up.signal, hung_up.exit_code) = (Some(1), -1);
        let why = judge_tests(&outcome(run(1, 2, &[]), hung_up)).unwrap().1;
        assert!(why.ends_with("pytest was killed by signal 1"), "{why}");
    }

    #[test]
    fn container_arguments() {
        let job = TestsJob::default();
        assert_eq!(
            tests_args("/out/3.13t", 8, 840, &job),
            [
                "tests",
                "--work",
                "/out/3.13t",
                "--threads",
                "8",
                "--budget",
                "840"
            ]
        );
        let job = TestsJob {
            path: Some("/no/such/folder".into()),
            pytest_args: vec!["-k".into(), "render".into()],
            threads: None,
        };
        assert_eq!(
            tests_args("/w", 4, 60, &job)[7..],
            ["--cwd=/tests", "--", "-k", "render"]
        );
        assert_eq!(threads_for(None, 2), 4);
        assert_eq!(threads_for(None, 16), 16);
        assert_eq!(threads_for(Some(2), 16), 2);
    }

    #[test]
    fn the_pytest_runs_end_before_the_container_does() {
        use std::time::Duration;
        assert_eq!(tests_budget(Duration::from_secs(900)), 840);
        assert_eq!(tests_budget(Duration::from_secs(300)), 270);
        assert_eq!(tests_budget(Duration::from_secs(20)), 15);
        assert_eq!(tests_budget(Duration::from_secs(3)), 1);
    }
}
