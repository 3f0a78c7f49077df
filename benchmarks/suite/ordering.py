"""Memory ordering and barriers: publishing a value to another thread and getting it back.

Every benchmark is a ping-pong: each harness thread starts one partner thread
and passes a token to it and back ``ROUNDS`` times per loop, so a loop's time
is ``ROUNDS`` round trips (publish, observe, publish back, observe). N harness
threads make N independent pairs (2N threads in all). Starting and joining the
partner happens once per ``work`` call, not per loop, so the harness's loop
calibration amortises it.

What differs is the mechanism that makes the write of one thread visible to
the other, each of them a release/acquire pair underneath: an Event (lock and
condition variable), a queue.Queue (the same, plus a deque), or a plain list
slot written by one thread and polled by the other.
"""

import queue
import threading

from ._common import HANDOFF_TIMEOUT, finish_partner, run_partner, yield_cpu

EVENT_ROUNDS = 100
QUEUE_ROUNDS = 100
# A polled hand-off takes microseconds (see make_flag_poll): calibration
# takes more loops when one loop is short.
POLL_ROUNDS = 100


def _wait(event):
    if not event.wait(HANDOFF_TIMEOUT):
        raise RuntimeError("hand-off timed out after %gs" % HANDOFF_TIMEOUT)
    event.clear()


def make_event_pingpong(threads):
    """Round trips through two threading.Event objects (set / wait / clear).

    Isolates the wake-up latency of a blocked thread: each hand-off releases a
    lock the other thread sleeps on, so the kernel has to wake it. A GIL build
    adds a GIL hand-over to each wake-up; a free-threaded build needs none, so
    it is expected to have lower latency and, with N pairs on enough cores,
    to scale ~N x where a GIL build stays ~1x (or worse: every wake-up competes
    for the one GIL).
    """

    def partner(ping, pong, rounds):
        for _ in range(rounds):
            _wait(ping)
            pong.set()

    def work(loops):
        ping, pong = threading.Event(), threading.Event()
        rounds = loops * EVENT_ROUNDS
        thread, errors = run_partner(partner, ping, pong, rounds)
        try:
            for _ in range(rounds):
                ping.set()
                _wait(pong)
        finally:
            finish_partner(thread, errors)

    return work


def make_queue_pingpong(threads):
    """Round trips through two queue.Queue objects (put / get).

    Like ``handoff-event`` but through the standard producer/consumer queue,
    which adds a Condition and a deque per hand-off. Expected: the same shape
    as the Event benchmark with a higher per-hand-off cost; a free-threaded
    build scales with N pairs, a GIL build does not.
    """

    def partner(ping, pong, rounds):
        for _ in range(rounds):
            pong.put(ping.get(timeout=HANDOFF_TIMEOUT))

    def work(loops):
        ping, pong = queue.Queue(), queue.Queue()
        rounds = loops * QUEUE_ROUNDS
        thread, errors = run_partner(partner, ping, pong, rounds)
        try:
            for i in range(rounds):
                ping.put(i)
                if pong.get(timeout=HANDOFF_TIMEOUT) != i:
                    raise RuntimeError("queue hand-off returned the wrong token")
        finally:
            finish_partner(thread, errors)

    return work


def make_flag_poll(threads):
    """Round trips through a plain list slot that the other thread polls in a loop.

    The publisher stores a sequence number into one slot; the consumer polls
    until it sees it, then answers in a second slot. No lock is taken:
    visibility rests on the ordering of the list's own item stores and loads.
    Each poll calls os.sched_yield(), which also releases the GIL, so on a GIL
    build the poller offers the GIL on every check instead of holding it
    for a switch interval (5 ms); a poller that never yields would make every
    hand-off cost that much. Expected: the lowest latency of this category on
    both builds while each spinning thread has a core (no sleeping and waking
    through the kernel); with N pairs a GIL build stays ~1x (the pairs take
    turns), a free-threaded build scales until 2N threads exceed the cores,
    then degrades quickly (pollers burn the cores their partners need).
    """

    def partner(box, rounds):
        for i in range(1, rounds + 1):
            while box[0] != i:
                if box[2]:  # the publisher gave up
                    return
                yield_cpu()
            box[1] = i

    def work(loops):
        box = [0, 0, False]  # ping, pong, abort
        rounds = loops * POLL_ROUNDS
        thread, errors = run_partner(partner, box, rounds)
        try:
            for i in range(1, rounds + 1):
                box[0] = i
                while box[1] != i:
                    if errors:
                        raise errors[0]
                    yield_cpu()
        finally:
            box[2] = True
            finish_partner(thread, errors)

    return work
