"""The demo backend started by the studio itself (first run, "演示模式"): no accounts needed.

A child process (``studio backend --demo``) on a free loopback port with its own
SQLite file in the data directory, stopped with the studio however the studio
ends: :meth:`EmbeddedBackend.stop` on a clean exit, ``atexit`` when Python
unwinds, and :func:`studio.backend.embedded.watch_parent` inside the child
(``--parent-pid``) when the studio is killed (kill -9, a fatal error) and nothing
of it runs any more.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from studio.config import data_dir
from studio.ports import free_port

log = logging.getLogger(__name__)


@dataclass
class EmbeddedBackend:
    url: str
    proc: subprocess.Popen[bytes]
    db: Path

    @classmethod
    def start(
        cls, shoppers: int = 20, timeout: float = 30.0, db: Path | None = None
    ) -> EmbeddedBackend:
        db = db or data_dir() / "demo-backend.sqlite3"
        db.parent.mkdir(parents=True, exist_ok=True)
        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "studio",
            "backend",
            "--demo",
            "--db",
            str(db),
            "--port",
            str(port),
            "--parent-pid",
            str(os.getpid()),
        ]
        if shoppers:
            cmd += ["--demo-shoppers", str(shoppers)]
        with (db.parent / "demo-backend.out").open("ab") as out:  # for when it will not start
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the demo backend exited with code {proc.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    log.info("demo backend on %s (db %s, pid %s)", url, db, proc.pid)
                    backend = cls(url, proc, db)
                    atexit.register(backend.stop)  # a sys.exit past the window's close
                    return backend
            except httpx.HTTPError:
                time.sleep(0.1)
        proc.kill()
        raise RuntimeError("the demo backend did not start in time")

    def stop(self) -> None:
        atexit.unregister(self.stop)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
