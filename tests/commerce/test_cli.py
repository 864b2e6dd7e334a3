"""``studio sync status`` / ``flush`` output and exit codes, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from studio.commerce.side import TOKEN_ENV
from tests.commerce.backend import REPO, Backend, free_port
from tests.commerce.conftest import make_commerce


def studio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "sync", *args],
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_without_a_store_is_a_one_line_user_error(tmp_path: Path) -> None:
    r = studio("status", "--store", str(tmp_path / "none.sqlite3"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "no commerce store" in r.stderr
    assert not (tmp_path / "none.sqlite3").exists()  # status never creates a store


def test_status_and_flush_exit_codes(backend: Backend, tmp_path: Path) -> None:
    store = tmp_path / "c.sqlite3"
    sid = backend.new_session("命令行")
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    c = make_commerce(store, dead, sid)
    c.record_action("cue_fired", {"n": 1})
    c.record_action("cue_fired", {"n": 2})
    c._set_online(False, "ConnectError: connection refused")
    c.store.close()

    r = studio("status", "--store", str(store))
    assert r.returncode == 4, r.stdout + r.stderr  # waiting and offline
    assert "OFFLINE" in r.stdout and "2 waiting" in r.stdout and "connection refused" in r.stdout

    r = studio("status", "--store", str(store), "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 4 and data["pending"] == 2 and data["online"] is False

    # flush against the dead address: still waiting, says so, exit 4; nothing is lost
    env = {TOKEN_ENV: backend.token()}
    r = studio("flush", "--store", str(store), "--backend", dead, "--timeout", "1", env=env)
    assert r.returncode == 4 and "2 waiting" in r.stdout

    # flush against the real backend: delivered, exit 0, status agrees
    r = studio("flush", "--store", str(store), "--backend", backend.url, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(backend.actions(sid)) == 2
    r = studio("status", "--store", str(store), "--probe")
    assert r.returncode == 0, r.stdout
    assert "0 waiting" in r.stdout and "2 delivered" in r.stdout and backend.url in r.stdout
    assert "never" not in r.stdout.split("last sync:")[1].splitlines()[0]

    # an action the backend refuses for good (session 999999 does not exist): exit 5
    c = make_commerce(store, backend.url)
    c.record_action("note", {"x": 1}, session_id=999_999)
    c.store.close()
    r = studio("flush", "--store", str(store), "--backend", backend.url, env=env)
    assert r.returncode == 5 and "1 refused" in r.stdout
    r = studio("status", "--store", str(store))
    assert r.returncode == 5 and "1 refused" in r.stdout


def test_flush_needs_a_login(tmp_path: Path) -> None:
    store = tmp_path / "c.sqlite3"
    make_commerce(store, "http://127.0.0.1:9").store.close()
    r = studio(
        "flush", "--store", str(store), "--backend", "http://127.0.0.1:9", env={TOKEN_ENV: ""}
    )
    assert r.returncode == 2 and "no login" in r.stderr
    r = studio("flush", "--store", str(store), "--backend", "ftp://x")
    assert r.returncode == 2 and "not an http" in r.stderr
