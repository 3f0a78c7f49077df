"""Cache-line contention and false sharing: threads writing their own slot of shared storage.

Every thread writes only its own slot or attribute, so no value is ever
shared; what may be shared is the cache line holding neighbouring slots, and
the container object itself (its reference count and, on a free-threaded
build, its per-object lock). The variants separate those effects:

- ``slots-one-list``: neighbouring items of one list (line, lock, refcount shared),
- ``slots-spread-list``: items 16 apart in one list (lock and refcount shared,
  no item line shared),
- ``slots-own-list``: one list per thread (nothing shared),
- ``attrs-one-object`` / ``attrs-own-object``: the same for the attributes of
  one object vs one object per thread.

The values written are small ints (immortal from 3.12 on), so a store moves
one pointer and allocates nothing. All containers are created in ``make`` by
the main thread, the private ones too, and every benchmark thread (one thread
included) is another thread, so ownership is the same everywhere and only the
sharing differs. On a GIL build all variants are expected to run at
about the same speed and not to scale (~1x). On a free-threaded build the
private variants are expected to scale ~N x and the shared ones to fall behind
as N grows, ``slots-one-list`` the furthest.
"""

from ._common import SMALL_INTS, ThreadSlots

ROUNDS = 500
ATTR_ROUNDS = 800
# Pointers are 8 bytes: 16 slots apart is 128 bytes, beyond one cache line and
# beyond the pair of lines that adjacent-line prefetchers fetch together.
STRIDE = 16


def _write_slot(slots, index, rounds):
    values = list(SMALL_INTS)  # this thread's own list of immortal values
    for _ in range(rounds):
        for v in values:
            slots[index] = v


def _make_list_writer(threads, lists, stride):
    """``work`` writing slot ``index * stride`` of ``lists[index]``."""
    slots = ThreadSlots(threads)

    def work(loops):
        index = slots.take()
        _write_slot(lists[index], index * stride, loops * ROUNDS)

    return work


def make_slots_one_list(threads):
    """Each thread writes its own slot among neighbouring slots of ONE shared list.

    The slots share cache lines (8 pointers per 64-byte line), the list's
    reference count and, on a free-threaded build, the list's per-object lock
    taken by every item store. Expected: GIL build ~1x at any N; free-threaded
    build far below N x, possibly slower than one thread.
    """
    shared = [0] * threads
    return _make_list_writer(threads, [shared] * threads, 1)


def make_slots_spread_list(threads):
    """Each thread writes its own slot of ONE shared list, slots 16 apart (no line shared).

    The same as ``slots-one-list`` except that no two threads write the same
    cache line of the item array: the difference between the two is the cost
    of false sharing proper; what remains (list lock, reference count of the
    list) is true sharing of the list object. Expected: GIL ~1x; free-threaded
    between ``slots-one-list`` and ``slots-own-list``.
    """
    shared = [0] * (threads * STRIDE)
    return _make_list_writer(threads, [shared] * threads, STRIDE)


def make_slots_own_list(threads):
    """Each thread writes slot 0 of its OWN list (the no-sharing baseline).

    Each list has STRIDE slots although only slot 0 is written: lists made one
    after another sit next to each other in memory, and one-slot item arrays
    would put several threads' slot 0 on one cache line (false sharing in the
    baseline). Expected: GIL ~1x; free-threaded ~N x up to the core count.
    """
    return _make_list_writer(threads, [[0] * STRIDE for _ in range(threads)], 0)


class Record:
    """A plain object whose attributes live in its instance dict or inline values."""


_ATTR_WRITER = """
def writer(obj, rounds):
    values = list(SMALL_INTS)
    for _ in range(rounds):
        for v in values:
            obj.a{index} = v
"""


def _attr_writer(index):
    """A function storing ``obj.a<index>`` through a constant name (STORE_ATTR)."""
    namespace = {"SMALL_INTS": SMALL_INTS}
    exec(_ATTR_WRITER.format(index=index), namespace)
    return namespace["writer"]


def _new_record(threads):
    record = Record()
    for i in range(threads):
        setattr(record, "a%d" % i, 0)
    return record


def _make_attr_writer(threads, objects):
    slots = ThreadSlots(threads)
    writers = [_attr_writer(i) for i in range(threads)]

    def work(loops):
        index = slots.take()
        writers[index](objects[index], loops * ATTR_ROUNDS)

    return work


def make_attrs_one_object(threads):
    """Each thread writes its own attribute (a0, a1, ...) of ONE shared object.

    The attribute values sit next to each other (inline values or the dict's
    entry table), so the writes share cache lines and, on a free-threaded
    build, the object's lock. Expected: GIL ~1x; free-threaded well below N x.
    """
    shared = _new_record(threads)
    return _make_attr_writer(threads, [shared] * threads)


def make_attrs_own_object(threads):
    """Each thread writes the same-named attribute of its OWN object (baseline).

    Every object has all N attributes, like the shared one, but each thread
    writes ``a<index>`` of an object nobody else touches. Expected: GIL ~1x;
    free-threaded ~N x up to the core count.
    """
    return _make_attr_writer(threads, [_new_record(threads) for _ in range(threads)])
