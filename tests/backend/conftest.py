"""Fixtures: real backend processes on free loopback ports, an in-process app, and the
two database engines.

``live`` starts ``python -m studio backend --demo`` as a subprocess (what users run),
waits until /healthz answers and stops it afterwards. ``app_env`` builds the app
in-process with a fake clock for the fast tests (TestClient).

Engines: ``engine`` is ``sqlite`` or ``postgresql`` (``STUDIO_TEST_ENGINES=sqlite``
limits the run to one). PostgreSQL is a real server from the system's package, started
once per session in a temp directory on a loopback port (:mod:`studio.bench.pgserver`);
every test or module gets a fresh database on it. Tests marked ``sqlite_only`` (file
modes, WAL, the browser and fuzz runs, which do not depend on the engine) run on SQLite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
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
from studio.backend.service import CommerceService
from studio.bench.backendproc import REPO, BackendProcess, free_port
from studio.bench.pgserver import PgServer

__all__ = ["REPO", "free_port"]
WEBHOOK_SECRET = "test-webhook-secret-123"
ENGINES = [e for e in os.environ.get("STUDIO_TEST_ENGINES", "sqlite,postgresql").split(",") if e]

Live = BackendProcess


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: engine-independent or SQLite-specific")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        engine = getattr(item, "callspec", None) and item.callspec.params.get("engine")
        if engine == "postgresql" and item.get_closest_marker("sqlite_only"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL for the session (started on first use)."""
    with PgServer() as server:
        yield server


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def db_target(engine: str, request: pytest.FixtureRequest, folder: Path) -> Path | str:
    """A fresh empty database: an SQLite file in ``folder``, or a new PostgreSQL database."""
    if engine == "postgresql":
        server: PgServer = request.getfixturevalue("pg_server")
        return server.new_database()
    return folder / "backend.sqlite3"


def start_backend(
    tmp: Path, *extra: str, db: Path | str | None = None, **kw: Any
) -> BackendProcess:
    """A demo backend over ``db`` (default: an SQLite file in ``tmp``), logs under ``tmp``."""
    return BackendProcess(
        db or tmp / "backend.sqlite3",
        free_port(),
        tmp / "server.out",
        tuple(extra),
        webhook_secret=WEBHOOK_SECRET,
        home=tmp,
        data_dir=tmp / "data",
        **kw,
    ).start()


SERVER_ERRORS = ("unhandled error", "Exception in ASGI application", "Traceback")


def server_errors(live: BackendProcess) -> list[str]:
    """Lines of the server's log and output that mean a request got a 500 (or worse)."""
    lines: list[str] = []
    for f in (live.logs / "studio.log", live.logfile):
        if f.exists():
            text = f.read_text(encoding="utf-8", errors="replace")
            lines += [ln for ln in text.splitlines() if any(e in ln for e in SERVER_ERRORS)]
    return lines


def stop_backend(live: BackendProcess) -> None:
    """Stop the server; fail if any request it served ended in a server error."""
    live.stop()
    errors = server_errors(live)
    assert not errors, "the backend answered 500: " + "\n".join(errors[:10])


@pytest.fixture(scope="session")
def live(
    engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendProcess]:
    tmp = tmp_path_factory.mktemp(f"live-{engine}")
    server = start_backend(tmp, db=db_target(engine, request, tmp))
    yield server
    stop_backend(server)


@dataclass
class AppEnv:
    client: TestClient
    clock: FakeClock
    commerce: CommerceService
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
def app_env(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AppEnv]:
    clock = FakeClock(1_750_000_000.0)
    app = create_app(
        db_target(engine, request, tmp_path),
        clock=clock,
        webhook_secret=WEBHOOK_SECRET,
        public_url="http://shop.test",
        sweep_seconds=3600,
    )
    commerce: CommerceService = app.state.commerce
    seed_demo(commerce)
    with TestClient(app) as client:
        yield AppEnv(client, clock, commerce)
    commerce.db.close()


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
