"""The studio's local commerce store: one SQLite file (WAL) the show can sell from offline.

It holds the catalog cache, sessions, purchase links made ahead of time, the
orders and commissions learnt from the feed, the feed cursor and the outbox.
Every state change and the outbox rows that tell the backend about it are one
transaction (:meth:`Store.tx`), so a crash can never keep one without the other.

Everything cached belongs to one backend (:meth:`Store.bind_backend`): a session id,
a product id or a purchase link means nothing at another backend, so when the studio
signs in to another one the cache of the last one is dropped. Outbox rows are kept,
each marked with the backend it was written for, and only ever sent there.

The schema carries a version (``meta.schema_version``); opening an older file
copies it to ``<name>.v<N>.bak`` (SQLite online backup) before migrating, and a
newer file is refused rather than guessed at.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from studio.config import data_dir
from studio.errors import UserError

log = logging.getLogger(__name__)

DEFAULT_NAME = "commerce.sqlite3"


def default_path() -> Path:
    """Where the store lives unless a path is given: the user's data directory."""
    return data_dir() / DEFAULT_NAME


def _v1(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["products"].create(
        {
            "id": int,
            "sku": str,
            "name": str,
            "category": str,
            "price_cents": int,
            "list_price_cents": int,
            "stock": int,
            "image_url": str,
            "updated_at": float,
        },
        pk="id",
    )
    db["sessions"].create(
        {
            "id": int,
            "title": str,
            "state": str,
            "store_id": int,
            "guide_id": int,
            "rehearsal": int,
            "prepared_at": float,
            "started_at": float,
            "ended_at": float,
        },
        pk="id",
    )
    db["links"].create(
        {
            "id": int,
            "session_id": int,
            "product_id": int,
            "token": str,
            "url": str,
            "created_at": float,
            "expires_at": float,
            "shown": int,
        },
        pk="id",
        defaults={"shown": 0},
        not_null={"session_id", "product_id", "url"},
    )
    db["links"].create_index(["session_id", "product_id"], unique=True)
    db["orders"].create(
        {
            "id": int,
            "session_id": int,
            "product_id": int,
            "product_name": str,
            "quantity": int,
            "amount_cents": int,
            "status": str,
            "created_at": float,
            "refunded_at": float,
            "event_id": int,
            "data": str,
        },
        pk="id",
    )
    db["orders"].create_index(["session_id"])
    db["commissions"].create(
        {
            "id": int,
            "order_id": int,
            "guide_id": int,
            "amount_cents": int,
            "state": str,
            "data": str,
        },
        pk="id",
    )
    db["feed_cursor"].create(
        {"session_id": int, "last_event_id": int, "updated_at": float}, pk="session_id"
    )
    db.execute(
        """CREATE TABLE outbox(
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          key TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL,
          session_id INTEGER,
          method TEXT NOT NULL DEFAULT 'POST',
          path TEXT NOT NULL,
          body TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','done','failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          created_at REAL NOT NULL,
          sent_at REAL,
          last_error TEXT,
          response TEXT
        )"""
    )
    db.execute("CREATE INDEX outbox_state ON outbox(state, seq)")


def _v2(db: sqlite_utils.Database) -> None:
    """Product pictures are cached on disk next to the store (shown offline)."""
    db["products"].add_column("image_path", str)


def _v3(db: sqlite_utils.Database) -> None:
    """Outbox rows belong to the backend they were written for; keys are unique per backend.

    Rows already there were written for the backend the store last talked to.
    """
    row = db.execute("SELECT value FROM meta WHERE key='backend_url'").fetchone()
    db.execute(
        """CREATE TABLE outbox_v3(
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          backend TEXT NOT NULL DEFAULT '',
          key TEXT NOT NULL,
          kind TEXT NOT NULL,
          session_id INTEGER,
          method TEXT NOT NULL DEFAULT 'POST',
          path TEXT NOT NULL,
          body TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','done','failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          created_at REAL NOT NULL,
          sent_at REAL,
          last_error TEXT,
          response TEXT,
          UNIQUE(backend, key)
        )"""
    )
    cols = "seq, key, kind, session_id, method, path, body, state, attempts, created_at, "
    cols += "sent_at, last_error, response"
    db.execute(
        f"INSERT INTO outbox_v3(backend, {cols}) SELECT ?, {cols} FROM outbox",
        [row[0] if row and row[0] else ""],
    )
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_v3 RENAME TO outbox")
    db.execute("CREATE INDEX outbox_state ON outbox(backend, state, seq)")


MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {1: _v1, 2: _v2, 3: _v3}

# what is cached from one backend and means nothing at another (Store.bind_backend)
BACKEND_TABLES = ("products", "sessions", "links", "orders", "commissions", "feed_cursor")
BACKEND_META = ("online", "offline_reason", "last_sync_at", "last_error")
BACKEND_META_PREFIXES = ("promo_rules:", "rehearsal_stock:")
SCHEMA_VERSION = max(MIGRATIONS)


class Store:
    """Thread-safe access to the local store (the bus listener writes from the cue thread)."""

    def __init__(self, path: Path | None = None, *, target_version: int = SCHEMA_VERSION) -> None:
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.images_dir = self.path.parent / "product-images"
        self._lock = threading.RLock()
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # an order or an action must survive power loss
        self.db = sqlite_utils.Database(conn)
        self.backup_path: Path | None = None
        self._migrate(target_version)
        # the backend this store's cache and new outbox rows belong to ('' before any)
        self.backend_url = (self.meta("backend_url") or "") if target_version >= 3 else ""

    # ---- schema ------------------------------------------------------------------------
    def schema_version(self) -> int:
        if not self.db["meta"].exists():
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self, target: int) -> None:
        with self._lock:
            version = self.schema_version()
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{self.path} was written by a newer Guide Studio (schema {version})",
                    "update Guide Studio, or pass another store path",
                )
            if version >= target:
                return
            if version > 0:
                self.backup_path = self.path.with_name(f"{self.path.name}.v{version}.bak")
                dest = sqlite3.connect(self.backup_path)
                try:
                    self.db.conn.backup(dest)
                finally:
                    dest.close()
                log.info("backed up %s to %s before migrating", self.path, self.backup_path)
            for v in range(version + 1, target + 1):
                log.info("migrating %s to schema version %d", self.path, v)
                with self.tx() as db:
                    MIGRATIONS[v](db)
                    db.execute(
                        "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)",
                        [str(v)],
                    )

    # ---- transactions ------------------------------------------------------------------
    @contextmanager
    def tx(self) -> Iterator[sqlite_utils.Database]:
        """One atomic write transaction (nested use joins the outer one)."""
        with self._lock:
            conn = self.db.conn
            if conn.in_transaction:
                yield self.db
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.db.execute(sql, list(params)).fetchall()]

    def one(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    # ---- meta --------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key=?", [key])
        return row["value"] if row else None

    def set_meta(self, **values: object) -> None:
        with self.tx() as db:
            for k, v in values.items():
                db.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)",
                    [k, "" if v is None else str(v)],
                )

    # ---- the backend the cache belongs to -----------------------------------------------
    def bind_backend(self, url: str) -> bool:
        """Make ``url`` the backend of this store; True if that dropped another one's cache.

        A link, a session or a product id of one backend is nothing at another (the demo
        backend moves port every run; a shop may switch servers): its catalog, sessions,
        links, orders, commissions, feed cursors, limits and pictures go. Its outbox rows
        stay, marked with their backend, and wait for it (``studio sync flush --backend``),
        unless that address never answered: then they were meant for this one.
        """
        url = url.rstrip("/")
        with self.tx() as db:
            old = self.meta("backend_url") or ""
            dropped = bool(old) and old != url
            if dropped and not self.meta("last_sync_at"):
                # the last address never answered (a typo, nothing listening): what waits
                # there was meant for the backend the guide names now
                db.execute(
                    "UPDATE OR IGNORE outbox SET backend=? WHERE backend=? AND state='pending'",
                    [url, old],
                )
            if dropped:
                for table in BACKEND_TABLES:
                    db.execute(f"DELETE FROM {table}")  # fixed table names
                db.execute(
                    f"DELETE FROM meta WHERE key IN ({','.join('?' * len(BACKEND_META))})",
                    list(BACKEND_META),
                )
                for prefix in BACKEND_META_PREFIXES:
                    db.execute("DELETE FROM meta WHERE key LIKE ?", [prefix + "%"])
            # rows written before any backend was known are this one's
            db.execute("UPDATE outbox SET backend=? WHERE backend=''", [url])
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('backend_url', ?)", [url])
            self.backend_url = url
        if dropped:
            log.info("commerce store now belongs to %s: the cache of %s was dropped", url, old)
            for f in self.images_dir.glob("*.png") if self.images_dir.is_dir() else ():
                f.unlink(missing_ok=True)
        return dropped

    # ---- outbox ------------------------------------------------------------------------
    def enqueue(
        self,
        db: sqlite_utils.Database,
        key: str,
        kind: str,
        path: str,
        body: dict[str, Any],
        session_id: int | None = None,
    ) -> bool:
        """Add one outbox row for this store's backend inside the caller's transaction.

        False if ``key`` is known for that backend (a replay is not a second row).
        """
        cur = db.execute(
            "INSERT OR IGNORE INTO outbox(backend, key, kind, session_id, path, body, created_at)"
            " VALUES(?,?,?,?,?,?,?)",
            [
                self.backend_url,
                key,
                kind,
                session_id,
                path,
                json.dumps(body, ensure_ascii=False),
                time.time(),
            ],
        )
        return cur.rowcount == 1

    def has_key(self, db: sqlite_utils.Database, key: str) -> bool:
        """Is ``key`` in the outbox of this store's backend (in the caller's transaction)?"""
        row = db.execute(
            "SELECT 1 FROM outbox WHERE backend=? AND key=?", [self.backend_url, key]
        ).fetchone()
        return row is not None

    def next_pending(self) -> dict[str, Any] | None:
        """The oldest row waiting for this store's backend (never another backend's)."""
        return self.one(
            "SELECT * FROM outbox WHERE backend=? AND state='pending' ORDER BY seq LIMIT 1",
            [self.backend_url],
        )

    def counts(self) -> dict[str, int]:
        """Outbox rows of this store's backend by state."""
        rows = self.query(
            "SELECT state, COUNT(*) AS n FROM outbox WHERE backend=? GROUP BY state",
            [self.backend_url],
        )
        out = {"pending": 0, "done": 0, "failed": 0}
        out.update({r["state"]: r["n"] for r in rows})
        return out

    def waiting_elsewhere(self) -> int:
        """Outbox rows waiting for another backend this store talked to before."""
        row = self.one(
            "SELECT COUNT(*) AS n FROM outbox WHERE backend<>? AND state='pending'",
            [self.backend_url],
        )
        return int(row["n"]) if row else 0

    # ---- reads the studio uses ---------------------------------------------------------
    def link(self, session_id: int, product_id: int) -> dict[str, Any] | None:
        return self.one(
            "SELECT * FROM links WHERE session_id=? AND product_id=?", [session_id, product_id]
        )

    def cursor(self, session_id: int) -> int:
        row = self.one("SELECT last_event_id FROM feed_cursor WHERE session_id=?", [session_id])
        return int(row["last_event_id"]) if row else 0

    def orders(self, session_id: int) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM orders WHERE session_id=? ORDER BY id", [session_id])
