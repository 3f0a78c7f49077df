"""What the memory sources say inside a locked-down container (one JSON line).

Run directly (not under run_script.py) with benchmarks/ on PYTHONPATH:
VmHWM against ru_maxrss at start-up, whether clear_refs resets the peak,
whether the cgroup's peak can be reset, the cgroup's charge split (memory.stat),
mimalloc's hold on freed memory, a spawned child's ru_maxrss, and what reading +
resetting costs per value.
"""

import json
import resource
import subprocess
import sys
import time

import memprobe

MIB = 1 << 20
CHILD = ("import json, resource; print(json.dumps([[int(l.split()[1]) * 1024 for l in "
         "open('/proc/self/status') if l.startswith('VmHWM')][0], "
         "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024]))")
V1 = "/sys/fs/cgroup/memory/"


def status():
    return memprobe.parse_status(open(memprobe.PROC_STATUS).read())


def try_write(path, text):
    try:
        with open(path, "w") as handle:
            handle.write(text)
        return "ok"
    except OSError as error:
        return "%s (errno %d)" % (error.strerror, error.errno)


def memory_stat():
    try:
        pairs = dict(line.split() for line in open(V1 + "memory.stat"))
        kmem = int(open(V1 + "memory.kmem.usage_in_bytes").read())
    except OSError:
        return None
    keys = ("cache", "rss", "shmem", "mapped_file")
    return dict({k: int(pairs[k]) for k in keys if k in pairs}, kmem=kmem)


def main():
    found = {"version": sys.version.split()[0],
             "gil": getattr(sys, "_is_gil_enabled", lambda: True)()}
    start = status()
    found["start_vmhwm"] = start["peak"]
    found["start_ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    found["cgroup_stat_at_start"] = memory_stat()
    block = bytearray(100 * MIB)
    del block
    before = status()["peak"]
    found["clear_refs"] = try_write(memprobe.CLEAR_REFS, "5")
    found["vmhwm_100mib_freed_then_reset"] = [before, status()["peak"]]
    found["reset_cgroup_v1_peak"] = try_write(V1 + "memory.max_usage_in_bytes", "0")
    block = bytearray(200 * MIB)
    held = status()["rss"]
    del block
    found["rss_200mib_held_then_freed"] = [held, status()["rss"]]
    # A child spawned (vfork + exec, as subprocess does) by a parent holding 300 MiB:
    # its own VmHWM, and its ru_maxrss, which starts from the parent's peak.
    block = bytearray(300 * MIB)
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
    del block
    found["child_of_300mib_parent_vmhwm_ru_maxrss"] = json.loads(child.stdout)
    tracker, n = memprobe.Tracker(), 200
    t0 = time.perf_counter()
    for _ in range(n):
        tracker.begin_value(False)
        tracker.end_value(False)
    found["seconds_per_value"] = (time.perf_counter() - t0) / n
    print(json.dumps(found))


main()
