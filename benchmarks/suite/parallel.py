"""Parallel processing: the same CPU-bound job on a thread pool, a process pool and a hybrid.

Unlike the rest of the suite these benchmarks have a FIXED total amount of
work (strong scaling): one loop is ``TOTAL_CHUNKS`` chunks of pure-Python
arithmetic, whatever the thread count. With ``threads`` = N the pool has N
workers and the N harness threads act as N clients, each submitting its share
of the chunks and waiting for their results, so the speed-up is t1 / tN (the
registry marks them ``scaling=False``).

The pools are created in ``make`` and kept for all of a benchmark's runs, so
worker start-up is not timed; every ``work`` has a ``close()`` that shuts its
pool down (``suite.measure`` calls it).

Processes are started with the 'fork' context: a forked worker inherits the
loaded modules, needs no file system (the containers have a read-only root and
only /tmp writable), and starts in a few milliseconds. 'spawn' and
'forkserver' would start a fresh interpreter that must import this package by
path (and 'forkserver' re-runs the main script in its server). fork is
safe here because the pool is created while the process runs only its main
thread (``make`` runs before the harness starts its threads, and every pool
of an earlier benchmark has been shut down), which also keeps 3.12+ from
warning about forking a multi-threaded process. Workers use POSIX semaphores
(/dev/shm) and pipes: each process pool costs N processes of the container's
pids limit (512), the hybrid pool its processes plus two threads in each.
Checked on 3.9-3.13 GIL builds; the first container run on a free-threaded
build is the check there (none was available where this was written).
"""

import math
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from ._common import ThreadSlots, share, with_close

# 48 chunks split evenly over 1, 2, 3, 4, 6, 8, 12, 16 or 24 workers; with
# another N the best possible speed-up is 48 / ceil(48 / N), below N.
TOTAL_CHUNKS = 48
CHUNK_N = 6_000
# Threads per process in the hybrid pool.
HYBRID_THREADS = 2


def crunch(n):
    """One chunk of CPU-bound work: integer arithmetic on locals, no shared objects."""
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def _context():
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: the platform's default
        return multiprocessing.get_context()


# The hybrid pool's threads inside one worker process (set by the initializer,
# which runs in the child after the fork).
_child_pool = None


def _start_child_threads(threads, fewer):
    """Runs in each new worker process; ``fewer`` counts processes still to
    take one thread less (shared through the fork)."""
    global _child_pool
    with fewer.get_lock():
        if fewer.value > 0:
            fewer.value -= 1
            threads -= 1
    _child_pool = ThreadPoolExecutor(max_workers=threads)


def _run_batch(sizes):
    """Run chunks of the given sizes on this worker process's threads."""
    if len(sizes) == 1 or _child_pool is None:
        return [crunch(n) for n in sizes]
    return list(_child_pool.map(crunch, sizes))


def _batches(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def _client(threads, submit_share):
    """``work``: each harness thread submits its share of the chunks and waits."""
    slots = ThreadSlots(threads)

    def work(loops):
        count = share(TOTAL_CHUNKS, threads, slots.take())
        for _ in range(loops):
            for future in submit_share(count):
                future.result()

    return work


def make_thread_pool(threads):
    """A ThreadPoolExecutor of N threads runs the 48 chunks of one loop.

    Expected: a GIL build gets no speed-up from more workers (t1 / tN ~ 1,
    slightly less from hand-offs); a free-threaded build approaches N up to
    the core count, with the lowest overhead of the three pools (no pickling,
    no processes).
    """
    pool = ThreadPoolExecutor(max_workers=threads)
    # Start all N workers outside the timing. An executor starts a thread only
    # when no worker is idle, so the start-up tasks wait for each other: each
    # submit then finds every earlier worker busy and starts a new one.
    started = threading.Barrier(threads)
    list(pool.map(lambda _: started.wait(), range(threads)))

    def submit_share(count):
        return [pool.submit(crunch, CHUNK_N) for _ in range(count)]

    return with_close(_client(threads, submit_share), lambda: pool.shutdown(wait=True))


def make_process_pool(threads):
    """A ProcessPoolExecutor of N forked processes runs the 48 chunks of one loop.

    Expected: GIL and free-threaded builds alike approach N up to the core
    count (each process has its own interpreter and GIL), minus the cost of
    pickling tasks and results through pipes. The reference that free
    threading has to match.
    """
    pool = ProcessPoolExecutor(max_workers=threads, mp_context=_context())
    pool.submit(crunch, 1).result()  # with fork, the first submit starts every worker

    def submit_share(count):
        return [pool.submit(crunch, CHUNK_N) for _ in range(count)]

    return with_close(_client(threads, submit_share), lambda: pool.shutdown(wait=True))


def hybrid_shape(threads):
    """(processes, threads per process, processes with one thread less) for N workers.

    N threads in all: with an odd N, one process runs one thread fewer.
    """
    per_process = min(HYBRID_THREADS, threads)
    processes = math.ceil(threads / per_process)
    return processes, per_process, processes * per_process - threads


def make_hybrid_pool(threads):
    """ceil(N/2) forked processes, N threads in all, run the 48 chunks of one loop.

    Each task sent to a process is a batch of up to two chunks that the
    process runs on its own two threads. Expected: a free-threaded build
    approaches N (both threads of a process run in parallel); a GIL build only
    the number of processes (about N/2), since the two threads of one process
    share its GIL. The gap between them is what free threading adds to a
    process pool.
    """
    processes, per_process, fewer = hybrid_shape(threads)
    context = _context()
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=context,
                               initializer=_start_child_threads,
                               initargs=(per_process, context.Value("i", fewer)))
    pool.submit(_run_batch, [1]).result()

    def submit_share(count):
        return [pool.submit(_run_batch, batch)
                for batch in _batches([CHUNK_N] * count, per_process)]

    return with_close(_client(threads, submit_share), lambda: pool.shutdown(wait=True))
