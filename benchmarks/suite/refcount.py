"""Reference counting: one shared object vs one object per thread vs immortal objects.

Each benchmark runs the same loop: store an object into the four slots of a
list that belongs to the running thread, then overwrite the slots with None.
Every store of a mortal object increments its reference count and every
overwrite decrements it, so one round is four increments and four decrements
of the object under test (None is immortal from 3.12 on and costs nothing).
Only *which* object is stored differs between the benchmarks.

On a free-threaded build an object's count is split (biased reference
counting): the thread that created it updates a plain field, every other thread
an atomic shared field. One object used by N threads makes that shared field
bounce between their cores.
"""

ROUNDS = 40_000


class Payload:
    """An ordinary mortal object (not a type, function or code object, which
    a free-threaded build may count in a deferred way)."""

    __slots__ = ("value",)

    def __init__(self, value=0):
        self.value = value


def _churn(a, b, c, d, rounds):
    box = [None, None, None, None]
    for _ in range(rounds):
        box[0] = a
        box[1] = b
        box[2] = c
        box[3] = d
        box[0] = None
        box[1] = None
        box[2] = None
        box[3] = None
    return box


def make_shared_mortal(threads):
    """N threads take and drop references to ONE mortal object created up front.

    The object is made in ``make`` by the main thread, and the suite runs
    every benchmark thread (one thread too) as another thread, so on a
    free-threaded build each of them updates the object's atomic shared
    reference count: at one thread uncontended, from two threads on contended
    on one cache line. The speed-up t1 * N / tN therefore shows the
    contention; the single-thread cost against ``refcount-private-mortal``
    shows the atomic path alone. A GIL build is expected to behave as the
    private variant (~1x speed-up); a free-threaded build to scale poorly or
    even slow down as N grows, far behind ``refcount-private-mortal``.
    """
    shared = Payload()

    def work(loops):
        obj = shared
        for _ in range(loops):
            _churn(obj, obj, obj, obj, ROUNDS)

    return work


def make_private_mortal(threads):
    """Each thread takes and drops references to its OWN mortal object.

    The object is created by the thread that uses it, so a free-threaded build
    updates only the owner's non-atomic field: no contention, and the
    free-threaded build is expected to scale ~N x up to the core count. A GIL
    build stays ~1x. The baseline for ``refcount-shared-mortal``.
    """

    def work(loops):
        obj = Payload()
        for _ in range(loops):
            _churn(obj, obj, obj, obj, ROUNDS)

    return work


def make_immortal(threads):
    """N threads store immortal objects shared by everyone: None, True, 7 and "".

    From 3.12 on these objects are immortal: reference-count operations on
    them are skipped, so although every thread uses the same objects there is
    nothing to contend on. A free-threaded build is expected to scale ~N x and
    to be as fast as (or faster than) ``refcount-private-mortal``; a GIL build
    stays ~1x. On 3.11, which has no immortal objects, this is one more shared
    object benchmark (harmless under the GIL).
    """

    def work(loops):
        for _ in range(loops):
            _churn(None, True, 7, "", ROUNDS)

    return work
