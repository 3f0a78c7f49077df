"""A hot loop for the JIT: call an iterative fib() many times and time it.

    python jit.py -n 10000              # banner, "Running fib() 10,000 times: 5.68s", machine line
    python jit.py -n 2000 --fib 500 --no-banner

The last stdout line is the machine line (see pyinfo.py), kind "jit":
{"count": COUNT, "fib_n": N, "seconds": float}.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # -P, -I and PYTHONSAFEPATH leave the script's folder out
    sys.path.insert(0, _HERE)
import pyinfo  # noqa: E402

DEFAULT_COUNT = 10_000
# fib(2000): 2,000 loop iterations per call, the integers growing to ~1,390 bits.
# 10,000 calls measured on this project's 2-core Xeon host (best of 3, other
# builds running alongside), CPython 3.13.15 built without PGO, PYTHON_JIT=0:
#   fib(500) 0.36 s, fib(1000) 0.60 s, fib(2000) 1.37 s, fib(3000) 2.21 s
# (3.11.7: 0.24 / 0.55 / 1.51 / 2.30 s; 3.14.7 with its JIT on: fib(2000) 1.32 s).
# 2000 gives 1-3 s from this core to one half as fast: long enough for timer
# noise not to matter, short enough to repeat for every variant.
DEFAULT_FIB_N = 2000


def fib(n):
    """Iterative Fibonacci: one tight loop of local loads, an int add and stores."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def run(count, fib_n):
    """Call fib(fib_n) ``count`` times; return the wall time in seconds."""
    start = time.perf_counter()
    for _ in range(count):
        fib(fib_n)
    return time.perf_counter() - start


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
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    info = pyinfo.collect()
    if not args.no_banner:
        pyinfo.print_banner(info)

    seconds = run(args.count, args.fib)
    noun = "time" if args.count == 1 else "times"
    pyinfo.write_line("Running fib() {:,} {}: {:.2f}s".format(args.count, noun, seconds))

    pyinfo.emit("jit", info=info, count=args.count, fib_n=args.fib, seconds=seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
