"""Soaks print one summary line each at the end of the session (also in artifacts/soak-*.json)."""

from __future__ import annotations

import pytest

from tests.soak.harness import SUMMARIES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARIES:
        terminalreporter.section("soak summaries")
        for line in SUMMARIES:
            terminalreporter.write_line(line)
