"""``studio sync``: status claims no more than it knows; flush finds the store's backend."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from studio.commerce.side import TOKEN_ENV
from studio.commerce.store import Store
from tests.nginx_rtmp import free_port


def sync(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "sync", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def _store(tmp_path: Path, url: str) -> Path:
    """A store the way a studio leaves it on exit: last seen online, 60 s ago."""
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    store.set_meta(online="1", backend_url=url, last_sync_at=str(time.time() - 60))
    store.close()
    return path


def test_status_of_a_backend_gone_since_does_not_claim_online(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # the backend has exited: nothing listens
    r = sync("status", "--store", str(_store(tmp_path, url)))
    assert r.returncode == 0, r.stdout + r.stderr
    first = r.stdout.splitlines()[0]
    assert "(online)" not in first, first
    assert "last seen online 6" in first and "--probe" in first, first
    r = sync("status", "--store", str(_store(tmp_path, url)), "--probe")
    assert "OFFLINE" in r.stdout.splitlines()[0]


def test_flush_without_backend_uses_the_one_status_shows(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    store = _store(tmp_path, url)
    r = sync("flush", "--store", str(store), "--timeout", "1", **{TOKEN_ENV: "t0ken"})
    assert "Traceback" not in r.stderr
    assert "not an http(s) URL" not in r.stderr, r.stderr
    assert r.returncode == 0, r.stdout + r.stderr  # nothing waiting: delivered at once
    assert "0 waiting" in r.stdout


def test_flush_without_backend_on_a_store_that_never_synced(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    Store(path).close()
    r = sync("flush", "--store", str(path), **{TOKEN_ENV: "t0ken"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("studio: no --backend"), r.stderr
