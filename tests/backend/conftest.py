"""Fixtures: a real backend process on a free loopback port, and an in-process app.

``live`` starts ``python -m studio backend --demo`` as a subprocess (what users run),
waits until /healthz answers and stops it afterwards. ``app_env`` builds the app
in-process with a fake clock for the fast tests (TestClient).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from studio.backend.app import create_app
from studio.backend.db import FakeClock
from studio.backend.seed import DEMO_PASSWORD, seed_demo
from studio.backend.service import Commerce

REPO = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "test-webhook-secret-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    url: str
    db: Path
    proc: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = httpx.post(
                f"{self.url}/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
            )
            r.raise_for_status()
            self.tokens[username] = r.json()["token"]
        return self.tokens[username]

    def client(self, username: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(username)}"} if username else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)


def start_backend(tmp: Path, *extra: str) -> Live:
    port = free_port()
    db = tmp / "backend.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "STUDIO_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STUDIO_LOG_DIR": str(tmp / "logs"),
        "STUDIO_DATA_DIR": str(tmp / "data"),
    }
    log = (tmp / "server.out").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio",
            "backend",
            "--db",
            str(db),
            "--port",
            str(port),
            "--demo",
            *extra,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError("backend exited: " + (tmp / "server.out").read_text())
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("backend did not become ready: " + (tmp / "server.out").read_text())
        time.sleep(0.1)
    return Live(url, db, proc)


SERVER_ERRORS = ("unhandled error", "Exception in ASGI application", "Traceback")


def server_errors(live: Live) -> list[str]:
    """Lines of the server's log and output that mean a request got a 500 (or worse)."""
    lines: list[str] = []
    for f in (live.db.parent / "logs" / "studio.log", live.db.parent / "server.out"):
        if f.exists():
            text = f.read_text(encoding="utf-8", errors="replace")
            lines += [ln for ln in text.splitlines() if any(e in ln for e in SERVER_ERRORS)]
    return lines


def stop_backend(live: Live) -> None:
    """Stop the server; fail if any request it served ended in a server error."""
    live.proc.terminate()
    try:
        live.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        live.proc.kill()
        live.proc.wait()
    errors = server_errors(live)
    assert not errors, "the backend answered 500: " + "\n".join(errors[:10])


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_backend(tmp_path_factory.mktemp("live"))
    yield server
    stop_backend(server)


@dataclass
class AppEnv:
    client: TestClient
    clock: FakeClock
    commerce: Commerce
    tokens: dict[str, str] = field(default_factory=dict)

    def advance(self, seconds: float) -> None:
        """Move the clock; bearer tokens expire after 12 h, so log everyone in again."""
        self.clock.advance(seconds)
        self.tokens.clear()

    def login(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = self.client.post(
                "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture
def app_env(tmp_path: Path) -> Iterator[AppEnv]:
    clock = FakeClock(1_750_000_000.0)
    app = create_app(
        tmp_path / "b.sqlite3",
        clock=clock,
        webhook_secret=WEBHOOK_SECRET,
        public_url="http://shop.test",
        sweep_seconds=3600,
    )
    commerce: Commerce = app.state.commerce
    seed_demo(commerce)
    with TestClient(app) as client:
        yield AppEnv(client, clock, commerce)


def signed(
    body: dict[str, Any], *, ts: int | None = None, secret: str = WEBHOOK_SECRET
) -> tuple[bytes, dict[str, str]]:
    """A webhook body and the headers a shop platform would send with it."""
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) if ts is None else ts)
    sig = (
        "sha256="
        + hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    )
    return raw, {
        "X-Studio-Timestamp": stamp,
        "X-Studio-Signature": sig,
        "Content-Type": "application/json",
    }


def read_sse(
    client: httpx.Client,
    session_id: int,
    *,
    last_id: int | None = None,
    want: int | None = None,
    follow: bool = True,
    timeout: float = 20,
) -> list[dict[str, Any]]:
    """Read SSE events (id, event, data) until ``want`` arrived or the stream ends."""
    headers = {"Last-Event-ID": str(last_id)} if last_id is not None else {}
    events: list[dict[str, Any]] = []
    cur: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    with client.stream(
        "GET",
        f"/api/sessions/{session_id}/events",
        params={"follow": str(follow).lower()},
        headers=headers,
        timeout=timeout,
    ) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("id:"):
                cur["id"] = int(line[3:].strip())
            elif line.startswith("event:"):
                cur["event"] = line[6:].strip()
            elif line.startswith("data:"):
                cur["data"] = json.loads(line[5:].strip())
            elif line == "" and "id" in cur:
                events.append(cur)
                cur = {}
                if want is not None and len(events) >= want:
                    break
            if time.monotonic() > deadline:
                break
    return events
