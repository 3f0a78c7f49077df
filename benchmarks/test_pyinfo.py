"""Unit tests for pyinfo's banner and facts: ``python3 -m unittest test_pyinfo``."""

import unittest

import pyinfo


class BannerTest(unittest.TestCase):
    def test_the_tutorial_banner_is_unchanged_without_the_tail_calling_loop(self):
        info = dict(pyinfo.collect(), tail_call=False)
        text = pyinfo.banner(info)
        self.assertNotIn("Interpreter loop", text)
        lines = text.splitlines()
        self.assertEqual(lines[0], pyinfo.RULE)
        self.assertEqual(lines[-1], pyinfo.RULE)
        self.assertTrue(lines[-2].startswith("JIT Compiler: "))

    def test_a_tail_calling_build_says_so_inside_the_rules(self):
        info = dict(pyinfo.collect(), tail_call=True)
        lines = pyinfo.banner(info).splitlines()
        self.assertEqual(lines[-2], "Interpreter loop: tail-calling \u2728")
        self.assertEqual(lines[-1], pyinfo.RULE)

    def test_collect_reports_the_build_flag_as_a_boolean(self):
        self.assertIsInstance(pyinfo.collect()["tail_call"], bool)


if __name__ == "__main__":
    unittest.main()
