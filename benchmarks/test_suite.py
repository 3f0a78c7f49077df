"""Unit tests of the free-threading suite (suite/): registry, workloads, runner.

    python3 -m unittest discover -s benchmarks -p 'test_*.py'

Every benchmark runs once with one thread and once with two at the smallest
options (one value of one loop, no warm-up), so the whole file takes about a
second on a 2-core machine.
"""

import io
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import unittest
from contextlib import redirect_stdout
from unittest import mock

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import suite  # noqa: E402
from suite import _common, parallel, progression, refcount, sharing  # noqa: E402
from suite import run  # noqa: E402

TINY = harness.Options(values=1, warmups=0, loops=1)


class Registry(unittest.TestCase):
    def test_names_are_unique_and_cli_friendly(self):
        names = suite.names()
        self.assertEqual(len(names), len(set(names)))
        for name in names:
            self.assertRegex(name, r"^[a-z][a-z0-9-]*$")
            self.assertIs(suite.get(name).name, name)

    def test_every_category_has_a_benchmark_in_document_order(self):
        seen = [b.category for b in suite.BENCHMARKS]
        self.assertEqual(set(seen), set(suite.CATEGORIES))
        self.assertEqual(len(suite.CATEGORIES), 10)
        # Grouped by category, the categories in CATEGORIES order.
        order = [c for i, c in enumerate(seen) if i == 0 or seen[i - 1] != c]
        self.assertEqual(order, list(suite.CATEGORIES))
        self.assertEqual(len(suite.in_category("optimisation-progression")), 4)
        with self.assertRaises(KeyError):
            suite.in_category("nope")

    def test_descriptions_and_docstrings(self):
        for b in suite.BENCHMARKS:
            with self.subTest(b.name):
                self.assertTrue(b.description)
                self.assertNotIn("\t", b.description)
                self.assertNotIn("\n", b.description)
                doc = b.make.__doc__ or ""
                self.assertIn("GIL", doc, "docstring must say what a GIL build does")
                self.assertIn("free-threaded", doc, "and what a free-threaded build does")

    def test_only_the_pools_are_fixed_work(self):
        fixed = [b.name for b in suite.BENCHMARKS if not b.scaling]
        self.assertEqual(fixed, ["pool-threads", "pool-processes", "pool-hybrid"])


class Catalog(unittest.TestCase):
    def test_the_catalog_the_driver_reads_matches_the_registry(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "suite", "catalog.tsv")
        with open(path, encoding="utf-8") as handle:
            rows = [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]
        expected = [[b.category, b.name, "scaling" if b.scaling else "fixed", b.description]
                    for b in suite.BENCHMARKS]
        self.assertEqual(rows, expected, "regenerate suite/catalog.tsv from the registry")


class EveryBenchmarkRuns(unittest.TestCase):
    def test_one_and_two_threads_give_values_and_leave_nothing_running(self):
        threads_before = threading.active_count()
        for b in suite.BENCHMARKS:
            for threads in (1, 2):
                with self.subTest(b.name, threads=threads):
                    record = suite.measure(b, threads, TINY)
                    self.assertEqual(record["name"], b.name)
                    self.assertEqual(record["category"], b.category)
                    self.assertEqual(record["scaling"], b.scaling)
                    self.assertEqual(record["threads"], threads)
                    self.assertEqual(len(record["values"]), 1)
                    self.assertGreater(record["values"][0], 0.0)
                    if threads > 1:
                        self.assertEqual(len(record["thread_values"][0]), threads)
                    # Pools are shut down, partner threads joined.
                    self.assertEqual(threading.active_count(), threads_before)
                    self.assertEqual(multiprocessing.active_children(), [])


def run_recording(module, name, make, threads):
    """Run ``make(threads)``'s work once per thread, recording calls of ``module.name``."""
    calls = []
    lock = threading.Lock()
    original = getattr(module, name)

    def spy(*args):
        with lock:
            calls.append(args)
        return original(*args)

    with mock.patch.object(module, name, spy):
        harness.measure("spy", make(threads), threads, TINY)
    return calls


class WorkloadsMeasureWhatTheyClaim(unittest.TestCase):
    def test_pure_bytecode_loads_no_shared_mortal_constant(self):
        # On 3.13t a float or large-int literal is one object shared by all
        # threads: its reference count, not the arithmetic, would be timed.
        from suite import overhead

        for const in overhead._arith.__code__.co_consts:
            shared_mortal = isinstance(const, float) or (
                isinstance(const, int) and not isinstance(const, bool) and not -5 <= const <= 256)
            self.assertFalse(shared_mortal, "literal %r in the hot loop" % (const,))

    def test_thread_slots_are_distinct_within_every_run(self):
        slots = _common.ThreadSlots(3)
        taken = []
        harness.measure("slots", lambda loops: taken.append(slots.take()), 3,
                        harness.Options(values=2, warmups=1, loops=1))
        self.assertEqual(len(taken), 9)
        for run_start in range(0, 9, 3):
            self.assertEqual(sorted(taken[run_start:run_start + 3]), [0, 1, 2])
        self.assertEqual([_common.share(16, 3, i) for i in range(3)], [6, 5, 5])

    def test_shared_refcount_uses_one_mortal_object(self):
        calls = run_recording(refcount, "_churn", refcount.make_shared_mortal, 2)
        objects = {id(arg) for call in calls for arg in call[:4]}
        self.assertEqual(len(calls), 2)
        self.assertEqual(len(objects), 1)
        self.assertIsInstance(calls[0][0], refcount.Payload)
        if hasattr(sys, "_is_immortal"):  # 3.14+
            self.assertFalse(sys._is_immortal(calls[0][0]))

    def test_private_refcount_uses_one_object_per_thread(self):
        calls = run_recording(refcount, "_churn", refcount.make_private_mortal, 2)
        self.assertEqual(len({id(call[0]) for call in calls}), 2)

    def test_immortal_variant_stores_immortal_objects(self):
        calls = run_recording(refcount, "_churn", refcount.make_immortal, 2)
        stored = calls[0][:4]
        self.assertEqual(stored, (None, True, 7, ""))
        if sys.version_info >= (3, 12):  # PEP 683: immortal objects
            for obj in stored:
                self.assertGreater(sys.getrefcount(obj), 2**29, repr(obj))

    def test_false_sharing_slots(self):
        def slots_seen(make):
            calls = run_recording(sharing, "_write_slot", make, 2)
            return {id(call[0]) for call in calls}, sorted(call[1] for call in calls)

        lists, indexes = slots_seen(sharing.make_slots_one_list)
        self.assertEqual((len(lists), indexes), (1, [0, 1]))  # neighbours in one list
        lists, indexes = slots_seen(sharing.make_slots_spread_list)
        self.assertEqual((len(lists), indexes), (1, [0, sharing.STRIDE]))
        lists, indexes = slots_seen(sharing.make_slots_own_list)
        self.assertEqual((len(lists), indexes), (2, [0, 0]))

    def test_false_sharing_attributes(self):
        def objects_seen(make):
            seen = []
            real = sharing._attr_writer

            def recording_writer(index):
                writer = real(index)

                def spy(obj, rounds):
                    seen.append((id(obj), index))
                    writer(obj, rounds)

                return spy

            with mock.patch.object(sharing, "_attr_writer", recording_writer):
                harness.measure("spy", make(2), 2, TINY)
            return len({o for o, _ in seen}), sorted(i for _, i in seen)

        self.assertEqual(objects_seen(sharing.make_attrs_one_object), (1, [0, 1]))
        self.assertEqual(objects_seen(sharing.make_attrs_own_object), (2, [0, 1]))
        record = sharing._new_record(4)
        sharing._attr_writer(3)(record, 1)
        self.assertEqual((record.a3, record.a2), (255, 0))

    def test_the_four_word_counts_agree(self):
        expected = progression.counts_after_one_loop(progression.make_naive)
        total = progression.DOCUMENTS * progression.WORDS_PER_DOCUMENT
        self.assertEqual(sum(expected.values()), total)
        self.assertTrue(all(w.isalpha() and w.islower() for w in expected))
        for make in (progression.make_memory, progression.make_threadsafe,
                     progression.make_optimised):
            with self.subTest(make.__name__):
                self.assertEqual(progression.counts_after_one_loop(make), expected)

    def test_word_counts_add_up_across_threads(self):
        work = progression.make_optimised(2)
        harness.measure("wordfreq", work, 2, TINY)
        total = progression.DOCUMENTS * progression.WORDS_PER_DOCUMENT
        self.assertEqual(sum(work.counts.values()), 2 * total)

    def test_thread_pool_starts_every_worker_before_timing(self):
        before = threading.active_count()
        work = parallel.make_thread_pool(4)
        try:
            self.assertEqual(threading.active_count() - before, 4)
        finally:
            work.close()

    def test_hybrid_pool_shape(self):
        self.assertEqual([parallel.hybrid_shape(n) for n in (1, 2, 3, 4)],
                         [(1, 1, 0), (1, 2, 0), (2, 2, 1), (2, 2, 0)])
        self.assertEqual(parallel._run_batch([10, 10]), [parallel.crunch(10)] * 2)


def machine_line(argv):
    out = io.StringIO()
    with redirect_stdout(out):
        status = run.main(argv)
    lines = out.getvalue().splitlines()
    return status, lines, json.loads(lines[-1].split(" ", 1)[1])


TINY_FLAGS = ["--values", "2", "--warmups", "0", "--loops", "1", "--no-banner"]


class Runner(unittest.TestCase):
    def test_list_is_tab_separated_in_registry_order(self):
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(run.main(["--list"]), 0)
        rows = [line.split("\t") for line in out.getvalue().splitlines()]
        self.assertEqual(len(rows), len(suite.BENCHMARKS))
        for row, b in zip(rows, suite.BENCHMARKS):
            self.assertEqual(row, [b.category, b.name, b.description])

    def test_one_benchmark(self):
        status, lines, line = machine_line(["lock-shared", "--threads", "2"] + TINY_FLAGS)
        self.assertEqual(status, 0)
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^lock-shared \(locks\), 2 threads: \d+\.\d+s per loop "
                                   r"\(2 values x 1 loops\)$")
        self.assertEqual((line["schema"], line["kind"]), (2, "suite"))
        self.assertEqual((line["benchmark"], line["category"], line["threads"]),
                         ("lock-shared", "locks", 2))
        self.assertEqual(len(line["benchmarks"]), 1)
        record = line["benchmarks"][0]
        self.assertEqual((len(record["values"]), len(record["thread_values"][0])), (2, 2))
        self.assertAlmostEqual(line["seconds"], sum(record["values"]) / 2)
        self.assertIn("free_threading", line["info"])

    def test_a_category_gives_one_record_per_benchmark_in_order(self):
        status, lines, line = machine_line(["--category", "thread-local-vs-shared"] + TINY_FLAGS)
        self.assertEqual(status, 0)
        expected = [b.name for b in suite.in_category("thread-local-vs-shared")]
        self.assertEqual([r["name"] for r in line["benchmarks"]], expected)
        self.assertEqual(len(lines), len(expected) + 1)
        self.assertEqual((line["category"], line["threads"]), ("thread-local-vs-shared", 1))
        self.assertNotIn("benchmark", line)
        for record in line["benchmarks"]:
            self.assertEqual(len(record["values"]), 2)
            self.assertTrue(record["scaling"])

    def test_bad_arguments_exit_with_status_two(self):
        for argv in ([], ["nope"], ["--category", "nope"], ["lock-own", "--all"],
                     ["--list", "lock-own"], ["lock-own", "--threads", "0"]):
            with self.subTest(argv=argv), redirect_stdout(io.StringIO()), \
                    mock.patch("sys.stderr", io.StringIO()):
                with self.assertRaises(SystemExit) as caught:
                    run.main(argv)
                self.assertEqual(caught.exception.code, 2)

    def test_runs_as_a_script_from_any_folder(self):
        # As in the containers: `python /app/suite/run.py`, with another working directory.
        script = os.path.join(HERE, "suite", "run.py")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run([sys.executable, script, "--list"], cwd=os.path.join(HERE, "suite"),
                             capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.splitlines(), run.list_lines())


if __name__ == "__main__":
    unittest.main()
