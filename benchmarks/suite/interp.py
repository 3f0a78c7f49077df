"""Interpreter features: specialisation, frames, and iterators shared between threads.

The specialising adaptive interpreter (3.11+) rewrites hot bytecodes into
type-specific forms; free-threaded 3.13 builds disable it, 3.14 re-enables
most of it. Frame-heavy code (generators, recursion) exercises frame creation
and teardown. A shared iterator is the one object whose state every thread
advances.
"""

from ._common import ThreadSlots

ATTR_ROUNDS = 15_000
GEN_ITEMS = 30_000
RECURSION_DEPTH = 200
RECURSION_REPEATS = 120
ITER_ITEMS = 80_000
ITER_DATA = 4_096

# Module-level names read through LOAD_GLOBAL. The int is small (immortal), so
# the global load is timed, not reference counting of a shared value.
STEP = 3


def _double(x):
    return x + x


class _Vector:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, other):
        return self.x * other.x + self.y * other.y


class _Counter:
    def __init__(self):
        self.total = 0

    def add(self, value):
        self.total += value


def make_specialised_attrs_calls(threads):
    """Attribute loads (slots and dict), global loads and method calls on private objects.

    Exactly the bytecodes the specialising interpreter speeds up (LOAD_ATTR,
    STORE_ATTR, LOAD_GLOBAL, CALL of Python methods). Expected: a free-threaded
    3.13 build, which does not specialise, is clearly slower than its GIL
    build at one thread; 3.14+ narrows the gap. Nothing is shared, so with N
    threads a GIL build stays ~1x and a free-threaded build scales ~N x.
    """

    def work(loops):
        a, b, acc = _Vector(1, 2), _Vector(3, 4), _Counter()
        for _ in range(loops):
            for i in range(ATTR_ROUNDS):
                acc.add(a.dot(b) + _double(STEP))
                a.x = i & 127
        return acc.total

    return work


def _numbers(n):
    for i in range(n):
        yield i


def _odd(items):
    for x in items:
        if x & 1:
            yield x


def make_generators(threads):
    """A three-stage generator pipeline consumed by sum(): frames suspended and resumed.

    Each item resumes two generator frames. Expected: a free-threaded build
    pays its single-thread overhead per resume; with N threads, ~1x on a GIL
    build and ~N x on a free-threaded build (each thread has its own
    generators).
    """

    def work(loops):
        total = 0
        for _ in range(loops):
            total += sum(x * 2 for x in _odd(_numbers(GEN_ITEMS)))
        return total

    return work


def _depth(n):
    return 0 if n == 0 else 1 + _depth(n - 1)


def make_deep_recursion(threads):
    """Recursion 200 frames deep, repeated: frame push and pop with Python calls.

    Isolates call and return overhead and the per-thread frame stack (each
    thread's own data stack chunks). Expected: GIL ~1x with N threads,
    free-threaded ~N x; one-thread time shows each build's call overhead.
    """

    def work(loops):
        for _ in range(loops):
            for _ in range(RECURSION_REPEATS):
                _depth(RECURSION_DEPTH)

    return work


def _drain(holder, data, count):
    """Take ``count`` items from the iterator in ``holder[0]``, renewing it when exhausted."""
    taken = 0
    while taken < count:
        it = holder[0]
        for _ in it:
            taken += 1
            if taken == count:
                break
        else:
            # Renew only if no other thread did: otherwise each thread would
            # store and then iterate an iterator of its own.
            if holder[0] is it:
                holder[0] = iter(data)
    return taken


def make_iterator_shared(threads):
    """ONE list iterator advanced by all threads (each takes 80,000 items per loop).

    Every next() of every thread updates the iterator's position: the threads
    share that one field. (A list iterator, not a tuple iterator: concurrent
    exhaustion of a shared tuple iterator could crash free-threaded builds
    before CPython's gh-115999 fix.) Items may be handed out twice or skipped on a
    free-threaded build (an iterator is not a work queue), never invalid.
    Expected: GIL ~1x; free-threaded far below N x, possibly slower than one
    thread (the position's cache line bounces on every item).
    """
    data = list(range(256)) * (ITER_DATA // 256)  # small ints: immortal items
    holder = [iter(data)]

    def work(loops):
        for _ in range(loops):
            _drain(holder, data, ITER_ITEMS)

    return work


def make_iterator_own(threads):
    """Each thread advances its OWN iterator over the same shared read-only list.

    The list is shared but only read; the position is private. Expected:
    GIL ~1x; free-threaded ~N x up to the core count (the baseline for
    ``iterator-shared``).
    """
    data = list(range(256)) * (ITER_DATA // 256)
    slots = ThreadSlots(threads)
    holders = [[iter(data)] for _ in range(threads)]

    def work(loops):
        holder = holders[slots.take()]
        for _ in range(loops):
            _drain(holder, data, ITER_ITEMS)

    return work
