"""The demo backend ends with the studio that started it, kill -9 of the studio included."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

STARTER = """
import json, time
from pathlib import Path
from studio.demo.embedded import EmbeddedBackend
b = EmbeddedBackend.start(shoppers=600, db=Path({db!r}))
print(json.dumps({{"url": b.url, "pid": b.proc.pid}}), flush=True)
time.sleep(600)
"""


def port_open(url: str) -> bool:
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, int(port))) == 0


def wait_gone(pid: int, url: str, seconds: float) -> float:
    """Seconds until ``pid`` is gone and its port refuses connections (or the limit)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        if not alive and not port_open(url):
            break
        time.sleep(0.1)
    return time.monotonic() - t0


def test_killing_the_studio_with_sigkill_ends_its_demo_backend(tmp_path: Path) -> None:
    env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data")}
    studio = subprocess.Popen(
        [sys.executable, "-c", STARTER.format(db=str(tmp_path / "demo.sqlite3"))],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = studio.stdout.readline()  # type: ignore[union-attr]
        assert line, "the demo backend did not start"
        child = json.loads(line)
        assert port_open(child["url"])
        assert psutil.Process(child["pid"]).ppid() == studio.pid
        os.kill(studio.pid, signal.SIGKILL)
        studio.wait(10)
        took = wait_gone(child["pid"], child["url"], 8.0)
        assert not psutil.pid_exists(child["pid"]) or (
            psutil.Process(child["pid"]).status() == psutil.STATUS_ZOMBIE
        ), f"the demo backend outlived the studio by {took:.1f} s"
        assert not port_open(child["url"])
        print(f"demo backend gone {took:.2f} s after the studio was killed")
        assert took < 5.0, took
        log = (tmp_path / "demo-backend.out").read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log, log[-2000:]
    finally:
        if studio.poll() is None:
            studio.kill()
            studio.wait(10)
        studio.stdout.close()  # type: ignore[union-attr]
        for p in psutil.Process().children(recursive=True):
            p.kill()
