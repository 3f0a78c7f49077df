"""CPU-bound threads: how much does the GIL serialise them?

Each of N threads computes a naive recursive fib(n), started together behind a
barrier. With a GIL the threads take turns, so the makespan grows with N; on a
free-threaded build with the GIL off they run in parallel, up to the number of
cores. With one thread it shows the build's single-thread speed.

    python gil.py --threads=4            # banner, "Running 4 threads: 0.0712s per fib(25) ...", machine line
    python gil.py -t 2 -n 30 --values 5 --csv /tmp/gil.csv --no-banner

The last stdout line is the machine line (see pyinfo.py), kind "gil", schema 2
(harness.py): {"threads": N, "n": n, "benchmarks": [{values, warmups,
thread_values, loops}], "seconds": mean makespan per loop}.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import csv  # noqa: E402
import os  # noqa: E402
import sysconfig  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # -P, -I and PYTHONSAFEPATH leave the script's folder out
    sys.path.insert(0, _HERE)
import harness  # noqa: E402
import pyinfo  # noqa: E402

# fib(25) is ~0.2 million calls: tens of milliseconds on one core, so the
# harness takes a few loops per value and many values per process.
DEFAULT_N = 25
CSV_HEADER = ("python", "threads", "seconds")


def fib(n):
    """Deliberately slow recursive Fibonacci: pure bytecode, no I/O, no allocation to speak of."""
    return n if n < 2 else fib(n - 2) + fib(n - 1)


def workload(n):
    """``work(loops)`` for the harness: each thread computes fib(n) ``loops`` times."""

    def work(loops):
        for _ in range(loops):
            fib(n)

    return work


def interpreter_label(info):
    """Short name of this interpreter run, e.g. ``python3.13t -X gil=1``."""
    label = os.path.basename(sys.executable or "") or "python"
    gil_flag = getattr(sys.flags, "gil", None)
    # sys.flags.gil is None unless -X gil or PYTHON_GIL chose a mode, and it is
    # always 1 on builds that cannot disable the GIL: only report real choices.
    if sysconfig.get_config_var("Py_GIL_DISABLED") == 1 and gil_flag is not None:
        label += " -X gil=%d" % gil_flag
    jit_env = os.environ.get("PYTHON_JIT")
    if jit_env and info["jit"] != "unsupported":
        label += " PYTHON_JIT=%s" % jit_env
    return label


def append_csv(path, label, threads, seconds):
    """Append one row, writing the header first when the file is new or empty."""
    new_file = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(CSV_HEADER)
        writer.writerow((label, threads, "%.4f" % seconds))


def parse_args(argv=None):
    cores = pyinfo.cpu_count()
    parser = argparse.ArgumentParser(
        description="Run a CPU-bound recursive fib(n) in N threads and time it."
    )
    parser.add_argument(
        "-t",
        "--threads",
        type=pyinfo.int_at_least(1),
        default=cores,
        metavar="N",
        help="number of threads, each computing fib(n) per loop (default: CPU count, %d)" % cores,
    )
    parser.add_argument(
        "-n",
        type=pyinfo.int_at_least(0),
        default=DEFAULT_N,
        help="argument of fib() (default: %d)" % DEFAULT_N,
    )
    parser.add_argument("--no-banner", action="store_true", help="do not print the banner")
    harness.add_arguments(parser)
    parser.add_argument(
        "--csv", metavar="FILE", help="append a row 'python,threads,seconds' to FILE"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    info = pyinfo.collect()
    if not args.no_banner:
        pyinfo.print_banner(info)

    record = harness.measure("gil", workload(args.n), args.threads, harness.options_from_args(args))
    seconds = harness.mean(record["values"])
    noun = "thread" if args.threads == 1 else "threads"
    pyinfo.write_line(
        "Running %d %s: %s per fib(%d) each (%d values x %d loops)"
        % (args.threads, noun, harness.per_loop_text(record), args.n, len(record["values"]),
           record["loops"])
    )

    status = 0
    if args.csv:
        try:
            append_csv(args.csv, interpreter_label(info), args.threads, seconds)
        except OSError as error:
            sys.stderr.write("gil.py: cannot write CSV file %s: %s\n" % (args.csv, error))
            status = 1

    pyinfo.emit("gil", info=info, threads=args.threads, n=args.n, **harness.result_fields([record]))
    return status


if __name__ == "__main__":
    sys.exit(main())
