"""Units: backoff with full jitter, Retry-After, store migrations, credentials."""

from __future__ import annotations

import random
import sqlite3
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from studio.commerce.backoff import Backoff, parse_retry_after
from studio.commerce.store import SCHEMA_VERSION, Store
from studio.errors import UserError


def test_backoff_ceiling_doubles_from_half_a_second_to_a_30s_cap() -> None:
    b = Backoff()
    assert [b.ceiling(n) for n in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert b.ceiling(10_000) == 30


def test_backoff_uses_full_jitter_over_the_whole_range() -> None:
    rng = random.Random(7)
    samples = []
    for _ in range(2000):
        b = Backoff(rng=rng)
        b.attempt = 3  # ceiling 4 s
        samples.append(b.next_delay())
    assert all(0 <= s <= 4 for s in samples)
    assert min(samples) < 0.1 and max(samples) > 3.9  # full jitter, not "ceiling +- a bit"
    assert 1.8 < sum(samples) / len(samples) < 2.2  # uniform: mean is half the ceiling
    capped = Backoff(rng=rng)
    delays = [capped.next_delay() for _ in range(40)]
    assert max(delays) <= 30 and capped.attempt == 40


def test_backoff_reset_and_retry_after_is_a_floor() -> None:
    b = Backoff(rng=random.Random(1))
    for _ in range(5):
        b.next_delay()
    b.reset()
    assert b.next_delay() <= 0.5
    assert b.next_delay(retry_after=7.0) >= 7.0
    assert b.next_delay(retry_after=0.0) <= 2.0


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 3 ") == 3
    assert parse_retry_after("99999") == 300  # clamped: a bad header cannot park the outbox
    now = time.time()
    assert parse_retry_after(formatdate(now + 60, usegmt=True), now=now) == pytest.approx(60, abs=1)
    assert parse_retry_after(formatdate(now - 60, usegmt=True), now=now) == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])


def test_fresh_store_needs_no_backup(tmp_path: Path) -> None:
    s = Store(tmp_path / "c.sqlite3")
    assert s.schema_version() == SCHEMA_VERSION
    assert s.backup_path is None
    assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert list(tmp_path.glob("*.bak")) == []


def test_migration_backs_up_first_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    old = Store(path, target_version=1)
    with old.tx() as db:
        db["products"].insert({"id": 3, "sku": "A3", "name": "真丝围巾", "stock": 5})
        db.execute(  # an outbox row as version 1 wrote it (no backend column)
            "INSERT INTO outbox(key, kind, session_id, path, body, created_at)"
            " VALUES('act:x', 'action', 1, '/api/sessions/1/actions', '{}', 0)"
        )
        db.execute("INSERT INTO meta(key, value) VALUES('backend_url', 'http://b:8700')")
    old.close()
    assert _version(path) == 1

    new = Store(path)
    assert new.schema_version() == SCHEMA_VERSION == 3
    assert new.backup_path == tmp_path / "c.sqlite3.v1.bak"
    assert _version(new.backup_path) == 1  # the backup is the file as it was
    with sqlite3.connect(new.backup_path) as conn:
        assert conn.execute("SELECT name FROM products").fetchall() == [("真丝围巾",)]
        cols = {r[1] for r in conn.execute("PRAGMA table_info(products)")}
        assert "image_path" not in cols
    assert new.one("SELECT name, image_path FROM products") == {
        "name": "真丝围巾",
        "image_path": None,
    }
    assert new.counts()["pending"] == 1
    # the row belongs to the backend the store talked to (version 3)
    row = new.one("SELECT backend, key FROM outbox")
    assert row == {"backend": "http://b:8700", "key": "act:x"}
    new.close()
    assert Store(path).backup_path is None  # already current: no second backup


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    Store(path).set_meta(schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(UserError, match="newer Guide Studio"):
        Store(path)


def test_a_failed_migration_leaves_the_old_version(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from studio.commerce import store as store_mod

    path = tmp_path / "c.sqlite3"
    Store(path, target_version=1).close()

    def broken(db):  # type: ignore[no-untyped-def]
        db.execute("ALTER TABLE products ADD COLUMN image_path TEXT")
        raise RuntimeError("disk full")

    monkeypatch.setitem(store_mod.MIGRATIONS, 2, broken)
    with pytest.raises(RuntimeError, match="disk full"):
        Store(path)
    assert _version(path) == 1
    with sqlite3.connect(path) as conn:
        assert "image_path" not in {r[1] for r in conn.execute("PRAGMA table_info(products)")}
    assert (tmp_path / "c.sqlite3.v1.bak").exists()


def test_stop_before_run_starts_still_ends_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A stop that lands before the run task first executes must not leave run() waiting."""
    import asyncio

    from studio.commerce.client import BackendClient
    from studio.commerce.core import Commerce
    from studio.commerce.credentials import Credentials
    from studio.commerce.store import Store

    async def scenario() -> None:
        c = Commerce(
            Store(tmp_path / "s.sqlite3"),
            BackendClient(Credentials("http://127.0.0.1:9", "u", token="t")),
            session_id=1,
        )
        task = asyncio.create_task(c.run())
        c.stop()  # no await in between: run() has not started
        await asyncio.wait_for(task, 5)

    asyncio.run(scenario())
