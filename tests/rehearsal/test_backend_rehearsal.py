"""A rehearsal with the commerce side: real links, and orders that count nowhere real."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.commerce.backend import Backend, free_port

DRILL = Path(__file__).with_name("drill.toml")
REHEARSAL_SESSION = 3  # the demo seed's 新人导购彩排 (guide2, rehearsal=1)


def rehearse(backend: Backend, session: int, out: Path) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        STUDIO_BACKEND_PASSWORD="demo1234",
        STUDIO_DATA_DIR=str(out / "data"),
        STUDIO_LOG_DIR=str(out / "logs"),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio",
            "rehearse",
            str(DRILL),
            "--backend",
            backend.url,
            "--session",
            str(session),
            "--backend-user",
            "guide2",
            "--out",
            str(out),
            "--no-clips",
            "--audio",
            "none",
            "--size",
            "640x360",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_rehearsal_orders_never_count_in_real_totals(tmp_path: Path) -> None:
    backend = Backend(tmp_path / "b.sqlite3", free_port(), tmp_path / "backend.log").start()
    try:
        board_before = backend.get("/api/leaderboard", user="manager")
        proc = rehearse(backend, REHEARSAL_SESSION, tmp_path / "takes")
        token = None
        deadline = time.monotonic() + 60
        while token is None and time.monotonic() < deadline and proc.poll() is None:
            links = backend.get(f"/api/sessions/{REHEARSAL_SESSION}/links", user="guide2")
            token = links[0]["token"] if links else None
            time.sleep(0.3)
        assert token, "the rehearsal made no purchase link"
        assert backend.buy(token) == 201  # a demo shopper buys during the rehearsal
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        assert "take report" in out

        orders = backend.get("/api/orders", user="guide2", session_id=REHEARSAL_SESSION)
        assert orders and all(o["rehearsal"] and o["commission"] is None for o in orders)
        board_after = backend.get("/api/leaderboard", user="manager")
        assert board_after == board_before  # the rehearsal sale counts in no real total
        actions = backend.actions(REHEARSAL_SESSION)
        assert any(a["kind"] in ("cue_fired", "link_shown", "note") for a in actions)
    finally:
        backend.stop()


def test_a_real_session_is_refused_for_a_rehearsal(tmp_path: Path) -> None:
    backend = Backend(tmp_path / "b.sqlite3", free_port(), tmp_path / "backend.log").start()
    try:
        proc = rehearse(backend, 1, tmp_path / "takes")  # session 1 is a real live show
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2
        assert "not a rehearsal session" in err
        assert not list((tmp_path / "takes").rglob("*.mkv"))
    finally:
        backend.stop()
