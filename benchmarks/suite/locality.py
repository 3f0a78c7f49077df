"""Thread-local vs shared data: where a thread keeps its own running state.

Each benchmark increments a per-thread counter ``ROUNDS`` times per loop; only
the place the counter lives differs: a local variable, an attribute of a
``threading.local`` created in ``make`` (one object, per-thread contents), or
this thread's key of one dict shared by all threads.
"""

import threading

from ._common import ThreadSlots

ROUNDS = 40_000


def make_locals(threads):
    """The counter is a local variable of the running function (the baseline).

    Nothing is shared. Expected: GIL ~1x at any N; free-threaded ~N x up to
    the core count, slower than a GIL build at one thread by the build's
    single-thread overhead only.
    """

    def work(loops):
        count = 0
        for _ in range(loops * ROUNDS):
            count += 1
        return count

    return work


def make_threading_local(threads):
    """The counter is an attribute of one threading.local shared by all threads.

    Each thread sees its own attribute, found through the calling thread's
    state on every access. Expected: slower than locals on both builds (a
    lookup per access); a GIL build ~1x with N threads. The per-thread
    contents are not shared, but the ``threading.local`` object is: on a
    free-threaded 3.13 (3.13t), ``tl.count += 1`` loads ``tl`` with a
    reference-count increment and decrement of that one object, contended
    between threads, so 3.13t scales well below N x; a free-threaded 3.14
    loads locals as borrowed references (no count update) and should come
    closer to N x.
    """
    storage = threading.local()

    def work(loops):
        tl = storage
        tl.count = 0
        for _ in range(loops * ROUNDS):
            tl.count += 1
        return tl.count

    return work


def make_shared_dict(threads):
    """The counter is this thread's key of ONE dict shared by all threads.

    No key is written by two threads, but all of them read and write the same
    dict: on a free-threaded build its lock and entry table are contended.
    Expected: GIL ~1x; free-threaded well below N x, the gap to
    ``data-threading-local`` being the price of sharing the container.
    """
    slots = ThreadSlots(threads)
    keys = ["thread-%d" % i for i in range(threads)]
    shared = dict.fromkeys(keys, 0)

    def work(loops):
        key = keys[slots.take()]
        d = shared
        d[key] = 0
        for _ in range(loops * ROUNDS):
            d[key] += 1
        return d[key]

    return work
