"""Shared test fixtures: where the public conformance data lives."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONFORMANCE = SHARED / "conformance"


def require_conformance(*parts: str) -> Path:
    """The conformance folder `parts` under ../shared, or skip saying why it is needed."""
    path = CONFORMANCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"public conformance data not found at {path} (clone ../shared beside the repo)"
        )
    return path


# A summary line for the EU vector run (collected on the xdist controller too).
_outcomes: Counter[str] = Counter()
_cases: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "test_dgc_vectors.py::test_flag[" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and report.skipped):
        param = report.nodeid.split("[", 1)[1].rstrip("]")
        _cases.add(param.rsplit(":", 1)[0])
        if hasattr(report, "wasxfail"):
            _outcomes["excluded"] += 1
        else:
            _outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _cases:
        return
    total = sum(_outcomes.values())
    terminalreporter.write_line(
        f"dgc-testdata: {len(_cases)} cases, {total} flags checked: {_outcomes['passed']} passed, "
        f"{_outcomes['excluded']} excluded (tests/conformance/exclusions.csv), "
        f"{_outcomes['failed']} failed, {_outcomes['skipped']} skipped"
    )
