"""Unit tests of counts.py: Callgrind's files, the cycle model, the window's bookkeeping."""

import os
import tempfile
import unittest

import counts
import harness

# A file as Callgrind 3.24 writes it for one window (trailing zero counts left out).
DUMP = """version: 1
creator: callgrind-3.24.0
pid: 7
cmd:  python3 gil.py
part: 2

desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: D1 cache: 32768 B, 64 B, 8-way associative
desc: LL cache: 8388608 B, 64 B, 16-way associative
desc: Timerange: Basic block 0 - 15044115
desc: Trigger: Client Request: pybench window

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
summary: 26272842 6983646 3607959 322 5560 2129


totals: 26272832 6983646 3607953 321 5560 2129
"""


class ParseTest(unittest.TestCase):
    def test_summary_counts_by_event_missing_ones_zero(self):
        events = counts.parse_callgrind(DUMP)
        self.assertEqual(events["Ir"], 26272842)
        self.assertEqual(events["D1mw"], 2129)
        self.assertEqual(events["DLmw"], 0)
        self.assertEqual(len(events), 9)

    def test_a_file_without_events_or_summary_is_refused(self):
        for text in ("", "events: Ir\n", "summary: 3\n"):
            with self.assertRaises(counts.CountsError):
                counts.parse_callgrind(text)
        with self.assertRaises(counts.CountsError):
            counts.parse_callgrind("events: Ir\nsummary: 1 2\n")
        with self.assertRaises(counts.CountsError):
            counts.parse_callgrind("events: Ir\nsummary: x\n")

    def test_cycles_weigh_hits_and_misses(self):
        events = dict(Ir=100, Dr=50, Dw=10, I1mr=4, D1mr=3, D1mw=3, ILmr=1, DLmr=1, DLmw=0)
        # L1 hits 160 - 10 = 150, LL hits 10 - 2 = 8, RAM 2: 150 + 40 + 70.
        self.assertEqual(counts.estimated_cycles(events), 260)
        self.assertIsNone(counts.estimated_cycles({"Ir": 5}))

    def test_the_bracketing_is_taken_off_never_below_zero(self):
        self.assertEqual(counts.minus({"Ir": 10, "Dr": 1}, {"Ir": 3, "Dr": 2}), {"Ir": 7, "Dr": 0})


class FakeWindow:
    """Counts `work(loops)` as 1000 instructions a loop plus 50 of bracketing."""

    def __init__(self):
        self.calls = []

    def count(self, work, loops):
        self.calls.append(loops)
        work(loops)
        ir = 50 + (0 if work is counts._nothing else 1000 * loops)
        return dict(Ir=ir, Dr=0, Dw=0, I1mr=0, D1mr=0, D1mw=0, ILmr=0, DLmr=0, DLmw=0)

    count_in_worker = count


class MeasureTest(unittest.TestCase):
    def test_calibration_counts_and_every_value_is_per_loop_without_bracketing(self):
        window = FakeWindow()
        options = harness.Options(values=3, warmups=1)
        record = counts.measure("w", lambda loops: None, options, window=window,
                                environ={"PYBENCH_MIN_INSTRUCTIONS": "5000"})
        # 1000 a loop: 8 loops is the first power of two past 5000.
        self.assertEqual(record["loops"], 8)
        self.assertEqual(record["values"], [1000.0] * 3)
        self.assertEqual(record["warmups"], [1000.0])
        self.assertEqual(record["cycles"], [1000.0] * 3)
        self.assertEqual(record["window_overhead"]["Ir"], 50)
        self.assertEqual(record["unit"], "instructions")
        self.assertEqual(len(record["counts"]), 3)

    def test_outside_valgrind_or_the_layer_the_window_says_why(self):
        with self.assertRaises(counts.CountsError) as caught:
            counts.window_from_env({})
        self.assertIn("--measure instructions", str(caught.exception))
        with self.assertRaises(counts.CountsError):
            counts.Window("/nonexistent/libpybench_window.so", "/tmp/x")

    def test_the_harness_refuses_threads_when_counting(self):
        os.environ["PYBENCH_MEASURE"] = "instructions"
        try:
            with self.assertRaises(ValueError) as caught:
                harness.measure("w", lambda loops: None, threads=2)
            self.assertIn("one thread", str(caught.exception))
        finally:
            del os.environ["PYBENCH_MEASURE"]

    def test_a_window_reads_its_own_file_and_removes_it(self):
        folder = tempfile.mkdtemp()
        out = os.path.join(folder, "cg.out")
        window = counts.Window.__new__(counts.Window)
        window._out, window._dumps = out, 0

        class Lib:
            def pybench_window_open(self):
                pass

            def pybench_window_close(self):
                with open("%s.%d" % (out, window._dumps + 1), "w") as handle:
                    handle.write(DUMP)

        window._lib = Lib()
        self.assertEqual(window.count(lambda loops: None, 1)["Ir"], 26272842)
        self.assertFalse(os.path.exists(out + ".1"))
        self.assertEqual(window.count_in_worker(lambda loops: None, 1)["Dr"], 6983646)


if __name__ == "__main__":
    unittest.main()
