"""Unit tests of harness.py, gil.py and jit.py (run by `cargo test`: tests/python.rs).

    python3 -m unittest discover -s benchmarks -p 'test_*.py'
"""

import argparse
import io
import json
import os
import sys
import threading
import time
import unittest
from contextlib import redirect_stdout

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gil  # noqa: E402
import harness  # noqa: E402
import jit  # noqa: E402
import run_script  # noqa: E402


class Calibration(unittest.TestCase):
    def test_doubles_until_the_minimum_time(self):
        # 1 ms per loop: 128 loops is the first power of two reaching 0.1 s.
        asked = []

        def timer(loops):
            asked.append(loops)
            return loops * 0.001

        self.assertEqual(harness.calibrate(None, 0.1, timer=timer), 128)
        self.assertEqual(asked[0], 1)
        self.assertTrue(all(b > a for a, b in zip(asked, asked[1:])))

    def test_a_slow_workload_takes_one_loop(self):
        self.assertEqual(harness.calibrate(None, 0.1, timer=lambda loops: 0.5 * loops), 1)

    def test_jumps_when_a_run_was_long_enough_to_time(self):
        asked = []

        def timer(loops):
            asked.append(loops)
            return loops * 0.01  # 10 ms per loop

        loops = harness.calibrate(None, 0.1, timer=timer)
        self.assertEqual(loops, 16)
        self.assertLessEqual(len(asked), 4)

    def test_stops_at_the_loop_ceiling(self):
        self.assertEqual(harness.calibrate(None, 1.0, timer=lambda loops: 0.0), harness.MAX_LOOPS)


class Measuring(unittest.TestCase):
    def test_counts_and_units(self):
        calls = []

        def work(loops):
            calls.append(loops)
            time.sleep(0.001 * loops)

        options = harness.Options(values=4, warmups=2, min_time=0.01, loops=3)
        record = harness.measure("sleep", work, options=options)
        self.assertEqual(record["loops"], 3)
        self.assertEqual(len(record["values"]), 4)
        self.assertEqual(len(record["warmups"]), 2)
        self.assertEqual(calls, [3] * 6)
        for value in record["values"]:  # seconds per loop, not per value
            self.assertGreaterEqual(value, 0.001)
            self.assertLess(value, 0.05)
        self.assertNotIn("thread_values", record)
        host = record["host"]
        self.assertEqual(set(host), {"cpu_model", "governor", "load_before", "load_after", "steal"})
        if os.path.exists("/proc/stat"):
            self.assertGreaterEqual(host["steal"], 0.0)

    def test_threads_start_together_and_report_their_own_times(self):
        seen = []
        lock = threading.Lock()

        def work(loops):
            with lock:
                seen.append(threading.get_ident())
            time.sleep(0.02 * loops)

        options = harness.Options(values=2, warmups=0, min_time=0.01, loops=1)
        record = harness.measure("sleep", work, threads=3, options=options)
        self.assertEqual(len(seen), 6)  # three threads per value
        self.assertEqual(len(record["thread_values"]), 2)
        for makespan, per_thread in zip(record["values"], record["thread_values"]):
            self.assertEqual(len(per_thread), 3)
            # Sleeping threads overlap: the makespan is one sleep, not three.
            self.assertLess(makespan, 0.05)
            self.assertGreaterEqual(makespan, max(per_thread))

    def test_one_thread_runs_in_a_worker_when_asked(self):
        seen = []
        work = lambda loops: seen.append(threading.current_thread() is threading.main_thread())  # noqa: E731
        harness.time_loops(work, 1, 1)
        harness.time_loops(work, 1, 1, in_workers=True)
        harness.measure("w", work, 1, harness.Options(values=1, warmups=0, loops=1),
                        in_workers=True)
        self.assertEqual(seen, [True, False, False])

    def test_a_worker_exception_reaches_the_caller(self):
        def work(loops):
            raise RuntimeError("boom")

        options = harness.Options(values=1, warmups=0, loops=1)
        with self.assertRaisesRegex(RuntimeError, "boom"):
            harness.measure("x", work, threads=2, options=options)

    def test_gc_is_restored(self):
        import gc

        options = harness.Options(values=1, warmups=0, loops=1, gc_enabled=False)
        states = []
        harness.measure("x", lambda loops: states.append(gc.isenabled()), options=options)
        self.assertEqual(states, [False])
        self.assertTrue(gc.isenabled())


class Options(unittest.TestCase):
    def test_environment_and_flags(self):
        env = {"PYBENCH_VALUES": "7", "PYBENCH_WARMUPS": "0", "PYBENCH_MIN_TIME": "0.5",
               "PYBENCH_GC": "off"}
        options = harness.options_from_env(env)
        self.assertEqual((options.values, options.warmups, options.min_time, options.loops,
                          options.gc_enabled), (7, 0, 0.5, 0, False))
        parser = argparse.ArgumentParser()
        harness.add_arguments(parser)
        args = parser.parse_args(["--values", "3", "--loops", "2"])
        options = harness.options_from_args(args, env)
        self.assertEqual((options.values, options.warmups, options.loops), (3, 0, 2))

    def test_defaults_when_unset(self):
        options = harness.options_from_env({})
        self.assertEqual(options.values, harness.DEFAULT_VALUES)
        self.assertEqual(options.warmups, harness.DEFAULT_WARMUPS)
        self.assertTrue(options.gc_enabled)

    def test_bad_values_are_refused_with_the_variable_named(self):
        with self.assertRaisesRegex(ValueError, "PYBENCH_VALUES"):
            harness.options_from_env({"PYBENCH_VALUES": "ten"})
        with self.assertRaisesRegex(ValueError, "values must be >= 1"):
            harness.Options(values=0)
        with self.assertRaisesRegex(ValueError, "min_time"):
            harness.Options(min_time=0)


def machine_line(script, argv):
    out = io.StringIO()
    with redirect_stdout(out):
        status = script.main(argv)
    lines = out.getvalue().splitlines()
    return status, lines, json.loads(lines[-1].split(" ", 1)[1])


class PyperfResults(unittest.TestCase):
    def test_every_benchmark_becomes_a_record_without_calibration_runs(self):
        result = {"version": "1.0", "metadata": {"loops": 8},
                  "benchmarks": [
                      {"metadata": {"name": "sum"},
                       "runs": [{"metadata": {"calibrate_loops": 1}, "warmups": [[1, 0.5]]},
                                {"metadata": {"loops": 16}, "warmups": [[16, 0.3]],
                                 "values": [0.1, 0.2]},
                                {"warmups": [[16, 0.4]], "values": [0.3]}]},
                      {"metadata": {}, "runs": [{"values": [1.0]}]},
                      {"metadata": {"name": "empty"}, "runs": [{"warmups": [[1, 2.0]]}]}]}
        records = run_script.pyperf_records(result)
        self.assertEqual([r["name"] for r in records], ["sum", "benchmark 2"])
        self.assertEqual(records[0]["values"], [0.1, 0.2, 0.3])
        self.assertEqual(records[0]["warmups"], [0.3, 0.4])
        self.assertEqual((records[0]["loops"], records[1]["loops"]), (16, 8))


class PyperfArguments(unittest.TestCase):
    def test_the_users_inherit_environ_is_merged_not_overridden(self):
        rest, names = run_script._without_inherit_environ(
            ["--fast", "--inherit-environ", "A,B", "-p", "2", "--inherit-environ=C"])
        self.assertEqual((rest, names), (["--fast", "-p", "2"], ["A", "B", "C"]))


class Scripts(unittest.TestCase):
    def test_gil_reports_schema_two_with_thread_values(self):
        argv = ["-t", "2", "-n", "10", "--values", "3", "--warmups", "1", "--min-time", "0.001",
                "--no-banner"]
        status, lines, line = machine_line(gil, argv)
        self.assertEqual(status, 0)
        self.assertTrue(lines[0].startswith("Running 2 threads: "), lines[0])
        self.assertEqual(line["schema"], 2)
        bench = line["benchmarks"][0]
        self.assertEqual((len(bench["values"]), len(bench["warmups"])), (3, 1))
        self.assertEqual(len(bench["thread_values"][0]), 2)
        self.assertAlmostEqual(line["seconds"], sum(bench["values"]) / 3)

    def test_jit_keeps_the_tutorial_line_and_small_ints(self):
        argv = ["-n", "100", "--values", "2", "--min-time", "0.001", "--no-banner"]
        status, lines, line = machine_line(jit, argv)
        self.assertEqual(status, 0)
        self.assertRegex(lines[0], r"^Running fib\(\) 100 times: \d+\.\d{4}s$")
        # Every intermediate of the default fib() fits one 30-bit digit.
        self.assertLess(jit.fib(jit.DEFAULT_FIB_N + 1), 2**30)
        self.assertEqual(line["benchmarks"][0]["loops"] >= 1, True)
        self.assertEqual(jit.fib(10), 55)
        self.assertEqual(gil.fib(10), 55)


if __name__ == "__main__":
    unittest.main()
