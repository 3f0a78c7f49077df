"""Unit tests of ftscaling.py: loading a script shaped like CPython's
Tools/ftscalingbench/ftscalingbench.py as a module, choosing its patterns and
measuring them through the harness, and the machine line.

    python3 -m unittest discover -s benchmarks -p 'test_*.py'

The script is the project's own fixture (tests/fixtures/ftscaling), never
CPython's; the smallest harness options keep the file under a second.
"""

import io
import json
import os
import sys
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ftscaling  # noqa: E402
import harness  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "ftscaling", "Tools",
                       "ftscalingbench", "ftscalingbench.py")
TINY = harness.Options(values=1, warmups=0, loops=1)


class Loading(unittest.TestCase):
    def tearDown(self):
        sys.modules.pop(ftscaling.MODULE_NAME, None)

    def test_the_script_is_a_module_not_main_and_finds_itself(self):
        module = ftscaling.load(FIXTURE)
        self.assertEqual(module.__name__, ftscaling.MODULE_NAME)
        self.assertIs(sys.modules[ftscaling.MODULE_NAME], module)
        self.assertEqual(list(ftscaling.patterns_of(module)),
                         ["private_arithmetic", "one_shared_lock"])

    def test_a_file_without_all_benchmarks_is_refused(self):
        class Empty:
            pass
        with self.assertRaises(ValueError):
            ftscaling.patterns_of(Empty())

    def test_patterns_asked_for_that_are_not_registered_are_skipped_saying_what_is(self):
        registered = {"a": print, "b": print}
        self.assertEqual(ftscaling.choose(registered, []), (["a", "b"], []))
        run, skipped = ftscaling.choose(registered, ["b", "nope"])
        self.assertEqual(run, ["b"])
        self.assertEqual(skipped[0]["name"], "nope")
        self.assertIn("(it has: a, b)", skipped[0]["reason"])


class Measuring(unittest.TestCase):
    def tearDown(self):
        sys.modules.pop(ftscaling.MODULE_NAME, None)

    def test_each_pattern_is_a_record_and_one_that_raises_is_skipped(self):
        calls = []

        def fine():
            calls.append(1)

        def broken():
            raise RuntimeError("boom")

        with redirect_stdout(io.StringIO()):
            records, skipped = ftscaling.measure_all({"fine": fine, "broken": broken},
                                                     ["fine", "broken"], 2, TINY)
        self.assertEqual([r["name"] for r in records], ["fine"])
        self.assertEqual(records[0]["threads"], 2)
        self.assertEqual(len(records[0]["thread_values"]), 1)
        self.assertGreaterEqual(len(calls), 2, "both threads called the pattern")
        self.assertEqual(skipped[0]["name"], "broken")
        self.assertIn("RuntimeError: boom", skipped[0]["reason"])

    def test_the_machine_line_names_every_pattern_and_the_script(self):
        out, err = io.StringIO(), io.StringIO()
        argv = [FIXTURE, "--threads", "2", "--values", "1", "--warmups", "0", "--loops", "1",
                "--no-banner", "--patterns", "one_shared_lock,missing"]
        with redirect_stdout(out), redirect_stderr(err):
            code = ftscaling.main(argv)
        self.assertEqual(code, 0, err.getvalue())
        line = [x for x in out.getvalue().splitlines() if x.startswith("PYBENCH_RESULT ")][-1]
        result = json.loads(line.split(" ", 1)[1])
        self.assertEqual((result["kind"], result["schema"], result["threads"]),
                         ("ftscalingbench", 2, 2))
        self.assertEqual([b["name"] for b in result["benchmarks"]], ["one_shared_lock"])
        self.assertEqual([s["name"] for s in result["skipped"]], ["missing"])
        self.assertEqual(len(result["script"]), 64)
        self.assertEqual(result["work_scale"], 100)

    def test_nothing_run_is_an_error(self):
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
            code = ftscaling.main([FIXTURE, "--no-banner", "--patterns", "missing"])
        self.assertEqual(code, 1)
        self.assertIn("no pattern of", err.getvalue())


if __name__ == "__main__":
    unittest.main()
