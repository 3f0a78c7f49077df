"""Unit tests of jitprobe.py: the evidence → verdict rule, and the evidence itself
from executors described by stand-ins (a real executor needs a JIT build: the
e2e tests run the probe on them)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jitprobe  # noqa: E402
from jitprobe import IDLE, OFF, RAN, verdict  # noqa: E402


def work_loop(n):
    """A stand-in for the measured code: its code object is not the harness's."""
    for _ in range(n):
        pass


def harness_like():
    pass


harness_like.__code__ = harness_like.__code__.replace(co_filename="/app/memprobe.py")


class FakeExecutor:
    """What the probe asks of a uop_executor."""

    def __init__(self, uops=10, jit_bytes=4096, valid=True):
        self.n, self.bytes, self.ok = uops, jit_bytes, valid

    def __len__(self):
        return self.n

    def is_valid(self):
        return self.ok

    def get_jit_code(self):
        return b"\x90" * self.bytes if self.bytes else None


class FakeMarks:
    def __init__(self, usable=True, problem=None):
        self._usable, self.problem = usable, problem

    def usable(self):
        return self._usable


def executor(code=work_loop.__code__, **kwargs):
    return jitprobe.Executor(FakeExecutor(**kwargs), code, 8)


class VerdictRule(unittest.TestCase):
    def test_a_build_without_the_jit_is_off(self):
        self.assertEqual(verdict({"built": False, "enabled": False}), (OFF, "built without the JIT"))

    def test_an_entry_mark_set_during_the_values_is_ran(self):
        e = {"built": True, "enabled": True, "marks": True, "entered": 2, "machine_code": True}
        self.assertEqual(verdict(e)[0], RAN)
        self.assertIn("2 executor(s)", verdict(e)[1])

    def test_creation_counts_only_where_the_optimizer_enters_at_once(self):
        e = {"built": True, "enabled": True, "marks": True, "entered": 0, "created": 1,
             "executors_after": 1, "machine_code": True, "creation_enters": True}
        self.assertEqual(verdict(e)[0], RAN)
        e["creation_enters"] = False  # 3.15 records a trace and enters it later
        self.assertEqual(verdict(e)[0], IDLE)

    def test_attached_throughout_counts_only_without_marks(self):
        e = {"built": True, "enabled": True, "marks": False, "attached_throughout": 3,
             "executors_before": 3, "executors_after": 3, "machine_code": True}
        self.assertEqual(verdict(e)[0], RAN)
        self.assertIn("inferred", verdict(e)[1])
        e["marks"] = True  # marks were readable and none was set: not entered
        self.assertEqual(verdict(e), (IDLE, "executors exist, none entered while measured"))

    def test_executors_without_machine_code_are_not_jit_code(self):
        e = {"built": True, "enabled": True, "marks": True, "entered": 1, "machine_code": False,
             "executors_before": 1, "executors_after": 1}
        self.assertEqual(verdict(e)[0], IDLE)

    def test_enabled_without_any_executor_did_not_run(self):
        # 3.15.0rc2's free-threaded build: enabled, and its optimizer compiled out.
        e = {"built": True, "enabled": True, "marks": True, "executors_before": 0,
             "executors_after": 0}
        self.assertEqual(verdict(e), (IDLE, "no executor was compiled for the measured code"))

    def test_switched_off_with_nothing_compiled_is_off(self):
        e = {"built": True, "enabled": False, "marks": True, "executors_after": 0}
        self.assertEqual(verdict(e), (OFF, "the JIT is built in but switched off"))


class Evidence(unittest.TestCase):
    def describe(self, before, after, marks_read, marks=None, version=(3, 14)):
        e = jitprobe.describe(before, after, marks_read, marks or FakeMarks(), version)
        e.update(built=True, enabled=True)
        return jitprobe.finish(e)

    def test_a_marked_entry_of_the_work_is_ran_and_counted(self):
        a = executor(uops=12, jit_bytes=3000)
        e = self.describe({1: a}, {1: a}, {1: True})
        self.assertEqual((e["verdict"], e["entered"], e["entered_uops"]), (RAN, 1, 12))
        self.assertEqual(e["entered_jit_bytes"], 3000)
        self.assertEqual(e["executors"][0]["origin"].split(" ")[0], "work_loop")
        self.assertTrue(e["executors"][0]["entered"])

    def test_the_harness_own_executors_never_count(self):
        tooling = executor(code=harness_like.__code__)
        e = self.describe({1: tooling}, {1: tooling, 2: executor(code=harness_like.__code__)},
                          {1: True})
        self.assertEqual((e["entered"], e["created"], e["executors_after"]), (0, 0, 0))
        self.assertEqual(e["verdict"], IDLE)
        self.assertEqual(e["executors"], [])

    def test_a_side_exit_belongs_to_its_root_and_an_orphan_to_nobody(self):
        root = executor()
        side = jitprobe.Executor(FakeExecutor(), root=root)
        orphan = jitprobe.Executor(FakeExecutor())
        e = self.describe({1: root}, {1: root, 2: side, 3: orphan}, {1: False})
        self.assertEqual((e["created"], e["not_entered"]), (1, 1))
        self.assertTrue(e["executors"][1]["side_exit"])
        self.assertEqual(e["verdict"], RAN)  # 3.14: the new side exit ran when made

    def test_a_mark_left_unset_is_not_entered(self):
        a = executor()
        e = self.describe({1: a}, {1: a}, {1: False})
        self.assertEqual((e["entered"], e["not_entered"], e["verdict"]), (0, 1, IDLE))

    def test_without_marks_attached_and_valid_throughout_is_inferred(self):
        a = executor()
        e = self.describe({1: a}, {1: a}, {}, marks=FakeMarks(usable=False), version=(3, 13))
        self.assertEqual((e["marks"], e["attached_throughout"], e["verdict"]), (False, 1, RAN))
        invalid = executor(valid=False)
        e = self.describe({1: invalid}, {1: invalid}, {}, marks=FakeMarks(usable=False),
                          version=(3, 13))
        self.assertEqual(e["verdict"], IDLE)

    def test_without_marks_executors_from_before_the_measurement_do_not_count(self):
        startup, work = executor(), executor()
        e = jitprobe.describe({1: startup, 2: work}, {1: startup, 2: work}, {},
                              FakeMarks(usable=False), (3, 13), earlier={1})
        self.assertEqual(e["attached_throughout"], 1)
        e = jitprobe.describe({1: startup}, {1: startup}, {}, FakeMarks(usable=False), (3, 13),
                              earlier={1})
        e.update(built=True, enabled=True)
        self.assertEqual(jitprobe.finish(e)["verdict"], IDLE)

    def test_a_layout_problem_means_no_marks(self):
        a = executor()
        e = self.describe({1: a}, {1: a}, {}, marks=FakeMarks(problem="size does not match"))
        self.assertEqual((e["marks"], e["marks_problem"]), (False, "size does not match"))

    def test_the_list_is_bounded(self):
        many = {i: executor() for i in range(jitprobe.MAX_LISTED + 5)}
        e = self.describe(many, many, {i: True for i in many})
        self.assertEqual(len(e["executors"]), jitprobe.MAX_LISTED)
        self.assertEqual(e["entered"], jitprobe.MAX_LISTED + 5)


class ThisInterpreter(unittest.TestCase):
    def test_the_probe_answers_on_any_interpreter(self):
        e = jitprobe.self_test(iterations=100, calls=2)
        self.assertIn(e["verdict"], (RAN, IDLE, OFF))
        if not jitprobe.jit_built():
            self.assertEqual(e, {"built": False, "enabled": False, "verdict": OFF,
                                 "reason": "built without the JIT"})

    def test_layouts_cover_the_versions_with_executors(self):
        for version in ((3, 13), (3, 14), (3, 15)):
            self.assertIn(version, jitprobe.LAYOUTS)
        self.assertFalse(jitprobe.Marks((3, 12)).usable())
        self.assertFalse(jitprobe.Marks((3, 13)).usable())  # 3.13 has no mark


if __name__ == "__main__":
    unittest.main()
