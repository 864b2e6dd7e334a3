"""Schemathesis fuzzes every operation of /openapi.json on a real server: no 500s.

Time-boxed (--max-time) and run against its own backend so junk data stays out of
the other tests. The SSE feeds are excluded (they stream forever by design); their
backlog mode is fuzzed through `follow=false` by the other tests; the 连麦 host's long
poll likewise (its inputs are tested in test_costream.py). The stateful run
chains operations along the links schemathesis infers (create a session, then its
links, orders, refunds ...), with the same check.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backend.conftest import start_backend, stop_backend


def _schemathesis(tmp_path: Path, phases: str, seconds: int, *exclude: str) -> tuple[str, str]:
    """Run schemathesis against a fresh backend; return (report, server log)."""
    st = shutil.which("schemathesis") or shutil.which("st")
    if st is None:
        pytest.fail("schemathesis is not installed (pip install schemathesis)")
    live = start_backend(tmp_path)
    try:
        cmd = [st, "run", f"{live.url}/openapi.json", "--checks", "not_a_server_error"]
        cmd += ["--max-time", str(seconds), "--workers", "1", "--phases", phases]
        # costream_offers is a long poll (up to 25 s a call); tests/backend/test_costream.py
        for op in ("session_events", "logout", "costream_offers", *exclude):
            cmd += ["--exclude-operation-id", op]
        cmd += ["-H", f"Authorization: Bearer {live.token('admin')}"]
        cmd += ["--suppress-health-check", "all", "--no-color"]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        out = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=seconds + 90,
            env=env,
            check=False,
            cwd=tmp_path,
        )
        report = out.stdout + out.stderr
        assert out.returncode == 0, report[-4000:]
        assert live.proc.poll() is None
        return report, (tmp_path / "logs" / "studio.log").read_text(encoding="utf-8")
    finally:
        stop_backend(live)  # fails on any 500 in the server's log


def test_openapi_fuzz_finds_no_server_errors(tmp_path: Path) -> None:
    report, server_log = _schemathesis(tmp_path, "examples,coverage,fuzzing", 30)
    m = re.search(r"(\d+) generated, (\d+) passed", report)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) >= 200, report[-2000:]
    assert "unhandled error" not in server_log


def test_stateful_openapi_run_finds_no_server_errors(tmp_path: Path) -> None:
    report, server_log = _schemathesis(tmp_path, "stateful", 40, "wall_events")
    m = re.search(r"Scenarios:\s+(\d+)", report)
    links = re.search(r"API Links:\s+(\d+) covered", report)
    cases = re.search(r"(\d+) generated, (\d+) passed", report)
    assert m and links and cases, report[-2000:]
    print(f"stateful: {m.group(1)} scenarios, {links.group(1)} links, {cases.group(1)} cases")
    assert int(m.group(1)) >= 100 and int(links.group(1)) >= 20
    assert cases.group(1) == cases.group(2)
    assert "unhandled error" not in server_log
