"""A hot loop for the JIT: call an iterative fib() many times and time it.

    python jit.py -n 10000              # banner, "Running fib() 10,000 times: 0.0213s", machine line
    python jit.py -n 2000 --fib 20 --values 5 --no-banner

One loop of the harness (harness.py) is COUNT calls; the printed time is the
mean of the measured loops, warm-ups (where the JIT compiles) left out. The
last stdout line is the machine line (see pyinfo.py), kind "jit", schema 2:
{"count": COUNT, "fib_n": N, "benchmarks": [{values, warmups, loops}], "seconds": float}.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import os  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # -P, -I and PYTHONSAFEPATH leave the script's folder out
    sys.path.insert(0, _HERE)
import harness  # noqa: E402
import pyinfo  # noqa: E402

DEFAULT_COUNT = 10_000
# fib(30) = 832,040: every integer in the loop fits in one 30-bit digit, so the
# additions stay on the interpreter's specialised small-int path, which the JIT
# compiles. (Large n would time C bignum additions that no JIT can speed up.)
DEFAULT_FIB_N = 30


def fib(n):
    """Iterative Fibonacci: one tight loop of local loads, a small-int add and stores."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def workload(count, fib_n):
    """``work(loops)`` for the harness: one loop calls fib(fib_n) ``count`` times."""

    def work(loops):
        for _ in range(loops):
            for _ in range(count):
                fib(fib_n)

    return work


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Call an iterative fib() COUNT times and time it (a JIT-friendly hot loop)."
    )
    parser.add_argument(
        "-n",
        "--count",
        type=pyinfo.int_at_least(1),
        default=DEFAULT_COUNT,
        metavar="COUNT",
        help="how many times to call fib() (default: %d)" % DEFAULT_COUNT,
    )
    parser.add_argument(
        "--fib",
        type=pyinfo.int_at_least(0),
        default=DEFAULT_FIB_N,
        metavar="N",
        help="argument of each fib() call (default: %d)" % DEFAULT_FIB_N,
    )
    parser.add_argument("--no-banner", action="store_true", help="do not print the banner")
    harness.add_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    info = pyinfo.collect()
    if not args.no_banner:
        pyinfo.print_banner(info)

    work = workload(args.count, args.fib)
    record = harness.measure("jit", work, 1, harness.options_from_args(args))
    noun = "time" if args.count == 1 else "times"
    pyinfo.write_line("Running fib() {:,} {}: {}".format(args.count, noun,
                                                         harness.per_loop_text(record)))

    fields = harness.result_fields([record])
    pyinfo.emit("jit", info=info, count=args.count, fib_n=args.fib, **fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
