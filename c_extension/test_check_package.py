"""Unit tests for check_package.py's pure parts and its child processes
(run with the host's python3 by tests/python.rs)."""

import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_package  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def run_child(*args, env=None):
    return subprocess.run([sys.executable, os.path.join(HERE, "check_package.py")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def machine_line(text):
    import json

    lines = [line for line in text.splitlines() if line.startswith(check_package.RESULT_PREFIX)]
    return json.loads(lines[-1][len(check_package.RESULT_PREFIX):])


class ExtensionModules(unittest.TestCase):
    def test_dotted_names_from_wheel_entries(self):
        names = [
            "pb_multi/__init__.py",
            "pb_multi/_core.cpython-313t-x86_64-linux-gnu.so",
            "pb_multi/sub/_fast.abi3.so",
            "pb_multi/_ft.abi3t.so",
            "top.cpython-314-x86_64-linux-gnu.so",
            "pb_multi.libs/libfoo-1a2b.so.1",
            "pb_multi-1.0.data/scripts/tool.so",
            "not-a-module/x.so",
        ]
        self.assertEqual(
            check_package.extension_modules(names),
            ["pb_multi._core", "pb_multi._ft", "pb_multi.sub._fast", "top"],
        )

    def test_a_missing_build_requirement_is_named(self):
        log = "ERROR: Could not find a version that satisfies the requirement pb-buildhelper==1.0\n" \
              "ERROR: No matching distribution found for pb-buildhelper==1.0"
        self.assertEqual(check_package._MISSING_REQUIREMENT.search(log).group(1), "pb-buildhelper")


class Requires(unittest.TestCase):
    def test_the_backend_is_asked_offline_for_what_it_needs_at_build_time(self):
        """tests/packages/dynamic_helper's in-tree backend asks for pb-buildhelper;
        setuptools comes from .ci/setup's wheelhouse (the test is skipped without it)."""
        import shutil
        import tempfile

        root = os.path.dirname(HERE)
        house = os.path.join(root, "target", "wheelhouse")
        pip = os.path.join(house, "pip-26.3-py3-none-any.whl")
        setuptools = [f for f in os.listdir(house) if f.startswith("setuptools-")] if os.path.isdir(house) else []
        if not os.path.isfile(pip) or not setuptools:
            self.skipTest("no target/wheelhouse: run .ci/setup")
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(house, setuptools[0]), tmp)
            work = os.path.join(tmp, "work")
            out = run_child("requires", "--pip", pip, "--src", os.path.join(root, "tests/packages/dynamic_helper"),
                            "--work", work, "--wheelhouse", tmp)
            self.assertEqual(machine_line(out.stdout), {"schema": 1, "kind": "package-requires",
                                                        "requires": ["pb-buildhelper==1.0"], "error": None})
            # A backend that cannot be imported is said, not raised.
            out = run_child("requires", "--pip", pip, "--src", os.path.join(root, "tests/packages/broken"),
                            "--work", work, "--wheelhouse", os.path.join(tmp, "empty"))
            self.assertIn("installing the build requirements failed", machine_line(out.stdout)["error"])

    def test_pep_517_defaults_without_a_build_system(self):
        import tempfile

        with tempfile.TemporaryDirectory() as src:
            self.assertEqual(check_package.build_system(src),
                             (["setuptools>=40.8.0"], "setuptools.build_meta:__legacy__", None))


class Fallback(unittest.TestCase):
    def test_native_sources_are_found_outside_build_outputs(self):
        import tempfile

        with tempfile.TemporaryDirectory() as src:
            for path in ("src/speedups.c", "pkg/fast.pyx", "pkg/__init__.py", "build/x.c", ".git/y.c"):
                os.makedirs(os.path.dirname(os.path.join(src, path)), exist_ok=True)
                open(os.path.join(src, path), "w").close()
            self.assertEqual(check_package.native_sources(src), ["pkg/fast.pyx", "src/speedups.c"])

    def test_compiler_errors_caught_by_setuptools_are_kept(self):
        log = "\n".join([
            "  running build_ext",
            "  src/speedups.c:20:5: error: expected ‘,’ or ‘;’ before ‘return’",
            "  src/speedups.c:19:15: warning: unused variable ‘seven’ [-Wunused-variable]",
            '  warning: build_ext: building extension "pb_fallback._speedups" failed: Command gcc returned 1',
            "  pb.c:1:10: fatal error: Python.h: No such file or directory",
            "  error: subprocess-exited-with-error",
        ])
        self.assertEqual(check_package.compiler_errors(log), [
            "src/speedups.c:20:5: error: expected ‘,’ or ‘;’ before ‘return’",
            'warning: build_ext: building extension "pb_fallback._speedups" failed: Command gcc returned 1',
            "pb.c:1:10: fatal error: Python.h: No such file or directory",
        ])


class PytestOutcomes(unittest.TestCase):
    def test_a_test_fails_when_any_phase_failed_and_keeps_its_first_message(self):
        import json

        import pytest_outcomes

        def line(test, when, outcome, message=""):
            return json.dumps({"test": test, "when": when, "outcome": outcome, "message": message})

        lines = [
            line("t.py::ok", "call", "passed"),
            line("t.py::race", "call", "failed", "AssertionError: assert '17' == '1042'"),
            line("t.py::race", "teardown", "failed", "later"),
            line("t.py::fixture", "setup", "failed", "RuntimeError: no db"),
            line("t.py::skip", "setup", "skipped", "no numpy"),
            line("<collection>", "collect", "failed", "ImportError: x"),
            "",
        ]
        self.assertEqual(pytest_outcomes.summarise(lines), {
            "passed": 1,
            "skipped": 1,
            "failed": [
                {"test": "t.py::race", "message": "AssertionError: assert '17' == '1042'"},
                {"test": "t.py::fixture", "message": "RuntimeError: no db"},
                {"test": "<collection>", "message": "ImportError: x"},
            ],
        })

    def test_a_rerun_names_its_tests_itself(self):
        import tempfile

        with tempfile.TemporaryDirectory() as cwd:
            os.makedirs(os.path.join(cwd, "tests"))
            kept = check_package.rerun_arguments(["-k", "render", "tests", "t.py::x", "-x"], cwd)
            self.assertEqual(kept, ["-k", "render", "-x"])


class ImportGraph(unittest.TestCase):
    def test_top_level_names_of_a_wheel(self):
        names = ["pb/__init__.py", "pb/_core.cpython-313t-x86_64-linux-gnu.so", "top.cpython-314-x86_64-linux-gnu.so",
                 "mod.py", "pb-1.0.dist-info/RECORD", "pb-1.0.data/scripts/x", "not-a-name/x.py", "_c.abi3.so"]
        self.assertEqual(check_package.top_level(names), ["_c", "mod", "pb", "top"])

    def test_the_graph_child_imports_and_reports(self):
        done = run_child("graph-one", "json,pb_surely_not_installed")
        self.assertEqual(done.returncode, 1)
        result = machine_line(done.stdout)
        self.assertEqual(result["top_level"], ["json", "pb_surely_not_installed"])
        self.assertIsNone(result["reenabled_by"])
        self.assertIn("pb_surely_not_installed: ModuleNotFoundError", result["error"])


class Children(unittest.TestCase):
    def test_an_import_failure_names_the_missing_module(self):
        done = run_child("import-one", "pb_surely_not_installed.sub")
        self.assertEqual(done.returncode, 1)
        result = machine_line(done.stdout)
        self.assertFalse(result["imported"])
        self.assertEqual(result["missing"], "pb_surely_not_installed")
        self.assertEqual(result["error"]["type"], "ModuleNotFoundError")

    def test_smoke_errors_are_counted_per_thread(self):
        done = run_child("smoke-one", "--threads", "3", "raise KeyError('k')")
        result = machine_line(done.stdout)
        self.assertEqual(done.returncode, 1)
        self.assertEqual(len(result["errors"]), 3)
        self.assertTrue(all(e["type"] == "KeyError" for e in result["errors"]), result)
        done = run_child("smoke-one", "--threads", "2", "import sys; sys.exit(0)")
        self.assertEqual(machine_line(done.stdout)["errors"], [])

    def test_check_tells_a_crash_from_an_exception(self):
        env = dict(os.environ)
        done = run_child("check", "--work", HERE, "--modules", "", "--smoke",
                         "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "--smoke-threads", "2", env=env)
        smoke = machine_line(done.stdout)["smoke"]
        self.assertEqual(smoke["signal"], 11)
        done = run_child("check", "--work", HERE, "--modules", "", "--smoke", "-m this", env=env)
        smoke = machine_line(done.stdout)["smoke"]
        self.assertIsNone(smoke["signal"])
        self.assertEqual((smoke["exit_code"], smoke["errors"]), (0, []))


# A stand-in for pytest in the tests step's children (`python -m pytest`):
# passes plainly; in threads, hangs (a deadlock) or dies of SIGHUP, as
# $PB_FAKE_PYTEST says.
FAKE_PYTEST = """
import os, signal, sys, time
threads = int(sys.argv[sys.argv.index("--parallel-threads") + 1])
print("fake pytest in %d threads" % threads, flush=True)
if threads > 1 and os.environ["PB_FAKE_PYTEST"] == "hang":
    time.sleep(3600)
if threads > 1 and os.environ["PB_FAKE_PYTEST"] == "hup":
    # Default action first: a parent run under nohup hands SIGHUP down ignored.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGHUP)
"""


class TestsStep(unittest.TestCase):
    def run_tests_step(self, behaviour, budget, timeout=None):
        """check_package.py tests with the stand-in pytest; (machine lines, seconds)."""
        import json
        import signal
        import tempfile
        import time

        with tempfile.TemporaryDirectory() as work:
            os.makedirs(os.path.join(work, "site", "pytest"))
            open(os.path.join(work, "site", "pytest", "__init__.py"), "w").close()
            with open(os.path.join(work, "site", "pytest", "__main__.py"), "w") as fake:
                fake.write(FAKE_PYTEST)
            env = dict(os.environ, PB_FAKE_PYTEST=behaviour)
            command = [sys.executable, os.path.join(HERE, "check_package.py"), "tests", "--work", work,
                       "--threads", "4", "--budget", str(budget), "--cwd", work]
            start = time.monotonic()
            # Its own process group, so that a kill takes the hanging pytest too.
            child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     start_new_session=True)
            try:
                out, _ = child.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:  # the container's timeout, played here
                os.killpg(child.pid, signal.SIGKILL)
                out, _ = child.communicate()
            seconds = time.monotonic() - start
        lines = [json.loads(line[len(check_package.RESULT_PREFIX):]) for line in out.splitlines()
                 if line.startswith(check_package.RESULT_PREFIX)]
        return lines, seconds

    def test_the_plain_outcome_is_printed_before_a_parallel_run_that_never_ends(self):
        # The hanging run is killed after `timeout`: long enough for the plain
        # run to print first on a loaded machine (5 s failed once at load 8).
        lines, _ = self.run_tests_step("hang", budget=600, timeout=15)
        self.assertEqual([line["kind"] for line in lines], ["package-tests-plain"])
        plain = lines[0]["plain"]
        self.assertEqual((plain["exit_code"], plain["timed_out"], plain["threads"]), (0, False, 1))
        self.assertEqual(lines[0]["parallel_threads"], 4)

    def test_a_hanging_parallel_run_is_stopped_within_the_budget_and_flagged(self):
        lines, seconds = self.run_tests_step("hang", budget=4, timeout=60)
        self.assertEqual([line["kind"] for line in lines], ["package-tests-plain", "package-tests"])
        parallel = lines[-1]["parallel"]
        self.assertTrue(parallel["timed_out"], parallel)
        self.assertIsNone(parallel["signal"])
        # What it printed, decoded (TimeoutExpired keeps bytes), not b'...'.
        self.assertIn("s\nfake pytest in 4 threads\n", parallel["output"])
        self.assertLess(seconds, 30)

    def test_sighup_is_a_signal_not_a_timeout(self):
        lines, _ = self.run_tests_step("hup", budget=60, timeout=60)
        parallel = lines[-1]["parallel"]
        self.assertEqual((parallel["exit_code"], parallel["signal"], parallel["timed_out"]), (-1, 1, False))

    def test_run_status_and_a_timeout_s_bytes(self):
        self.assertEqual(check_package.run_status(-11, False), {"exit_code": -11, "signal": 11, "timed_out": False})
        self.assertEqual(check_package.run_status(1, False)["signal"], None)
        self.assertEqual(check_package.run_status(-1, True), {"exit_code": -1, "signal": None, "timed_out": True})
        self.assertEqual(check_package.output_text(b"caf\xc3\xa9 \xff"), "caf\u00e9 \ufffd")
        self.assertEqual(check_package.output_text(None), "")
        self.assertEqual(check_package.phase_deadlines(100.0, 870), (535.0, 970.0))


if __name__ == "__main__":
    unittest.main()


class TsanLog(unittest.TestCase):
    def test_the_log_path_is_read_from_tsan_options(self):
        self.assertEqual(check_package.tsan_log_prefix("suppressions=/s.txt log_path=/tmp/x exitcode=0"), "/tmp/x")
        self.assertEqual(check_package.tsan_log_prefix("halt_on_error=0:log_path=/tmp/y"), "/tmp/y")
        self.assertIsNone(check_package.tsan_log_prefix("exitcode=0"))
        self.assertIsNone(check_package.tsan_log_prefix(None))
        self.assertEqual(check_package.tsan_log(options="exitcode=0"), "")

    def test_every_process_log_is_read_once_oldest_first_and_cut(self):
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            prefix = os.path.join(folder, "tsan")
            for pid, text, when in (("12", "second\n", 2000), ("7", "first\n", 1000)):
                path = "%s.%s" % (prefix, pid)
                with open(path, "w") as log:
                    log.write(text)
                os.utime(path, (when, when))
            with open(os.path.join(folder, "other.1"), "w") as log:
                log.write("not ours")
            options = "log_path=%s exitcode=0" % prefix
            self.assertEqual(check_package.tsan_log(options=options), "first\nsecond\n")
            self.assertEqual(check_package.tsan_log(options=options), "")
            with open(prefix + ".3", "w") as log:
                log.write("x" * 100)
            cut = check_package.tsan_log(options=options, limit=10)
            self.assertTrue(cut.startswith("x" * 10 + "\n... (cut at 10 bytes)"), cut)
