"""A backend killed mid-connection restarts at once on the same port and database."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from tests.commerce.backend import Backend, free_port


def test_restart_on_the_same_port_right_after_a_crash(tmp_path: Path) -> None:
    b = Backend(tmp_path / "b.sqlite3", free_port(), tmp_path / "b.log").start()
    try:
        with httpx.Client(base_url=b.url) as http:  # a keep-alive connection the crash cuts
            assert http.get("/healthz").status_code == 200
            b.stop(signal.SIGKILL)
        b.start()  # was: "cannot listen ... Address already in use" (server-side TIME_WAIT)
        assert httpx.get(f"{b.url}/healthz").json()["ok"] is True
    finally:
        b.stop()
