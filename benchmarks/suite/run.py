"""Run the free-threading suite's benchmarks: one, a category, or all of them.

    python suite/run.py --list                       # category<TAB>name<TAB>description
    python suite/run.py refcount-shared-mortal --threads 4
    python suite/run.py --category locks --threads 2 --values 5
    python suite/run.py --all --threads 2 --values 1 --warmups 0 --min-time 0.01

In the containers benchmarks/ is /app: ``python /app/suite/run.py ...`` (any
working directory), or ``python -m suite.run ...`` from /app.

Each measured benchmark prints one human line; the last stdout line is the
machine line (pyinfo.py), kind "suite", schema 2 (harness.py)::

    {"kind": "suite", "schema": 2, "info": {...}, "threads": N,
     "benchmark": NAME, "category": CAT,        (one benchmark)
     "category": CAT,                            (--category)
     "benchmarks": [record, ...], "seconds": mean of the first record's values}

Records are in registry order, each the harness's record plus "category" and
"scaling" (true: N threads each do the one-thread work, speed-up t1*N/tN;
false: fixed total work, speed-up t1/tN). Harness flags (--values, --warmups,
--min-time, --loops, --no-gc) and PYBENCH_* variables apply to every
benchmark. Wrong arguments exit with status 2.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import os  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
_PARENT = os.path.dirname(_HERE)
# Run as a script, this folder is sys.path[0]: drop it so that no module of
# the suite shadows the standard library, and import the suite as a package
# from the folder above, where harness.py and pyinfo.py live too.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if _PARENT not in sys.path:
    sys.path.insert(0, _PARENT)

import harness  # noqa: E402
import pyinfo  # noqa: E402
import suite  # noqa: E402


def list_lines():
    """``category<TAB>name<TAB>description`` for every benchmark, in registry order."""
    return ["%s\t%s\t%s" % (b.category, b.name, b.description) for b in suite.BENCHMARKS]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Run benchmarks of the free-threading suite under the harness.",
        epilog="Benchmarks: " + ", ".join(suite.names()),
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="the benchmark to run")
    parser.add_argument("--list", action="store_true",
                        help="print category, name and description of every benchmark, "
                        "tab-separated, and exit")
    parser.add_argument("--category", choices=suite.CATEGORIES, metavar="CATEGORY",
                        help="run every benchmark of CATEGORY, one record each (one of: %s)"
                        % ", ".join(suite.CATEGORIES))
    parser.add_argument("--all", action="store_true", help="run every benchmark of the suite")
    parser.add_argument("-t", "--threads", type=pyinfo.int_at_least(1), default=1, metavar="N",
                        help="threads running each benchmark (default: 1)")
    parser.add_argument("--no-banner", action="store_true", help="do not print the banner")
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    chosen = [x for x in (args.name is not None, args.category is not None, args.all) if x]
    if args.list:
        if chosen:
            parser.error("--list takes no NAME, --category or --all")
    elif len(chosen) != 1:
        parser.error("give exactly one of NAME, --category CATEGORY, --all or --list")
    if args.name is not None and args.name not in suite.names():
        parser.error("unknown benchmark %r (see --list)" % args.name)
    return args


def describe(record):
    noun = "thread" if record["threads"] == 1 else "threads"
    return "%s (%s), %d %s: %.6fs per loop (%d values x %d loops)" % (
        record["name"], record["category"], record["threads"], noun,
        harness.mean(record["values"]), len(record["values"]), record["loops"])


def _gil_state():
    probe = getattr(sys, "_is_gil_enabled", None)
    return probe() if probe is not None else None


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        for line in list_lines():
            pyinfo.write_line(line)
        return 0

    info = pyinfo.collect()
    if not args.no_banner:
        pyinfo.print_banner(info)
    options = harness.options_from_args(args)
    if args.name is not None:
        chosen = [suite.get(args.name)]
    elif args.category is not None:
        chosen = suite.in_category(args.category)
    else:
        chosen = list(suite.BENCHMARKS)

    gil_before = _gil_state()
    records = []
    for benchmark in chosen:
        record = suite.measure(benchmark, args.threads, options)
        pyinfo.write_line(describe(record))
        records.append(record)
    if _gil_state() != gil_before:
        sys.stderr.write("run.py: the GIL was %s during the run (an imported module?)\n"
                         % ("enabled" if _gil_state() else "disabled"))

    fields = {"threads": args.threads}
    if args.name is not None:
        fields.update(benchmark=args.name, category=chosen[0].category)
    elif args.category is not None:
        fields["category"] = args.category
    fields.update(harness.result_fields(records))
    pyinfo.emit("suite", info=info, **fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
