"""A pyperf script that also says, on stderr, each of its processes' own VmHWM
at exit ("PROBE main|worker BYTES"), to compare with pyperf's mem_max_rss."""

import atexit
import sys

import pyperf


def vmhwm():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


role = "worker" if "--worker" in sys.argv else "main"
atexit.register(lambda: sys.stderr.write("PROBE %s %d\n" % (role, vmhwm())))
runner = pyperf.Runner()
runner.timeit("sum", "sum(range(1000))")
