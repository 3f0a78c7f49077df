"""bench/fidelity.py's pure parts: its subset, its release config, and its
statistics checked against the tool's own figures. Run by tests/python.rs."""

import json
import math
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fidelity  # noqa: E402

ROOT = os.path.dirname(HERE)
# The groups pyperformance 1.14.0's MANIFEST tags, and its untagged core.
GROUPS = {"core", "asyncio", "startup", "regex", "serialize", "apps", "math", "template"}


def catalog():
    with open(os.path.join(ROOT, "benchmarks", "pyperformance.tsv")) as handle:
        return {line.split("\t")[0] for line in handle if not line.startswith("#")}


def sample(seconds=None, metrics=None, warmup=False):
    s = {"warmup": warmup, "seconds": seconds}
    if metrics is not None:
        s["metrics"] = [
            {"name": name, "values": [t, t], "memory": {"peak_values": [peak, None]}}
            for name, (t, peak) in metrics.items()
        ]
    return s


class Subset(unittest.TestCase):
    def test_at_least_thirty_benchmarks_from_every_group_all_in_the_catalog(self):
        names = fidelity.subset()
        self.assertGreaterEqual(len(names), 30)
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(set(fidelity.SUBSET), GROUPS)
        self.assertTrue(all(fidelity.SUBSET[g] for g in GROUPS))
        self.assertEqual(set(names) - catalog(), set())

    def test_a_result_belongs_to_the_benchmark_with_the_longest_matching_name(self):
        self.assertEqual(fidelity.group_of("xml_etree_parse"), "serialize")
        self.assertEqual(fidelity.group_of("pickle_pure_python"), "serialize")
        self.assertEqual(fidelity.group_of("async_tree_none"), "asyncio")
        self.assertEqual(fidelity.group_of("deepcopy_memo"), "core")
        self.assertEqual(fidelity.group_of("genshi_text"), "template")
        self.assertIsNone(fidelity.group_of("sympy_expand"))


class ReleaseConfig(unittest.TestCase):
    def test_its_own_namespace_the_release_profile_and_the_pinned_source(self):
        config = fidelity.release_config("3.14", ["stock", "t"])
        self.assertEqual(config["images"], {"namespace": "pybench-fidelity"})
        self.assertEqual(config["build"], {"profile": "release"})
        (python,) = config["pythons"]
        self.assertEqual(python["variants"], ["stock", "t"])
        with open(os.path.join(ROOT, "config.yaml")) as handle:
            text = handle.read()
        self.assertIn(f"version: {python['version']}\n    sha256: {python['sha256']}", text)

    def test_commented_out_releases_are_not_read(self):
        text = ("pythons:\n  - version: 3.14.7\n    sha256: " + "a" * 64 + "\n"
                "  # - version: 3.15.0rc2\n  #   sha256: " + "b" * 64 + "\n")
        self.assertEqual(fidelity.pythons_of_config(text), {"3.14": ("3.14.7", "a" * 64)})


class Statistics(unittest.TestCase):
    def test_the_paired_ratio_is_the_tools_own(self):
        with open(os.path.join(ROOT, "docs", "results", "gil.json")) as handle:
            report = json.load(handle)
        mine = fidelity.paired_ratio(report, "3.13t", "3.13", 1)
        tool = next(s["comparison"] for s in report["summary"] if s["label"] == "3.13t ×1")
        for a, b in zip(mine, (tool["ratio"], tool["ci_low"], tool["ci_high"])):
            self.assertAlmostEqual(a, b, places=3)

    def test_the_suite_ratio_is_each_rounds_geometric_mean_over_shared_benchmarks(self):
        base = [sample(metrics={"a": (1.0, 100), "b": (2.0, 100)}) for _ in range(3)]
        other = [sample(metrics={"a": (2.0, 130), "b": (1.0, 130), "c": (9.0, 999)})
                 for _ in range(3)]
        report = {"rows": [{"interpreter": "3.14", "samples": [sample(warmup=True)] + base},
                           {"interpreter": "3.14t", "samples": [sample(warmup=True)] + other}]}
        (ratio, low, high), n = fidelity.suite_ratio(report, "3.14t", "3.14")
        self.assertEqual(n, 2, "c was measured by one build only")
        self.assertAlmostEqual(ratio, 1.0)  # 2× and 0.5×
        (mem, _, _), _ = fidelity.suite_ratio(report, "3.14t", "3.14", memory=True)
        self.assertAlmostEqual(mem, 1.3)

    def test_a_longer_sample_and_the_welch_interval(self):
        self.assertEqual(fidelity.t95(19), 2.093)
        self.assertEqual(fidelity.t95(35), 2.042)
        ratio, low, high = fidelity.welch_interval([0.0, 0.1, -0.1], [math.log(2) + x for x in (0.0, 0.1, -0.1)])
        self.assertAlmostEqual(ratio, 2.0)
        self.assertLess(low, 2.0)
        self.assertGreater(high, 2.0)


if __name__ == "__main__":
    unittest.main()
