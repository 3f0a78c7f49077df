"""A pytest plugin (``-p pytest_outcomes``): every test's outcome, one JSON
line each, appended to the file named by $PYBENCH_OUTCOMES.

check_package.py's ``tests`` step loads it into the package's own test run
and reads the file back with ``summarise``: node ids to rerun, and each
failure's first line (``AssertionError: assert '17' == '1042'``), without
parsing pytest's terminal output.
"""

import json
import os

MESSAGE_LIMIT = 500


def first_line(report):
    """The line that says why: the crash message of a failure, else the last line of its text."""
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = getattr(crash, "message", None)
    if text is None:
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (file, line, reason)
            text = str(longrepr[2])
        else:
            lines = [line for line in str(longrepr or "").splitlines() if line.strip()]
            text = lines[-1] if lines else ""
    text = text.strip().splitlines()[0] if text.strip() else ""
    return text[:MESSAGE_LIMIT]


def _write(entry):
    path = os.environ.get("PYBENCH_OUTCOMES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=True) + "\n")


def pytest_runtest_logreport(report):
    if report.when != "call" and report.outcome == "passed":
        return
    _write({"test": report.nodeid, "when": report.when, "outcome": report.outcome,
            "message": "" if report.outcome == "passed" else first_line(report)})


def pytest_collectreport(report):
    if report.outcome == "failed":
        _write({"test": report.nodeid or "<collection>", "when": "collect", "outcome": "failed",
                "message": first_line(report)})


def summarise(lines):
    """Outcome lines as counts and failures: a test failed if any of its phases
    failed (an error in a fixture counts); skipped if it did not fail and a
    phase was skipped. Pure."""
    state = {}
    messages = {}
    for line in lines:
        line = line.strip()
        if not line:
            continue
        entry = json.loads(line)
        test, outcome = entry["test"], entry["outcome"]
        if outcome == "failed":
            if state.get(test) != "failed":
                messages[test] = entry.get("message", "")
            state[test] = "failed"
        elif outcome == "skipped" and state.get(test) != "failed":
            state[test] = "skipped"
        else:
            state.setdefault(test, "passed")
    failed = [{"test": t, "message": messages[t]} for t in state if state[t] == "failed"]
    return {
        "passed": sum(1 for s in state.values() if s == "passed"),
        "skipped": sum(1 for s in state.values() if s == "skipped"),
        "failed": failed,
    }
