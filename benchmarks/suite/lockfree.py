"""Lock-free style operations: single built-in calls on shared objects, with no lock of ours.

Code that relies on "one built-in call is atomic" (list.append, dict
setitem, SimpleQueue.put/get, next() on itertools.count) keeps working on a
free-threaded build because each such call takes the object's own lock, or
uses atomics, internally. These benchmarks time those calls with every thread
hitting the same object; ``list-append-own`` is the uncontended baseline.
"""

import itertools
import queue

from ._common import SMALL_INTS, ThreadSlots

ROUNDS = 30_000
DICT_ROUNDS = 300
HOT_KEYS = 16
# Lists start this long so that append/pop never empties them: an empty list
# frees its item array and the next append allocates a new one, which would
# time the allocator (and, on a free-threaded build, its delayed frees).
PREFILL = 64


def _append_pop(target, rounds):
    append, pop = target.append, target.pop
    for _ in range(rounds):
        append(None)
        pop()


def make_list_append_shared(threads):
    """list.append then list.pop on ONE list shared by all threads.

    Each thread pops only after its own append, so the list stays between
    PREFILL and PREFILL + N items long and is never resized after the first
    rounds. Expected: GIL ~1x; a free-threaded build serialises on the list's
    lock and cache lines, well below N x.
    """
    shared = [None] * PREFILL

    def work(loops):
        _append_pop(shared, loops * ROUNDS)

    return work


def make_list_append_own(threads):
    """list.append then list.pop on each thread's OWN list (the baseline).

    The lists are created in ``make`` and prefilled, like the shared one.
    Expected: GIL ~1x; free-threaded ~N x up to the core count.
    """
    slots = ThreadSlots(threads)
    lists = [[None] * PREFILL for _ in range(threads)]

    def work(loops):
        _append_pop(lists[slots.take()], loops * ROUNDS)

    return work


def make_dict_setitem_shared(threads):
    """All threads store into the SAME 16 keys of one shared dict (last write wins).

    Unlike ``dict-update-shared`` (locks category), the threads collide on
    the very same entries: the worst case for the dict's lock and cache lines.
    The keys and values are small ints (immortal), so no reference count of a
    key is shared on top of that. Expected: GIL ~1x; free-threaded well below
    N x.
    """
    keys = list(SMALL_INTS[:HOT_KEYS])
    shared = dict.fromkeys(keys, 0)

    def work(loops):
        values = list(SMALL_INTS)[:HOT_KEYS]
        d = shared
        for _ in range(loops * DICT_ROUNDS):
            for v in values:
                for key in keys:
                    d[key] = v

    return work


def make_simplequeue_shared(threads):
    """queue.SimpleQueue put then get on ONE queue shared by all threads.

    SimpleQueue is implemented in C with a short internal critical section.
    Each thread gets only after its own put, so get never blocks. Expected:
    GIL ~1x; free-threaded below N x, by how much depends on the queue's
    internal lock.
    """
    shared = queue.SimpleQueue()

    def work(loops):
        put, get = shared.put, shared.get
        for _ in range(loops * ROUNDS):
            put(None)
            get()

    return work


def make_counter_count_shared(threads):
    """next() on ONE itertools.count shared by all threads: a counter in one C call.

    Each call reads and advances the count in C. Expected: GIL ~1x; on a
    free-threaded build the counter's cache line bounces between cores, well
    below N x. (Whether a shared count() may hand out a duplicate number on a
    free-threaded build depends on the version; no value is checked here.)
    """
    shared = itertools.count()

    def work(loops):
        tick = shared.__next__
        for _ in range(loops * ROUNDS):
            tick()

    return work


def make_counter_racy_shared(threads):
    """``counter[0] = (counter[0] + 1) & 255`` on ONE shared list, no lock: fast and wrong.

    A read, an add and a store: another thread can write in between, so
    increments are lost (rarely on a GIL build, often on a free-threaded
    one). Shown for its cost next to ``counter-count-shared`` and
    ``lock-shared``, never as a pattern to copy. Expected: GIL ~1x;
    free-threaded below N x (list lock and cache-line contention). The count
    wraps at 256 so that every value is an immortal small int, as in the lock
    benchmarks.
    """
    shared = [0]

    def work(loops):
        counter = shared
        for _ in range(loops * ROUNDS):
            counter[0] = (counter[0] + 1) & 255

    return work
