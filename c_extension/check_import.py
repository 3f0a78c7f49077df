"""Import a compiled extension under a chosen module name and report what happened.

    python check_import.py --module greeter --path greeter_threaded_v1.so [--greet pybench] [--force]

Prints a short human summary, then the machine line (``PYBENCH_RESULT {json}``,
the same protocol as ../benchmarks/pyinfo.py), kind "import":

    {"module", "path", "imported": bool, "greet": str|null,
     "gil_before": bool|null, "gil_after": bool|null,
     "warnings": [{"category", "message"}],
     "extension_abi": "t"|"default"|"unknown", "interpreter_abi": "t"|"default",
     "error": null|{"type", "message"}}

Exit status: 0 when the module was imported, 1 when it was not (refused or
failed; the reason is in "error"), 2 for bad arguments.

Why the ABI pre-check (findings from the CPython 3.13.15 sources, confirmed by
loading greeter.c/greeter_threaded.c built against default 3.13.15 headers into
a --disable-gil 3.13.15 build):

* Nothing checks whether an extension was compiled for the free-threaded ABI.
  Python/importdl.c: _PyImport_LoadDynamicModuleWithSpec() dlopen()s the file
  (Python/dynload_shlib.c) and calls PyInit_<name>. The only version check,
  check_api_version() in Objects/moduleobject.c, compares PYTHON_API_VERSION,
  which is 1013 for both builds. The "t" ABI tag only selects file names
  (EXT_SUFFIX .cpython-313t-...so); a file loaded by path skips even that.
* The builds disagree on the PyObject header (16 bytes by default; 32 with
  --disable-gil: ob_tid, _padding, ob_mutex, ob_gc_bits, ob_ref_local,
  ob_ref_shared, ob_type; Include/object.h), so the interpreter reads every
  field of the extension's static PyModuleDef 16 bytes off. PyModuleDef_Init()
  sees the extension's m_name pointer as a non-zero m_index and leaves the
  definition alone. Then:
  - single-phase (greeter.c): _PyModule_CreateInitialized() takes the
    extension's m_size (-1) as m_name, and PyModule_New() ->
    PyUnicode_FromString() -> strlen(0xffffffffffffffff): SIGSEGV, the process
    dies with no exception and no output;
  - multi-phase (greeter_threaded.c): _PyImport_RunModInitFunc() in
    Python/importdl.c reads the extension's m_index (0) as ob_type and raises
    SystemError("init function of greeter returned uninitialized object"). An
    accident of the layout, not an ABI check. Had the import gone further, the
    inline Py_INCREF/Py_DECREF compiled into the extension would write
    ob_refcnt over ob_tid and corrupt memory.
  Python/import.c: _PyImport_CheckGILForModule() (re-enable the GIL with a
  RuntimeWarning unless the module has Py_mod_gil = Py_MOD_GIL_NOT_USED) only
  runs after a successful init, so it never sees such a module.
* The other way round (a free-threaded build loaded by a default interpreter),
  dlopen() fails with "undefined symbol: _Py_DecRefShared" (or another of the
  functions that only exist when Py_GIL_DISABLED is defined, Objects/object.c)
  as soon as the extension decrefs anything: a clean ImportError.

The pre-check (abi_of_extension) reads the ELF dynamic symbol table: inline
Py_DECREF from free-threaded headers calls _Py_MergeZeroLocalRefcount and
_Py_DecRefShared (Include/object.h in 3.13, Include/refcount.h in 3.14), while
the default headers call _Py_Dealloc. An extension that never decrefs anything
carries neither mark; then the file name's ABI tag decides, else "unknown", and
the import is attempted. A known mismatch is refused with error type
"ABIMismatch" unless --force is given.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import struct  # noqa: E402
import sysconfig  # noqa: E402
import warnings  # noqa: E402

RESULT_PREFIX = "PYBENCH_RESULT "
SCHEMA = 1

# Undefined dynamic symbols that only extensions compiled with Py_GIL_DISABLED
# reference: what the free-threaded inline Py_DECREF calls, plus the API only
# declared for that build.
FREE_THREADED_SYMBOLS = frozenset(
    {
        "_Py_DecRefShared",
        "_Py_DecRefSharedDebug",
        "_Py_MergeZeroLocalRefcount",
        "_Py_GetThreadLocal_Addr",
        "PyUnstable_Module_SetGIL",
    }
)
# What the default (GIL) build's inline Py_DECREF calls.
DEFAULT_SYMBOLS = frozenset({"_Py_Dealloc"})

# ".cpython-313t-x86_64-linux-gnu.so" -> "313", "t"
_SUFFIX_TAG = re.compile(r"\.cpython-(\d+)([a-z]*)-")

_SHT_DYNSYM = 11
_MAX_TABLE_BYTES = 64 * 1024 * 1024


# --------------------------------------------------------------------------- ELF


def _read_at(handle, offset, size):
    if offset < 0 or size < 0 or size > _MAX_TABLE_BYTES:
        raise ValueError("implausible ELF offset or size")
    handle.seek(offset)
    data = handle.read(size)
    if len(data) != size:
        raise ValueError("truncated ELF file")
    return data


def undefined_dynamic_symbols(path):
    """Names of the undefined symbols in an ELF file's .dynsym, or None if unreadable.

    A minimal reader: ELF header -> section headers -> SHT_DYNSYM and the string
    table its sh_link names. 32/64-bit, either byte order.
    """
    try:
        with open(path, "rb") as handle:
            ident = handle.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF":
                return None
            is_64 = {1: False, 2: True}.get(ident[4])
            endian = {1: "<", 2: ">"}.get(ident[5])
            if is_64 is None or endian is None:
                return None

            if is_64:
                header_format, section_format, symbol_format = "HHIQQQIHHHHHH", "IIQQQQIIQQ", "IBBHQQ"
            else:
                header_format, section_format, symbol_format = "HHIIIIIHHHHHH", "IIIIIIIIII", "IIIBBH"
            header_format = endian + header_format
            section_format = endian + section_format
            symbol_format = endian + symbol_format

            header = struct.unpack(
                header_format, _read_at(handle, 16, struct.calcsize(header_format))
            )
            shoff, shentsize, shnum = header[5], header[10], header[11]
            section_size = struct.calcsize(section_format)
            if shoff == 0 or shentsize < section_size:
                return None  # no section headers (e.g. sstrip-ped)

            def section(index):
                raw = _read_at(handle, shoff + index * shentsize, section_size)
                fields = struct.unpack(section_format, raw)
                # (type, offset, size, link, entsize) in both layouts
                return fields[1], fields[4], fields[5], fields[6], fields[9]

            if shnum == 0:  # extended numbering: the real count is in section 0
                shnum = section(0)[2]
            for index in range(min(shnum, 65536)):
                sh_type, offset, size, link, entsize = section(index)
                if sh_type != _SHT_DYNSYM:
                    continue
                symbol_size = struct.calcsize(symbol_format)
                entsize = entsize or symbol_size
                if entsize < symbol_size or link >= shnum:
                    return None
                _, str_offset, str_size, _, _ = section(link)
                strings = _read_at(handle, str_offset, str_size)
                table = _read_at(handle, offset, size)
                names = set()
                for start in range(entsize, len(table) - symbol_size + 1, entsize):
                    fields = struct.unpack_from(symbol_format, table, start)
                    name_offset = fields[0]
                    shndx = fields[3] if is_64 else fields[5]
                    if shndx != 0 or name_offset >= len(strings):  # defined here
                        continue
                    end = strings.find(b"\0", name_offset)
                    name = strings[name_offset : end if end >= 0 else len(strings)]
                    if name:
                        names.add(name.decode("ascii", "replace"))
                return names
            return None
    except (OSError, ValueError, struct.error):
        return None


def abi_from_filename(path):
    """"t" or "default" from a ".cpython-313t-...so" style tag, else "unknown"."""
    match = _SUFFIX_TAG.search(os.path.basename(path))
    if match is None:
        return "unknown"
    return "t" if "t" in match.group(2) else "default"


def abi_of_extension(path):
    """Which CPython ABI an extension was compiled for: "t", "default" or "unknown".

    Evidence, strongest first: the free-threading-only or default-only symbols
    its inline reference counting calls; the ABI tag of its file name.
    """
    symbols = undefined_dynamic_symbols(path)
    if symbols:
        free_threaded = bool(symbols & FREE_THREADED_SYMBOLS)
        default = bool(symbols & DEFAULT_SYMBOLS)
        if free_threaded and not default:
            return "t"
        if default and not free_threaded:
            return "default"
        if free_threaded and default:
            return "unknown"
    return abi_from_filename(path)


def interpreter_abi():
    return "t" if sysconfig.get_config_var("Py_GIL_DISABLED") == 1 else "default"


# ------------------------------------------------------------------ interpreter


def gil_enabled():
    """sys._is_gil_enabled() where it exists (3.13+), else None."""
    probe = getattr(sys, "_is_gil_enabled", None)
    if probe is None:
        return None
    try:
        return bool(probe())
    except Exception:
        return None


def _load_pyinfo():
    """pyinfo from ../benchmarks (or this folder) when it is there, else None."""
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (here, os.path.join(os.path.dirname(here), "benchmarks")):
        if os.path.isfile(os.path.join(folder, "pyinfo.py")):
            if folder not in sys.path:
                sys.path.insert(0, folder)
            try:
                import pyinfo

                return pyinfo
            except Exception:
                return None
    return None


def collect_info():
    """pyinfo.collect() when available; otherwise the same keys, probed more simply."""
    pyinfo = _load_pyinfo()
    if pyinfo is not None:
        return pyinfo.collect()
    gil = gil_enabled()
    if sysconfig.get_config_var("Py_GIL_DISABLED") != 1:
        free_threading = "unsupported"
    else:
        free_threading = "disabled" if gil in (True, None) else "enabled"
    jit = "unsupported"
    if "-D_Py_JIT" in (sysconfig.get_config_var("PY_CORE_CFLAGS") or ""):
        jit = "disabled"
        try:
            if getattr(sys, "_jit", None) is not None:
                jit = "enabled" if sys._jit.is_enabled() else "disabled"
            else:
                import _testinternalcapi

                jit = "enabled" if _testinternalcapi.get_optimizer() is not None else "disabled"
        except Exception:
            pass
    cores = getattr(os, "process_cpu_count", os.cpu_count)() or 1
    return {
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "executable": sys.executable or "",
        "system": platform.system(),
        "bits": struct.calcsize("P") * 8,
        "cores": cores,
        "machine": platform.machine(),
        "byteorder": sys.byteorder.capitalize(),
        "abiflags": getattr(sys, "abiflags", "") or "",
        "free_threading": free_threading,
        "jit": jit,
        "gil_enabled": gil,
        "flags": {"gil": sys.flags.gil} if hasattr(sys.flags, "gil") else {},
        "env": {k: os.environ[k] for k in ("PYTHON_GIL", "PYTHON_JIT") if k in os.environ},
    }


# ----------------------------------------------------------------------- import


def _error(exc_type, message):
    return {"type": exc_type, "message": message}


def check_import(module_name, path, greet_name="pybench", force=False):
    """Import ``path`` as ``module_name`` and return the result fields."""
    result = {
        "module": module_name,
        "path": path,
        "imported": False,
        "greet": None,
        "gil_before": gil_enabled(),
        "gil_after": None,
        "warnings": [],
        "extension_abi": abi_of_extension(path),
        "interpreter_abi": interpreter_abi(),
        "error": None,
    }
    ext_abi, interp_abi = result["extension_abi"], result["interpreter_abi"]

    if ext_abi != "unknown" and ext_abi != interp_abi and not force:
        result["error"] = _error(
            "ABIMismatch",
            "%s was compiled for the %s ABI but this interpreter uses the %s ABI; "
            "loading it could crash the interpreter (use --force to try anyway)"
            % (path, _abi_name(ext_abi), _abi_name(interp_abi)),
        )
        result["gil_after"] = gil_enabled()
        return result

    module = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise ImportError("no loader for %r (not an extension module file?)" % path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            result["imported"] = True
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # ImportError, SystemError, anything the init raises
            result["error"] = _error(type(exc).__name__, str(exc))

        if result["imported"]:
            try:
                result["greet"] = str(module.greet(greet_name))
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                result["error"] = _error(type(exc).__name__, "greet(): %s" % exc)

    result["gil_after"] = gil_enabled()
    result["warnings"] = [
        {"category": w.category.__name__, "message": str(w.message)} for w in caught
    ]
    return result


def _abi_name(abi):
    return {"t": "free-threaded (t)", "default": "default (GIL)"}.get(abi, abi)


def _gil_text(state):
    return {True: "enabled", False: "disabled", None: "n/a"}[state]


def header(info, module_name, path, ext_abi):
    """Lines printed (and flushed) before the import, so a crash still leaves a trace."""
    return [
        "Interpreter: %s %s %s [%s ABI]"
        % (
            info["implementation"],
            info["version"],
            info["executable"],
            _abi_name(interpreter_abi()),
        ),
        "Extension:   %s as %r [%s ABI]" % (path, module_name, _abi_name(ext_abi)),
    ]


def outcome(result):
    """Lines describing the result of ``check_import``."""
    lines = ["Imported:    %s" % ("yes" if result["imported"] else "no")]
    if result["greet"] is not None:
        lines.append("greet():     %r" % result["greet"])
    if result["error"]:
        lines.append("Error:       %s: %s" % (result["error"]["type"], result["error"]["message"]))
    lines.append(
        "GIL:         %s before, %s after"
        % (_gil_text(result["gil_before"]), _gil_text(result["gil_after"]))
    )
    for warning in result["warnings"]:
        lines.append("Warning:     %s: %s" % (warning["category"], warning["message"]))
    return lines


def _write(text):
    """Print a line even if stdout cannot encode it (a path in a non-UTF-8 locale)."""
    try:
        sys.stdout.write(text + "\n")
    except UnicodeEncodeError:
        sys.stdout.write(text.encode("ascii", "backslashreplace").decode("ascii") + "\n")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Import a compiled extension module by path and report the outcome."
    )
    parser.add_argument("--module", default="greeter", help="module name (default: greeter)")
    parser.add_argument("--path", required=True, help="the extension's .so file")
    parser.add_argument(
        "--greet", default="pybench", metavar="NAME", help="argument for greet() (default: pybench)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="import even when the extension's ABI differs from the interpreter's",
    )
    args = parser.parse_args(argv)
    if not all(part.isidentifier() for part in args.module.split(".")):
        parser.error("argument --module: %r is not a valid module name" % args.module)
    return args


def main(argv=None):
    args = parse_args(argv)
    info = collect_info()
    for line in header(info, args.module, args.path, abi_of_extension(args.path)):
        _write(line)
    sys.stdout.flush()
    result = check_import(args.module, args.path, args.greet, args.force)
    for line in outcome(result):
        _write(line)
    payload = {"schema": SCHEMA, "kind": "import", "info": info}
    payload.update(result)
    sys.stdout.flush()
    sys.stdout.write(
        RESULT_PREFIX + json.dumps(payload, separators=(",", ":"), ensure_ascii=True) + "\n"
    )
    sys.stdout.flush()
    return 0 if result["imported"] else 1


if __name__ == "__main__":
    sys.exit(main())
