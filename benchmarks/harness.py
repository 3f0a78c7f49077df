"""Measuring inside the process, so that container start-up and imports never count.

A benchmark is a function ``work(loops)`` that runs its workload ``loops`` times.
The harness

1. calibrates ``loops`` so that one value takes at least ``min_time`` seconds
   (timer resolution and scheduler noise then stop mattering),
2. takes ``warmups`` values and throws them away (caches, specialisation, the JIT),
3. takes ``values`` values, each in seconds per loop,
4. with ``threads`` > 1, starts every thread behind a barrier and records each
   thread's own time and the makespan (first start to last finish): the value
   is the makespan per loop.

The options come from the environment that pybench-docker sets
(``PYBENCH_VALUES``, ``PYBENCH_WARMUPS``, ``PYBENCH_MIN_TIME``, ``PYBENCH_LOOPS``,
``PYBENCH_GC``) and can be overridden by a script's own flags
(:func:`add_arguments`). A user's script can use it too::

    import harness

    def work(loops):
        for _ in range(loops):
            sorted(range(10_000), reverse=True)

    harness.bench("sort", work)

``run_script.py`` then reports those values instead of timing the whole script.
"""

import gc
import os
import threading
import time

import counts
import jitprobe
import memprobe

DEFAULT_VALUES = 10
DEFAULT_WARMUPS = 1
DEFAULT_MIN_TIME = 0.1
# Calibration never goes past this many loops: a workload that takes less
# than a nanosecond per loop is measuring the loop, not the work.
MAX_LOOPS = 1 << 30

_results = []


class Options:
    """How to measure: counts, the minimum time of a value, fixed loops, GC."""

    def __init__(self, values=DEFAULT_VALUES, warmups=DEFAULT_WARMUPS,
                 min_time=DEFAULT_MIN_TIME, loops=0, gc_enabled=True):
        if values < 1:
            raise ValueError("values must be >= 1, got %r" % values)
        if warmups < 0:
            raise ValueError("warmups must be >= 0, got %r" % warmups)
        if not min_time > 0:
            raise ValueError("min_time must be > 0, got %r" % min_time)
        if loops < 0:
            raise ValueError("loops must be >= 0 (0 calibrates), got %r" % loops)
        self.values = values
        self.warmups = warmups
        self.min_time = min_time
        self.loops = loops
        self.gc_enabled = gc_enabled

    def as_dict(self):
        return {"values": self.values, "warmups": self.warmups, "min_time": self.min_time,
                "loops": self.loops, "gc": self.gc_enabled}


def _env_number(environ, name, kind, default):
    text = environ.get(name, "")
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ValueError("%s=%r is not a valid %s" % (name, text, kind.__name__))


def options_from_env(environ=None):
    """Options from ``PYBENCH_*`` variables; unset ones take the defaults."""
    environ = os.environ if environ is None else environ
    return Options(
        values=_env_number(environ, "PYBENCH_VALUES", int, DEFAULT_VALUES),
        warmups=_env_number(environ, "PYBENCH_WARMUPS", int, DEFAULT_WARMUPS),
        min_time=_env_number(environ, "PYBENCH_MIN_TIME", float, DEFAULT_MIN_TIME),
        loops=_env_number(environ, "PYBENCH_LOOPS", int, 0),
        gc_enabled=environ.get("PYBENCH_GC", "on") != "off",
    )


def add_arguments(parser):
    """Add --values, --warmups, --min-time, --loops and --no-gc to an argparse parser."""
    parser.add_argument("--values", type=int, metavar="V",
                        help="measured values per process (default: $PYBENCH_VALUES or %d)"
                        % DEFAULT_VALUES)
    parser.add_argument("--warmups", type=int, metavar="W",
                        help="discarded warm-up values (default: $PYBENCH_WARMUPS or %d)"
                        % DEFAULT_WARMUPS)
    parser.add_argument("--min-time", type=float, metavar="SECONDS",
                        help="calibrate loops so one value takes at least this long "
                        "(default: $PYBENCH_MIN_TIME or %g)" % DEFAULT_MIN_TIME)
    parser.add_argument("--loops", type=int, metavar="L",
                        help="fixed loops per value instead of calibrating")
    parser.add_argument("--no-gc", action="store_true",
                        help="disable the cyclic garbage collector while measuring")


def options_from_args(args, environ=None):
    """The environment's options with the flags of :func:`add_arguments` on top."""
    base = options_from_env(environ)
    pick = lambda flag, default: default if flag is None else flag  # noqa: E731
    return Options(
        values=pick(args.values, base.values),
        warmups=pick(args.warmups, base.warmups),
        min_time=pick(args.min_time, base.min_time),
        loops=pick(args.loops, base.loops),
        gc_enabled=base.gc_enabled and not args.no_gc,
    )


def _run_threads(work, loops, threads):
    """Run ``work(loops)`` in each thread, all released together by a barrier.

    Returns (makespan, [each thread's own seconds]). A worker's exception is
    re-raised here.
    """
    barrier = threading.Barrier(threads)
    starts = [0.0] * threads
    ends = [0.0] * threads
    errors = []

    def worker(i):
        try:
            barrier.wait()
            starts[i] = time.perf_counter()
            work(loops)
            ends[i] = time.perf_counter()
        except BaseException as error:  # re-raised in the main thread
            errors.append(error)
            barrier.abort()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return max(ends) - min(starts), [e - s for s, e in zip(starts, ends)]


def time_loops(work, loops, threads=1, in_workers=False):
    """Seconds for ``loops`` loops (the makespan with threads) and per-thread seconds.

    One thread runs on the calling thread unless ``in_workers``: then it gets
    a thread of its own, as N threads do. On a free-threaded build the thread
    that created an object updates its reference count cheaply and every
    other thread atomically, so a benchmark whose objects are made before
    measuring needs ``in_workers`` for 1 and N threads to take the same path.
    """
    if threads == 1 and not in_workers:
        start = time.perf_counter()
        work(loops)
        elapsed = time.perf_counter() - start
        return elapsed, [elapsed]
    return _run_threads(work, loops, threads)


def calibrate(work, min_time, threads=1, timer=None, in_workers=False):
    """The smallest power of two of loops whose run takes at least ``min_time``.

    ``timer(loops)`` returns seconds; it defaults to timing ``work``. Doubling
    from one loop costs at most about twice ``min_time`` in all.
    """
    timer = timer or (lambda loops: time_loops(work, loops, threads, in_workers)[0])
    loops = 1
    while loops < MAX_LOOPS:
        elapsed = timer(loops)
        if elapsed >= min_time:
            return loops
        # Jump close to the target when a run was long enough to time well.
        if elapsed > min_time / 16:
            needed = loops * min_time / elapsed
            while loops < needed:
                loops *= 2
            continue
        loops *= 2
    return MAX_LOOPS


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _cpu_model():
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith(("model name", "cpu model", "hardware")):
            return line.split(":", 1)[1].strip()
    return None


def _cpu_ticks():
    """(busy+idle, steal) ticks of all CPUs from /proc/stat; (0, 0) if unreadable."""
    for line in _read("/proc/stat").splitlines():
        if line.startswith("cpu "):
            ticks = [int(x) for x in line.split()[1:]]
            return sum(ticks[:8]), (ticks[7] if len(ticks) > 7 else 0)
    return 0, 0


def _load():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


class HostState:
    """What else the machine was doing while we measured: load, CPU steal."""

    def __init__(self):
        self.load_before = _load()
        self.ticks_before = _cpu_ticks()

    def finish(self):
        total, steal = (a - b for a, b in zip(_cpu_ticks(), self.ticks_before))
        governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").strip()
        return {
            "cpu_model": _cpu_model(),
            "governor": governor or None,
            "load_before": self.load_before,
            "load_after": _load(),
            "steal": steal / total if total > 0 else None,
        }


def measure(name, work, threads=1, options=None, in_workers=False):
    """Calibrate, warm up and measure ``work``; return one benchmark's record.

    ``in_workers``: see :func:`time_loops`.
    """
    options = options or options_from_env()
    if threads < 1:
        raise ValueError("threads must be >= 1, got %r" % threads)
    host = HostState()
    if os.environ.get("PYBENCH_MEASURE") == "instructions":
        return _measure_counts(name, work, threads, options, in_workers, host)
    gc_was_enabled = gc.isenabled()
    if not options.gc_enabled:
        gc.disable()
    memory = memprobe.Tracker()
    jit = jitprobe.Probe()
    try:
        loops = options.loops or calibrate(work, options.min_time, threads,
                                           in_workers=in_workers)
        warmups, values, thread_values = [], [], []
        for i in range(options.warmups + options.values):
            if i == options.warmups:
                jit.begin()
            memory.begin_value(first_measured=i == options.warmups)
            makespan, per_thread = time_loops(work, loops, threads, in_workers)
            memory.end_value(warmup=i < options.warmups)
            if i < options.warmups:
                warmups.append(makespan / loops)
            else:
                values.append(makespan / loops)
                thread_values.append([s / loops for s in per_thread])
        # Memory first: the probe's own scan must not show in the container's peak.
        memory_record = memory.as_dict()
        evidence = jit.end()
    finally:
        if gc_was_enabled:
            gc.enable()
    record = {"name": name, "loops": loops, "threads": threads, "values": values,
              "warmups": warmups, "options": options.as_dict(), "host": host.finish(),
              "memory": memory_record, "jit": evidence}
    if threads > 1:
        record["thread_values"] = thread_values
    return record


def _measure_counts(name, work, threads, options, in_workers, host):
    """:func:`measure` in instructions per loop, under Callgrind (counts.py)."""
    if threads != 1:
        raise ValueError("--measure instructions runs one thread (Valgrind runs the "
                         "threads of a process one at a time); got threads=%r" % threads)
    gc_was_enabled = gc.isenabled()
    if not options.gc_enabled:
        gc.disable()
    try:
        record = counts.measure(name, work, options, in_workers)
    finally:
        if gc_was_enabled:
            gc.enable()
    record["host"] = host.finish()
    return record


def bench(name, work, threads=1, options=None):
    """:func:`measure` and remember the record for the result line."""
    record = measure(name, work, threads, options)
    _results.append(record)
    return record


def results():
    """Every record :func:`bench` made in this process, in order."""
    return list(_results)


def per_loop_text(record):
    """A record's mean per loop as the banner line says it: ``0.0712s`` or ``127,501,240 instructions``."""
    value = mean(record["values"])
    if record.get("unit") == "instructions":
        return "{:,.0f} instructions".format(value)
    return "%.4fs" % value


def mean(xs):
    return sum(xs) / len(xs)


def result_fields(records):
    """Machine-line fields for ``records``: schema 2 with every value."""
    first = records[0]["values"]
    return {"schema": 2, "benchmarks": records, "seconds": mean(first)}
