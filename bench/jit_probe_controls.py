"""Controls of the JIT probe (docs/jit-probe.md): begin()/end() around chosen code.

Run on a JIT build with the project's benchmarks folder mounted at /app:

    python3.14 /bench/jit_probe_controls.py      # and again with PYTHON_JIT=0

Each line: what ran between begin() and end(), and what the probe said.
"""

import json
import sys

sys.path.insert(0, "/app")  # the benchmarks folder, as in the containers
import jit  # noqa: E402
import jitprobe  # noqa: E402

KEYS = ("verdict", "marks", "entered", "not_entered", "created", "attached_throughout",
        "executors_before", "executors_after", "reason")


def show(label, evidence):
    print(label, json.dumps({k: evidence.get(k) for k in KEYS}))


def is_active_loop(n, samples):
    """A hot loop asking sys._jit.is_active() every 1,000 iterations."""
    total = 0
    for i in range(n):
        total += i
        if i % 1000 == 0:
            samples.append(sys._jit.is_active() if hasattr(sys, "_jit") else None)
    return total


def main():
    work = jit.workload(1000, 30)
    probe = jitprobe.Probe()
    probe.begin()
    work(1)  # first: the executors of work and fib do not exist yet
    show("first call, compiled while measured:", probe.end())
    for _ in range(5):
        work(1)
    probe.begin()
    work(2)
    show("work ran:", probe.end())
    probe.begin()
    sum(range(10))
    show("work idle:", probe.end())
    probe.begin()
    jit.fib(30)
    show("one fib(30):", probe.end())

    samples = []
    probe = jitprobe.Probe()
    for _ in range(20):
        is_active_loop(20000, samples)
    print("is_active() true:", sum(1 for s in samples if s), "of", len(samples))
    probe.begin()
    is_active_loop(20000, [])
    show("that loop once more:", probe.end())
    show("self_test:", jitprobe.self_test())


if __name__ == "__main__":
    main()
