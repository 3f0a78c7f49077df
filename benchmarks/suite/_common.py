"""Helpers shared by the suite's benchmark modules (standard library only)."""

import os
import threading

# Small ints are immortal from CPython 3.12 on: storing them touches no
# reference count and allocates nothing, so loops over this tuple time only
# the operation under test.
SMALL_INTS = tuple(range(256))

# How long a hand-off waits for its partner before giving up: far above any
# real latency, it only turns a dead partner into an error instead of a hang.
HANDOFF_TIMEOUT = 60.0

yield_cpu = getattr(os, "sched_yield", None) or (lambda: None)


class ThreadSlots:
    """Hands out the indexes 0..threads-1 to the threads of one harness run.

    The harness calls ``work`` exactly once in each of its ``threads`` threads
    per run (calibration, warm-up or value) and joins them before the next run,
    so a counter taken modulo ``threads`` gives every thread of a run its own
    index. Taking an index costs one lock round trip per ``work`` call, not per loop.
    """

    def __init__(self, threads):
        self.threads = threads
        self._lock = threading.Lock()
        self._next = 0

    def take(self):
        with self._lock:
            index = self._next % self.threads
            self._next += 1
        return index


def share(total, threads, index):
    """Thread ``index``'s part of ``total`` items split as evenly as possible."""
    base, extra = divmod(total, threads)
    return base + (1 if index < extra else 0)


def with_close(work, close):
    """Attach a ``close()`` that releases what ``make`` created (pools, threads)."""
    work.close = close
    return work


def run_partner(target, *args):
    """Start ``target(*args)`` in a thread; return (thread, errors list).

    The errors list receives the partner's exception so that the caller can
    re-raise it after joining.
    """
    errors = []

    def body():
        try:
            target(*args)
        except BaseException as error:  # re-raised by finish_partner
            errors.append(error)

    thread = threading.Thread(target=body, name="suite-partner")
    thread.start()
    return thread, errors


def finish_partner(thread, errors):
    thread.join(HANDOFF_TIMEOUT)
    if thread.is_alive():
        raise RuntimeError("the partner thread did not finish within %gs" % HANDOFF_TIMEOUT)
    if errors:
        raise errors[0]
