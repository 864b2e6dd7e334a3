"""A real ``studio backend`` process on a loopback port: the one launcher the backend
and commerce tests and the backend load bench share.

It starts ``python -m studio backend --db <target> --port <port>`` (what users run) over
an SQLite file or a PostgreSQL URL, optionally with ``--workers N``, waits until
``/healthz`` answers, and stops it (SIGTERM, then SIGKILL). The bench cannot import the
backend's code (it is a client of its HTTP contract), so this is a process, never an app.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from studio.demo.data import DEMO_PASSWORD
from studio.ports import free_port

REPO = Path(__file__).resolve().parents[2]
PASSWORD = DEMO_PASSWORD  # the demo data's documented password

__all__ = ["PASSWORD", "REPO", "BackendProcess", "free_port"]


@dataclass
class BackendProcess:
    """``db``: an SQLite path or a ``postgresql://`` URL; ``home``: where its logs go."""

    db: Path | str
    port: int
    logfile: Path
    extra: tuple[str, ...] = ()
    webhook_secret: str = "commerce-tests-webhook"
    home: Path | None = None  # STUDIO_LOG_DIR is <home>/logs (default: next to the log file)
    data_dir: Path | None = None
    demo: bool = True
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return (self.home or self._default_home()) / "logs"

    def _default_home(self) -> Path:
        return self.db.parent if isinstance(self.db, Path) else self.logfile.parent

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "studio", "backend", "--db", str(self.db)]
        cmd += ["--port", str(self.port), *(["--demo"] if self.demo else []), *self.extra]
        return cmd

    def start(self, timeout: float = 60) -> BackendProcess:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "STUDIO_LOG_DIR": str(self.logs),
            "STUDIO_WEBHOOK_SECRET": self.webhook_secret,
            **({"STUDIO_DATA_DIR": str(self.data_dir)} if self.data_dir else {}),
            **self.env,
        }
        with self.logfile.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command(),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.logfile.parent,
                start_new_session=True,  # its workers are stopped with it
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("backend exited: " + self.output()[-3000:])
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop(signal.SIGKILL)
                raise RuntimeError("backend not ready: " + self.output()[-3000:])
            time.sleep(0.1)

    def output(self) -> str:
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # workers left behind by a killed supervisor

    # ---- a client's view -------------------------------------------------------------------
    def token(self, user: str = "guide1") -> str:
        if user not in self.tokens:
            r = httpx.post(
                f"{self.url}/api/auth/login", json={"username": user, "password": PASSWORD}
            )
            r.raise_for_status()
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

    def client(self, user: str | None = None, timeout: float = 15) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def get(self, path: str, user: str = "guide1", **params: Any) -> Any:
        r = httpx.get(
            f"{self.url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.token(user)}"},
            timeout=15,
        )
        r.raise_for_status()
        return r.json()

    def buy(self, token: str) -> int:
        r = httpx.post(
            f"{self.url}/p/{token}/buy",
            data={"quantity": "1", "fulfilment": "pickup", "buyer_name": "测试"},
            timeout=15,
        )
        return r.status_code

    def new_session(self, title: str = "测试专场", user: str = "guide1") -> int:
        r = httpx.post(
            f"{self.url}/api/sessions",
            json={"title": title},
            headers={
                "Authorization": f"Bearer {self.token(user)}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        r.raise_for_status()
        return int(r.json()["id"])

    def actions(self, session_id: int) -> list[dict[str, Any]]:
        return list(self.get(f"/api/sessions/{session_id}/actions"))

    def events(self, session_id: int, after: int = 0) -> list[tuple[int, str]]:
        """Every feed event of the session after ``after`` (id, type), read with follow=false."""
        out: list[tuple[int, str]] = []
        headers = {"Authorization": f"Bearer {self.token()}"}
        with httpx.stream(
            "GET",
            f"{self.url}/api/sessions/{session_id}/events",
            params={"follow": "false", "after": after},
            headers=headers,
            timeout=30,
        ) as r:
            eid = None
            for line in r.iter_lines():
                if line.startswith("id:"):
                    eid = int(line[3:].strip())
                elif line.startswith("event:") and eid is not None:
                    out.append((eid, line[6:].strip()))
                    eid = None
        return out


def start_backend(db: Path | str, home: Path, *extra: str, **kw: Any) -> BackendProcess:
    """A backend over ``db`` on a free port, its logs and output under ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    return BackendProcess(
        db, free_port(), home / "server.out", tuple(extra), home=home, **kw
    ).start()
