"""Unit tests of memprobe.py and of the memory in the harness's and run_script's records.

    python3 -m unittest discover -s benchmarks -p 'test_*.py'
"""

import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import memprobe  # noqa: E402
import run_script  # noqa: E402

STATUS = """Name:\tpython3.14t
Umask:\t0022
State:\tR (running)
VmPeak:\t  358784 kB
VmSize:\t  358784 kB
VmHWM:\t  215040 kB
VmRSS:\t   12288 kB
RssAnon:\t    6144 kB
Threads:\t3
"""
MIB = 1 << 20


def write(folder, name, text):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    return path


class Parsing(unittest.TestCase):
    def test_status_gives_peak_and_resident_set_in_bytes(self):
        self.assertEqual(memprobe.parse_status(STATUS), {"peak": 210 * MIB, "rss": 12 * MIB})

    def test_status_without_the_lines_or_with_garbage_gives_none(self):
        nothing = {"peak": None, "rss": None}
        self.assertEqual(memprobe.parse_status(""), nothing)
        self.assertEqual(memprobe.parse_status(None), nothing)
        self.assertEqual(memprobe.parse_status("VmHWM:\t12 MB\nVmRSS:\tlots kB\nVmRSS:\n"), nothing)
        # VmPeak is address space, not memory: never taken for the peak.
        self.assertEqual(memprobe.parse_status("VmPeak:\t100 kB\n"), nothing)

    def test_cgroup_numbers_v1_and_v2(self):
        self.assertEqual(memprobe.parse_cgroup_bytes("11304960\n"), 11304960)
        self.assertEqual(memprobe.parse_cgroup_bytes("0\n"), 0)
        self.assertIsNone(memprobe.parse_cgroup_bytes("max\n"))  # v2: no limit
        self.assertIsNone(memprobe.parse_cgroup_bytes("9223372036854771712\n"))  # v1: no limit
        for bad in ("", None, "-1", "12 kB", "1e9"):
            self.assertIsNone(memprobe.parse_cgroup_bytes(bad), bad)

    def test_maxrss_is_kilobytes_except_on_macos(self):
        self.assertEqual(memprobe.maxrss_bytes(10, "linux"), 10240)
        self.assertEqual(memprobe.maxrss_bytes(10, "darwin"), 10)


class Sources(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="memprobe-")

    def test_cgroup_v2_files(self):
        write(self.folder, "memory.peak", "300000\n")
        write(self.folder, "memory.current", "200000\n")
        write(self.folder, "memory.max", "max\n")
        c = memprobe.Container(self.folder)
        self.assertEqual((c.source, c.peak(), c.current(), c.limit()),
                         ("cgroup2", 300000, 200000, None))

    def test_cgroup_v1_files(self):
        write(self.folder, "memory/memory.max_usage_in_bytes", "4096000\n")
        write(self.folder, "memory/memory.usage_in_bytes", "2048000\n")
        write(self.folder, "memory/memory.limit_in_bytes", "4294967296\n")
        c = memprobe.Container(self.folder)
        self.assertEqual((c.source, c.peak(), c.current(), c.limit()),
                         ("cgroup1", 4096000, 2048000, 4294967296))

    def test_v2_without_memory_peak_falls_to_v1_then_to_nothing(self):
        # A hybrid host: the unified hierarchy has memory.current but no peak.
        write(self.folder, "memory.current", "5\n")
        c = memprobe.Container(self.folder)
        self.assertEqual((c.source, c.peak(), c.current(), c.limit()), (None, None, None, None))
        write(self.folder, "memory/memory.max_usage_in_bytes", "7\n")
        self.assertEqual(memprobe.Container(self.folder).source, "cgroup1")

    def test_process_from_status_with_a_reset(self):
        status = write(self.folder, "status", STATUS)
        clear = write(self.folder, "clear_refs", "")
        p = memprobe.Process(status, clear, memprobe.PeakKeeper())
        self.assertEqual(p.source, "proc-status")
        self.assertEqual(p.read(), (210 * MIB, 12 * MIB))
        self.assertTrue(p.reset_peak())
        with open(clear) as handle:
            self.assertEqual(handle.read(), "5")  # the kernel's "reset the peak RSS"
        # The peak wiped by the reset is kept for the process's lifetime.
        write(self.folder, "status", "VmHWM:\t12288 kB\nVmRSS:\t12288 kB\n")
        self.assertEqual(p.read(), (12 * MIB, 12 * MIB))
        self.assertEqual(p.lifetime_peak(), 210 * MIB)

    def test_a_refused_reset_says_so(self):
        status = write(self.folder, "status", STATUS)
        p = memprobe.Process(status, os.path.join(self.folder, "no", "clear_refs"),
                             memprobe.PeakKeeper())
        self.assertFalse(p.reset_peak())

    def test_without_proc_the_peak_comes_from_getrusage_and_is_never_reset(self):
        p = memprobe.Process(os.path.join(self.folder, "missing"), "/nonexistent",
                             memprobe.PeakKeeper())
        self.assertEqual(p.source, "getrusage")
        peak, rss = p.read()
        self.assertGreater(peak, MIB)
        self.assertIsNone(rss)
        self.assertFalse(p.reset_peak())


class FakeProcess:
    """Peaks and resident sets given in MiB, one reading at a time."""

    source = "proc-status"

    def __init__(self, readings, reset_works=True):
        self.readings = list(readings)
        self.resets = 0
        self.reset_works = reset_works
        self.lifetime = memprobe.PeakKeeper()

    def read(self):
        peak, rss = self.readings.pop(0)
        self.lifetime.note(peak * MIB)
        return peak * MIB, rss * MIB

    def reset_peak(self):
        self.resets += 1
        return self.reset_works

    def lifetime_peak(self):
        return self.lifetime.value


class FakeContainer:
    source = "cgroup1"

    def __init__(self, peaks):
        self.peaks = list(peaks)

    def peak(self):
        return self.peaks.pop(0) * MIB

    def limit(self):
        return 4096 * MIB


class Tracking(unittest.TestCase):
    def run_values(self, process, container, warmups, values):
        tracker = memprobe.Tracker(process, container)
        for i in range(warmups + values):
            tracker.begin_value(first_measured=i == warmups)
            tracker.end_value(warmup=i < warmups)
        return tracker.as_dict()

    def test_each_value_has_its_own_peak_and_the_growth_shows(self):
        # start; warm-up (end); before value 1 (rss); value 1; value 2.
        process = FakeProcess([(30, 20), (250, 40), (40, 40), (240, 41), (260, 45)])
        container = FakeContainer([35, 270, 275, 280])
        m = self.run_values(process, container, warmups=1, values=2)
        self.assertEqual(process.resets, 3)
        self.assertEqual(m["peak_warmups"], [250 * MIB])
        self.assertEqual(m["peak_values"], [240 * MIB, 260 * MIB])
        self.assertEqual(m["container_values"], [270 * MIB, 275 * MIB])
        self.assertEqual((m["rss_start"], m["rss_after_warmups"], m["rss_after_values"]),
                         (20 * MIB, 40 * MIB, 45 * MIB))
        self.assertEqual((m["container_peak_start"], m["container_peak"]), (35 * MIB, 280 * MIB))
        self.assertEqual(m["process_peak"], 260 * MIB)
        self.assertEqual((m["process_source"], m["process_reset"], m["container_source"],
                          m["container_limit"]), ("proc-status", True, "cgroup1", 4096 * MIB))

    def test_without_warmups_the_rss_after_warmups_is_the_one_before_the_first_value(self):
        process = FakeProcess([(30, 20), (31, 25), (90, 26)])
        m = self.run_values(process, FakeContainer([1, 2, 3]), warmups=0, values=1)
        self.assertEqual(m["rss_after_warmups"], 25 * MIB)
        self.assertEqual(m["peak_warmups"], [])

    def test_one_refused_reset_marks_every_peak_as_not_reset(self):
        process = FakeProcess([(30, 20), (40, 21), (50, 22), (60, 23)], reset_works=False)
        m = self.run_values(process, FakeContainer([1, 2, 3, 4]), warmups=0, values=2)
        self.assertFalse(m["process_reset"])

    def test_without_sources_every_figure_is_none(self):
        class Nothing:
            source = None

            def read(self):
                return None, None

            def reset_peak(self):
                return False

            def lifetime_peak(self):
                return None

        class NoCgroup(Nothing):
            def peak(self):
                return None

            def limit(self):
                return None

        m = self.run_values(Nothing(), NoCgroup(), warmups=1, values=1)
        self.assertEqual(m["peak_values"], [None])
        self.assertFalse(m["process_reset"])
        self.assertIsNone(m["container_source"])
        self.assertIsNone(m["process_peak"])

    def test_a_whole_script_is_one_value_with_its_lifetime_peak(self):
        process = FakeProcess([(500, 30), (120, 100)])
        process.read()  # a reset wiped 500 MiB earlier in the script
        m = memprobe.whole_process(10 * MIB, 12 * MIB, process, FakeContainer([600]))
        self.assertEqual(m["peak_values"], [500 * MIB])
        self.assertEqual(m["process_peak"], 500 * MIB)
        self.assertEqual(m["container_values"], [600 * MIB])
        self.assertEqual((m["rss_start"], m["rss_after_values"]), (10 * MIB, 100 * MIB))
        self.assertFalse(m["process_reset"])


class InTheHarness(unittest.TestCase):
    def test_a_record_carries_memory_aligned_with_its_values(self):
        held = []

        def work(loops):
            held.append(bytearray(4 * MIB))  # grows by 4 MiB a value: a leak

        options = harness.Options(values=3, warmups=2, loops=1)
        m = harness.measure("leak", work, options=options)["memory"]
        self.assertEqual((len(m["peak_values"]), len(m["peak_warmups"])), (3, 2))
        self.assertEqual(len(m["container_values"]), 3)
        if m["process_source"] != "proc-status":
            self.skipTest("no /proc/self/status here")
        self.assertGreaterEqual(m["rss_after_values"] - m["rss_after_warmups"], 11 * MIB)
        self.assertGreaterEqual(m["process_peak"], max(m["peak_values"]))
        if m["process_reset"]:
            self.assertLess(m["peak_values"][0], m["peak_values"][2])

    def test_a_transient_allocation_is_in_its_values_peak_only(self):
        sizes = iter([0, 64 * MIB, 0])

        def work(loops):
            block = bytearray(next(sizes))
            del block

        options = harness.Options(values=3, warmups=0, loops=1)
        m = harness.measure("spike", work, options=options)["memory"]
        if not m["process_reset"]:
            self.skipTest("the peak cannot be reset here")
        if not getattr(sys, "_is_gil_enabled", lambda: True)():
            self.skipTest("mimalloc keeps freed memory resident on a free-threaded build")
        first, spike, last = m["peak_values"]
        self.assertGreaterEqual(spike - first, 60 * MIB)
        self.assertLess(last, spike - 60 * MIB)


class InPyperfRecords(unittest.TestCase):
    RESULT = {"version": "1.0", "metadata": {"loops": 8, "mem_max_rss": 1000},
              "benchmarks": [
                  {"metadata": {"name": "a"},
                   "runs": [{"metadata": {"calibrate_loops": 1, "mem_max_rss": 9999},
                             "warmups": [[1, 0.5]]},
                            {"metadata": {"mem_max_rss": 30000}, "warmups": [[8, 0.3]],
                             "values": [0.1, 0.2]},
                            {"warmups": [[8, 0.4]], "values": [0.3]}]},
                  {"metadata": {"name": "b"}, "runs": [{"values": [1.0]}]}]}

    def test_every_value_gets_its_workers_peak(self):
        result = dict(self.RESULT, metadata={"loops": 8})
        a, b = run_script.pyperf_records(result)
        m = a["memory"]
        self.assertEqual(m["peak_values"], [30000, 30000, None])
        self.assertEqual(m["peak_warmups"], [30000, None])
        self.assertEqual((m["process_source"], m["process_reset"], m["process_peak"]),
                         ("pyperf-mem_max_rss", False, 30000))  # calibration runs left out
        self.assertIsNone(m["rss_after_values"])
        self.assertEqual(b["memory"]["process_source"], None)
        self.assertEqual(b["memory"]["peak_values"], [])

    def test_common_metadata_counts_and_bad_values_do_not(self):
        a, b = run_script.pyperf_records(self.RESULT)
        self.assertEqual(a["memory"]["peak_values"], [30000, 30000, 1000])
        self.assertEqual(b["memory"]["peak_values"], [1000])
        for bad in ("12", 1.5, -3, 0, True, None):
            self.assertIsNone(run_script.pyperf_max_rss({"mem_max_rss": bad}), bad)

    def test_the_container_is_read_around_the_run(self):
        records = run_script.pyperf_records(self.RESULT)
        run_script.with_container(records, 50 * MIB, FakeContainer([90]))
        for r in records:
            m = r["memory"]
            self.assertEqual((m["container_source"], m["container_peak_start"],
                              m["container_peak"], m["container_limit"]),
                             ("cgroup1", 50 * MIB, 90 * MIB, 4096 * MIB))
            self.assertEqual(m["container_values"], [])


if __name__ == "__main__":
    unittest.main()
