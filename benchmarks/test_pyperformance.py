"""pyperformance.tsv matches the pinned pyperformance wheel, and the runner reads it."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run_pyperformance  # noqa: E402

WHEEL = os.path.join(HERE, os.pardir, "target", "wheelhouse",
                     "pyperformance-1.14.0-py3-none-any.whl")


class Catalogue(unittest.TestCase):
    def test_the_file_matches_the_wheel(self):
        if not os.path.exists(WHEEL):
            if os.environ.get("CI"):
                self.fail("no %s: .ci/setup downloads it" % WHEEL)
            self.skipTest("run .ci/setup first: it downloads the pyperformance wheel")
        if sys.version_info < (3, 11):
            self.skipTest("the generator needs tomllib (Python 3.11+)")
        import pyperformance_catalog
        expected = [(n, f, " ".join(o), " ".join(r), why)
                    for n, f, o, r, why in pyperformance_catalog.entries(WHEEL)]
        with open(os.path.join(HERE, "pyperformance.tsv")) as handle:
            found = [tuple(l.rstrip("\n").split("\t")) for l in handle if not l.startswith("#")]
        self.assertEqual(found, expected)

    def test_what_cannot_be_counted_is_read_from_the_sources(self):
        import pyperformance_catalog as c
        self.assertIn("bench_command", c.uncountable(["runner.bench_command('x', cmd)\n"]))
        self.assertIn("threads", c.uncountable(["import os\nimport threading\n"]))
        self.assertIn("child processes", c.uncountable(["from multiprocessing.pool import P\n"]))
        self.assertIn("dask", c.uncountable(["from dask.distributed import Client\n"]))
        # A licence's "distributed" or a word in a comment is not an import.
        self.assertEqual(c.uncountable(["# distributed under the MIT licence\n"
                                        "x = 'import threading'\n"]), "")

    def test_the_runner_knows_folders_and_options(self):
        known = run_pyperformance.catalog()
        self.assertEqual(known["pickle_dict"], ("bm_pickle", ["pickle_dict"]))
        self.assertEqual(known["nbody"], ("bm_nbody", []))


if __name__ == "__main__":
    unittest.main()
