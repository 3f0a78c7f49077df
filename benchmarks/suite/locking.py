"""Locks: uncontended vs contended Lock, RLock, Condition; the built-in containers' locks.

Each lock benchmark runs ``with lock: counter[0] = (counter[0] + 1) & 255`` in
a loop: the counts stay small ints (immortal from 3.12 on), so no int made by
one thread is freed by another (on a free-threaded build, a cross-thread free
is queued back to the creating thread, a second synchronisation that is not
the lock's). The
``-own`` variants give every thread its own lock and counter (created by the
thread: never contended); the ``-shared`` variants share one lock and one
counter created in ``make``, so with N > 1 the threads queue on the lock.

The dict benchmarks need no lock of ours: on a free-threaded build every
dict (and list, set, ...) carries a per-object lock that its mutating methods
take; on a GIL build the GIL plays that role.
"""

import threading

from ._common import SMALL_INTS, ThreadSlots

LOCK_ROUNDS = 10_000
CONDITION_ROUNDS = 4_000
DICT_ROUNDS = 300
DICT_KEYS = 16


def _locked_increments(lock, counter, rounds):
    for _ in range(rounds):
        with lock:
            counter[0] = (counter[0] + 1) & 255


def _condition_increments(condition, counter, rounds):
    for _ in range(rounds):
        with condition:
            counter[0] = (counter[0] + 1) & 255
            condition.notify()


def _own(factory, body, rounds=LOCK_ROUNDS):
    def work(loops):
        body(factory(), [0], loops * rounds)

    return work


def _shared(factory, body, rounds=LOCK_ROUNDS):
    lock, counter = factory(), [0]

    def work(loops):
        body(lock, counter, loops * rounds)

    return work


def make_lock_own(threads):
    """threading.Lock, one per thread: the uncontended acquire/release cost.

    Expected: similar cost on GIL and free-threaded builds at one thread (an
    uncontended acquire is one atomic operation); with N threads a GIL build
    stays ~1x, a free-threaded build scales ~N x.
    """
    return _own(threading.Lock, _locked_increments)


def make_lock_shared(threads):
    """threading.Lock shared by all threads: acquire/release under contention.

    Expected: a GIL build serialises the threads anyway, so contention adds
    little (~1x or slightly below). A free-threaded build runs the threads in
    parallel and pays for it: lock hand-offs between cores and the shared
    counter's cache line, typically a speed-up well below 1 once N > 1.
    """
    return _shared(threading.Lock, _locked_increments)


def make_rlock_own(threads):
    """threading.RLock, one per thread: the uncontended re-entrant lock cost.

    An RLock also records its owner and a recursion count. Expected as
    ``lock-own``, slightly slower per operation: a GIL build ~1x with N
    threads, a free-threaded build ~N x.
    """
    return _own(threading.RLock, _locked_increments)


def make_rlock_shared(threads):
    """threading.RLock shared by all threads: re-entrant lock under contention.

    Expected as ``lock-shared``: no gain from N threads on either build; a
    GIL build stays near 1x, a free-threaded build loses more as N grows.
    """
    return _shared(threading.RLock, _locked_increments)


def make_condition_own(threads):
    """threading.Condition (over an RLock), one per thread: enter, notify, exit uncontended.

    notify() with no waiter still checks ownership and the waiter queue in
    Python code. Expected: GIL ~1x, free-threaded ~N x.
    """
    return _own(threading.Condition, _condition_increments, CONDITION_ROUNDS)


def make_condition_shared(threads):
    """threading.Condition shared by all threads: enter, notify, exit under contention.

    Expected: as ``rlock-shared`` with more Python-level work inside the
    critical section: a GIL build near 1x, and contention hurts a
    free-threaded build even more.
    """
    return _shared(threading.Condition, _condition_increments, CONDITION_ROUNDS)


def _dict_stores(mapping, keys, rounds):
    values = list(SMALL_INTS)[:DICT_KEYS]
    for _ in range(rounds):
        for v in values:
            for key in keys:
                mapping[key] = v


def _thread_keys(threads):
    # Distinct str keys per thread, created here so that hashing is cached.
    return [["t%d-k%d" % (t, k) for k in range(DICT_KEYS)] for t in range(threads)]


def make_dict_update_own(threads):
    """Each thread stores into its OWN dict: the built-in's lock, uncontended.

    On a free-threaded build each store takes the dict's per-object lock (a
    cheap uncontended critical section). Expected: GIL ~1x; free-threaded ~N x.
    """
    slots, keys = ThreadSlots(threads), _thread_keys(threads)
    dicts = [dict.fromkeys(k, 0) for k in keys]

    def work(loops):
        index = slots.take()
        _dict_stores(dicts[index], keys[index], loops * DICT_ROUNDS)

    return work


def make_dict_update_shared(threads):
    """All threads store into ONE shared dict, each under its own keys.

    The keys never collide, but every store takes the same dict's lock on a
    free-threaded build and writes its entry table. Expected: GIL ~1x; a
    free-threaded build well below N x, the gap to ``dict-update-own`` being
    the price of the built-in's lock under contention.
    """
    slots, keys = ThreadSlots(threads), _thread_keys(threads)
    shared = {}
    for k in keys:
        shared.update(dict.fromkeys(k, 0))

    def work(loops):
        index = slots.take()
        _dict_stores(shared, keys[index], loops * DICT_ROUNDS)

    return work
