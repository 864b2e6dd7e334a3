"""Real ``studio backend`` processes for the commerce tests (loopback, demo data).

Several processes may share one SQLite file: the outage test keeps a second
one serving checkout while the studio's backend is down.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "demo1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Backend:
    db: Path
    port: int
    logfile: Path
    extra: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Backend:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "STUDIO_LOG_DIR": str(self.db.parent / "logs"),
            "STUDIO_WEBHOOK_SECRET": "commerce-tests-webhook",
        }
        cmd = [sys.executable, "-m", "studio", "backend", "--demo", "--db", str(self.db)]
        cmd += ["--port", str(self.port), *self.extra]
        with self.logfile.open("ab") as out:
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("backend exited: " + self.logfile.read_text()[-2000:])
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("backend not ready: " + self.logfile.read_text()[-2000:])
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def token(self, user: str = "guide1") -> str:
        if user not in self.tokens:
            r = httpx.post(
                f"{self.url}/api/auth/login", json={"username": user, "password": PASSWORD}
            )
            r.raise_for_status()
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

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
        import uuid

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
