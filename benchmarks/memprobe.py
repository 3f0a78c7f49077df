"""Memory of the measuring process and of its container, as the kernel counts it.

Two figures, each recorded with the source it came from:

* **process** (``"proc-status"``): ``/proc/self/status`` VmHWM, the peak
  resident set of this process (all its threads), and VmRSS, the resident set
  now. Writing ``5`` to ``/proc/self/clear_refs`` resets VmHWM to the current
  RSS (no capability needed), so each value's peak is its own. Where /proc is
  missing (not Linux) ``resource.getrusage`` gives the peak since the process
  started (``"getrusage"``), never reset, and no current RSS. Child processes
  are never in it.
* **container** (``"cgroup2"`` or ``"cgroup1"``): the memory cgroup as the
  container sees it at /sys/fs/cgroup: ``memory.peak``/``memory.current``/
  ``memory.max`` (v2) or ``memory.max_usage_in_bytes``/``memory.usage_in_bytes``/
  ``memory.limit_in_bytes`` (v1). It counts every process of the container
  (pool processes, pyperf's workers), the page cache of the files they read
  (the interpreter, the standard library) and kernel memory. A container
  cannot reset it (the cgroup file system is mounted read-only), so every
  reading is the peak since the container started.

All figures are bytes. :class:`Tracker` holds the readings of one
``harness.measure`` (see :meth:`Tracker.as_dict` for the machine-line form);
:func:`whole_process` is the one-value form for a script timed as a whole.
"""

import os
import sys

try:
    import resource
except ImportError:  # not Unix
    resource = None

PROC_STATUS = "/proc/self/status"
CLEAR_REFS = "/proc/self/clear_refs"
CGROUP_ROOT = "/sys/fs/cgroup"

# (source, peak file, current file, limit file), v2 first: on a hybrid host the
# v1 memory controller is the one that counts, and v2 has no memory.peak there.
CGROUP_LAYOUTS = (
    ("cgroup2", "memory.peak", "memory.current", "memory.max"),
    ("cgroup1", "memory/memory.max_usage_in_bytes", "memory/memory.usage_in_bytes",
     "memory/memory.limit_in_bytes"),
)
# cgroup v1 writes "no limit" as the largest page-aligned long.
_V1_NO_LIMIT = 1 << 62


def _read(path):
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def parse_status(text):
    """{"peak": VmHWM, "rss": VmRSS} in bytes from /proc/self/status; None where absent."""
    found = {"peak": None, "rss": None}
    keys = {"VmHWM": "peak", "VmRSS": "rss"}
    for line in (text or "").splitlines():
        key, _, rest = line.partition(":")
        words = rest.split()
        if key in keys and len(words) == 2 and words[1] == "kB" and words[0].isdigit():
            found[keys[key]] = int(words[0]) * 1024
    return found


def parse_cgroup_bytes(text):
    """A cgroup memory file's number of bytes; None for "max", no limit, or anything else."""
    word = (text or "").strip()
    if not word.isdigit():
        return None
    value = int(word)
    return None if value >= _V1_NO_LIMIT else value


def maxrss_bytes(ru_maxrss, platform):
    """``ru_maxrss`` in bytes: kilobytes on Linux and the BSDs, bytes on macOS."""
    return ru_maxrss if platform == "darwin" else ru_maxrss * 1024


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


class PeakKeeper:
    """The largest peak read so far, kept across the resets that wipe the kernel's."""

    def __init__(self):
        self.value = None

    def note(self, peak):
        self.value = _max(self.value, peak)


# One per process: every Process of this process shares it.
_LIFETIME = PeakKeeper()


class Process:
    """This process's peak and current resident set."""

    def __init__(self, status_path=PROC_STATUS, clear_refs_path=CLEAR_REFS, lifetime=None):
        self.status_path = status_path
        self.clear_refs_path = clear_refs_path
        self.lifetime = _LIFETIME if lifetime is None else lifetime
        has_status = parse_status(_read(status_path))["peak"] is not None
        if has_status:
            self.source = "proc-status"
        elif resource is not None:
            self.source = "getrusage"
        else:
            self.source = None

    def read(self):
        """(peak, rss) in bytes; rss is None from getrusage, both None without a source.

        Every peak read counts towards :meth:`lifetime_peak`: the kernel
        reports max(stored peak, RSS now) but stores the peak only when memory
        is unmapped, so a later reading can be a little lower than this one.
        """
        peak, rss = None, None
        if self.source == "proc-status":
            found = parse_status(_read(self.status_path))
            peak, rss = found["peak"], found["rss"]
        elif self.source == "getrusage":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            peak = maxrss_bytes(usage.ru_maxrss, sys.platform)
        self.lifetime.note(peak)
        return peak, rss

    def reset_peak(self):
        """Make the peak the current RSS; False where the kernel does not let us.

        The peak until now is kept first, for :meth:`lifetime_peak`.
        """
        if self.source != "proc-status":
            return False
        self.read()
        try:
            with open(self.clear_refs_path, "w") as handle:
                handle.write("5")
            return True
        except OSError:
            return False

    def lifetime_peak(self):
        """The peak since the process started, across every reset."""
        peak = self.read()[0]
        return _max(self.lifetime.value, peak)


class Container:
    """The memory cgroup this process runs in, as mounted in the container."""

    def __init__(self, root=CGROUP_ROOT):
        self.source = None
        self.paths = None
        for source, peak, current, limit in CGROUP_LAYOUTS:
            paths = tuple(os.path.join(root, name) for name in (peak, current, limit))
            if parse_cgroup_bytes(_read(paths[0])) is not None:
                self.source, self.paths = source, paths
                break

    def peak(self):
        """Bytes at the cgroup's peak since it was created; None without a source."""
        return parse_cgroup_bytes(_read(self.paths[0])) if self.paths else None

    def current(self):
        return parse_cgroup_bytes(_read(self.paths[1])) if self.paths else None

    def limit(self):
        """The limit the container really has; None when unlimited or unknown."""
        return parse_cgroup_bytes(_read(self.paths[2])) if self.paths else None


class Tracker:
    """Readings around one benchmark's calibration, warm-ups and values.

    Made before calibrating; :meth:`begin_value` right before each warm-up or
    value and :meth:`end_value` right after it, outside the timed region.
    """

    def __init__(self, process=None, container=None):
        self.process = process or Process()
        self.container = container or Container()
        self.rss_start = self.process.read()[1]
        self.rss_after_warmups = self.rss_start
        self.rss_after_values = self.rss_start
        self.container_peak_start = self.container.peak()
        self.peak_warmups, self.peak_values, self.container_values = [], [], []
        self.reset_every_value = self.process.source == "proc-status"

    def begin_value(self, first_measured):
        """Reset the process's peak; ``first_measured``: the warm-ups are over."""
        if first_measured:
            self.rss_after_warmups = self.process.read()[1]
        reset = self.process.reset_peak()
        self.reset_every_value = self.reset_every_value and reset

    def end_value(self, warmup):
        peak, self.rss_after_values = self.process.read()
        if warmup:
            self.peak_warmups.append(peak)
        else:
            self.peak_values.append(peak)
            self.container_values.append(self.container.peak())

    def as_dict(self):
        """The machine-line form (``"memory"`` of a harness record), bytes or None.

        ``peak_values``/``peak_warmups``: the process's peak during each value
        (reset before it when ``process_reset``; else its peak since it
        started). ``container_values``: the container's peak since it started,
        after each value. ``rss_*``: resident set before calibrating, before
        the first measured value, after the last. ``process_peak``: the
        process's peak since it started (start-up, calibration, every value).
        ``container_peak_start``/``container_peak``: the container's peak
        before calibrating and after the last value.
        """
        return {
            "process_source": self.process.source,
            "process_reset": self.reset_every_value,
            "container_source": self.container.source,
            "container_limit": self.container.limit(),
            "peak_warmups": self.peak_warmups,
            "peak_values": self.peak_values,
            "container_values": self.container_values,
            "rss_start": self.rss_start,
            "rss_after_warmups": self.rss_after_warmups,
            "rss_after_values": self.rss_after_values,
            "process_peak": self.process.lifetime_peak(),
            "container_peak_start": self.container_peak_start,
            "container_peak": self.container.peak(),
        }


def whole_process(rss_start, container_peak_start, process=None, container=None):
    """The same form for a script timed as a whole, one value: the process's
    peak since it started and the container's, the RSS at its start and end."""
    process = process or Process()
    container = container or Container()
    peak = process.lifetime_peak()
    container_peak = container.peak()
    return {
        "process_source": process.source,
        "process_reset": False,
        "container_source": container.source,
        "container_limit": container.limit(),
        "peak_warmups": [],
        "peak_values": [peak],
        "container_values": [container_peak],
        "rss_start": rss_start,
        "rss_after_warmups": rss_start,
        "rss_after_values": process.read()[1],
        "process_peak": peak,
        "container_peak_start": container_peak_start,
        "container_peak": container_peak,
    }
