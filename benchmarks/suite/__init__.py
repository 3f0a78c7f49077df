"""The free-threading benchmark suite: the registry of every benchmark.

A benchmark is a :class:`Benchmark`: a unique name, a category, a one-line
description, whether it is a weak-scaling benchmark, and a factory
``make(threads) -> work``. ``make`` builds whatever the threads share (outside
the timed region); ``work(loops)`` is what each of the ``threads`` threads runs
under the harness (harness.py): all threads start behind a barrier and a value
is the makespan per loop. Some ``work`` functions carry a ``close()`` that
releases what ``make`` created (process and thread pools): use :func:`measure`,
which calls it.

``scaling=True`` (most benchmarks): N threads each do the one-thread amount of
work, so the speed-up of N threads is t1 * N / tN and the efficiency is
speed-up / N. ``scaling=False`` (the parallel-processing pools): the total
work is fixed and shared out, so the speed-up is t1 / tN.

Each benchmark's ``make`` has a docstring saying what it isolates and what a
GIL build and a free-threaded build are expected to do. The runner is run.py
in this folder (``python suite/run.py --list``).
"""

import os
import sys

_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _PARENT not in sys.path:  # harness.py and pyinfo.py live one folder up
    sys.path.insert(0, _PARENT)

import harness  # noqa: E402

from . import (  # noqa: E402
    interp,
    locality,
    locking,
    lockfree,
    ordering,
    overhead,
    parallel,
    progression,
    refcount,
    sharing,
)

# In the order of the benchmark-suite document; --list and category runs follow it.
CATEGORIES = (
    "single-thread-overhead",
    "reference-counting",
    "memory-ordering",
    "false-sharing",
    "locks",
    "thread-local-vs-shared",
    "lock-free-ops",
    "interpreter-features",
    "optimisation-progression",
    "parallel-processing",
)


class Benchmark:
    """One registered benchmark (see the module docstring)."""

    __slots__ = ("name", "category", "description", "make", "scaling")

    def __init__(self, name, category, description, make, scaling=True):
        if category not in CATEGORIES:
            raise ValueError("unknown category %r for %s" % (category, name))
        self.name = name
        self.category = category
        self.description = description
        self.make = make
        self.scaling = scaling

    def __repr__(self):
        return "Benchmark(%r, %r)" % (self.name, self.category)


def _b(name, category, description, make, scaling=True):
    return Benchmark(name, category, description, make, scaling)


_OVH, _RC, _ORD, _FS = CATEGORIES[0:4]
_LK, _TL, _LF, _IF, _OPT, _PAR = CATEGORIES[4:10]

BENCHMARKS = (
    _b("everyday-mix", _OVH, "calls, attributes, dict/str/list ops, float math, generators "
       "on private objects", overhead.make_everyday_mix),
    _b("pure-bytecode", _OVH, "local int and float arithmetic loop: independent CPU work, "
       "nothing shared", overhead.make_pure_bytecode),
    _b("refcount-shared-mortal", _RC, "N threads take and drop references to ONE mortal object",
       refcount.make_shared_mortal),
    _b("refcount-private-mortal", _RC, "each thread takes and drops references to its own object",
       refcount.make_private_mortal),
    _b("refcount-immortal", _RC, "N threads store shared immortal objects (None, True, 7, '')",
       refcount.make_immortal),
    _b("handoff-event", _ORD, "ping-pong between two threads through threading.Event",
       ordering.make_event_pingpong),
    _b("handoff-queue", _ORD, "ping-pong between two threads through queue.Queue",
       ordering.make_queue_pingpong),
    _b("handoff-flag-poll", _ORD, "ping-pong through a list slot polled in a loop (no lock)",
       ordering.make_flag_poll),
    _b("slots-one-list", _FS, "each thread writes its own neighbouring slot of ONE list",
       sharing.make_slots_one_list),
    _b("slots-spread-list", _FS, "each thread writes its own slot of ONE list, 16 slots apart",
       sharing.make_slots_spread_list),
    _b("slots-own-list", _FS, "each thread writes a slot of its own list (baseline)",
       sharing.make_slots_own_list),
    _b("attrs-one-object", _FS, "each thread writes its own attribute of ONE object",
       sharing.make_attrs_one_object),
    _b("attrs-own-object", _FS, "each thread writes an attribute of its own object (baseline)",
       sharing.make_attrs_own_object),
    _b("lock-own", _LK, "threading.Lock per thread: uncontended acquire/release",
       locking.make_lock_own),
    _b("lock-shared", _LK, "one threading.Lock for all threads: contended acquire/release",
       locking.make_lock_shared),
    _b("rlock-own", _LK, "threading.RLock per thread: uncontended", locking.make_rlock_own),
    _b("rlock-shared", _LK, "one threading.RLock for all threads: contended",
       locking.make_rlock_shared),
    _b("condition-own", _LK, "threading.Condition per thread: enter, notify, exit",
       locking.make_condition_own),
    _b("condition-shared", _LK, "one threading.Condition for all threads: enter, notify, exit",
       locking.make_condition_shared),
    _b("dict-update-own", _LK, "stores into a private dict (the built-in's own lock, "
       "uncontended)", locking.make_dict_update_own),
    _b("dict-update-shared", _LK, "stores into ONE shared dict under per-thread keys "
       "(built-in lock contended)", locking.make_dict_update_shared),
    _b("data-locals", _TL, "per-thread counter in a local variable (baseline)",
       locality.make_locals),
    _b("data-threading-local", _TL, "per-thread counter in one shared threading.local",
       locality.make_threading_local),
    _b("data-shared-dict", _TL, "per-thread counter under the thread's key of ONE shared dict",
       locality.make_shared_dict),
    _b("list-append-shared", _LF, "list.append + pop on ONE shared list",
       lockfree.make_list_append_shared),
    _b("list-append-own", _LF, "list.append + pop on each thread's own list (baseline)",
       lockfree.make_list_append_own),
    _b("dict-setitem-shared", _LF, "all threads store into the same 16 keys of ONE dict",
       lockfree.make_dict_setitem_shared),
    _b("simplequeue-shared", _LF, "queue.SimpleQueue put + get on ONE shared queue",
       lockfree.make_simplequeue_shared),
    _b("counter-count-shared", _LF, "next() on ONE shared itertools.count",
       lockfree.make_counter_count_shared),
    _b("counter-racy-shared", _LF, "counter[0] += 1 on ONE shared list, no lock (loses updates)",
       lockfree.make_counter_racy_shared),
    _b("specialised-attrs-calls", _IF, "attribute and global loads, method calls "
       "(specialisation-sensitive)", interp.make_specialised_attrs_calls),
    _b("generators", _IF, "a generator pipeline: frames suspended and resumed",
       interp.make_generators),
    _b("deep-recursion", _IF, "recursion 200 frames deep: call and return overhead",
       interp.make_deep_recursion),
    _b("iterator-shared", _IF, "ONE list iterator advanced by all threads",
       interp.make_iterator_shared),
    _b("iterator-own", _IF, "each thread advances its own iterator over a shared list",
       interp.make_iterator_own),
    _b("wordfreq-naive", _OPT, "word count 1/4: per-word string copies, global lock per word",
       progression.make_naive),
    _b("wordfreq-memory", _OPT, "word count 2/4: one normalised copy per document, "
       "lock per word", progression.make_memory),
    _b("wordfreq-threadsafe", _OPT, "word count 3/4: private counts, one locked merge per loop",
       progression.make_threadsafe),
    _b("wordfreq-optimised", _OPT, "word count 4/4: Counter in C on a private copy, one merge",
       progression.make_optimised),
    _b("pool-threads", _PAR, "fixed job of 48 chunks on a ThreadPoolExecutor of N threads",
       parallel.make_thread_pool, scaling=False),
    _b("pool-processes", _PAR, "fixed job of 48 chunks on a ProcessPoolExecutor of N "
       "forked processes", parallel.make_process_pool, scaling=False),
    _b("pool-hybrid", _PAR, "fixed job of 48 chunks on ceil(N/2) processes, 2 threads each (N in all)",
       parallel.make_hybrid_pool, scaling=False),
)

_BY_NAME = {b.name: b for b in BENCHMARKS}
if len(_BY_NAME) != len(BENCHMARKS):
    raise RuntimeError("duplicate benchmark names in the suite registry")


def names():
    return [b.name for b in BENCHMARKS]


def get(name):
    """The benchmark called ``name``; KeyError if there is none."""
    return _BY_NAME[name]


def in_category(category):
    """The benchmarks of ``category`` in registry order; KeyError for an unknown category."""
    if category not in CATEGORIES:
        raise KeyError(category)
    return [b for b in BENCHMARKS if b.category == category]


def measure(benchmark, threads=1, options=None):
    """Make, measure and close one benchmark; return the harness record.

    The record is the harness's (name, loops, threads, values, warmups,
    thread_values, options, host) plus ``category`` and ``scaling``.
    """
    work = benchmark.make(threads)
    try:
        # Worker threads at every N, so that no benchmark thread owns what
        # make() created (see harness.time_loops).
        record = harness.measure(benchmark.name, work, threads, options, in_workers=True)
    finally:
        close = getattr(work, "close", None)
        if close is not None:
            close()
    record["category"] = benchmark.category
    record["scaling"] = benchmark.scaling
    return record
