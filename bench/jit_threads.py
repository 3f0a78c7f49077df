"""The JIT loop (benchmarks/jit.py's work) in N threads through the harness, so that
the JIT probe (docs/jit-probe.md) says whether JIT code ran at 1 and at 2 threads:

    pybench-docker run bench/jit_threads.py --config bench/jit315.yaml \
        --threads 1,2 -- --threads {threads}

`run jit` takes no thread count; this is the same work, each thread doing it whole.
"""

import argparse

import harness  # the benchmarks folder is on the path inside the containers
import jit

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--count", type=int, default=1000)
args = parser.parse_args()
harness.bench("jit loop", jit.workload(args.count, jit.DEFAULT_FIB_N), threads=args.threads)
