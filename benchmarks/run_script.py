"""Time any Python script the way the built-in benchmarks are timed.

Used by `pybench-docker run path/to/script.py -- args...`: prints the
environment banner, runs the script as __main__ with its own argv, and reports
on the machine line either what the script measured with `harness.bench()`
(every value, schema 2) or, when it did not use the harness, the wall time of
the whole script as one value.
"""

import sys

sys.dont_write_bytecode = True

import os  # noqa: E402
import runpy  # noqa: E402
import time  # noqa: E402

import harness  # noqa: E402
import pyinfo  # noqa: E402


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: run_script.py SCRIPT [ARGS...]", file=sys.stderr)
        return 2
    script = sys.argv[1]
    pyinfo.print_banner()
    sys.argv = sys.argv[1:]
    # The script sees its own folder first on sys.path, as `python script.py` would.
    # Our folder stays importable, after the script's, for `import harness`.
    here = sys.path[0]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    sys.path.append(here)
    code = 0
    start = time.perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        # Behave as the interpreter would: a non-integer code is a message.
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            print(e.code, file=sys.stderr)
            code = 1
    seconds = time.perf_counter() - start
    sys.stdout.flush()
    if code != 0:
        print(f"{script} exited with {code}", file=sys.stderr)
        return code
    print(f"Ran {os.path.basename(script)}: {seconds:.2f}s")
    name = os.path.basename(script)
    records = harness.results()
    if records:
        pyinfo.emit("script", script=name, **harness.result_fields(records))
    else:
        pyinfo.emit("script", script=name, seconds=seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
