#!/usr/bin/env python3
"""The fidelity run (issue 28, docs/fidelity.md): our figures against CPython's
published ones, on release builds (PGO + LTO) and on quick builds.

Stages, each a `pybench-docker` command whose result file lands in
docs/results/fidelity/ (a stage whose tables file, the .txt written when its
command has ended, exists is skipped: the run resumes):

  build          release only: the builds, timed (`info`, which builds what it needs)
  gil            `run gil --threads 2` (1 and 2 threads), the distro python beside
                 each version's builds so that runs of both profiles can be
                 normalised by it (PGO's effect per variant)
  counts         `run gil --threads 1 -n 20 --measure instructions`: instructions
                 per loop under Callgrind, which a busy machine does not move (the
                 free-threaded build's cost and PGO's effect, without the VM's noise)
  pyperformance  `run pyperformance` on SUBSET below (time and memory), each build
                 against its own version's stock build
  pyperf-counts  `run pyperformance --measure instructions` on COUNTED below: each
                 benchmark's timed region under Callgrind (pyperf's clock opens and
                 closes the window), one process, one value: counts do not vary
  tutorial       3.13 only: the tutorial's gil.py at 4 threads (system, 3.13,
                 3.13t, 3.13t -X gil=1) and jit.py -n 10000 (system, 3.13, 3.13j)

Quick builds are the default config's images (pybench-docker/…); release builds
live in a namespace of their own (pybench-fidelity/…) with a config written per
version, holding only the variants asked for (a run builds the whole release
image of every version it touches: `--variants stock,t` keeps the j build out).
Instruction counts of pyperformance take about two minutes per benchmark and
build under Callgrind here, so they cover COUNTED, a smaller set than SUBSET.

    BIN=target/release/pybench-docker bench/fidelity.py \\
        [--stages build,gil,counts,pyperformance,pyperf-counts,tutorial] [--profiles release,quick] \\
        [--versions 3.14,3.13] [--variants stock,t] [--processes 4] [--table-only]

Without options it is the whole run: both profiles, 3.14 (stock, t, j) and 3.13
(stock, t; its j for the tutorial's jit.py). At the end, and with
--table-only, it prints the table of every result file present and writes it to
docs/results/fidelity/summary.md.
"""

import argparse
import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
import re
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "results", "fidelity")
NAMESPACE = "pybench-fidelity"
DEFAULT_NAMESPACE = "pybench-docker"

# At least 30 of pyperformance 1.14.0's benchmarks, from each of its groups
# (the tags of its MANIFEST) and its untagged core; the template and apps
# groups' picks need only pure-Python wheels (genshi, docutils, html5lib).
# python_startup stays although it failed in our containers on 2026-12-05
# (pyperf's calibration worker exited 1; not investigated): the table lists
# it as skipped, so the startup group's absence is visible.
SUBSET = {
    "core": ["chaos", "deltablue", "go", "hexiom", "nqueens", "raytrace", "richards",
             "spectral_norm", "unpack_sequence", "deepcopy", "generators", "pyflate",
             "telco"],
    "math": ["float", "nbody", "pidigits"],
    "regex": ["regex_v8", "regex_effbot", "regex_dna", "regex_compile"],
    "serialize": ["json_dumps", "json_loads", "pickle", "pickle_pure_python",
                  "unpickle_pure_python", "xml_etree"],
    "asyncio": ["async_tree", "coroutines", "async_generators"],
    "startup": ["python_startup"],
    # 2to3 is left out: its run_benchmark.py pip-installs its vendored lib2to3
    # first, which fails in our containers (no network, read-only wheels).
    "apps": ["docutils", "html5lib"],
    "template": ["genshi"],
}
# Counted in instructions (pyperf-counts): the six of docs/measurements.md's
# "pyperformance in instructions" (quick builds, 2026-12-05), and a regex and
# a core benchmark more; every group but startup (a command, not countable),
# asyncio, apps and template (minutes each under Callgrind) is represented.
COUNTED = ["deltablue", "float", "hexiom", "json_dumps", "richards", "unpack_sequence",
           "nqueens", "regex_v8"]
# pyperf inside each container: one worker, one warm-up, three values; the
# containers (--processes) are the unit the intervals are taken over.
PYPERF_ARGS = ["--processes", "1", "--values", "3", "--warmups", "1"]
# What each version is measured on, unless --variants says otherwise.
VARIANTS = {"3.14": ["stock", "t", "j"], "3.13": ["stock", "t"]}
SUFFIX = {"stock": ""}


def subset():
    return [name for names in SUBSET.values() for name in names]


def name_of(version, variant):
    return version + SUFFIX.get(variant, variant)


def pythons_of_config(text=None):
    """version (3.14) -> (full version, sha256) of the built-in config.yaml's
    pythons (its uncommented `- version:` lines and the `sha256:` after each)."""
    if text is None:
        with open(os.path.join(ROOT, "config.yaml")) as handle:
            text = handle.read()
    found = {}
    for m in re.finditer(r"^  - version: (\S+)\n    sha256: ([0-9a-f]{64})$", text, re.M):
        full = m.group(1)
        found[".".join(full.split(".")[:2])] = (full, m.group(2))
    return found


def release_config(version, variants):
    """The overlay for release builds of one version: its own namespace, so
    the default images keep their tags and pythons:<version> holds only these."""
    full, sha = pythons_of_config()[version]
    return {
        "pythons": [{"version": full, "sha256": sha, "variants": variants}],
        "images": {"namespace": NAMESPACE},
        "build": {"profile": "release"},
        "benchmarks": {"baseline": "per-version"},
    }


# ---------------------------------------------------------------- statistics

T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
       8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145,
       15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080,
       22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
       29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t95(df):
    """Student's t two-sided 95 % quantile (the next smaller tabled df: conservative)."""
    if df < 1:
        return float("nan")
    usable = [d for d in T95 if d <= df]
    return T95[max(usable)] if df <= 120 else 1.960


def log_interval(logs):
    """(ratio, low, high) of the geometric mean of exp(logs), 95 % Student's t."""
    n = len(logs)
    if n == 0:
        return None
    m = statistics.fmean(logs)
    if n < 2:
        return (math.exp(m), float("nan"), float("nan"))
    half = t95(n - 1) * statistics.stdev(logs) / math.sqrt(n)
    return (math.exp(m), math.exp(m - half), math.exp(m + half))


def welch_interval(a, b):
    """(ratio, low, high) of exp(mean(b) - mean(a)), two independent samples of logs."""
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    d = statistics.fmean(b) - statistics.fmean(a)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / ((va**2) / (len(a) - 1) + (vb**2) / (len(b) - 1)) if se > 0 else 1
    half = t95(int(df)) * se
    return (math.exp(d), math.exp(d - half), math.exp(d + half))


def fmt(ci, digits=3):
    if ci is None:
        return "—"
    r, lo, hi = ci
    if math.isnan(lo):
        return f"{r:.{digits}f}×"
    return f"{r:.{digits}f}× [{lo:.{digits}f}–{hi:.{digits}f}]"


# ---------------------------------------------------------------- result files

def measured(row):
    return [s for s in row.get("samples", []) if not s.get("warmup")]


def rows_by(report):
    """(interpreter, threads) -> row; a benchmark without a thread count
    (pyperformance) is also found under (interpreter, None)."""
    out = {(r["interpreter"], r.get("threads")): r for r in report["rows"]}
    for r in report["rows"]:
        if sum(1 for x in report["rows"] if x["interpreter"] == r["interpreter"]) == 1:
            out.setdefault((r["interpreter"], None), r)
    return out


def paired_ratio(report, name, base, threads=None):
    """name against base at the same thread count, paired by round (the i-th
    measured process of each row ran in the same round)."""
    rows = rows_by(report)
    a, b = rows.get((base, threads)), rows.get((name, threads))
    if not a or not b:
        return None
    pairs = zip(measured(a), measured(b))
    return log_interval([math.log(y["seconds"] / x["seconds"]) for x, y in pairs
                         if x["seconds"] > 0 and y["seconds"] > 0])


def per_round_logs(report, name, base, threads=None):
    rows = rows_by(report)
    a, b = rows.get((base, threads)), rows.get((name, threads))
    if not a or not b:
        return []
    return [math.log(y["seconds"] / x["seconds"]) for x, y in zip(measured(a), measured(b))]


def process_logs(report, name, threads=1):
    """The log of each measured process's mean of one row."""
    row = rows_by(report).get((name, threads))
    return [math.log(s["seconds"]) for s in measured(row)] if row else []


def metric_levels(sample):
    """benchmark -> (mean seconds per loop, peak bytes or None) of one process."""
    out = {}
    for m in sample.get("metrics") or []:
        if not m.get("values"):
            continue
        peaks = [p for p in ((m.get("memory") or {}).get("peak_values") or []) if p]
        out[m["name"]] = (statistics.fmean(m["values"]), max(peaks) if peaks else None)
    return out


def group_of(metric):
    """The SUBSET group of a measured benchmark (xml_etree_parse is xml_etree's)."""
    best = None
    for group, names in SUBSET.items():
        for name in names:
            if metric.startswith(name) and (best is None or len(name) > len(best[1])):
                best = (group, name)
    return best[0] if best else None


def suite_ratio(report, name, base, memory=False, group=None):
    """Geometric mean over the benchmarks both measured of name/base (those of
    `group` only, if given), per round, then Student's t over the rounds:
    (ratio, low, high), benchmarks."""
    rows = rows_by(report)
    a, b = rows.get((base, None)), rows.get((name, None))
    if not a or not b:
        return None, 0
    logs, names = [], set()
    for x, y in zip(measured(a), measured(b)):
        lx, ly = metric_levels(x), metric_levels(y)
        terms = []
        for bench in sorted(set(lx) & set(ly)):
            if group and group_of(bench) != group:
                continue
            i = 1 if memory else 0
            if lx[bench][i] and ly[bench][i]:
                terms.append(math.log(ly[bench][i] / lx[bench][i]))
                names.add(bench)
        if terms:
            logs.append(statistics.fmean(terms))
    return log_interval(logs), len(names)


def suite_levels(report, name):
    """Per measured process, the log of the geometric mean over its benchmarks
    of seconds per loop, for benchmarks in `only`."""
    row = rows_by(report).get((name, None))
    return [metric_levels(s) for s in measured(row)] if row else []


def raw_profile_ratio(quick, release, name):
    """release/quick of one build's pyperformance times, unpaired (two runs):
    Welch on the per-process geometric means over the benchmarks both runs
    measured. Not normalised: the machine's drift between runs is in it."""
    q, r = suite_levels(quick, name), suite_levels(release, name)
    if not q or not r:
        return None
    common = set.intersection(*(set(levels) for levels in q + r))
    if not common:
        return None

    def logs(levels):
        return [statistics.fmean(math.log(l[b][0]) for b in common) for l in levels]

    return welch_interval(logs(q), logs(r))


def counts_profile_ratio(quick, release, name):
    """release/quick of one build's pyperformance instruction counts: the
    geometric mean over the benchmarks both counted (counts do not vary, so
    no interval)."""
    q, r = suite_levels(quick, name), suite_levels(release, name)
    if not q or not r:
        return None
    common = set(q[0]) & set(r[0])
    if not common:
        return None
    m = statistics.fmean(math.log(r[0][b][0] / q[0][b][0]) for b in common)
    return (math.exp(m), float("nan"), float("nan"))


def skipped(report):
    out = {}
    for row in report["rows"]:
        for s in measured(row):
            for sk in s.get("skipped") or []:
                out.setdefault(sk["name"], set()).add(row["interpreter"])
    return out


def load_range(report, name=None):
    loads = [v for row in report["rows"] for s in measured(row)
             for v in ((s.get("host") or {}).get("load_before"),
                       (s.get("host") or {}).get("load_after")) if v is not None]
    steal = [(s.get("host") or {}).get("steal") for row in report["rows"]
             for s in measured(row)]
    steal = [x for x in steal if x is not None]
    if not loads and name:
        # pyperformance's samples carry no load: the log's last line has it.
        with open(os.path.join(OUT, name[:-5] + ".txt")) as log:
            found = re.findall(r"load before ([\d.]+), after ([\d.]+)", log.read())
        loads = [float(x) for pair in found for x in pair]
    text = f"load {min(loads):.1f}–{max(loads):.1f}" if loads else "load ?"
    if steal:
        text += f", steal ≤{100 * max(steal):.0f} %"
    return text


# ---------------------------------------------------------------- stages

class Runner:
    def __init__(self, args):
        self.args = args
        self.bin = os.environ.get("BIN", os.path.join(ROOT, "target", "release", "pybench-docker"))
        os.makedirs(OUT, exist_ok=True)

    def path(self, stage, profile, version, variants, ext="json"):
        return os.path.join(OUT, f"{stage}-{profile}-{version}-{'+'.join(variants)}.{ext}")

    def config_args(self, profile, version, variants):
        if profile == "quick":
            return ["--profile", "quick"]
        path = os.path.join(OUT, f"release-{version}-{'+'.join(variants)}.yaml")
        with open(path, "w") as handle:
            handle.write("# Written by bench/fidelity.py: release builds in their own namespace.\n")
            # JSON is YAML: no YAML library needed on the host.
            json.dump(release_config(version, variants), handle, indent=2)
            handle.write("\n")
        tag_bases()
        return ["--config", path, "--profile", "release"]

    def tool(self, argv, log):
        """Runs the tool, its stdout (the tables) into log; returns success."""
        started, load = time.monotonic(), os.getloadavg()[0]
        print(f"$ pybench-docker {' '.join(argv)}", flush=True)
        with open(log + ".tmp", "w") as handle:
            handle.write(f"$ pybench-docker {' '.join(argv)}\n")
            handle.flush()
            proc = subprocess.run([self.bin, *argv], stdout=handle,
                                  stderr=sys.stderr, env={**os.environ, "CI": "true"})
            wall = time.monotonic() - started
            handle.write(f"\nwall time {wall:.0f} s · load before {load:.1f}, "
                         f"after {os.getloadavg()[0]:.1f} · exit {proc.returncode} · "
                         f"finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        os.replace(log + ".tmp", log)
        print(open(log).read(), flush=True)
        return proc.returncode == 0

    def stage(self, stage, profile, version, variants):
        if stage == "tutorial":
            if version != "3.13":
                return
            return self.tutorial(profile)
        if stage == "build" and profile == "quick":
            return  # the default config's images; `run` builds any that are missing
        names = [name_of(version, v) for v in variants]
        result = self.path(stage, profile, version, variants,
                           "txt" if stage == "build" else "json")
        # The tables' .txt is written when the command has ended (the JSON
        # grows while it runs): it marks a finished stage.
        if os.path.exists(result[:-5] + ".txt" if result.endswith(".json") else result):
            print(f"== {os.path.relpath(result, ROOT)} exists: skipped", flush=True)
            return
        config = self.config_args(profile, version, variants)
        p = ["--processes", str(self.args.processes)] if self.args.processes else []
        if stage == "build":
            self.tool(["info", *config, "--interpreters", ",".join(names)], result)
        elif stage == "gil":
            self.tool(["run", "gil", *config, "--threads", "2", "--baseline", "per-version",
                       "--interpreters", ",".join(["system", *names]), *p,
                       "--json", result], result[:-5] + ".txt")
        elif stage == "counts":
            self.tool(["run", "gil", *config, "--threads", "1", "-n", "20",
                       "--measure", "instructions", "--baseline", "per-version",
                       "--interpreters", ",".join(names), "--processes", "3", "--values", "3",
                       "--json", result], result[:-5] + ".txt")
        elif stage == "pyperformance":
            self.tool(["run", "pyperformance", *config, "--baseline", "per-version",
                       "--interpreters", ",".join(names), "--benchmarks", ",".join(subset()),
                       "--processes", str(self.args.processes or 4), "--json", result,
                       "--", *PYPERF_ARGS], result[:-5] + ".txt")
        elif stage == "pyperf-counts":
            self.tool(["run", "pyperformance", *config, "--measure", "instructions",
                       "--baseline", "per-version", "--interpreters", ",".join(names),
                       "--benchmarks", ",".join(COUNTED), "--processes", "1", "--json", result,
                       "--", "--values", "1", "--warmups", "1"], result[:-5] + ".txt")

    def tutorial(self, profile):
        variants = ["stock", "t", "j"]
        config = self.config_args(profile, "3.13", variants)
        p = ["--processes", str(self.args.processes)] if self.args.processes else []
        gil = self.path("tutorial-gil4", profile, "3.13", variants)
        if not os.path.exists(gil[:-5] + ".txt"):
            self.tool(["run", "gil", *config, "--threads", "4", "--baseline", "3.13",
                       "--interpreters", "system,3.13,3.13t,3.13t -X gil=1", *p,
                       "--json", gil], gil[:-5] + ".txt")
        jit = self.path("tutorial-jit", profile, "3.13", variants)
        if not os.path.exists(jit[:-5] + ".txt"):
            self.tool(["run", "jit", *config, "-n", "10000", "--baseline", "3.13",
                       "--interpreters", "system,3.13,3.13j", *p,
                       "--json", jit], jit[:-5] + ".txt")


def api(method, path):
    sock = os.environ.get("DOCKER_SOCK", "/var/run/docker.sock")

    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(sock)

    conn = Conn("localhost")
    conn.request(method, path)
    reply = conn.getresponse()
    body = reply.read()
    if reply.status >= 300:
        raise RuntimeError(f"{method} {path}: {reply.status} {body[:200]!r}")
    return json.loads(body) if body else None


def tag_bases():
    """The default namespace's bases, tagged into ours: a base's tag hashes its
    packages, suite and mirror, not the namespace, so the plan finds them and
    the release builds bootstrap nothing."""
    for image in api("GET", "/images/json"):
        for tag in image.get("RepoTags") or []:
            if tag.startswith(f"{DEFAULT_NAMESPACE}/base:"):
                query = urllib.parse.urlencode({"repo": f"{NAMESPACE}/base",
                                                "tag": tag.split(":", 1)[1]})
                api("POST", f"/images/{tag}/tag?{query}")


# ---------------------------------------------------------------- the table

def load(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path) or not os.path.exists(path[:-5] + ".txt"):
        return None
    with open(path) as handle:
        return json.load(handle)


def files(prefix):
    """Finished result files (their .txt is written when the command ends)."""
    return sorted(f for f in os.listdir(OUT) if f.startswith(prefix) and f.endswith(".json")
                  and os.path.exists(os.path.join(OUT, f[:-5] + ".txt")))


def find(stage, profile, version, name):
    """The newest result file of this stage and profile that has `name`."""
    for f in reversed(files(f"{stage}-{profile}-{version}-")):
        report = load(f)
        if any(r["interpreter"] == name for r in report["rows"]):
            return f, report
    return None, None


def table():
    lines = ["| figure | build | ours, release | ours, quick | from |", "|---|---|---|---|---|"]
    notes = []

    def row(figure, build, rel, quick, source):
        lines.append(f"| {figure} | {build} | {rel} | {quick} | {source} |")

    for version, variant in [("3.13", "t"), ("3.14", "t"), ("3.14", "j"), ("3.13", "j")]:
        name = name_of(version, variant)
        cells, src = {}, []
        for profile in ("release", "quick"):
            f, report = find("pyperformance", profile, version, name)
            if report:
                ci, n = suite_ratio(report, name, version)
                cells[profile] = f"{fmt(ci)} ({n} benchmarks)"
                src.append(f"{f} ({load_range(report, f)})")
                sk = skipped(report)
                note = f"{f}: skipped " + "; ".join(
                    f"{b} on {', '.join(sorted(w))}" for b, w in sorted(sk.items()))
                if sk and note not in notes:  # a file holding t and j is seen twice
                    notes.append(note)
        row("pyperformance time, geo mean", f"{name}/{version}",
            cells.get("release", "not measured"), cells.get("quick", "not measured"),
            "; ".join(src) or "—")
        if variant == "t":
            cells = {}
            for profile in ("release", "quick"):
                f, report = find("pyperformance", profile, version, name)
                if report:
                    ci, n = suite_ratio(report, name, version, memory=True)
                    cells[profile] = f"{fmt(ci)} ({n} benchmarks)"
            row("pyperformance peak memory, geo mean", f"{name}/{version}",
                cells.get("release", "not measured"), cells.get("quick", "not measured"), "")
            for threads in (1, 2):
                cells, src = {}, []
                for profile in ("release", "quick"):
                    f, report = find("gil", profile, version, name)
                    if report:
                        cells[profile] = fmt(paired_ratio(report, name, version, threads))
                        src.append(f"{f} ({load_range(report)})")
                row(f"gil.py fib(25), {threads} thread{'s' if threads > 1 else ''}",
                    f"{name}/{version}", cells.get("release", "not measured"),
                    cells.get("quick", "not measured"), "; ".join(src) or "—")

    def counted_cell(stage, report, name, version):
        if stage == "counts":
            return fmt(paired_ratio(report, name, version, 1), 4)
        ci, n = suite_ratio(report, name, version)
        return f"{fmt(ci, 4)} ({n} benchmarks)"

    for stage, figure in [("counts", "gil.py fib(20), 1 thread, instructions (Callgrind)"),
                          ("pyperf-counts", "pyperformance instructions (Callgrind), geo mean")]:
        for version in ("3.14", "3.13"):
            for variant in ("t", "j"):
                name = name_of(version, variant)
                cells, src = {}, []
                for profile in ("release", "quick"):
                    f, report = find(stage, profile, version, name)
                    if report:
                        cells[profile] = counted_cell(stage, report, name, version)
                        src.append(f)
                if cells:
                    row(figure, f"{name}/{version}", cells.get("release", "not measured"),
                        cells.get("quick", "not measured"), "; ".join(src))

    # PGO + LTO's effect per build: release against quick.
    for version in ("3.14", "3.13"):
        for variant in ("stock", "t", "j"):
            name = name_of(version, variant)
            fq, q = find("gil", "quick", version, name)
            fr, r = find("gil", "release", version, name)
            if q and r:
                for threads in (1, 2):
                    ci = welch_interval(per_round_logs(q, name, "system", threads),
                                        per_round_logs(r, name, "system", threads))
                    row(f"release/quick, gil.py {threads} thread{'s' if threads > 1 else ''}, "
                        "each normalised by the distro python of its run",
                        name, fmt(ci), "", f"{fr} · {fq}")
            fq, q = find("counts", "quick", version, name)
            fr, r = find("counts", "release", version, name)
            if q and r:
                row("release/quick, gil.py fib(20) instructions", name,
                    fmt(welch_interval(process_logs(q, name), process_logs(r, name)), 4), "",
                    f"{fr} · {fq}")
            fq, q = find("pyperf-counts", "quick", version, name)
            fr, r = find("pyperf-counts", "release", version, name)
            if q and r:
                ci = counts_profile_ratio(q, r, name)
                row("release/quick, pyperformance instructions, geo mean", name,
                    fmt(ci, 4) if ci else "—", "", f"{fr} · {fq}")
            fq, q = find("pyperformance", "quick", version, name)
            fr, r = find("pyperformance", "release", version, name)
            if q and r:
                row("release/quick, pyperformance time, raw: two runs, unpaired, each run's load in it", name,
                    fmt(raw_profile_ratio(q, r, name)), "", f"{fr} · {fq}")

    for profile in ("release", "quick"):
        variants = "stock+t+j"
        g = load(f"tutorial-gil4-{profile}-3.13-{variants}.json")
        if g:
            for name in ("3.13t", "3.13t -X gil=1", "system"):
                row(f"tutorial gil.py, 4 threads, {name}/3.13", name,
                    fmt(paired_ratio(g, name, "3.13", 4)) if profile == "release" else "",
                    fmt(paired_ratio(g, name, "3.13", 4)) if profile == "quick" else "",
                    f"tutorial-gil4-{profile}-3.13-{variants}.json ({load_range(g)})")
        j = load(f"tutorial-jit-{profile}-3.13-{variants}.json")
        if j:
            for name in ("3.13j", "system"):
                ci = fmt(paired_ratio(j, name, "3.13"))
                row(f"tutorial jit.py, {name}/3.13", name,
                    ci if profile == "release" else "", ci if profile == "quick" else "",
                    f"tutorial-jit-{profile}-3.13-{variants}.json ({load_range(j)})")
    counted = [(version, variant, profile, find("pyperf-counts", profile, version,
                                                  name_of(version, variant))[1])
               for version in ("3.14", "3.13") for variant in ("t", "j")
               for profile in ("release", "quick")]
    counted = [c for c in counted if c[3]]
    if counted:
        lines += ["", "Per benchmark, instructions per loop against the version's stock build "
                  "(Callgrind, one process):", "",
                  "| benchmark | " + " | ".join(f"{name_of(v, x)} {p}" for v, x, p, _ in counted)
                  + " |", "|---|" + "---|" * len(counted)]
        for bench in COUNTED:
            cells = []
            for version, variant, _, report in counted:
                a, b = [suite_levels(report, n) for n in (version, name_of(version, variant))]
                x = [lv[bench][0] for lv in a if bench in lv]
                y = [lv[bench][0] for lv in b if bench in lv]
                cells.append(f"{y[0] / x[0]:.4f}×" if x and y else "—")
            lines.append(f"| {bench} | " + " | ".join(cells) + " |")
    lines += ["", "Per group of the subset (time, geo mean against the version's stock build):", "",
              "| build | profile | " + " | ".join(SUBSET) + " |",
              "|---|---|" + "---|" * len(SUBSET)]
    for version, variant in [("3.14", "t"), ("3.14", "j"), ("3.13", "t")]:
        name = name_of(version, variant)
        for profile in ("release", "quick"):
            f, report = find("pyperformance", profile, version, name)
            if report:
                cells = []
                for group in SUBSET:
                    ci, n = suite_ratio(report, name, version, group=group)
                    cells.append(f"{fmt(ci, 2)} ({n})" if ci else "—")
                lines.append(f"| {name} | {profile} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    if notes:
        text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    text += ("\nratio [95 % interval]: paired by round, Student's t over the rounds; a "
             "pyperformance geo mean is each round's geometric mean over the benchmarks "
             "both builds measured.\n")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", default="build,gil,counts,pyperformance,tutorial")
    parser.add_argument("--profiles", default="release,quick")
    parser.add_argument("--versions", default="3.14,3.13")
    parser.add_argument("--variants", help="e.g. stock,t (default: per version)")
    parser.add_argument("--processes", type=int,
                        help="containers per configuration (default: the config's for gil, 4 for pyperformance)")
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    known = {"build", "gil", "counts", "pyperformance", "pyperf-counts", "tutorial"}
    stages = args.stages.split(",")
    if not set(stages) <= known:
        parser.error(f"unknown stage in {args.stages!r}; the stages are {', '.join(sorted(known))}")
    if not set(args.profiles.split(",")) <= {"quick", "release"}:
        parser.error(f"--profiles takes quick and/or release, not {args.profiles!r}")
    if not args.table_only:
        runner = Runner(args)
        for profile in args.profiles.split(","):
            for version in args.versions.split(","):
                variants = args.variants.split(",") if args.variants else VARIANTS[version]
                for stage in stages:
                    runner.stage(stage, profile, version, variants)
    text = table()
    with open(os.path.join(OUT, "summary.md"), "w") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    main()
