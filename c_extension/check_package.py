"""Build a package into a wheel for this interpreter, then check its extension modules.

Two steps, each in its own container (neither has network access):

    # in the builder image: wheel, then install into a per-interpreter target
    python check_package.py build --pip PIP.whl --src /src --work /out/3.13t --wheelhouse /wheelhouse \
        [--test-requires=pytest --test-requires=pytest-run-parallel ...]

    # in the builder image, before the build: what the backend asks for besides
    # [build-system] requires (PEP 517's get_requires_for_build_wheel)
    python check_package.py requires --pip PIP.whl --src /src --work /out/requires --wheelhouse /wheelhouse

    # in the runtime image: import every extension module the wheel installed
    python check_package.py check --work /out/3.13t --modules pkg._core,pkg._x [--smoke CODE] [--smoke-threads 8]

    # in the runtime image (--tests): the package's own tests, plainly, then in N threads
    python check_package.py tests --work /out/3.13t --threads 8 [--budget 870] [--cwd /tests] [-- PYTEST ARGS]

Each step prints what it did, then one machine line (``PYBENCH_RESULT {json}``,
the protocol of ../benchmarks/pyinfo.py), kind "package-build" or "package-check":

    package-build: {"built": bool, "stage": "build"|"install"|null, "wheel": str|null,
                    "tags": [str], "modules": [str], "log": str, "missing": str|null,
                    "native_sources": [str], "compiler_errors": [str], "top_level": [str],
                    "dependencies_installed": bool}
    package-requires: {"requires": [str], "error": str|null}
    package-check: {"info": {...}, "modules": [{"module", "imported", "gil_before",
                    "gil_after", "warnings", "error", "missing", "signal", "exit_code"}],
                    "smoke": null|{"threads", "errors", "signal", "exit_code", "gil_after"},
                    "graph": null|{"top_level", "modules", "extensions", "reenabled_by",
                                   "gil_after", "error", "signal", "exit_code"}}
    package-tests: {"gil_forced_off": bool, "plain": RUN, "parallel": RUN}, where RUN is
                   {"threads", "passed", "skipped", "failed": [{"test", "message", "reruns",
                    "failed_reruns"}], "exit_code", "signal", "timed_out", "seconds", "output"}
    package-tests-plain: {"gil_forced_off", "plain": RUN, "parallel_threads"}, printed
                   before the parallel run starts (the last line if that one never ends)

Under ThreadSanitizer (``ext --tsan``), TSAN_OPTIONS names a ``log_path``
in the container's /tmp: ``check`` and ``tests`` add every report written
there, one file per process, as ``"tsan_log"`` (at most TSAN_LOG_BYTES).

Every import and the smoke run happen in a child process: a module that
re-enables the GIL must not colour the next one, and a crash (a signal) is
told apart from an exception by the child's exit status.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
import zipfile  # noqa: E402

RESULT_PREFIX = "PYBENCH_RESULT "
SCHEMA = 1
LOG_TAIL = 48 * 1024
CHILD_TIMEOUT = 600

_MISSING_REQUIREMENT = re.compile(r"No matching distribution found for ([A-Za-z0-9._-]+)")
_EXTENSION = re.compile(r"\.(cpython-[^.]*\.so|abi3t?\.so|so)$")
_NATIVE_SOURCE = (".c", ".cc", ".cpp", ".cxx", ".pyx")
# gcc's and clang's errors, and setuptools' words when it catches one
# (an optional extension): the lines pip hides unless verbose.
_COMPILER_ERROR = re.compile(r"(: (fatal )?error: )|(^\s*warning: build_ext: building extension .* failed)")
SOURCES_KEPT = 50
ERRORS_KEPT = 10
TSAN_LOG_BYTES = 1024 * 1024


def emit(kind, payload):
    body = {"schema": SCHEMA, "kind": kind}
    body.update(payload)
    sys.stdout.flush()
    sys.stdout.write(RESULT_PREFIX + json.dumps(body, separators=(",", ":"), ensure_ascii=True) + "\n")
    sys.stdout.flush()


def tail(text, limit=LOG_TAIL):
    return text if len(text) <= limit else "...\n" + text[-limit:]


def gil_enabled():
    probe = getattr(sys, "_is_gil_enabled", None)
    return None if probe is None else bool(probe())


# ------------------------------------------------------------------------ build


def _ignore_build_outputs(folder, names):
    """Leftovers of earlier builds in the user's tree are not copied."""
    skip = {".git", ".hg", ".tox", ".nox", ".venv", "__pycache__", "build", "dist"}
    return [n for n in names if n in skip or n.endswith(".egg-info") or n.endswith(".so")]


def extension_modules(names):
    """Dotted names of the extension modules among a wheel's file names."""
    modules = []
    for name in names:
        if ".data/" in name or ".libs/" in name or name.startswith("/"):
            continue
        match = _EXTENSION.search(name)
        if match is None:
            continue
        stem = name[: match.start()]
        parts = stem.split("/")
        if all(p.isidentifier() for p in parts):
            modules.append(".".join(parts))
    return sorted(set(modules))


def top_level(names):
    """The import names a wheel's files make: its top folders and top modules."""
    tops = set()
    for name in names:
        first, _, rest = name.partition("/")
        if first.endswith((".dist-info", ".data")) or not first:
            continue
        if rest:
            if first.isidentifier():
                tops.add(first)
            continue
        stem = first.split(".")[0]
        if first.endswith(".py") or _EXTENSION.search(first):
            if stem.isidentifier():
                tops.add(stem)
    return sorted(tops)


def wheel_tags(wheel_file):
    """The python-abi-platform tags of a wheel, from its WHEEL file."""
    with zipfile.ZipFile(wheel_file) as archive:
        for name in archive.namelist():
            if name.count("/") == 1 and name.endswith(".dist-info/WHEEL"):
                text = archive.read(name).decode("utf-8", "replace")
                return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]
    return []


def native_sources(src):
    """C, C++ and Cython files under the project folder (relative paths, the first 50)."""
    found = []
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("build", "dist", "__pycache__"))
        for name in sorted(files):
            if name.endswith(_NATIVE_SOURCE):
                found.append(os.path.relpath(os.path.join(folder, name), src))
                if len(found) >= SOURCES_KEPT:
                    return found
    return found


def compiler_errors(text):
    """The first compiler errors of a whole build log, before it is cut to its tail."""
    lines = [line.strip() for line in text.splitlines() if _COMPILER_ERROR.search(line)]
    return lines[:ERRORS_KEPT]


def run_logged(command, env, log):
    log.append("$ " + " ".join(command))
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    log.append(done.stdout)
    return done.returncode


def build(args):
    work = args.work
    src = os.path.join(work, "src")
    dist = os.path.join(work, "dist")
    site = os.path.join(work, "site")
    test_site = os.path.join(work, "test-site")
    for folder in (src, dist, site, test_site):
        shutil.rmtree(folder, ignore_errors=True)
    for folder in ("tmp", "home"):
        os.makedirs(os.path.join(work, folder), exist_ok=True)
    shutil.copytree(args.src, src, ignore=_ignore_build_outputs, symlinks=True)
    # Only our pip settings: none inherited from the image or the host.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(
        TMPDIR=os.path.join(work, "tmp"),
        HOME=os.path.join(work, "home"),
        PIP_NO_INPUT="1",
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    pip = [sys.executable, os.path.join(args.pip, "pip")]
    index = ["--no-index", "--find-links", args.wheelhouse]
    log = []
    result = {"built": False, "stage": "build", "wheel": None, "tags": [], "modules": [], "missing": None,
              "native_sources": native_sources(src), "top_level": [], "dependencies_installed": False}
    # -v: the build backend's output even when it succeeds, so that a caught
    # compile error (an optional speed-up left out) is seen.
    wheel_command = ["wheel", "-v", "--no-deps", "--progress-bar", "off", "--wheel-dir", dist]
    code = run_logged(pip + wheel_command + index + [src], env, log)
    wheels = sorted(f for f in os.listdir(dist) if f.endswith(".whl")) if os.path.isdir(dist) else []
    if code == 0 and wheels:
        wheel = os.path.join(dist, wheels[0])
        result.update(wheel=wheels[0], tags=wheel_tags(wheel), stage="install")
        with zipfile.ZipFile(wheel) as archive:
            result["modules"] = extension_modules(archive.namelist())
            result["top_level"] = top_level(archive.namelist())
        # With its dependencies (from the wheelhouse: the host resolved them),
        # so that its whole import graph is checked; without them when they
        # are not all there, said so.
        install = pip + ["install", "--no-compile", "--target", site] + index + [wheel]
        code = run_logged(install, env, log)
        result["dependencies_installed"] = code == 0
        if code != 0:
            shutil.rmtree(site, ignore_errors=True)
            code = run_logged(install[:3] + ["--no-deps"] + install[3:], env, log)
        if code == 0:
            result.update(built=True, stage=None)
        if code == 0 and args.test_requires:
            # Beside the package, not in it: the tests step puts both on the path.
            # A failure here shows in the tests step (no pytest) and in this log.
            run_logged(pip + ["install", "--no-compile", "--target", test_site] + index + args.test_requires, env, log)
    text = "\n".join(log)
    missing = _MISSING_REQUIREMENT.search(text)
    # A missing dependency was worked around (--no-deps); only a missing build requirement stops.
    result["missing"] = missing.group(1) if missing and not result["built"] else None
    result["compiler_errors"] = compiler_errors(text)
    result["log"] = tail(text)
    print(tail(text, 4000))
    print("wheel: %s, extension modules: %s" % (result["wheel"], ", ".join(result["modules"]) or "none"))
    emit("package-build", result)
    return 0


# ------------------------------------------------------------------------ requires


def build_system(src):
    """[build-system] of pyproject.toml: requires, backend, backend-path (PEP 517's defaults)."""
    import tomllib

    path = os.path.join(src, "pyproject.toml")
    table = {}
    if os.path.isfile(path):
        with open(path, "rb") as f:
            table = tomllib.load(f).get("build-system", {})
    return (table.get("requires", ["setuptools>=40.8.0"]),
            table.get("build-backend", "setuptools.build_meta:__legacy__"),
            table.get("backend-path"))


def requires(args):
    """Asks the build backend what else it needs to build a wheel, offline: the
    static requirements installed from the wheelhouse into a folder, then the hook
    run the way pip runs it (pip's own pyproject_hooks, in a child process)."""
    work = args.work
    src, env_dir = os.path.join(work, "src"), os.path.join(work, "build-env")
    for folder in (src, env_dir):
        shutil.rmtree(folder, ignore_errors=True)
    for folder in ("tmp", "home"):
        os.makedirs(os.path.join(work, folder), exist_ok=True)
    shutil.copytree(args.src, src, ignore=_ignore_build_outputs, symlinks=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(TMPDIR=os.path.join(work, "tmp"), HOME=os.path.join(work, "home"), PIP_NO_INPUT="1",
               PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    result = {"requires": [], "error": None}
    log = []
    try:
        static, backend, backend_path = build_system(src)
        pip = [sys.executable, os.path.join(args.pip, "pip")]
        install = pip + ["install", "--no-compile", "--target", env_dir, "--no-index", "--find-links",
                         args.wheelhouse] + list(static)
        if static and run_logged(install, env, log) != 0:
            raise RuntimeError("installing the build requirements failed:\n" + tail("\n".join(log), 4000))
        sys.path.insert(0, args.pip)
        from pip._vendor.pyproject_hooks import BuildBackendHookCaller

        def runner(cmd, cwd=None, extra_environ=None):
            child_env = dict(env)
            child_env.update(extra_environ or {})
            child_env["PYTHONPATH"] = env_dir
            done = subprocess.run(cmd, cwd=cwd, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace")
            log.append(done.stdout)
            if done.returncode != 0:
                raise RuntimeError("the backend's hook failed:\n" + tail(done.stdout, 4000))

        caller = BuildBackendHookCaller(src, backend, backend_path=backend_path, runner=runner)
        result["requires"] = sorted(set(caller.get_requires_for_build_wheel({})) - set(static))
    except Exception as e:  # the host says why; the build step still runs
        result["error"] = "%s: %s" % (type(e).__name__, e)
    print(tail("\n".join(log), 4000))
    print("the backend asks for: %s" % (", ".join(result["requires"]) or "nothing more"))
    emit("package-requires", result)
    return 0


# ------------------------------------------------------------------------ check


def import_one(module):
    """In a child: import one module, report GIL state and warnings."""
    import importlib

    # The packages above it first: what their __init__ imports (a
    # dependency's module) is not this module's doing; the whole import
    # graph is judged on its own (graph-one).
    parent = module.rpartition(".")[0]
    if parent:
        try:
            importlib.import_module(parent)
        except BaseException:  # the module's own import below reports it
            pass
    before = gil_enabled()
    result = {"module": module, "imported": False, "gil_before": before, "error": None, "missing": None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            importlib.import_module(module)
            result["imported"] = True
        except BaseException as exc:  # anything the module's init raises
            result["error"] = {"type": type(exc).__name__, "message": str(exc)}
            if isinstance(exc, ModuleNotFoundError):
                result["missing"] = exc.name
    result["gil_after"] = gil_enabled()
    result["warnings"] = [{"category": w.category.__name__, "message": str(w.message)} for w in caught]
    emit("package-import", result)
    return 0 if result["imported"] else 1


def graph_one(tops):
    """In a child: import the package's top-level names, its dependencies
    with them, and name the first extension module whose loading turned the
    GIL back on (the GIL is switched on while an extension module without
    Py_mod_gil is created)."""
    import importlib
    from importlib.machinery import ExtensionFileLoader

    loaded, first = [], []
    create = ExtensionFileLoader.create_module

    def create_module(self, spec):
        before = gil_enabled()
        module = create(self, spec)
        loaded.append(spec.name)
        if before is False and gil_enabled() and not first:
            first.append(spec.name)
        return module

    ExtensionFileLoader.create_module = create_module
    known = set(sys.modules)
    error = None
    for top in tops:
        try:
            importlib.import_module(top)
        except BaseException as exc:  # anything an import raises
            error = error or "%s: %s: %s" % (top, type(exc).__name__, exc)
    emit("package-graph", {"top_level": tops, "modules": len(set(sys.modules) - known),
                           "extensions": loaded, "reenabled_by": first[0] if first else None,
                           "gil_after": gil_enabled(), "error": error})
    return 0 if error is None else 1


def smoke_one(code, threads):
    """In a child: run the smoke code (or -m module) in N threads at once."""
    import runpy

    if code.startswith("-m "):
        module = code[3:].strip()
        sys.argv = [module]  # not this script's arguments
        body = lambda: runpy.run_module(module, run_name="__main__", alter_sys=False)  # noqa: E731
    else:
        compiled = compile(code, "<smoke>", "exec")
        body = lambda: exec(compiled, {"__name__": "__smoke__"})  # noqa: E731
    barrier = threading.Barrier(threads)
    errors = []

    def worker(n):
        try:
            barrier.wait()
            body()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                errors.append({"thread": n, "type": "SystemExit", "message": str(exc.code)})
        except BaseException as exc:
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            errors.append({"thread": n, "type": type(exc).__name__, "message": last})

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    emit("package-smoke", {"threads": threads, "errors": errors, "gil_after": gil_enabled(),
                           "seconds": time.perf_counter() - start})
    return 0 if not errors else 1


def child(arguments, env):
    """Runs this script in a child; returns (machine line or None, exit code, signal, output tail)."""
    command = [sys.executable, os.path.abspath(__file__)] + arguments
    try:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, -1, None, "timed out after %d s" % CHILD_TIMEOUT
    line = None
    for text in reversed(done.stdout.splitlines()):
        if text.startswith(RESULT_PREFIX):
            line = json.loads(text[len(RESULT_PREFIX):])
            break
    signal = -done.returncode if done.returncode < 0 else None
    return line, done.returncode, signal, tail(done.stdout, 4000)


def tsan_log_prefix(options):
    """The log_path of TSAN_OPTIONS (space- or colon-separated), or None."""
    for option in re.split(r"[\s:]+", options or ""):
        if option.startswith("log_path="):
            return option[len("log_path="):]
    return None


def tsan_log(options=None, limit=TSAN_LOG_BYTES):
    """Every report ThreadSanitizer wrote so far (files PREFIX.<pid>, oldest
    first), taken out so the next step starts empty; "" without a log_path."""
    prefix = tsan_log_prefix(os.environ.get("TSAN_OPTIONS") if options is None else options)
    if not prefix:
        return ""
    folder, name = os.path.split(prefix)
    try:
        files = [os.path.join(folder, f) for f in os.listdir(folder or ".") if f.startswith(name + ".")]
    except OSError:
        return ""
    parts = []
    for path in sorted(files, key=lambda p: (os.path.getmtime(p), p)):
        with open(path, encoding="utf-8", errors="replace") as log:
            parts.append(log.read())
        os.unlink(path)
    text = "".join(parts)
    return text if len(text) <= limit else text[:limit] + "\n... (cut at %d bytes)\n" % limit


def free_threaded():
    import sysconfig

    return sysconfig.get_config_var("Py_GIL_DISABLED") == 1


def check(args):
    site = os.path.join(args.work, "site")
    modules = [m for m in args.modules.split(",") if m]
    env = dict(os.environ)
    env["PYTHONPATH"] = site
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    results = []
    for module in modules:
        line, code, signal, output = child(["import-one", module], env)
        entry = line or {"module": module, "imported": False, "gil_before": None, "gil_after": None,
                         "warnings": [], "missing": None,
                         "error": {"type": "Crash" if signal else "NoResult", "message": output}}
        entry.pop("schema", None)
        entry.pop("kind", None)
        entry.update(exit_code=code, signal=signal)
        results.append(entry)
        state = "imported" if entry["imported"] else "failed"
        print("%-40s %s, GIL %s -> %s%s" % (module, state, entry["gil_before"], entry["gil_after"],
                                              ", signal %d" % signal if signal else ""))
    graph = None
    tops = [t for t in (args.top_level or "").split(",") if t]
    if tops:
        line, code, signal, output = child(["graph-one", ",".join(tops)], env)
        graph = line or {"top_level": tops, "modules": 0, "extensions": [], "reenabled_by": None,
                         "gil_after": None, "error": "no report: " + output[-500:]}
        graph.pop("schema", None)
        graph.pop("kind", None)
        graph.update(exit_code=code, signal=signal)
        print("import graph of %s: %d modules, GIL re-enabled by %s" % (
            ", ".join(tops), graph["modules"], graph["reenabled_by"]))
    smoke = None
    if args.smoke:
        smoke_env = dict(env)
        if free_threaded():
            smoke_env["PYTHON_GIL"] = "0"
        line, code, signal, output = child(["smoke-one", "--threads", str(args.smoke_threads), args.smoke], smoke_env)
        smoke = line or {"threads": args.smoke_threads, "errors": [], "gil_after": None}
        smoke.pop("schema", None)
        smoke.pop("kind", None)
        smoke.update(exit_code=code, signal=signal, output=output if (signal or not line) else "")
        print("smoke (%d threads): exit %d%s, %d errors" % (args.smoke_threads, code,
              ", signal %d" % signal if signal else "", len(smoke["errors"])))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import check_import  # the interpreter facts, as the greeter checks report them

    info = check_import.collect_info()
    emit("package-check", {"info": info, "modules": results, "smoke": smoke, "graph": graph,
                           "tsan_log": tsan_log()})
    return 0


# ------------------------------------------------------------------------ tests

RERUNS = 3
HERE = os.path.dirname(os.path.abspath(__file__))


def tests_env(work, gil_off):
    """The package, its test requirements and our pytest plugin importable;
    the current folder not (PYTHONSAFEPATH), so the installed package is
    tested rather than its sources."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(work, "site"), os.path.join(work, "test-site"), HERE])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONSAFEPATH"] = "1"
    if gil_off:
        env["PYTHON_GIL"] = "0"
    return env


def run_pytest(cwd, env, threads, arguments, timeout):
    """One pytest run in a child, stopped after `timeout` seconds; its outcomes summarised."""
    import tempfile

    import pytest_outcomes

    handle, outcomes = tempfile.mkstemp(prefix="outcomes-", suffix=".jsonl")
    os.close(handle)
    env = dict(env, PYBENCH_OUTCOMES=outcomes)
    command = [sys.executable, "-m", "pytest", "-p", "pytest_outcomes", "-p", "no:cacheprovider", "-q",
               "--parallel-threads", str(threads)] + arguments
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", timeout=timeout)
        code, output, timed_out = done.returncode, done.stdout, False
    except subprocess.TimeoutExpired as expired:
        code, output, timed_out = -1, "timed out after %.0f s\n%s" % (timeout, output_text(expired.stdout)), True
    with open(outcomes, encoding="utf-8") as found:
        summary = pytest_outcomes.summarise(found)
    os.unlink(outcomes)
    summary.update(run_status(code, timed_out), threads=threads, seconds=time.perf_counter() - start,
                   output=tail(output, 3000) if code != 0 else "")
    return summary


def output_text(captured):
    """What a child printed before its timeout: TimeoutExpired keeps bytes even with text=True."""
    if isinstance(captured, bytes):
        return captured.decode("utf-8", errors="replace")
    return captured or ""


def run_status(code, timed_out):
    """A run's exit fields. A timeout is its own flag (exit_code -1 is no
    exit then); a negative code is the signal that killed pytest, SIGHUP's -1 too."""
    if timed_out:
        return {"exit_code": -1, "signal": None, "timed_out": True}
    return {"exit_code": code, "signal": -code if code < 0 else None, "timed_out": False}


def seconds_left(deadline):
    return max(0.0, deadline - time.monotonic())


def rerun_arguments(arguments, cwd):
    """The user's pytest arguments without the paths and node ids they chose:
    a rerun names the failing tests itself."""
    return [a for a in arguments if "::" not in a and not os.path.exists(os.path.join(cwd, a))]


def rerun_failures(cwd, env, run, arguments, deadline):
    """Each failing test rerun RERUNS times (all of them at once, as they
    failed), as long as the deadline allows: how often it fails again tells
    a flaky race from a certain one."""
    ids = [f["test"] for f in run["failed"] if "::" in f["test"]]
    if not ids:
        return
    again = {test: 0 for test in ids}
    reruns = 0
    while reruns < RERUNS and seconds_left(deadline) >= 1:
        rerun = run_pytest(cwd, env, run["threads"], rerun_arguments(arguments, cwd) + ids, seconds_left(deadline))
        if rerun["timed_out"]:
            break  # no outcome: not counted either way
        reruns += 1
        failed = {f["test"] for f in rerun["failed"]}
        for test in ids:
            if test in failed or rerun["signal"] is not None:
                again[test] += 1
    for f in run["failed"]:
        if f["test"] in again:
            f.update(reruns=reruns, failed_reruns=again[f["test"]])


def phase_deadlines(start, budget):
    """The plain run (with its reruns) may take half the budget, the
    parallel run the rest: a slow plain run leaves the parallel one time to
    show a deadlock as its own timeout before the container is killed."""
    return start + budget / 2, start + budget


def print_run(name, run):
    threads = run["threads"]
    print("%s (%d thread%s): exit %d%s, %d passed, %d failed, %d skipped, %.1f s" % (
        name, threads, "" if threads == 1 else "s", run["exit_code"], ", timed out" if run["timed_out"] else "",
        run["passed"], len(run["failed"]), run["skipped"], run["seconds"]))
    for f in run["failed"]:
        print("  FAILED %s: %s" % (f["test"], f["message"]))


def tests(args):
    arguments = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    cwd = args.cwd or os.path.join(args.work, "src")
    gil_off = free_threaded()
    env = tests_env(args.work, gil_off)
    plain_deadline, parallel_deadline = phase_deadlines(time.monotonic(), args.budget)
    plain = run_pytest(cwd, env, 1, arguments, seconds_left(plain_deadline))
    rerun_failures(cwd, env, plain, arguments, plain_deadline)
    print_run("plain", plain)
    # Now, not after the parallel run: if that one hangs until the container
    # is killed, the plain run's outcome is still known.
    emit("package-tests-plain", {"gil_forced_off": gil_off, "plain": plain, "parallel_threads": args.threads})
    parallel = run_pytest(cwd, env, args.threads, arguments, max(1.0, seconds_left(parallel_deadline)))
    rerun_failures(cwd, env, parallel, arguments, parallel_deadline)
    print_run("parallel", parallel)
    emit("package-tests", {"plain": plain, "parallel": parallel, "gil_forced_off": gil_off,
                           "tsan_log": tsan_log()})
    return 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build and install the wheel (builder image)")
    b.add_argument("--pip", required=True, help="pip's wheel file")
    b.add_argument("--src", required=True, help="the project folder (read-only)")
    b.add_argument("--work", required=True, help="this interpreter's writable folder")
    b.add_argument("--wheelhouse", required=True, help="folder of build-requirement wheels")
    b.add_argument("--test-requires", action="append", default=[],
                   help="a requirement of the tests (repeatable), installed into WORK/test-site")
    q = sub.add_parser("requires", help="ask the backend for its dynamic build requirements (builder image)")
    q.add_argument("--pip", required=True, help="pip's wheel file")
    q.add_argument("--src", required=True, help="the project folder (read-only)")
    q.add_argument("--work", required=True, help="a writable folder")
    q.add_argument("--wheelhouse", required=True, help="folder of build-requirement wheels")
    c = sub.add_parser("check", help="import the installed extension modules (runtime image)")
    c.add_argument("--work", required=True)
    c.add_argument("--modules", required=True, help="comma-separated dotted names (from the build step)")
    c.add_argument("--smoke", default=None, help='Python code, or "-m module", run in N threads')
    c.add_argument("--smoke-threads", type=int, default=8)
    c.add_argument("--top-level", default=None, help="comma-separated import names, imported together")
    t = sub.add_parser("tests", help="the package's own tests, plainly then in N threads (runtime image)")
    t.add_argument("--work", required=True)
    t.add_argument("--threads", type=int, required=True, help="pytest-run-parallel's --parallel-threads")
    t.add_argument("--cwd", default=None, help="where pytest runs (default: the build's copy of the project)")
    t.add_argument("--budget", type=float, default=2 * CHILD_TIMEOUT,
                   help="seconds for both runs and their reruns (a share of the container's timeout)")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER, help="-- then pytest's own arguments")
    g = sub.add_parser("graph-one")
    g.add_argument("tops")
    i = sub.add_parser("import-one")
    i.add_argument("module")
    s = sub.add_parser("smoke-one")
    s.add_argument("--threads", type=int, required=True)
    s.add_argument("code")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.command == "build":
        return build(args)
    if args.command == "check":
        return check(args)
    if args.command == "requires":
        return requires(args)
    if args.command == "tests":
        return tests(args)
    if args.command == "graph-one":
        return graph_one([t for t in args.tops.split(",") if t])
    if args.command == "import-one":
        return import_one(args.module)
    return smoke_one(args.code, args.threads)


if __name__ == "__main__":
    sys.exit(main())
