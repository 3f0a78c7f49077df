"""Show the tier-2 micro-ops that CPython's optimizer (and JIT) built for a function.

Interactive, as in a REPL session:

    python3.13j -i uops.py
    >>> reveal_code(fib)       # "Micro-ops unavailable" until the loop is warm
    >>> warm_up(fib, 10)       # call fib(10) until tier 2 compiles its loop
    >>> reveal_code(fib)       # _START_EXECUTOR, _ITER_CHECK_RANGE, ...

(An echoed result such as ``>>> fib(10)`` sets ``builtins._``, which can
invalidate the executors just built: see ``warm_up``.)

As a script (the default when not interactive, or with --demo) it prints that
transcript itself and ends with the machine line (see pyinfo.py), kind "uops":
{"before": [names], "after": [names], "threshold": int|null, "warmup_calls": int,
"jit": the JIT probe's evidence over 1,000 more calls of the warmed-up fib(10)}.

How it works (checked against the 3.13.15 and 3.14.7 sources): when a loop's
backward jump gets hot, the specializing interpreter replaces it with an
ENTER_EXECUTOR instruction in ``code._co_code_adaptive``. ``_opcode.get_executor
(code, byte_offset)`` returns the executor behind such an instruction (ValueError
at any other offset, RuntimeError on builds without tier 2), and iterating an
executor yields ``(uop_name, oparg, target, operand)`` tuples.

A loop is hot after TIER2_THRESHOLD backward jumps: 16 in 3.13, 4096 in 3.14
(``_testinternalcapi.TIER2_THRESHOLD`` when that module exists). Executors exist
only when tier 2 is on: a JIT build (or --enable-experimental-jit=interpreter)
with PYTHON_JIT not set to 0. Everything here degrades to "Micro-ops unavailable"
instead of raising on any other interpreter.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import os  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # -P, -I and PYTHONSAFEPATH leave the script's folder out
    sys.path.insert(0, _HERE)
import jitprobe  # noqa: E402
import pyinfo  # noqa: E402

UNAVAILABLE = "Micro-ops unavailable"

# Backward jumps before tier 2 takes over, for builds without _testinternalcapi
# (JUMP_BACKWARD_INITIAL_VALUE in Include/internal/pycore_backoff.h, as reported
# by _testinternalcapi.TIER2_THRESHOLD).
KNOWN_THRESHOLDS = {(3, 13): 16, (3, 14): 4096}
# Warm-up budget when the threshold is unknown.
FALLBACK_THRESHOLD = 4096
# Calls of the warmed-up fib(10) that the JIT probe watches.
PROBE_CALLS = 1000


def fib(n):
    """Iterative Fibonacci, the function whose loop the demo warms up."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def tier2_threshold():
    """Loop iterations before tier 2 kicks in, or None when unknown (pre-3.13)."""
    try:
        from _testinternalcapi import TIER2_THRESHOLD

        return int(TIER2_THRESHOLD)
    except Exception:
        return KNOWN_THRESHOLDS.get(sys.version_info[:2])


def tier2_available():
    """True when this build has tier 2 (``_opcode.get_executor`` works), on or off."""
    try:
        from _opcode import get_executor
    except Exception:  # before 3.13
        return False
    try:
        get_executor(tier2_available.__code__, 0)
    except RuntimeError:  # "Executors are not available in this build"
        return False
    except Exception:  # ValueError: no executor there, as expected
        pass
    return True


def _code_of(obj):
    """The code object of a function, method or code object; None otherwise."""
    obj = getattr(obj, "__func__", obj)
    return getattr(obj, "__code__", None) or (obj if hasattr(obj, "co_code") else None)


def _enter_executor_offsets(code):
    """Byte offsets in the adaptive bytecode whose opcode byte is ENTER_EXECUTOR.

    A candidate may be a stray byte inside an inline cache entry;
    ``_opcode.get_executor`` walks real instructions and rejects those.
    """
    try:
        import opcode

        enter_executor = opcode.opmap["ENTER_EXECUTOR"]
        adaptive = code._co_code_adaptive
    except Exception:  # before 3.12, or an unexpected interpreter
        return []
    return [i for i in range(0, len(adaptive) - 1, 2) if adaptive[i] == enter_executor]


def get_executors(fn):
    """The tier-2 executors attached to ``fn``'s code, in bytecode order."""
    code = _code_of(fn)
    if code is None:
        return []
    try:
        from _opcode import get_executor
    except Exception:  # before 3.13
        return []
    executors = []
    for offset in _enter_executor_offsets(code):
        try:
            executors.append(get_executor(code, offset))
        except (ValueError, RuntimeError, TypeError, SystemError):
            continue
    return executors


def _uop_names(executor):
    names = []
    try:
        for item in executor:
            names.append(str(item[0]) if isinstance(item, tuple) and item else str(item))
    except Exception:
        pass
    return names


def get_uops(fn):
    """Names of the micro-ops of every executor of ``fn``; [] when there are none."""
    names = []
    for executor in get_executors(fn):
        names.extend(_uop_names(executor))
    return names


def reveal_code(fn):
    """Print ``fn``'s micro-ops one per line, or "Micro-ops unavailable"."""
    names = get_uops(fn)
    pyinfo.write_line("\n".join(names) if names else UNAVAILABLE)


def warm_up_calls(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` until tier 2 has built an executor for it.

    Stops as soon as an executor appears, or after enough calls for any loop
    that iterates at least once per call (twice the threshold, a margin for the
    optimizer's back-off). Returns the number of calls made: 0 when the build
    has no tier 2, as there is nothing to warm up.
    """
    if not tier2_available():
        return 0
    limit = 2 * (tier2_threshold() or FALLBACK_THRESHOLD) + 2
    calls = 0
    while calls < limit:
        fn(*args, **kwargs)
        calls += 1
        if get_executors(fn):
            break
    return calls


def warm_up(fn, *args, **kwargs):
    """Warm ``fn`` up for tier 2 (see ``warm_up_calls``); returns None on purpose.

    In a REPL every echoed result goes through sys.displayhook, which sets
    ``builtins._`` (to None, then to the value). The first few changes of the
    builtins dict after an executor has started watching it invalidate every
    executor (builtins_dict_watcher in Python/pylifecycle.c, up to
    _Py_MAX_ALLOWED_BUILTINS_MODIFICATIONS = 3, in 3.13 and 3.14), so an echoed
    ``fib(10)`` just before ``reveal_code(fib)`` can wipe out what it would show.
    Returning None keeps the REPL quiet; assign results (``x = fib(10)``) for
    the same reason.
    """
    warm_up_calls(fn, *args, **kwargs)


def demo():
    """Print a REPL-like transcript of warming up fib(); return the machine-line fields."""
    say = pyinfo.write_line

    say(">>> fib(10)")
    say(repr(fib(10)))
    say(">>> reveal_code(fib)")
    before = get_uops(fib)
    reveal_code(fib)

    say(">>> warm_up(fib, 10)")
    probe = jitprobe.Probe()  # before the warm-up: what 3.13 compiles from here on is fib's
    calls = warm_up_calls(fib, 10)

    say(">>> reveal_code(fib)")
    after = get_uops(fib)
    reveal_code(fib)

    evidence = probe_calls(probe, fib, 10)
    say("# JIT probe, %d more calls of fib(10): %s (%s)"
        % (PROBE_CALLS, evidence["verdict"], evidence["reason"]))

    return {"before": before, "after": after, "threshold": tier2_threshold(),
            "warmup_calls": calls, "jit": evidence}


def probe_calls(probe, fn, *args):
    """The JIT probe's evidence (jitprobe.py) over PROBE_CALLS calls of ``fn(*args)``."""
    probe.begin()
    for _ in range(PROBE_CALLS):
        fn(*args)
    return probe.end()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Reveal tier-2 micro-ops. Run with python -i for an interactive session."
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="print the warm-up transcript and the machine line even under python -i "
        "(the default when not interactive)",
    )
    parser.add_argument("--no-banner", action="store_true", help="do not print the banner")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    info = pyinfo.collect()
    if not args.no_banner:
        pyinfo.print_banner(info)
    if args.demo or not sys.flags.inspect:
        fields = demo()
        pyinfo.emit("uops", info=info, **fields)
    return 0


if __name__ == "__main__":
    status = main()
    if not sys.flags.inspect:
        sys.exit(status)
