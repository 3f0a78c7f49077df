"""Unit tests of count_pyperf.py: the alternating clock, its checks, the records, the options."""

import os
import sys
import types
import unittest

import count_pyperf
import counts

EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


class FakeWindow:
    """A window whose every region counts what ``work`` says it did, plus 40 of bracketing."""

    def __init__(self):
        self.is_open = False
        self.pending = 0  # instructions done inside the open window
        self.dumps = []

    def switches(self):
        def on():
            assert not self.is_open
            self.is_open, self.pending = True, 40

        def off():
            assert self.is_open
            self.is_open = False
            self.dumps.append(self.pending)

        return on, off

    def do(self, n):
        if self.is_open:
            self.pending += n

    def read_dump(self):
        ir = self.dumps.pop(0)
        return dict({e: 0 for e in EVENTS}, Ir=ir, Dr=ir // 2)


def task(name, inner_loops=None):
    return types.SimpleNamespace(name=name, inner_loops=inner_loops)


class ClockTest(unittest.TestCase):
    def test_calls_open_and_close_in_turn_and_return_real_times(self):
        window = FakeWindow()
        ticks = iter(range(100))
        clock = count_pyperf.Clock(window, real=lambda: next(ticks))
        t0 = clock()
        window.do(1000)
        dt = clock() - t0
        self.assertGreater(dt, 0)
        self.assertEqual(clock.take("b")[0]["Ir"], 1040)

    def test_an_odd_number_of_calls_is_an_error_and_closes_the_window(self):
        window = FakeWindow()
        clock = count_pyperf.Clock(window)
        clock(), clock(), clock()
        with self.assertRaises(counts.CountsError) as caught:
            clock.take("benchmark 'x'")
        self.assertIn("odd number of times (3)", str(caught.exception))
        self.assertFalse(window.is_open)

    def test_no_call_is_an_error(self):
        with self.assertRaises(counts.CountsError) as caught:
            count_pyperf.Clock(FakeWindow()).take("benchmark 'x'")
        self.assertIn("never read pyperf's clock", str(caught.exception))


class CounterTest(unittest.TestCase):
    def counter(self, threads=1):
        self.window = FakeWindow()
        self.module = types.SimpleNamespace(perf_counter=lambda: 0.0)
        return count_pyperf.Counter(self.window, [self.module], threads=lambda: threads)

    def test_only_the_regions_count_and_the_bracketing_is_taken_off(self):
        counter = self.counter()
        self.assertEqual(counter.overhead["Ir"], 40)
        window, module = self.window, self.module

        def time_func(_, loops):  # the shape of a bench_time_func benchmark
            window.do(10 ** 6)  # set-up, never counted
            total = 0.0
            for _ in range(2):  # two timed regions per value, as deepcopy has
                t0 = module.perf_counter()
                window.do(500 * loops)
                total += module.perf_counter() - t0
                window.do(10 ** 6)  # between regions: not counted either
            return total

        counted = counter.task(time_func)
        for _ in range(3):
            self.assertEqual(counted(task("b", inner_loops=10), 4), 4000.0)
        records = counter.records(1, 2, {})
        self.assertEqual(len(records), 1)
        r = records[0]
        # 2 regions × 500 × 4 loops, per loop × inner loop: 4000 / 40.
        self.assertEqual(r["values"], [100.0, 100.0])
        self.assertEqual(r["warmups"], [100.0])
        self.assertEqual(r["regions"], [2, 2])
        self.assertEqual(r["unit"], "instructions")
        self.assertEqual(r["counts"][0]["Dr"], 2 * (1020 - 20))
        self.assertIsNotNone(r["cycles"][0])
        # The clock is pyperf's only while a value is computed.
        self.assertNotIsInstance(module.perf_counter, count_pyperf.Clock)

    def test_a_second_thread_alive_is_refused(self):
        counter = self.counter(threads=2)
        module = self.module

        def func(_, loops):
            t0 = module.perf_counter()
            return module.perf_counter() - t0

        with self.assertRaises(counts.CountsError) as caught:
            counter.task(func)(task("b"), 1)
        self.assertIn("2 threads", str(caught.exception))

    def test_a_missing_value_is_an_error(self):
        counter = self.counter()
        module = self.module

        def func(_, loops):
            t0 = module.perf_counter()
            self.window.do(7)
            return module.perf_counter() - t0

        counter.task(func)(task("b"), 1)
        with self.assertRaises(counts.CountsError) as caught:
            counter.records(1, 3, {})
        self.assertIn("computed 1 values", str(caught.exception))


class OptionsTest(unittest.TestCase):
    def test_loops_warmups_values_are_taken_out_and_the_rest_kept(self):
        settings, rest = count_pyperf.split_options(
            ["--values", "2", "-w0", "--loops=3", "--iterations", "5"])
        self.assertEqual(settings, {"loops": 3, "warmups": 0, "values": 2})
        self.assertEqual(rest, ["--iterations", "5"])
        self.assertEqual(count_pyperf.split_options([])[0], count_pyperf.DEFAULTS)
        for bad in (["-n", "x"], ["-n", "0"], ["--loops=0"], ["-w", "-1"]):
            with self.assertRaises(counts.CountsError):
                count_pyperf.split_options(bad)

    def test_the_child_runs_this_file_under_the_given_valgrind(self):
        argv = count_pyperf.child_command(["valgrind", "--tool=callgrind"], "/t/o.json",
                                          {"loops": 1, "warmups": 1, "values": 2},
                                          "/w/run_benchmark.py", ["x"], executable="/py")
        self.assertEqual(argv[:3], ["valgrind", "--tool=callgrind", "/py"])
        self.assertTrue(argv[3].endswith("count_pyperf.py"))
        self.assertEqual(argv[-3:], ["--", "/w/run_benchmark.py", "x"])
        self.assertIn("--values", argv)

    def test_the_valgrind_prefix_comes_from_the_driver(self):
        self.assertEqual(count_pyperf.valgrind_prefix({"PYBENCH_VALGRIND": '["valgrind"]'}),
                         ["valgrind"])
        for bad in ({}, {"PYBENCH_VALGRIND": "valgrind"}, {"PYBENCH_VALGRIND": "[]"}):
            with self.assertRaises(counts.CountsError):
                count_pyperf.valgrind_prefix(bad)

    def test_threads_are_read_from_proc(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__threads_status")
        with open(path, "w") as handle:
            handle.write("Name:\tpython\nThreads:\t3\n")
        try:
            self.assertEqual(count_pyperf.threads_alive(path), 3)
        finally:
            os.unlink(path)
        self.assertIsNone(count_pyperf.threads_alive("/nonexistent/status"))


WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "target",
                     "wheelhouse", "pyperf-2.11.0-py3-none-any.whl")


class InstallTest(unittest.TestCase):
    def test_pyperfs_worker_tasks_are_counted_and_bench_command_refused(self):
        if not os.path.exists(WHEEL):
            if os.environ.get("CI"):
                self.fail("no %s: .ci/setup downloads it" % WHEEL)
            self.skipTest("run .ci/setup first: it downloads the pyperf wheel")
        sys.path.insert(0, WHEEL)
        try:
            import pyperf
            import pyperf._runner as runner_module
        finally:
            sys.path.remove(WHEEL)
        saved = runner_module.WorkerProcessTask, pyperf.Runner.bench_command
        try:
            counter = CounterTest.counter(self)
            count_pyperf.install(counter)
            runner = types.SimpleNamespace(args=types.SimpleNamespace(loops=1),
                                           _custom_hooks=[], metadata={})
            made = runner_module.WorkerProcessTask(runner, "x", lambda t, loops: 1.0, None)
            self.assertEqual(made.metadata["unit"], "integer")
            with self.assertRaises(counts.CountsError) as caught:
                pyperf.Runner.bench_command(None, "startup", ["python", "-c", "pass"])
            self.assertIn("bench_command", str(caught.exception))
        finally:
            runner_module.WorkerProcessTask, pyperf.Runner.bench_command = saved


if __name__ == "__main__":
    unittest.main()
