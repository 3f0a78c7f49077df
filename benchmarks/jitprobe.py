"""Did JIT-compiled code run while the values were measured? What happened, not what was configured.

``sys._jit.is_enabled()`` says what start-up configured, and ``sys._jit.is_active()``
only whether the calling C function was called straight from machine code (it
read false in 200 of 200 samples inside a loop the 3.15 JIT made 26 % faster).
This probe looks at the JIT's executors instead (checked in the 3.13.15, 3.14.7 and
3.15.0rc2 sources):

* Every executor is a GC-tracked ``uop_executor`` object; one made for a loop sits
  behind an ENTER_EXECUTOR instruction of its code object (``_opcode.get_executor``),
  and one made for a hot side exit hangs off its parent's exits (``gc.get_referents``).
  Executors whose root loop is in the harness's own files are left out.
* **Entry marks** (3.14, 3.15): every trace starts with the micro-op ``_MAKE_WARM``,
  and a loop closing on itself jumps back to it, so every entry and every iteration
  sets ``vm_data.warm = true`` (3.14) or ``vm_data.cold = false`` (3.15). Python has
  no API for that byte; ``ctypes`` reads and resets it, at an offset taken from the
  version's ``pycore_optimizer.h`` and **checked** on every executor first (the
  object's size, its micro-op count, its validity and, for attached ones, its code
  object and instruction index must all read back right; otherwise there are no
  marks). The probe resets the byte to "not entered" just before the first value and
  reads it just after the last: set again means the executor ran during the values.
  (The reset is what the interpreter's own cold sweep does every 100,000 trace
  iterations on 3.14 and every 1,000 compilations on 3.15: at worst an executor not
  entered since is freed one sweep earlier.)
* **Created during the values** (3.13, 3.14): the optimizer is called from the
  backward jump or side exit being executed and jumps into the new executor at once
  (``GOTO_TIER_TWO``), so a new executor is one that ran. 3.15 records a trace first
  and enters it only the next time, so there creation alone proves nothing.
* **Attached throughout** (3.13 only: it keeps no per-executor trace of an entry):
  executors compiled for the measured code once the measurement started (during
  calibration and warm-ups) were valid and attached before and after the values.
  ENTER_EXECUTOR enters its executor whenever it is reached, so this is "ran" for a
  workload that repeats the same code each loop, an inference the evidence names.

The verdict (``verdict``, pure) is ``ran``, ``enabled, did not run`` or ``off``, with
the reason; ``Probe.end()`` returns the evidence as a JSON-friendly dict.
Works on any CPython 3.9+: without tier 2 every answer is "off".
"""

import gc
import sys
import sysconfig
import types

RAN = "ran"
IDLE = "enabled, did not run"
OFF = "off"

# Files whose executors are the measurement's own bookkeeping, not the work.
TOOLING_FILES = ("harness.py", "memprobe.py", "jitprobe.py", "pyinfo.py")
# At most this many executors are described one by one in the evidence.
MAX_LISTED = 12

# Where the entry mark lives, per version: the offsets inside _PyVMData
# (Include/internal/pycore_optimizer.h), the size of _PyVMData and of the fields
# between it and exits[] (exit_count, code_size, jit_size, jit_code and one more
# pointer), and what the mark byte holds after an entry.
LAYOUTS = {
    # uint8 opcode, oparg; uint8 valid:1 linked:1 chain_depth:6; bool warm;
    # int index; _PyBloomFilter bloom (32); links (16); PyCodeObject *code.
    (3, 14): {"valid": (2, 0x01), "mark": 3, "entered": 1, "reset": 0,
              "index": 4, "code": 56, "vm_size": 64, "tail": 32},
    # uint8 opcode, oparg, valid, chain_depth; bool cold; uint8 pending_deletion;
    # int32 index; int32 bloom_array_idx; links (16); PyCodeObject *code.
    (3, 15): {"valid": (2, 0xFF), "mark": 4, "entered": 0, "reset": 1,
              "index": 8, "code": 32, "vm_size": 40, "tail": 32},
    # uint8 opcode, oparg, valid, linked; int index; bloom (32); links (16); code.
    # No mark: 3.13 keeps no per-executor trace of an entry.
    (3, 13): {"valid": (2, 0xFF), "mark": None, "entered": None, "reset": None,
              "index": 4, "code": 56, "vm_size": 64, "tail": 32},
}
# Versions whose optimizer enters an executor the moment it creates it.
CREATION_ENTERS = ((3, 13), (3, 14))


def jit_built():
    """True when the interpreter was built with the JIT compiler (``-D_Py_JIT``)."""
    return "-D_Py_JIT" in (sysconfig.get_config_var("PY_CORE_CFLAGS") or "")


def jit_enabled():
    """What start-up configured: True, False, or None when unknown."""
    if not jit_built():
        return False
    module = getattr(sys, "_jit", None)
    if module is not None:
        try:
            return bool(module.is_enabled())
        except Exception:
            pass
    try:
        import _testinternalcapi

        return _testinternalcapi.get_optimizer() is not None
    except Exception:
        return None


def _is_executor(obj):
    return type(obj).__name__ == "uop_executor"


def _functions_and_code():
    """(executors, code objects of every live function and their nested code)."""
    executors, codes, seen = [], [], set()
    for obj in gc.get_objects():
        if _is_executor(obj):
            executors.append(obj)
            continue
        # Only these types: a getattr on an arbitrary object could run its code.
        if isinstance(obj, types.FunctionType):
            code = obj.__code__
        elif isinstance(obj, types.GeneratorType):
            code = obj.gi_code
        elif isinstance(obj, types.CoroutineType):
            code = obj.cr_code
        else:
            continue
        stack = [code]
        while stack:
            code = stack.pop()
            if id(code) in seen:
                continue
            seen.add(id(code))
            codes.append(code)
            stack.extend(c for c in code.co_consts if hasattr(c, "co_code"))
    return executors, codes


def _attached(codes):
    """{id(executor): (executor, code, byte offset)} for every ENTER_EXECUTOR."""
    try:
        import opcode
        from _opcode import get_executor

        enter = opcode.opmap["ENTER_EXECUTOR"]
    except Exception:
        return {}
    found, needle = {}, bytes([enter])
    for code in codes:
        try:
            adaptive = code._co_code_adaptive
        except Exception:
            continue
        offset = adaptive.find(needle)
        while offset != -1:
            if offset % 2 == 0:
                try:
                    executor = get_executor(code, offset)
                    found[id(executor)] = (executor, code, offset)
                except Exception:  # a stray byte in an inline cache, or no tier 2
                    pass
            offset = adaptive.find(needle, offset + 1)
    return found


def _children(executor):
    return [r for r in gc.get_referents(executor) if _is_executor(r) and gc.is_tracked(r)]


def _is_tooling(code):
    if code is _spin.__code__:  # the self-test's loop is the work there
        return False
    name = (code.co_filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name in TOOLING_FILES


class Executor:
    """One executor as the probe saw it: where it came from and what it holds."""

    def __init__(self, obj, code=None, offset=None, root=None):
        self.obj = obj  # a strong reference: its memory stays readable
        self.code = code
        self.offset = offset
        self.root = root  # the attached executor this side-exit chain hangs off

    def code_of(self):
        """The code object of its root loop; None for an orphan side exit."""
        return self.code or (self.root.code if self.root is not None else None)

    def origin(self):
        code = self.code_of()
        if code is None:
            return None
        where = "%s:%d" % (code.co_filename.rsplit("/", 1)[-1], code.co_firstlineno)
        return "%s (%s)" % (getattr(code, "co_qualname", code.co_name), where)

    def measured(self):
        """Attributed to the work: its root loop is known and not the harness's own."""
        code = self.code_of()
        return code is not None and not _is_tooling(code)

    def valid(self):
        try:
            return bool(self.obj.is_valid())
        except Exception:
            return False

    def uops(self):
        try:
            return len(self.obj)
        except Exception:
            return 0

    def jit_bytes(self):
        """Bytes of machine code, 0 when it has none (tier-2 interpreter), None unknown."""
        try:
            code = self.obj.get_jit_code()
        except Exception:
            return None
        return len(code) if code else 0


def snapshot():
    """Every live executor with its origin: attached ones, then their side-exit chains."""
    executors, codes = _functions_and_code()
    attached = _attached(codes)
    found = {}
    for key, (obj, code, offset) in attached.items():
        found[key] = Executor(obj, code, offset)
    stack = [(e.obj, e) for e in found.values()]
    while stack:
        obj, root = stack.pop()
        for child in _children(obj):
            if id(child) not in found:
                found[id(child)] = Executor(child, root=root)
                stack.append((child, root))
    for obj in executors:  # orphans: a side exit of an executor no longer attached
        if id(obj) not in found:
            found[id(obj)] = Executor(obj)
    return found


class Marks:
    """Reads and resets each executor's entry byte, after checking the layout on it."""

    def __init__(self, version=None):
        self.version = tuple((version or sys.version_info)[:2])
        self.layout = LAYOUTS.get(self.version)
        self.problem = None
        try:
            import ctypes

            self.ctypes = ctypes
        except Exception as error:  # a build without _ctypes
            self.ctypes = None
            self.problem = "ctypes is not available (%s)" % error
        if self.layout is None and self.problem is None:
            self.problem = "no executor layout known for %d.%d" % self.version
        if self.layout is not None:
            ssize = self.ctypes.sizeof(self.ctypes.c_ssize_t) if self.ctypes else 8
            self.vm = object.__basicsize__ + ssize + ssize  # PyObject_VAR_HEAD, trace

    def usable(self):
        return self.problem is None and self.layout["mark"] is not None

    def _byte(self, executor, offset):
        return self.ctypes.c_uint8.from_address(id(executor.obj) + self.vm + offset)

    def check(self, executor):
        """True when the executor reads back right at the version's offsets."""
        if self.problem is not None:
            return False
        c, lay = self.ctypes, self.layout
        base = id(executor.obj) + self.vm
        if type(executor.obj).__basicsize__ != self.vm + lay["vm_size"] + lay["tail"]:
            self.problem = "uop_executor's size does not match the %d.%d layout" % self.version
            return False
        code_size = c.c_uint32.from_address(base + lay["vm_size"] + 4).value
        offset, mask = lay["valid"]
        valid = bool(self._byte(executor, offset).value & mask)
        right = code_size == executor.uops() and valid == executor.valid()
        if executor.code is not None and valid:
            code_ptr = c.c_void_p.from_address(base + lay["code"]).value
            index = c.c_int32.from_address(base + lay["index"]).value
            right = right and code_ptr == id(executor.code) and 2 * index == executor.offset
        if not right:
            self.problem = "an executor did not read back right at the %d.%d offsets" % self.version
        return right

    def reset(self, executor):
        if self.usable() and self.check(executor):
            self._byte(executor, self.layout["mark"]).value = self.layout["reset"]
            return True
        return False

    def entered(self, executor):
        """True or False from the mark; None when it cannot be read."""
        if not self.usable() or not self.check(executor):
            return None
        return self._byte(executor, self.layout["mark"]).value == self.layout["entered"]


class Probe:
    """Made before calibration and warm-ups; ``begin()`` just before the first
    measured value, ``end()`` just after the last."""

    def __init__(self):
        self.built = jit_built()
        self.enabled = jit_enabled()
        self.before = {}
        self.reset = set()
        self.marks = Marks()
        # Without marks (3.13), only executors compiled once the measurement
        # started count as the work's: start-up's (imports, argparse) do not.
        self.earlier = []
        if self.built and not self.marks.usable():
            self.earlier = [e.obj for e in snapshot().values()]

    def begin(self):
        if not self.built:
            return
        self.before = snapshot()
        self.reset = {k for k, e in self.before.items() if self.marks.reset(e)}

    def end(self):
        """The evidence (a JSON-friendly dict) with its verdict."""
        evidence = {"built": self.built, "enabled": self.enabled}
        if not self.built:
            return finish(evidence)
        marks_read = {k: self.marks.entered(e) for k, e in self.before.items() if k in self.reset}
        after = snapshot()
        earlier = {id(obj) for obj in self.earlier}
        evidence.update(describe(self.before, after, marks_read, self.marks, sys.version_info,
                                 earlier))
        self.before, self.reset = {}, set()
        return finish(evidence)


def describe(before, after, marks_read, marks, version, earlier=()):
    """Counts and a short list of the measured code's executors (tooling left out).

    ``earlier``: ids of executors that existed before the measurement started,
    which cannot stand for the work when attached throughout.
    """
    kept = [k for k in before if k in after and k not in earlier]
    created = [k for k in after if k not in before]
    measured = Executor.measured
    entered = [k for k, v in marks_read.items() if v and measured(before[k])]
    idle = [k for k, v in marks_read.items() if v is False and measured(before[k])]
    listed = []
    for key, e in list(before.items()) + [(k, after[k]) for k in created]:
        if not measured(e) or len(listed) >= MAX_LISTED:
            continue
        listed.append({
            "origin": e.origin(), "uops": e.uops(), "jit_bytes": e.jit_bytes(),
            "created": key in created, "entered": marks_read.get(key),
            "valid_after": e.valid(), "side_exit": e.root is not None,
        })
    attached_throughout = [
        k for k in kept if measured(before[k]) and before[k].code is not None and after[k].valid()
    ]
    return {
        "marks": marks.usable() and not marks.problem,
        "marks_problem": marks.problem,
        "creation_enters": tuple(version[:2]) in CREATION_ENTERS,
        "executors_before": sum(1 for e in before.values() if measured(e)),
        "executors_after": sum(1 for e in after.values() if measured(e)),
        "entered": len(entered),
        "not_entered": len(idle),
        "created": sum(1 for k in created if measured(after[k])),
        "attached_throughout": len(attached_throughout),
        "entered_uops": sum(before[k].uops() for k in entered),
        "entered_jit_bytes": sum(before[k].jit_bytes() or 0 for k in entered),
        "machine_code": any((e.jit_bytes() or 0) > 0 for e in after.values() if measured(e)),
        "executors": listed,
    }


def verdict(evidence):
    """(verdict, reason) from the evidence. Pure: the rule the docs state.

    ``ran`` needs an executor of the measured code that ran during the values:
    its entry mark set again (3.14, 3.15), or created then (3.13, 3.14), or, on a
    build without marks (3.13), attached and valid throughout. Executors without
    machine code (a tier-2 interpreter build) do not count as JIT code.
    """
    if not evidence.get("built"):
        return OFF, "built without the JIT"
    machine = evidence.get("machine_code", False)
    if evidence.get("entered", 0) and machine:
        return RAN, "%d executor(s) of the measured code entered while measured" % (
            evidence["entered"])
    if evidence.get("created", 0) and evidence.get("creation_enters") and machine:
        return RAN, "%d executor(s) compiled and entered while measured" % evidence["created"]
    if not evidence.get("marks") and evidence.get("attached_throughout", 0) and machine:
        return RAN, ("%d executor(s) attached to the measured code throughout "
                     "(inferred: this version marks no entry)" % evidence["attached_throughout"])
    if evidence.get("enabled") is False and not evidence.get("executors_after", 0):
        return OFF, "the JIT is built in but switched off"
    if evidence.get("executors_before", 0) or evidence.get("executors_after", 0):
        return IDLE, "executors exist, none entered while measured"
    return IDLE, "no executor was compiled for the measured code"


def finish(evidence):
    evidence["verdict"], evidence["reason"] = verdict(evidence)
    return evidence


def _spin(n):
    """The self-test's hot loop: local integer arithmetic only."""
    total = 0
    i = 0
    while i < n:
        total += i & 7
        i += 1
    return total


def self_test(iterations=20000, calls=20):
    """Run a small hot loop through the probe: whether this interpreter's JIT runs at all.

    Warms the loop up (enough for 3.14's 4096 backward jumps and 3.15's trace
    recording), then makes ``calls`` more calls between ``begin`` and ``end``.
    """
    probe = Probe()
    for _ in range(calls):
        _spin(iterations)
    probe.begin()
    for _ in range(calls):
        _spin(iterations)
    return probe.end()
