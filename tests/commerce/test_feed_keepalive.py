"""The backend's keep-alive pings are not feed events.

sse-starlette sends a `: ping` comment every 15 s; httpx-sse turns the blank line after it into
an event with empty data that still carries the last event id. The studio used to take that for
a repeat of the last order and warned "feed event N seen before" four times a minute.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.commerce.backend import Backend
from tests.commerce.conftest import running

PING_EVERY = 15  # sse-starlette's ping in studio/backend (ping=15)


def _pings_seen(backend: Backend, sid: int, seconds: float, out: list[str]) -> None:
    """A plain subscriber: records the comment lines the backend sends on the same feed."""
    headers = {"Authorization": f"Bearer {backend.token()}"}
    deadline = time.monotonic() + seconds
    with httpx.stream(
        "GET", f"{backend.url}/api/sessions/{sid}/events", headers=headers, timeout=seconds + 5
    ) as r:
        for line in r.iter_lines():
            if line.startswith(":"):
                out.append(line)
            if time.monotonic() > deadline:
                return


def test_keepalive_pings_are_not_repeats(
    backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sid = backend.new_session("心跳")
    comments: list[str] = []
    caplog.set_level(logging.INFO, logger="studio.commerce")
    with running(tmp_path / "studio.sqlite3", backend.url, sid, attach=False, flush_timeout=5) as (
        c,
        side,
    ):
        links = side.call(c.prepare_session(sid, [1], wait=20), 30)
        c.start_session()
        assert side.call(c.flush(20), 30)
        token = next(iter(links.values())).rsplit("/", 1)[1]
        assert backend.buy(token) == 201
        last = backend.events(sid)[-1][0]
        deadline = time.monotonic() + 20
        while c.store.cursor(sid) < last:
            assert time.monotonic() < deadline, "feed did not catch up"
            time.sleep(0.1)
        watcher = threading.Thread(
            target=_pings_seen, args=(backend, sid, PING_EVERY + 2.5, comments)
        )
        watcher.start()
        watcher.join(timeout=PING_EVERY + 15)
    assert any("ping" in line for line in comments), f"no keep-alive seen: {comments}"
    assert c.feed_connects == 1
    assert c.feed_repeats_dropped == 0
    noisy = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []
