"""Counting instructions instead of time: the measured window under Callgrind.

``pybench-docker run --measure instructions`` starts every process as::

    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=OUT ... python ...

so Callgrind counts nothing until told to. Python cannot issue Valgrind's
client requests (they are special instruction sequences compiled into a
program), so the image layer of this mode carries a tiny C library,
``libpybench_window.so`` (``window.c``), whose two functions do it: *open*
zeroes the counters and switches collection on, *close* switches it off and
dumps the window's counts into a file of its own (``OUT.1``, ``OUT.2``, …),
which Callgrind has written before *close* returns. The harness calls them
through ``ctypes`` around ``work(loops)`` and reads each file at once.

What is counted is therefore the call of ``work(loops)`` plus the bracketing
itself (the end of *open*'s ctypes call and the start of *close*'s): the
harness measures that bracketing in every process as an empty window around a
function that does nothing, and takes it off every value. Start-up, imports,
calibration bookkeeping and the reading of the files are never counted.

Calibration counts too: loops double until one window holds at least
``PYBENCH_MIN_INSTRUCTIONS`` instructions, so every process of a
configuration picks the same loop count (a time-based calibration would not,
and the per-loop counts would differ with it).

Estimated cycles are a model, not a measurement: Callgrind simulates a fixed
cache (the driver pins its geometry so that the host's caches do not change
the figure) and the estimate weighs its hits and misses the way iai-callgrind
and CodSpeed do (:data:`CYCLE_WEIGHTS`).
"""

import ctypes
import os
import threading

DEFAULT_MIN_INSTRUCTIONS = 10_000_000
MAX_LOOPS = 1 << 30

# Estimated cycles = L1 hits + 5 × last-level hits + 35 × memory accesses
# (iai-callgrind's and CodSpeed's weights; an instruction is one L1 hit).
CYCLE_WEIGHTS = {"l1_hit": 1, "ll_hit": 5, "ram_hit": 35}

# The events Callgrind counts with --cache-sim=yes.
CACHE_EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


class CountsError(RuntimeError):
    """The window could not be opened or read: said plainly, the run fails."""


def parse_callgrind(text):
    """The event totals of one Callgrind output file: ``{"Ir": n, ...}``.

    Callgrind writes ``events: Ir Dr ...`` once and ``summary: n n ...`` with
    trailing zero counts left out, so a missing count is 0.
    """
    events, summary = None, None
    for line in text.splitlines():
        if line.startswith("events:"):
            events = line.split(":", 1)[1].split()
        elif line.startswith("summary:"):
            summary = line.split(":", 1)[1].split()
    if events is None or summary is None:
        raise CountsError("a Callgrind output file without its events: or summary: line")
    if len(summary) > len(events):
        raise CountsError("Callgrind's summary has %d counts for %d events"
                          % (len(summary), len(events)))
    try:
        counts = [int(n) for n in summary]
    except ValueError:
        raise CountsError("Callgrind's summary is not a list of counts: %r" % " ".join(summary))
    counts += [0] * (len(events) - len(counts))
    return dict(zip(events, counts))


def estimated_cycles(events):
    """The cycle estimate of :data:`CYCLE_WEIGHTS`, or None without the cache events."""
    if any(name not in events for name in CACHE_EVENTS):
        return None
    accesses = events["Ir"] + events["Dr"] + events["Dw"]
    l1_misses = events["I1mr"] + events["D1mr"] + events["D1mw"]
    ll_misses = events["ILmr"] + events["DLmr"] + events["DLmw"]
    return (CYCLE_WEIGHTS["l1_hit"] * (accesses - l1_misses)
            + CYCLE_WEIGHTS["ll_hit"] * (l1_misses - ll_misses)
            + CYCLE_WEIGHTS["ram_hit"] * ll_misses)


def minus(events, overhead):
    """``events`` less the bracketing's own counts, never below zero."""
    return {name: max(0, n - overhead.get(name, 0)) for name, n in events.items()}


def _nothing(loops):
    return None


class Window:
    """Callgrind's collection switched on around one call, its counts read back."""

    def __init__(self, library, out):
        try:
            self._lib = ctypes.CDLL(library)
        except OSError as error:
            raise CountsError("cannot load the window library %s (%s): this process must "
                              "run in the image layer of --measure instructions" % (library, error))
        if not self._lib.pybench_window_valgrind():
            raise CountsError("not running under Valgrind: --measure instructions starts "
                              "the interpreter under valgrind --tool=callgrind")
        self._out = out
        self._dumps = 0

    def count(self, work, loops):
        """The events of one ``work(loops)`` call (bracketing included)."""
        self._lib.pybench_window_open()
        work(loops)
        self._lib.pybench_window_close()
        return self.read_dump()

    def switches(self):
        """The library's (open, close) functions, for a window opened elsewhere (count_pyperf.py)."""
        return self._lib.pybench_window_open, self._lib.pybench_window_close

    def read_dump(self):
        """The events of the window just closed, from its file (then removed)."""
        self._dumps += 1
        path = "%s.%d" % (self._out, self._dumps)
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as error:
            raise CountsError("Callgrind wrote no file for window %d (%s): was the "
                              "interpreter started with --callgrind-out-file=%s?"
                              % (self._dumps, error, self._out))
        os.unlink(path)  # /tmp is a small tmpfs
        return parse_callgrind(text)

    def count_in_worker(self, work, loops):
        """:meth:`count` on a thread of its own (the harness's ``in_workers``)."""
        found, errors = [], []

        def run():
            try:
                found.append(self.count(work, loops))
            except BaseException as error:  # re-raised here
                errors.append(error)

        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
        if errors:
            raise errors[0]
        return found[0]


def window_from_env(environ=None):
    environ = os.environ if environ is None else environ
    library, out = environ.get("PYBENCH_WINDOW_LIB"), environ.get("PYBENCH_CALLGRIND_OUT")
    if not library or not out:
        raise CountsError("PYBENCH_MEASURE=instructions needs PYBENCH_WINDOW_LIB and "
                          "PYBENCH_CALLGRIND_OUT (set by pybench-docker run --measure instructions)")
    return Window(library, out)


def min_instructions(environ=None):
    environ = os.environ if environ is None else environ
    text = environ.get("PYBENCH_MIN_INSTRUCTIONS", "")
    value = int(text) if text else DEFAULT_MIN_INSTRUCTIONS
    if value < 1:
        raise ValueError("PYBENCH_MIN_INSTRUCTIONS must be >= 1, got %r" % text)
    return value


def calibrate(counter, least):
    """The smallest power of two of loops whose window counts ``least`` instructions.

    ``counter(loops)`` returns a window's instruction count (bracketing
    excluded); counts do not depend on the machine's speed, so every process
    of a configuration ends at the same power of two.
    """
    loops = 1
    while loops < MAX_LOOPS:
        if counter(loops) >= least:
            return loops
        loops *= 2
    return MAX_LOOPS


def measure(name, work, options, in_workers=False, window=None, environ=None):
    """The harness's record of ``work`` in instructions per loop.

    ``values`` and ``warmups`` are instructions per loop; ``cycles`` and
    ``cycle_warmups`` the estimated cycles per loop; ``counts`` every measured
    window's events (bracketing taken off); ``window_overhead`` the
    bracketing's own events, measured in this process.
    """
    window = window or window_from_env(environ)
    run = window.count_in_worker if in_workers else window.count
    # The first calls through ctypes and into a new function take slower
    # paths; the bracketing is what a warm call costs.
    for _ in range(3):
        overhead = run(_nothing, 0)
    counted = lambda loops: minus(run(work, loops), overhead)  # noqa: E731
    loops = options.loops or calibrate(lambda n: counted(n)["Ir"], min_instructions(environ))
    warmups, values, cycle_warmups, cycles, counts = [], [], [], [], []
    for i in range(options.warmups + options.values):
        events = counted(loops)
        per_loop = events["Ir"] / loops
        cycle = estimated_cycles(events)
        cycle = None if cycle is None else cycle / loops
        if i < options.warmups:
            warmups.append(per_loop)
            cycle_warmups.append(cycle)
        else:
            values.append(per_loop)
            cycles.append(cycle)
            counts.append(events)
    return {"name": name, "loops": loops, "threads": 1, "values": values,
            "warmups": warmups, "options": options.as_dict(), "unit": "instructions",
            "cycles": cycles, "cycle_warmups": cycle_warmups, "counts": counts,
            "window_overhead": overhead, "cycle_weights": CYCLE_WEIGHTS}
