#!/usr/bin/env python3
"""Memory figures of the container side (benchmarks/memprobe.py) on this machine.

Runs the benchmark scripts in containers locked down as `pybench-docker run`
locks them (no network, read-only root, tmpfs /tmp, no capabilities,
no-new-privileges, user 1000:1000, 4096 MB memory limit, pinned CPUs), reads
the "memory" of each machine line and prints the figures recorded in
docs/measurements.md ("Memory"). The docker CLI is the yardstick here, as in
bench/overhead.sh; the tool itself never uses it. Phase 1 of issue 26: the
tool does not yet carry memory into its results, hence this script.

    bench/memory_figures.py sources  [VERSION]              what each source says, run_script's cost
    bench/memory_figures.py hold     [VERSION]              200 MiB held / transient / nothing
    bench/memory_figures.py aa       [VERSION] [PROCESSES]  A/A: gil.py at 1 and 2 threads
    bench/memory_figures.py builds   [VERSION] [PROCESSES]  stock vs t vs j: gil.py and jit.py
    bench/memory_figures.py threads  [VERSION] [PROCESSES]  gil.py at 1, 2, 4, 8 threads
    bench/memory_figures.py pool     [VERSION] [PROCESSES]  suite pool-processes at 1 and 2
    bench/memory_figures.py pyperf   [VERSION] PYPERF_WHEEL pyperf's mem_max_rss vs VmHWM

VERSION defaults to 3.14.7 (image pybench-docker/pythons:VERSION). Every
container carries the label pybench-docker.session=bench-memory-PID and is
removed when it ends (--rm).
"""

import json
import math
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = os.path.join(ROOT, "benchmarks")
SCRIPTS = os.path.join(ROOT, "bench", "memory")
MIB = 1 << 20
SESSION = "bench-memory-%d" % os.getpid()
CPUS = os.cpu_count() or 1
# Two-sided 95 % quantiles of Student's t, by degrees of freedom.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
       9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131,
       19: 2.093, 24: 2.064, 29: 2.045}


def t95(df):
    best = max(k for k in T95 if k <= df) if df >= 1 else 1
    return T95[best]


def cpuset(threads):
    """The tool's pinning: the last N CPUs for N threads."""
    n = max(1, min(threads, CPUS))
    first = CPUS - n
    return str(first) if n == 1 else "%d-%d" % (first, CPUS - 1)


def docker_run(version, argv, threads=1, env=None, mounts=()):
    """One locked-down container; returns the finished process."""
    command = ["docker", "run", "--rm", "--label", "pybench-docker.session=" + SESSION,
               "--network", "none", "--read-only",
               "--tmpfs", "/tmp:rw,nosuid,nodev,size=256m", "--cap-drop", "ALL",
               "--security-opt", "no-new-privileges", "--user", "1000:1000",
               "-m", "4096m", "--memory-swap", "4096m", "--pids-limit", "512",
               "--cpuset-cpus", cpuset(threads),
               "-v", BENCHMARKS + ":/app:ro", "-v", SCRIPTS + ":/script:ro", "-w", "/app"]
    for host, inside in mounts:
        command += ["-v", "%s:%s:ro" % (host, inside)]
    for key, value in dict({"PYBENCH_VALUES": "5", "PYBENCH_WARMUPS": "1",
                            "PYBENCH_MIN_TIME": "0.1"}, **(env or {})).items():
        command += ["-e", "%s=%s" % (key, value)]
    command += ["pybench-docker/pythons:" + version] + list(argv)
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), out.stderr[-2000:]))
    return out


def run(version, argv, threads=1, env=None, mounts=(), stderr=False):
    """One locked-down container; returns its machine line (dict), and its stderr if asked."""
    out = docker_run(version, argv, threads, env, mounts)
    lines = [l for l in out.stdout.splitlines() if l.startswith("PYBENCH_RESULT ")]
    if not lines:
        raise SystemExit("no machine line from %s:\n%s" % (argv, out.stderr[-2000:]))
    line = json.loads(lines[-1].split(" ", 1)[1])
    return (line, out.stderr) if stderr else line


def memories(line):
    """Every "memory" of a machine line: one per benchmark record, or the whole script's."""
    if "benchmarks" in line:
        return [b["memory"] for b in line["benchmarks"]]
    return [line["memory"]]


def mib(x):
    return "-" if x is None else "%.1f" % (x / MIB)


def figures(m):
    """Per-process figures (MiB) from one memory record."""
    values = [p for p in m["peak_values"] if p is not None]
    growth = None
    if m["rss_after_values"] is not None and m["rss_after_warmups"] is not None:
        growth = m["rss_after_values"] - m["rss_after_warmups"]
    return {"process_peak": m["process_peak"],
            "value_peak": max(values) if values else None,
            "rss_start": m["rss_start"],
            "growth": growth,
            "container_peak": m["container_peak"]}


def spread(xs):
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return "n=%d" % len(xs)
    mean = statistics.fmean(xs)
    return "mean %s MiB, sd/mean %.2f %%, min %s max %s" % (
        mib(mean), 100 * statistics.stdev(xs) / mean if mean else 0, mib(min(xs)), mib(max(xs)))


def paired_ratio(a, b):
    """Mean ratio b/a over paired processes with its 95 % interval (t on log ratios), %."""
    logs = [math.log(y / x) for x, y in zip(a, b) if x and y]
    if len(logs) < 2:
        return "n/a"
    mean, sd = statistics.fmean(logs), statistics.stdev(logs)
    half = t95(len(logs) - 1) * sd / math.sqrt(len(logs))
    pct = lambda v: 100 * (math.exp(v) - 1)  # noqa: E731
    return "%+.2f %% [%+.2f, %+.2f]" % (pct(mean), pct(mean - half), pct(mean + half))


def gil(threads):
    return ["gil.py", "-n", "25", "-t", str(threads), "--no-banner"]


def hold(version):
    print("== %s: a script holding 200 MiB, transient 200 MiB per value, and nothing" % version)
    print("build   mode        proc-source  reset  value peaks (MiB)            process peak  "
          "rss start/after warm-ups/after values  container start/peak  limit")
    for build in ("", "t"):
        python = "python%s%s" % (version.rsplit(".", 1)[0], build)
        for label, args in (("hold", ["200"]), ("whole", ["200", "--whole"]),
                            ("transient", ["200", "--transient"]), ("nothing", ["0"]),
                            ("nothing-whole", ["0", "--whole"])):
            line = run(version, [python, "run_script.py", "/script/hold.py"] + args)
            m = memories(line)[0]
            print("%-7s %-13s %-11s %-5s %-28s %-13s %s/%s/%s  %s/%s  %s" % (
                python[6:], label, m["process_source"], m["process_reset"],
                ",".join(mib(p) for p in m["peak_values"]), mib(m["process_peak"]),
                mib(m["rss_start"]), mib(m["rss_after_warmups"]), mib(m["rss_after_values"]),
                mib(m["container_peak_start"]), mib(m["container_peak"]),
                mib(m["container_limit"])))


def sample(version, configs, processes):
    """{config: [figures per process]}, configurations interleaved round-robin."""
    found = {c: [] for c in configs}
    for _ in range(processes):
        for name, argv, threads in configs:
            line = run(version, argv, threads)
            found[(name, argv, threads)].append(figures(memories(line)[0]))
    return found


def kib_spread(xs):
    """Mean and sd in KiB, for figures near zero (growth)."""
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return "n=%d" % len(xs)
    return "mean %+.0f KiB, sd %.0f KiB, min %+.0f max %+.0f" % (
        statistics.fmean(xs) / 1024, statistics.stdev(xs) / 1024, min(xs) / 1024, max(xs) / 1024)


def print_spreads(found):
    for (name, _, _), rows in found.items():
        print("  %s" % name)
        for key in ("process_peak", "value_peak", "container_peak"):
            print("    %-15s %s" % (key, spread([r[key] for r in rows])))
        print("    %-15s %s" % ("growth", kib_spread([r["growth"] for r in rows])))


def aa(version, processes):
    major = version.rsplit(".", 1)[0]
    print("== A/A: gil.py, %d processes per configuration, twice (A and B interleaved)"
          % processes)
    for build in ("", "t"):
        for threads in (1, 2):
            python = "python%s%s" % (major, build)
            configs = [("%s%s x%d %s" % (major, build, threads, ab), tuple([python] + gil(threads)),
                        threads) for ab in "AB"]
            found = sample(version, configs, processes)
            print_spreads(found)
            a, b = (found[c] for c in configs)
            for key in ("process_peak", "value_peak", "container_peak"):
                print("    A/A ratio %-15s %s" % (key, paired_ratio(
                    [r[key] for r in a], [r[key] for r in b])))


def builds(version, processes):
    major = version.rsplit(".", 1)[0]
    print("== stock vs t vs j, %d processes each" % processes)
    for script in (["gil.py", "-n", "25", "-t", "1", "--no-banner"],
                   ["jit.py", "--no-banner"]):
        configs = [("%s%s %s" % (major, b, script[0]), tuple(["python%s%s" % (major, b)] + script),
                    1) for b in ("", "t", "j")]
        found = sample(version, configs, processes)
        print_spreads(found)
        base = found[configs[0]]
        for config in configs[1:]:
            for key in ("process_peak", "container_peak"):
                print("    %s / %s %-15s %s" % (config[0], configs[0][0], key, paired_ratio(
                    [r[key] for r in base], [r[key] for r in found[config]])))


def slope(points):
    """Least-squares slope, its standard error and the intercept of (x, y) points."""
    xs, ys = zip(*points)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    a = my - b * mx
    sse = sum((y - a - b * x) ** 2 for x, y in points)
    return b, math.sqrt(sse / (len(points) - 2) / sxx), a


def threads(version, processes):
    major = version.rsplit(".", 1)[0]
    counts = (1, 2, 4, 8)
    print("== gil.py at %s threads, %d processes each" % (counts, processes))
    for build in ("", "t"):
        python = "python%s%s" % (major, build)
        configs = [("%s%s x%d" % (major, build, n), tuple([python] + gil(n)), n) for n in counts]
        found = sample(version, configs, processes)
        print_spreads(found)
        for key in ("value_peak", "container_peak"):
            points = [(c[2], r[key]) for c in configs for r in found[c]]
            b, se, a = slope(points)
            print("    %s %-15s %s MiB + %.0f KiB per thread (se %.0f KiB)"
                  % (python, key, mib(a), b / 1024, se / 1024))


def pool(version, processes):
    major = version.rsplit(".", 1)[0]
    print("== suite pool-processes: the process figure leaves the pool out, the container's not")
    for build in ("", "t"):
        python = "python%s%s" % (major, build)
        configs = [("%s%s pool-processes x%d" % (major, build, n),
                    (python, "suite/run.py", "pool-processes", "-t", str(n), "--no-banner"), n)
                   for n in (1, 2)]
        print_spreads(sample(version, configs, processes))


PYPERF_SCRIPT = "pyperf_probe.py"


def pyperf(version, wheel):
    """pyperf's mem_max_rss next to each process's own VmHWM (printed by the probe script)."""
    major = version.rsplit(".", 1)[0]
    print("== pyperf: mem_max_rss of each worker vs the VmHWM of pyperf's processes")
    inside = "/opt/wheels/" + os.path.basename(wheel)
    for build in ("", "t"):
        python = "python%s%s" % (major, build)
        line, errors = run(version, [python, "run_script.py", "/script/" + PYPERF_SCRIPT,
                                     "-p", "3", "-n", "3", "-w", "1"],
                           env={"PYTHONPATH": inside, "PYBENCH_PYPERF": "1"},
                           mounts=[(wheel, inside)], stderr=True)
        probes = [l.split()[1:] for l in errors.splitlines() if l.startswith("PROBE ")]
        for m in memories(line):
            print("  %s: source %s, peaks per value %s, process peak %s, container %s/%s" % (
                python, m["process_source"], ",".join(mib(p) for p in m["peak_values"]),
                mib(m["process_peak"]), mib(m["container_peak_start"]), mib(m["container_peak"])))
        print("  %s: VmHWM at exit: %s" % (python, ", ".join(
            "%s %s" % (role, mib(int(b))) for role, b in probes)))


# A bare interpreter's VmHWM and ru_maxrss: the latter starts from runc's init.
BARE_VMHWM = ("import memprobe, resource; print(memprobe.parse_status(open(memprobe.PROC_STATUS)"
              ".read())['peak'], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)")


def sources(version):
    """What each source says (bench/memory/sources.py), and run_script.py's own cost.

    ONLY=INTERPRETER in the environment runs one interpreter's part."""
    major = version.rsplit(".", 1)[0]
    print("== sources inside the container")
    # python3: the distro's interpreter (3.13.5), smaller than runc's init at exec.
    only = os.environ.get("ONLY")
    for python in ("python%s" % major, "python%st" % major, "python3"):
        if only and python != only:
            continue
        env = {"PYTHONPATH": "/app"}
        for _ in range(3):
            found = json.loads(docker_run(version, [python, "/script/sources.py"],
                                          env=env).stdout.splitlines()[-1])
            print("  %s %s" % (python, json.dumps(found)))
        bare = [[int(x) for x in docker_run(version, [python, "-c", BARE_VMHWM],
                                            env=env).stdout.split()] for _ in range(3)]
        under = [memories(run(version, [python, "run_script.py", "/script/empty.py"]))[0]
                 ["process_peak"] for _ in range(3)]
        print("  %s empty script: bare VmHWM %s MiB (ru_maxrss %s), under run_script.py %s MiB"
              % (python, "/".join(mib(b[0]) for b in bare), "/".join(mib(b[1]) for b in bare),
                 "/".join(mib(u) for u in under)))


def main(argv):
    if not argv or argv[0] not in ("sources", "hold", "aa", "builds", "threads", "pool",
                                   "pyperf"):
        print(__doc__, file=sys.stderr)
        return 2
    what, rest = argv[0], argv[1:]
    version = rest[0] if rest else "3.14.7"
    if what == "sources":
        sources(version)
    elif what == "hold":
        hold(version)
    elif what == "pyperf":
        pyperf(version, os.path.abspath(rest[1]))
    else:
        processes = int(rest[1]) if len(rest) > 1 else 10
        {"aa": aa, "builds": builds, "threads": threads, "pool": pool}[what](version, processes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
