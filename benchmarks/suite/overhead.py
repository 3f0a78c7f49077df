"""Single-thread overhead: what a build costs before any thread is added.

Both benchmarks touch only objects that the running thread creates, so the
same code also serves as the "independent CPU work" reference of a scaling
sweep: N threads each doing the one-thread work share nothing but code objects,
functions and immortal constants.
"""

import math

# Sized so one loop is a few milliseconds on one core of a recent CPU.
MIX_ROUNDS = 300
ARITH_N = 40_000


class _Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm(self):
        return math.sqrt(self.x * self.x + self.y * self.y)

    def scaled(self, k):
        return _Point(self.x * k, self.y * k)


def _squares(n):
    for i in range(n):
        yield i * i


def _mix_round(r):
    # Calls, attribute loads and stores, a method call returning a new object.
    p = _Point(float(r), 2.5)
    q = p.scaled(0.5)
    length = q.norm() + p.norm()
    # dict and str work: formatting, hashing new strings, get/update.
    counts = {}
    for word in ("alpha", "beta", "gamma", "alpha", "delta", "beta", "alpha"):
        counts[word] = counts.get(word, 0) + 1
    label = "%s-%d" % (max(counts, key=counts.get), r)
    joined = ",".join(sorted(counts))
    # list building, slicing and sorting.
    values = [(i * 7919) % 101 for i in range(40)]
    values.sort()
    middle = values[10:30]
    # Float arithmetic and a generator consumed by a builtin.
    acc = 0.0
    for v in middle:
        acc += v * 0.5 - length / (v + 1.0)
    total = sum(_squares(30))
    return len(label) + len(joined) + int(acc) + total


def make_everyday_mix(threads):
    """A small mix of everyday interpreter work on one thread's own objects.

    Isolates the per-bytecode cost of a build: function and method calls,
    attribute access, dict/str/list operations, float arithmetic and a
    generator, with no object shared between threads. Run with one thread it
    gives each build's speed relative to the stock (GIL) build of the same
    version; free-threaded 3.13 builds are expected to be clearly slower (no
    specialising interpreter, atomic reference counts on objects of other
    threads, per-object locks), 3.14+ builds much closer. With N threads: a GIL
    build stays near 1x speed-up, a free-threaded build should approach N x
    while N <= cores (memory allocation is per thread).
    """

    def work(loops):
        for _ in range(loops):
            for r in range(MIX_ROUNDS):
                _mix_round(r)

    return work


def _arith(n):
    # The operands are built at run time, so each thread works on objects of
    # its own. A literal such as 0xFFFF or 0.999 is one object of the code
    # object shared by every thread, and on 3.13t every load of it is a
    # contended reference-count update: with literals here, 3.13t ran this loop
    # 0.91x as fast on two threads as on one (measured), timing the constants
    # rather than the arithmetic.
    mask = int("65535")
    k = float("0.999")
    c = float("0.001")
    x = float("0.5")
    a, b = 0, 1  # immortal small ints
    for i in range(n):
        a, b = b, (a + b) & mask
        x = x * k + c
    return a + int(x)


def make_pure_bytecode(threads):
    """A tight loop of local integer and float arithmetic: no calls, no containers.

    Isolates raw bytecode dispatch on thread-private locals (the integers stay
    below 2**16, one digit each, allocated by the running thread).
    It is the cleanest "independent CPU work" case: a GIL build is expected to
    show ~1x speed-up at any thread count, a free-threaded build close to N x up
    to the number of cores (the issue expects >= 1.7x at 2 threads on 2 cores).
    The one-thread time shows the interpreter-loop overhead of each build.
    """

    def work(loops):
        for _ in range(loops):
            _arith(ARITH_N)

    return work
