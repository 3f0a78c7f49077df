"""Optimisation progression: one word-frequency count written four ways.

The workload: count the words of a fixed set of generated documents (mixed
case, trailing punctuation) into one table of totals that all threads share,
as a real program would (a report at the end needs one table). Each thread
counts the whole document set once per loop, so N threads do N times the
one-thread work and the speed-up is t1 * N / tN. The four versions give the
same totals (``counts_after_one_loop`` checks that) and differ in what the
code does per word:

1. ``wordfreq-naive``: per word, normalise with ``lower()`` and ``strip()``
   (one or two new strings) and update the shared table under one global lock.
2. ``wordfreq-memory``: normalise each document once with ``str.translate``
   and ``split`` (one copy per document instead of two per word); still one
   lock round trip and one shared-dict update per word.
3. ``wordfreq-threadsafe``: count into a thread-private dict and merge it into
   the shared table once per loop under the lock: the lock and the shared
   dict are touched ~vocabulary times per loop instead of once per word.
4. ``wordfreq-optimised``: as 3, with the counting done in C
   (``collections.Counter`` over one ``split()``) on a private copy of the
   text, so that threads no longer even share the document strings'
   reference counts.

On a GIL build the steps are expected to make each version faster at one
thread (less interpreter work, fewer allocations) but none of them to scale
(~1x). On a free-threaded build versions 1 and 2 are expected to scale badly
(every word contends on the lock and the shared dict), 3 and 4 to approach
N x: the progression shows what has to change before threads pay off.
"""

import random
import string
import threading
from collections import Counter

from ._common import ThreadSlots

DOCUMENTS = 80
WORDS_PER_DOCUMENT = 100
VOCABULARY = 300
SEED = 20240703
PUNCTUATION = ".,;:!?"

# Lower-case the ASCII letters and delete the punctuation, in one pass.
_TABLE = str.maketrans(string.ascii_uppercase, string.ascii_lowercase, PUNCTUATION)


def _documents():
    """The generated corpus: deterministic, ASCII, words with trailing punctuation."""
    rng = random.Random(SEED)
    words = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))))
    vocabulary = sorted(words)
    documents = []
    for _ in range(DOCUMENTS):
        out = []
        for _ in range(WORDS_PER_DOCUMENT):
            # A skewed choice, as in real text: a few words are very common.
            word = vocabulary[int(len(vocabulary) * rng.random() ** 3)]
            if rng.random() < 0.2:
                word = word.capitalize()
            if rng.random() < 0.15:
                word += rng.choice(PUNCTUATION)
            out.append(word)
        documents.append(" ".join(out))
    return documents


class _Shared:
    """What all threads of one benchmark share: the documents, the totals, one lock."""

    def __init__(self):
        self.documents = _documents()
        self.counts = {}
        self.lock = threading.Lock()


def _merge(shared, local):
    with shared.lock:
        counts = shared.counts
        for word, n in local.items():
            counts[word] = counts.get(word, 0) + n


def _attach(work, shared):
    work.counts = shared.counts  # the totals, for checks
    return work


def make_naive(threads):
    """Word count, naive: new strings per word and a global lock per shared-dict update.

    See the module docstring. Expected: the slowest version on every build;
    no speed-up on a GIL build, and on a free-threaded build the lock per word
    makes N threads no faster (often slower) than one.
    """
    shared = _Shared()

    def work(loops):
        lock, counts, documents = shared.lock, shared.counts, shared.documents
        for _ in range(loops):
            for document in documents:
                for raw in document.split():
                    word = raw.lower().strip(PUNCTUATION)
                    with lock:
                        counts[word] = counts.get(word, 0) + 1

    return _attach(work, shared)


def make_memory(threads):
    """Word count, memory-optimised: one normalised copy per document, still a lock per word.

    Fewer allocations than the naive version, the same synchronisation.
    Expected: faster than naive at one thread on every build; ~1x speed-up
    on a GIL build, and on a free-threaded build it still scales badly (the
    lock per word remains).
    """
    shared = _Shared()

    def work(loops):
        lock, counts, documents = shared.lock, shared.counts, shared.documents
        for _ in range(loops):
            for document in documents:
                for word in document.translate(_TABLE).split():
                    with lock:
                        counts[word] = counts.get(word, 0) + 1

    return _attach(work, shared)


def make_threadsafe(threads):
    """Word count, thread-safe optimised: private counts merged into the shared table once per loop.

    No lock and no shared dict in the per-word path. Expected: faster than
    the memory-optimised version on every build; ~1x speed-up on a GIL build,
    a large step towards N x on a free-threaded build (the documents are still
    shared objects whose reference counts every thread touches).
    """
    shared = _Shared()

    def work(loops):
        documents = shared.documents
        for _ in range(loops):
            local = {}
            get = local.get
            for document in documents:
                for word in document.translate(_TABLE).split():
                    local[word] = get(word, 0) + 1
            _merge(shared, local)

    return _attach(work, shared)


def make_optimised(threads):
    """Word count, fully optimised: C-level counting on a private copy, one merge per loop.

    Each thread gets its own copy of the text (made in ``make``), counts it
    with one ``translate``, one ``split`` and ``Counter``, and merges once.
    Expected: the fastest version on every build; ~1x speed-up on a GIL build,
    close to N x on a free-threaded build while N <= cores.
    """
    shared = _Shared()
    slots = ThreadSlots(threads)
    # Each join builds a new str: one private copy of the whole text per thread.
    texts = [" ".join(shared.documents) for _ in range(threads)]

    def work(loops):
        text = texts[slots.take()]
        for _ in range(loops):
            _merge(shared, Counter(text.translate(_TABLE).split()))

    return _attach(work, shared)


def counts_after_one_loop(make):
    """The totals one thread's single loop of ``make``'s work produces (for tests)."""
    work = make(1)
    work(1)
    return dict(work.counts)
