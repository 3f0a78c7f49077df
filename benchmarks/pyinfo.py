"""Describe the running interpreter: a human banner and a machine-readable line.

Importable (``collect``, ``banner``, ``print_banner``, ``emit``) and runnable:
``python pyinfo.py`` prints the banner followed by the machine line.

Machine-line protocol, shared by every script in this folder: the last line a
script writes to stdout is ``PYBENCH_RESULT `` followed by one compact, ASCII-only
JSON object holding ``"schema": 1``, ``"kind"``, ``"info"`` (what ``collect()``
returns) and the script's own fields. The driver takes the last such line.

Works on CPython 3.9 and newer. Every probe of a private API is guarded, because
the distro interpreter or a stripped build may lack it.
"""

import sys

sys.dont_write_bytecode = True

import json  # noqa: E402  (imports follow the bytecode switch on purpose)
import os  # noqa: E402
import platform  # noqa: E402
import struct  # noqa: E402
import sysconfig  # noqa: E402

SCHEMA = 1
RESULT_PREFIX = "PYBENCH_RESULT "
RULE = "=" * 54

# Environment variables that change how the interpreter runs; reported when set.
RUNTIME_ENV_VARS = ("PYTHON_GIL", "PYTHON_JIT", "PYTHON_CPU_COUNT")


def cpu_count():
    """CPUs this process may use.

    ``os.process_cpu_count()`` (3.13+) honours the affinity mask and
    ``-X cpu_count``; older versions get the affinity mask where the OS has one,
    so every interpreter in one container reports the same number.
    """
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        count = counter()
    else:
        try:
            count = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            count = os.cpu_count()
    return count or 1


def _free_threading():
    """Return (free_threading, gil_enabled)."""
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    gil_enabled = None
    if is_gil_enabled is not None:
        try:
            gil_enabled = bool(is_gil_enabled())
        except Exception:
            gil_enabled = None
    if sysconfig.get_config_var("Py_GIL_DISABLED") != 1:
        return "unsupported", gil_enabled
    if gil_enabled is None:
        # A free-threaded build always has sys._is_gil_enabled(); be defensive anyway.
        return "disabled", gil_enabled
    return ("disabled" if gil_enabled else "enabled"), gil_enabled


def _tier2_default_from_cflags(cflags):
    """Fallback for 3.13 without _testinternalcapi: mirror Python/pylifecycle.c.

    configure passes -D_Py_TIER2=N; bit 2 means "built in but off by default"
    (``--enable-experimental-jit=yes-off``). PYTHON_JIT=0|1 overrides the default.
    """
    enabled = True
    for word in cflags.split():
        if word.startswith("-D_Py_TIER2="):
            try:
                enabled = not (int(word.split("=", 1)[1], 0) & 2)
            except ValueError:
                pass
    env = os.environ.get("PYTHON_JIT", "")
    if env and not sys.flags.ignore_environment:
        enabled = not env.startswith("0")
    return enabled


def _jit():
    """Return "enabled", "disabled" or "unsupported" for the JIT compiler."""
    cflags = sysconfig.get_config_var("PY_CORE_CFLAGS") or ""
    if "-D_Py_JIT" not in cflags:
        return "unsupported"
    # 3.14+: sys._jit.is_enabled()
    jit_module = getattr(sys, "_jit", None)
    if jit_module is not None:
        try:
            return "enabled" if jit_module.is_enabled() else "disabled"
        except Exception:
            pass
    # 3.13: the JIT runs exactly when the tier-2 optimizer is installed.
    try:
        import _testinternalcapi

        return "enabled" if _testinternalcapi.get_optimizer() is not None else "disabled"
    except Exception:
        pass
    return "enabled" if _tier2_default_from_cflags(cflags) else "disabled"


def _tail_call():
    """Whether the tail-calling interpreter is built in.

    pyconfig.h says it: 3.14 as ``Py_TAIL_CALL_INTERP``, 3.15 as
    ``_Py_TAIL_CALL_INTERP``, which sysconfig's variables leave out (they take
    only names that start with a capital). A Python without its header (a
    distro's, without -dev) falls back to the variable.
    """
    try:
        with open(sysconfig.get_config_h_filename()) as header:
            lines = set(line.strip() for line in header)
    except (OSError, AttributeError):
        return sysconfig.get_config_var("Py_TAIL_CALL_INTERP") == 1
    return bool(lines & {"#define Py_TAIL_CALL_INTERP 1", "#define _Py_TAIL_CALL_INTERP 1"})


def _flags():
    """The sys.flags that matter for benchmarks; absent ones are left out."""
    names = (
        "gil",
        "dev_mode",
        "optimize",
        "ignore_environment",
        "isolated",
        "no_site",
        "utf8_mode",
    )
    flags = {}
    for name in names:
        if hasattr(sys.flags, name):
            value = getattr(sys.flags, name)
            flags[name] = value if value is None or isinstance(value, (bool, int)) else str(value)
    return flags


def collect():
    """Describe this interpreter and machine as a JSON-friendly dict."""
    free_threading, gil_enabled = _free_threading()
    return {
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "executable": sys.executable or "",
        "system": platform.system(),
        "bits": struct.calcsize("P") * 8,
        "cores": cpu_count(),
        "machine": platform.machine(),
        "byteorder": sys.byteorder.capitalize(),
        "abiflags": getattr(sys, "abiflags", "") or "",
        "free_threading": free_threading,
        "jit": _jit(),
        "tail_call": _tail_call(),
        "gil_enabled": gil_enabled,
        "flags": _flags(),
        "env": {name: os.environ[name] for name in RUNTIME_ENV_VARS if name in os.environ},
    }


def banner(info=None):
    """Render the banner for ``info`` (``collect()`` when omitted), without a final newline."""
    if info is None:
        info = collect()

    def feature(state):
        return state + " \u2728" if state == "enabled" else state

    lines = [
        RULE,
        "\U0001f4bb {system} {bits}bit with {cores}x CPU cores ({machine} {byteorder} Endian)".format(
            **info
        ),
        "\U0001f40d {implementation} {version} {executable}".format(**info),
        "Free Threading: " + feature(info["free_threading"]),
        "JIT Compiler: " + feature(info["jit"]),
    ]
    if info.get("tail_call"):
        # Only where built in (3.14+ --with-tail-call-interp): the tutorial's
        # banner stays as it was for every other build.
        lines.append("Interpreter loop: tail-calling " + "\u2728")
    lines.append(RULE)
    return "\n".join(lines)


def write_line(text, stream=None):
    """Print one line, falling back to UTF-8 bytes when the stream cannot encode it.

    A container started without a UTF-8 locale may give stdout an ASCII encoding;
    the banner's emoji must not turn into a UnicodeEncodeError there.
    """
    stream = stream or sys.stdout
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        buffer = getattr(stream, "buffer", None)
        stream.flush()
        if buffer is not None:
            buffer.write((text + "\n").encode("utf-8", "replace"))
        else:
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write((text + "\n").encode(encoding, "replace").decode(encoding))
    stream.flush()


def print_banner(info=None):
    """Print the banner for ``info`` (``collect()`` when omitted)."""
    write_line(banner(info))


def result_line(kind, info=None, **fields):
    """Build the machine line (without newline) for ``kind`` and ``fields``."""
    payload = {"schema": SCHEMA, "kind": kind, "info": collect() if info is None else info}
    payload.update(fields)
    return RESULT_PREFIX + json.dumps(payload, separators=(",", ":"), ensure_ascii=True)


def emit(kind, info=None, **fields):
    """Print the machine line; call it last. ``info`` defaults to a fresh ``collect()``.

    Pass the ``info`` used for the banner so the banner and the result agree
    even if the run changed the interpreter's state (an import can re-enable the GIL).
    """
    line = result_line(kind, info=info, **fields)
    sys.stdout.flush()
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return line


def int_at_least(minimum):
    """An argparse ``type``: an integer >= ``minimum``, with a clear message otherwise."""
    import argparse

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("expected an integer, got %r" % text)
        if value < minimum:
            raise argparse.ArgumentTypeError("must be >= %d, got %d" % (minimum, value))
        return value

    parse.__name__ = "integer"
    return parse


def main():
    info = collect()
    print_banner(info)
    import jitprobe  # here only: the other scripts import pyinfo for collect()

    probe = jitprobe.self_test()
    write_line("JIT probe, a hot loop: %s (%s)" % (probe["verdict"], probe["reason"]))
    emit("info", info=info, jit_probe=probe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
