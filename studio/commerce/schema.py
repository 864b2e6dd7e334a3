"""The local store's schema: its migrations, in order, and what belongs to one backend.

Each migration runs in one transaction with the version bump
(:meth:`studio.commerce.store.LocalStore`), after a backup of the older file.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


def _v1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("products").create(
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
    db.table("sessions").create(
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
    db.table("links").create(
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
    db.table("links").create_index(["session_id", "product_id"], unique=True)
    db.table("orders").create(
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
    db.table("orders").create_index(["session_id"])
    db.table("commissions").create(
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
    db.table("feed_cursor").create(
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
    db.table("products").add_column("image_path", str)


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

# what is cached from one backend and means nothing at another (LocalStore.bind_backend)
BACKEND_TABLES = ("products", "sessions", "links", "orders", "commissions", "feed_cursor")
BACKEND_META = ("online", "offline_reason", "last_sync_at", "last_error")
BACKEND_META_PREFIXES = ("promo_rules:", "rehearsal_stock:")
SCHEMA_VERSION = max(MIGRATIONS)
