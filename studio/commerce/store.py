"""The studio's local commerce store: one SQLite file (WAL) the show can sell from offline.

It holds the catalog cache, sessions, purchase links made ahead of time, the
orders and commissions learnt from the feed, the feed cursor and the outbox.
Every state change and the outbox rows that tell the backend about it are one
transaction (:meth:`LocalStore.tx`), so a crash can never keep one without the other.

Everything cached belongs to one backend (:meth:`LocalStore.bind_backend`): a session id,
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from studio.commerce.schema import (
    BACKEND_META,
    BACKEND_META_PREFIXES,
    BACKEND_TABLES,
    MIGRATIONS,
    SCHEMA_VERSION,
)
from studio.config import data_dir
from studio.contract import dto
from studio.contract.sessions import INITIAL, advance
from studio.errors import UserError

log = logging.getLogger(__name__)

DEFAULT_NAME = "commerce.sqlite3"


def default_path() -> Path:
    """Where the store lives unless a path is given: the user's data directory."""
    return data_dir() / DEFAULT_NAME


class LocalStore:
    """Thread-safe access to the studio's local SQLite file; every statement on it is here.

    Named for what it is: the studio's local database (a "store" in this product is a
    shop, :data:`Store` is kept as an alias for older callers).
    """

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

    def feed_cursors(self) -> dict[int, int]:
        """Session id -> the last feed event applied, for every session followed."""
        rows = self.query("SELECT session_id, last_event_id FROM feed_cursor")
        return {int(r["session_id"]): int(r["last_event_id"]) for r in rows}

    def outbox_rows(self, kind: str) -> list[dict[str, Any]]:
        """This backend's outbox rows of one kind, oldest first (for inspection and tests)."""
        return self.query(
            "SELECT * FROM outbox WHERE backend=? AND kind=? ORDER BY seq", [self.backend_url, kind]
        )

    # ---- sessions ----------------------------------------------------------------------
    def session(self, session_id: int) -> dict[str, Any] | None:
        """The cached session (state, store, guide, rehearsal), None if never seen."""
        return self.one("SELECT * FROM sessions WHERE id=?", [session_id])

    def is_rehearsal(self, session_id: int | None) -> bool:
        """Is this a rehearsal session (as the backend said when it was prepared)?"""
        row = self.session(session_id) if session_id is not None else None
        return bool(row and row.get("rehearsal"))

    def session_state(self, session_id: int) -> str | None:
        row = self.session(session_id)
        return str(row["state"]) if row and row.get("state") else None

    def cache_session(self, db: sqlite_utils.Database, sess: dict[str, Any]) -> None:
        """Keep the backend's session as it is now (in the caller's transaction)."""
        db.table("sessions").upsert({k: sess[k] for k in dto.SESSION_FIELDS}, pk="id")

    def set_session_state(self, db: sqlite_utils.Database, session_id: int, state: str) -> None:
        """The backend's word on a session's state (a feed event or an action's answer)."""
        db.execute("INSERT OR IGNORE INTO sessions(id, state) VALUES(?, ?)", [session_id, INITIAL])
        db.execute("UPDATE sessions SET state=? WHERE id=?", [state, session_id])

    def apply_action(
        self,
        db: sqlite_utils.Database,
        session_id: int,
        kind: str,
        payload: dict[str, Any],
        now: float,
    ) -> None:
        """The local half of an action, in the same transaction as its outbox row.

        A ``session_*`` action moves the cached session by the contract's state machine
        (:func:`studio.contract.sessions.advance`), the one the backend applies.
        """
        db.execute("INSERT OR IGNORE INTO sessions(id, state) VALUES(?, ?)", [session_id, INITIAL])
        row = db.execute("SELECT state FROM sessions WHERE id=?", [session_id]).fetchone()
        new = advance(str(row[0] or INITIAL), kind)
        if new is not None:
            stamp = _STAMP[new]  # a fixed column name
            db.execute(f"UPDATE sessions SET state=?, {stamp}=? WHERE id=?", [new, now, session_id])
        if kind == "link_shown" and payload.get("product_id") is not None:
            db.execute(
                "UPDATE links SET shown=shown+1 WHERE session_id=? AND product_id=?",
                [session_id, payload["product_id"]],
            )

    def guide_of(self, session_id: int) -> int | None:
        row = self.session(session_id)
        return int(row["guide_id"]) if row and row.get("guide_id") is not None else None

    def store_of(self, session_id: int) -> int | None:
        """The shop (backend store id) a session sells for."""
        row = self.session(session_id)
        return int(row["store_id"]) if row and row.get("store_id") is not None else None

    # ---- catalog -----------------------------------------------------------------------
    def products(self) -> list[dict[str, Any]]:
        """The cached catalog, in the backend's order."""
        return self.query("SELECT * FROM products ORDER BY id")

    def product(self, sku: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM products WHERE sku=?", [sku])

    def product_id(self, sku: str) -> int | None:
        """The backend product id of a SKU (show scripts name products by SKU)."""
        row = self.product(sku)
        return int(row["id"]) if row else None

    def product_sku(self, product_id: int) -> str | None:
        row = self.one("SELECT sku FROM products WHERE id=?", [product_id])
        return str(row["sku"]) if row else None

    def images(self) -> dict[str, str]:
        """SKU -> the product picture cached on disk (only those fetched)."""
        rows = self.query("SELECT sku, image_path FROM products WHERE image_path IS NOT NULL")
        return {str(r["sku"]): str(r["image_path"]) for r in rows if r["image_path"]}

    def cache_products(self, products: list[dict[str, Any]], now: float) -> None:
        with self.tx() as db:
            for p in products:
                row = {**{k: p[k] for k in dto.PRODUCT_FIELDS}, "updated_at": now}
                db.table("products").upsert(row, pk="id")

    def set_image_path(self, product_id: int, path: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE products SET image_path=? WHERE id=?", [path, product_id])

    def store_link(self, db: sqlite_utils.Database, link: dict[str, Any]) -> None:
        """Keep the backend's link as it is now: the backend is the truth for its URL.

        A cached copy can be stale (the demo backend restarts on another port; a
        store's data folder once met another backend with the same session ids),
        and a QR of a stale URL sells nothing.
        """
        db.execute(
            "DELETE FROM links WHERE session_id=? AND product_id=? AND id<>?",
            [link["session_id"], link["product_id"], link["id"]],
        )
        db.execute(
            "INSERT INTO links(id, session_id, product_id, token, url, created_at, expires_at)"
            " VALUES(?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET session_id=excluded.session_id,"
            " product_id=excluded.product_id, token=excluded.token, url=excluded.url,"
            " created_at=excluded.created_at, expires_at=excluded.expires_at",
            [link.get(k) for k in dto.LINK_FIELDS],
        )

    # ---- orders and the feed -----------------------------------------------------------
    def apply_feed_event(
        self, session_id: int, event_id: int, etype: str, data: dict[str, Any]
    ) -> bool:
        """Apply one feed event and advance the cursor in one transaction.

        False (nothing written) if the event is not after the stored cursor: seen before.
        """
        with self.tx() as db:
            if event_id <= self.cursor(session_id):
                return False
            if etype in ("order.placed", "order.refunded"):
                self._store_order(db, data, event_id)
            elif etype == "commission.settled":
                self._store_commission(db, data)
            elif etype == "stock.changed":
                db.execute(
                    "UPDATE products SET stock=? WHERE id=?", [data["stock"], data["product_id"]]
                )
            elif etype == "session.state":
                self.set_session_state(db, session_id, str(data["state"]))
            now = time.time()
            db.execute(
                "INSERT OR REPLACE INTO feed_cursor(session_id, last_event_id, updated_at)"
                " VALUES(?,?,?)",
                [session_id, event_id, now],
            )
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES('last_sync_at', ?)", [str(now)]
            )
        return True

    def _store_order(self, db: sqlite_utils.Database, order: dict[str, Any], eid: int) -> None:
        row = {k: order[k] for k in dto.ORDER_FIELDS}
        row.update(event_id=eid, data=json.dumps(order, ensure_ascii=False))
        db.table("orders").upsert(row, pk="id")
        if order.get("commission"):
            self._store_commission(db, order["commission"])

    def _store_commission(self, db: sqlite_utils.Database, c: dict[str, Any]) -> None:
        row = {k: c[k] for k in dto.COMMISSION_FIELDS}
        row["data"] = json.dumps(c, ensure_ascii=False)
        db.table("commissions").upsert(row, pk="id")

    def session_figures(self, session_id: int) -> tuple[int, int, int, int]:
        """(paid orders, refunds, GMV cents, commission cents) of a session, as the backend
        counts them: a refund takes its order out of the GMV and its reversed commission
        out of the guide's."""
        o = self.one(
            "SELECT COALESCE(SUM(status='paid'), 0) AS orders,"
            " COALESCE(SUM(status='refunded'), 0) AS refunds,"
            " COALESCE(SUM(CASE WHEN status='paid' THEN amount_cents END), 0) AS gmv"
            " FROM orders WHERE session_id=?",
            [session_id],
        ) or {"orders": 0, "refunds": 0, "gmv": 0}
        c = self.one(
            "SELECT COALESCE(SUM(c.amount_cents), 0) AS cents FROM commissions c"
            " JOIN orders o ON o.id=c.order_id WHERE o.session_id=? AND c.state!='reversed'",
            [session_id],
        ) or {"cents": 0}
        return int(o["orders"]), int(o["refunds"]), int(o["gmv"]), int(c["cents"])

    def paid_quantity(self, session_id: int, product_id: int) -> int:
        """Units of a product the session's paid orders took."""
        row = self.one(
            "SELECT COALESCE(SUM(quantity), 0) AS n FROM orders"
            " WHERE session_id=? AND product_id=? AND status='paid'",
            [session_id, product_id],
        )
        return int(row["n"]) if row else 0

    # ---- outbox delivery ---------------------------------------------------------------
    def attempt_failed(self, seq: int, error: str) -> None:
        """One more try of the row went wrong; it stays pending (``error`` redacted)."""
        with self.tx() as db:
            db.execute(
                "UPDATE outbox SET attempts=attempts+1, last_error=? WHERE seq=?",
                [error[:500], seq],
            )

    def refused(self, seq: int, error: str) -> None:
        """The backend refused the row for good: kept as failed, for inspection."""
        with self.tx() as db:
            db.execute(
                "UPDATE outbox SET state='failed', attempts=attempts+1, last_error=? WHERE seq=?",
                [error[:500], seq],
            )

    def delivered(self, db: sqlite_utils.Database, seq: int, response: Any) -> None:
        """The backend took the row (in the caller's transaction, with what it answered)."""
        db.execute(
            "UPDATE outbox SET state='done', attempts=attempts+1, sent_at=?, response=?, "
            "last_error=NULL WHERE seq=?",
            [time.time(), json.dumps(response, ensure_ascii=False), seq],
        )


# the column stamped when a session reaches a state
_STAMP = {"prepared": "prepared_at", "live": "started_at", "ended": "ended_at"}
Store = LocalStore  # the old name, for callers from before the rename
