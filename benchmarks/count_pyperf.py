"""Counting a pyperf script under Callgrind: exactly what pyperf times, per loop, one thread.

``run pyperformance --measure instructions`` and ``run SCRIPT.py
--measure instructions`` for a pyperf script. pyperf measures in worker
processes it spawns, so the harness's window (counts.py) cannot reach its
work. Instead, the parent (run_pyperformance.py or run_script.py, not under
Valgrind) starts one child per script::

    valgrind --tool=callgrind --collect-atstart=no ... python count_pyperf.py \\
        --out RECORDS.json --loops 1 --warmups 1 --values 3 -- SCRIPT [ARGS...]

and the child runs SCRIPT as ``__main__`` in pyperf's own worker mode
(``--worker --loops L --warmups W --values V``, no ``--worker-task``: every
benchmark of the script, in this process, none spawned), with one change:
while pyperf's task function computes a value, pyperf's clock
(``time.perf_counter``, which ``bench_func``'s loop reads, and
``pyperf.perf_counter``, which a ``bench_time_func`` function calls) is a
:class:`Clock` whose calls open and close the Callgrind window in turn. So
what is counted is what pyperf would have timed: for ``bench_func`` and
``bench_async_func`` the loop over the function, for ``bench_time_func``
each region the benchmark itself brackets with the clock (summed over the
regions of a value). Set-up outside those regions is never counted.

Each value's regions are checked: an odd number of clock calls, or none,
is an error, not a number; so is a second thread alive at the end of a
value (Valgrind runs threads one at a time). ``bench_command`` (a child
process, which Callgrind does not follow) is refused. The bracketing (the
end of one clock call and the start of the next) is measured in this process
as an empty region and taken off every region, as the harness does.

Values are instructions per loop the way pyperf divides its times: by
``loops × inner_loops``. pyperf itself is handed each value's instruction
count instead of seconds, so its own output stays consistent (unit
``integer``).
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import counts  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULTS = {"loops": 1, "warmups": 1, "values": 3}
# pyperf's options of a counted run and their long names; every other
# pyperf option (processes, min time, calibration) means nothing here.
COUNTING_OPTIONS = {"-l": "loops", "--loops": "loops", "-w": "warmups", "--warmups": "warmups",
                    "-n": "values", "--values": "values"}


class Clock:
    """pyperf's clock while one value is computed: each call opens or closes the window in turn.

    Each call returns the real ``perf_counter`` read outside the window, so
    pyperf's own arithmetic on the times still works.
    """

    def __init__(self, window, real=time.perf_counter):
        self._window = window
        self._switch_on, self._switch_off = window.switches()
        self._real = real
        self._open = False
        self.regions = []

    def __call__(self):
        if self._open:
            self._switch_off()
            self._open = False
            self.regions.append(self._window.read_dump())
            return self._real()
        now = self._real()
        self._open = True
        self._switch_on()
        return now

    def take(self, what):
        """The events of each region of the value just computed; the clock starts afresh."""
        regions, self.regions = self.regions, []
        if self._open:
            self._switch_off()
            self._open = False
            self._window.read_dump()
            raise counts.CountsError(
                "%s read pyperf's clock an odd number of times (%d): its last timed region "
                "never closed, so there is no count to give" % (what, 2 * len(regions) + 1))
        if not regions:
            raise counts.CountsError(
                "%s never read pyperf's clock (time.perf_counter or pyperf.perf_counter) "
                "while it was measured: it times itself some other way, which cannot be "
                "counted" % what)
        return regions


def threads_alive(status_path="/proc/self/status"):
    """The process's thread count (Linux), or None where unknown."""
    try:
        with open(status_path) as handle:
            for line in handle:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def add(a, b):
    return {name: a.get(name, 0) + b.get(name, 0) for name in set(a) | set(b)}


def times(events, n):
    return {name: value * n for name, value in events.items()}


def _empty_region(clock):
    # The shape of pyperf's bench_func task with nothing between its two reads.
    t0 = clock()
    return clock() - t0


class Counter:
    """Every value of every benchmark of one script: its regions' events, bracketing off."""

    def __init__(self, window, modules, threads=threads_alive):
        self.clock = Clock(window)
        self._modules = modules  # the modules whose perf_counter is pyperf's clock
        self._threads = threads
        self.values = {}  # name -> [(loops, inner_loops, regions, events)]
        self.overhead = None
        # The first calls take slower paths; the bracketing is what a warm pair costs.
        for _ in range(3):
            with self._patched():
                _empty_region(self.clock)
            self.overhead = self.clock.take("the empty region")[0]

    def _patched(self):
        counter = self

        class Patched:
            def __enter__(self):
                self.saved = [(m, m.perf_counter) for m in counter._modules]
                for module, _ in self.saved:
                    module.perf_counter = counter.clock

            def __exit__(self, *exc):
                for module, real in self.saved:
                    module.perf_counter = real

        return Patched()

    def task(self, task_func):
        """pyperf's ``task_func(task, loops)``, counted: returns the value's instructions."""

        def counted(task, loops):
            with self._patched():
                task_func(task, loops)
            what = "benchmark %r" % task.name
            regions = self.clock.take(what)
            alive = self._threads()
            if alive is not None and alive > 1:
                raise counts.CountsError(
                    "%s had %d threads alive when its value ended: Valgrind runs the threads "
                    "of a process one at a time, so this benchmark cannot be counted; measure "
                    "it in time" % (what, alive))
            total = {}
            for events in regions:
                total = add(total, events)
            events = counts.minus(total, times(self.overhead, len(regions)))
            self.values.setdefault(task.name, []).append(
                (loops, task.inner_loops or 1, len(regions), events))
            if events.get("Ir", 0) <= 0:
                raise counts.CountsError("%s counted no instructions in its timed regions" % what)
            return float(events["Ir"])

        return counted

    def records(self, warmups, values, options):
        """Harness-style records (counts.measure's form), one per benchmark, in order."""
        found = []
        for name, calls in self.values.items():
            if len(calls) != warmups + values:
                raise counts.CountsError(
                    "benchmark %r computed %d values, not %d warm-ups + %d values"
                    % (name, len(calls), warmups, values))
            record = {"name": name, "loops": calls[0][0], "inner_loops": calls[0][1],
                      "threads": 1, "values": [], "warmups": [], "cycles": [],
                      "cycle_warmups": [], "counts": [], "regions": [],
                      "options": options, "unit": "instructions",
                      "window_overhead": self.overhead, "cycle_weights": counts.CYCLE_WEIGHTS}
            for i, (loops, inner, regions, events) in enumerate(calls):
                per = loops * inner
                cycles = counts.estimated_cycles(events)
                cycles = None if cycles is None else cycles / per
                if i < warmups:
                    record["warmups"].append(events["Ir"] / per)
                    record["cycle_warmups"].append(cycles)
                else:
                    record["values"].append(events["Ir"] / per)
                    record["cycles"].append(cycles)
                    record["counts"].append(events)
                    record["regions"].append(regions)
            found.append(record)
        return found


def install(counter):
    """pyperf's worker tasks counted by ``counter``; ``bench_command`` refused."""
    import pyperf
    import pyperf._runner as runner_module

    base = runner_module.WorkerProcessTask

    class CountedTask(base):
        def __init__(self, runner, name, task_func, func_metadata):
            super().__init__(runner, name, counter.task(task_func), func_metadata)
            self.metadata["unit"] = "integer"  # pyperf is handed instructions, not seconds

    def bench_command(self, name, command):
        raise counts.CountsError(
            "benchmark %r times a command in a child process (pyperf's bench_command), "
            "and Callgrind counts only its own process: measure it in time" % name)

    runner_module.WorkerProcessTask = CountedTask
    pyperf.Runner.bench_command = bench_command


def split_options(args):
    """pyperf's loops/warm-ups/values taken out of ``args``: (settings, the rest).

    ``-n 3``, ``--values=3`` and ``-n3`` are understood; the rest is the script's.
    """
    settings, rest = dict(DEFAULTS), []
    it = iter(args)
    for arg in it:
        flag, _, inline = arg.partition("=")
        if flag not in COUNTING_OPTIONS and arg[:2] in ("-l", "-w", "-n") and len(arg) > 2:
            flag, inline = arg[:2], arg[2:]
        if flag in COUNTING_OPTIONS:
            text = inline or next(it, "")
            try:
                value = int(text)
            except ValueError:
                raise counts.CountsError("%s needs a whole number, got %r" % (flag, text))
            least = 0 if COUNTING_OPTIONS[flag] == "warmups" else 1
            if value < least:
                raise counts.CountsError("%s must be at least %d, got %d" % (flag, least, value))
            settings[COUNTING_OPTIONS[flag]] = value
        else:
            rest.append(arg)
    return settings, rest


def child_command(prefix, out, settings, script, args, executable=None):
    """The child's argv: Valgrind's prefix, this interpreter, this file, the script."""
    return [*prefix, executable or sys.executable, os.path.join(HERE, "count_pyperf.py"),
            "--out", out, "--loops", str(settings["loops"]), "--warmups",
            str(settings["warmups"]), "--values", str(settings["values"]), "--", script, *args]


def valgrind_prefix(environ=None):
    environ = os.environ if environ is None else environ
    text = environ.get("PYBENCH_VALGRIND", "")
    try:
        prefix = json.loads(text)
    except ValueError:
        prefix = None
    if not isinstance(prefix, list) or not prefix or not all(isinstance(a, str) for a in prefix):
        raise counts.CountsError("PYBENCH_VALGRIND must hold Valgrind's command line as a JSON "
                                 "list (set by pybench-docker run --measure instructions)")
    return prefix


def run_counted(script, args):
    """The parent's side: ``script`` counted in a child under Valgrind.

    Returns (exit code, records, stderr text), like run_script.run_pyperf
    with ``capture``; the child's stderr is passed through to ours.
    """
    try:
        settings, rest = split_options(args)
        prefix = valgrind_prefix()
    except counts.CountsError as error:
        sys.stderr.write("%s\n" % error)
        return 2, [], str(error)
    out = os.path.join(tempfile.mkdtemp(prefix="pyperf-counted-"), "records.json")
    env = dict(os.environ)
    gil = sys._xoptions.get("gil") if hasattr(sys, "_xoptions") else None
    if gil is not None and gil is not True:
        env["PYTHON_GIL"] = str(gil)  # the child is started without our -X options
    sys.stdout.flush()
    proc = subprocess.run(child_command(prefix, out, settings, script, rest), env=env,
                          stderr=subprocess.PIPE, text=True, errors="replace")
    sys.stderr.write(proc.stderr)
    records = []
    if proc.returncode == 0 and os.path.exists(out):
        with open(out) as handle:
            records = json.load(handle)
    return proc.returncode, records, proc.stderr


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--loops", type=int, default=DEFAULTS["loops"])
    parser.add_argument("--warmups", type=int, default=DEFAULTS["warmups"])
    parser.add_argument("--values", type=int, default=DEFAULTS["values"])
    parser.add_argument("script")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    import pyperf

    try:
        counter = Counter(counts.window_from_env(), [time, pyperf])
    except counts.CountsError as error:
        print(error, file=sys.stderr)
        return 2
    install(counter)
    script = os.path.abspath(options.script)
    sys.argv = [script, *options.args, "--worker", "--loops", str(options.loops),
                "--warmups", str(options.warmups), "--values", str(options.values)]
    sys.path[0] = os.path.dirname(script)  # as `python script.py` would
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit:
        if exit.code not in (None, 0):
            print("%s exited with %s" % (os.path.basename(script), exit.code), file=sys.stderr)
            return exit.code if isinstance(exit.code, int) else 1
    except counts.CountsError as error:
        print(error, file=sys.stderr)
        return 2
    settings = {"loops": options.loops, "warmups": options.warmups, "values": options.values,
                "counted": "pyperf worker, clock-bracketed regions"}
    try:
        records = counter.records(options.warmups, options.values, settings)
    except counts.CountsError as error:
        print(error, file=sys.stderr)
        return 2
    if not records:
        print("%s measured nothing through pyperf's Runner" % os.path.basename(script),
              file=sys.stderr)
        return 2
    with open(options.out, "w") as handle:
        json.dump(records, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
