"""The studio is SIGKILLed at random moments while it syncs (actions out, orders in):
after every restart nothing recorded is lost and nothing reaches the backend twice."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from studio.commerce.store import Store
from tests.commerce.backend import REPO, Backend

ROUNDS = int(os.environ.get("CRASH_ROUNDS", "22"))


def test_sigkill_during_sync_loses_and_doubles_nothing(backend: Backend, tmp_path: Path) -> None:
    sid = backend.new_session("断电演练")
    store = tmp_path / "studio.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO), "STUDIO_BACKEND_TOKEN": backend.token()}
    # links for the shoppers, made by the backend directly: this test is about the studio
    import uuid

    import httpx

    tokens = []
    for pid in (1, 2):
        r = httpx.post(
            f"{backend.url}/api/links",
            json={"session_id": sid, "product_id": pid},
            headers={
                "Authorization": f"Bearer {backend.token()}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        tokens.append(r.json()["token"])
    stop = threading.Event()

    def shoppers() -> None:
        i = 0
        while not stop.wait(0.25):
            backend.buy(tokens[i % 2])
            i += 1

    def driver(prefix: str, count: int, wait_event: int = 0) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, "-m", "tests.commerce.driver", str(store), backend.url, str(sid)]
        return subprocess.Popen(
            [*cmd, prefix, str(count), str(wait_event)],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def started_recording(prefix: str, p: subprocess.Popen[bytes], timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and p.poll() is None:
            with contextlib.suppress(sqlite3.Error):  # not created yet, or mid-migration
                db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1)
                try:
                    sql = "SELECT count(*) FROM outbox WHERE key LIKE ?"
                    if db.execute(sql, (f"act:{prefix}-%",)).fetchone()[0]:
                        return True
                finally:
                    db.close()
            time.sleep(0.02)
        return False

    rng = random.Random(20)
    shopper = threading.Thread(target=shoppers, name="shoppers", daemon=True)
    shopper.start()
    killed_with_work = 0
    try:
        for r in range(ROUNDS):
            p = driver(f"r{r}", 100)
            # the kill lands mid-sync however long the start-up takes on a loaded machine:
            # once this round's first action is recorded, within the next 0.6 s
            assert started_recording(f"r{r}", p), f"round {r}: the driver never recorded"
            time.sleep(rng.uniform(0.0, 0.6))
            p.send_signal(signal.SIGKILL)
            p.wait()
            assert p.returncode in (-signal.SIGKILL, 0), p.stdout.read() if p.stdout else ""
            s = Store(store)
            killed_with_work += bool(s.counts()["pending"])
            s.close()
    finally:
        stop.set()
        shopper.join()
    last_event = backend.events(sid)[-1][0]
    final = driver("final", 0, last_event)
    try:
        out, _ = final.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        final.kill()
        out, _ = final.communicate()
        s = Store(store)
        cur = s.cursor(sid)
        raise AssertionError(
            f"cursor {cur} last {last_event} backend after cursor {backend.events(sid, cur)} "
            + out.decode()[-3000:]
        ) from None
    assert final.returncode == 0, out.decode()

    s = Store(store)
    recorded = [r["key"][4:] for r in s.query("SELECT key FROM outbox WHERE key LIKE 'act:%'")]
    at_backend = Counter(a["payload"]["action_id"] for a in backend.actions(sid))
    print(f"{killed_with_work} of {ROUNDS} kills found unsent work")
    assert killed_with_work >= ROUNDS // 4  # most kills really hit unsent work
    assert len(recorded) > ROUNDS  # work was recorded across rounds
    assert s.counts() == {"pending": 0, "done": len(recorded), "failed": 0}
    assert set(at_backend) == set(recorded)  # 0 lost
    assert max(at_backend.values()) == 1  # 0 duplicated
    orders = sorted(o["id"] for o in backend.get("/api/orders", session_id=sid, limit=500))
    assert len(orders) > 10
    assert [o["id"] for o in s.orders(sid)] == orders  # every order in the studio, once
    assert s.cursor(sid) == last_event
