"""The backend's database: schema, migrations, the clock, and :class:`Database`.

One set of migrations for both engines: the statements are written in SQLite's types
and :meth:`studio.backend.engine.Engine.ddl` gives PostgreSQL's; ``{NOW}`` in a
migration is the time it runs. Everything engine-specific (connections, placeholders,
transactions, locks, notifications) is :mod:`studio.backend.engine`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from studio.backend.engine import Conn, Engine, Row, open_engine, private_file

log = logging.getLogger(__name__)

SCHEMA_VERSION = 7

_SCHEMA_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE regions(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE stores(
  id INTEGER PRIMARY KEY,
  region_id INTEGER NOT NULL REFERENCES regions(id),
  name TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT ''
);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK(role IN
    ('guide','store_manager','regional_manager','trainer','admin')),
  password_hash TEXT NOT NULL,
  region_id INTEGER REFERENCES regions(id),
  store_id INTEGER REFERENCES stores(id),
  created_at REAL NOT NULL
);
CREATE TABLE guides(
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  user_id INTEGER UNIQUE REFERENCES users(id),
  name TEXT NOT NULL
);
CREATE TABLE auth_tokens(
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at REAL NOT NULL,
  expires_at REAL NOT NULL
);
CREATE TABLE products(
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK(price_cents >= 0),
  list_price_cents INTEGER NOT NULL CHECK(list_price_cents >= 0),
  stock INTEGER NOT NULL CHECK(stock >= 0),
  color TEXT NOT NULL DEFAULT '#e85d4a'
);
CREATE TABLE live_sessions(
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  guide_id INTEGER NOT NULL REFERENCES guides(id),
  title TEXT NOT NULL,
  scheduled_start REAL,
  state TEXT NOT NULL DEFAULT 'scheduled'
    CHECK(state IN ('scheduled','prepared','live','ended')),
  started_at REAL,
  ended_at REAL,
  rehearsal INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER REFERENCES users(id),
  created_at REAL NOT NULL
);
CREATE TABLE session_actions(
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  kind TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  client_time REAL,
  created_by INTEGER REFERENCES users(id),
  created_at REAL NOT NULL
);
CREATE INDEX session_actions_session ON session_actions(session_id, id);
CREATE TABLE coupons(
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  product_id INTEGER REFERENCES products(id),
  code TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  discount_cents INTEGER NOT NULL CHECK(discount_cents > 0),
  min_spend_cents INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL CHECK(total > 0),
  used INTEGER NOT NULL DEFAULT 0,
  expires_at REAL,
  created_at REAL NOT NULL
);
CREATE TABLE links(
  id INTEGER PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  guide_id INTEGER NOT NULL REFERENCES guides(id),
  store_id INTEGER NOT NULL REFERENCES stores(id),
  coupon_id INTEGER REFERENCES coupons(id),
  created_by INTEGER REFERENCES users(id),
  created_at REAL NOT NULL,
  expires_at REAL,
  clicks INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE groupbuys(
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  group_price_cents INTEGER NOT NULL CHECK(group_price_cents >= 0),
  size INTEGER NOT NULL CHECK(size >= 2),
  joined INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'open' CHECK(state IN ('open','succeeded','failed')),
  created_at REAL NOT NULL,
  ends_at REAL NOT NULL
);
CREATE TABLE lotteries(
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  prize TEXT NOT NULL,
  winners INTEGER NOT NULL CHECK(winners >= 1),
  state TEXT NOT NULL DEFAULT 'open' CHECK(state IN ('open','drawn')),
  result TEXT,
  created_at REAL NOT NULL,
  drawn_at REAL
);
CREATE TABLE orders(
  id INTEGER PRIMARY KEY,
  order_no TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL CHECK(source IN ('checkout','webhook')),
  shop_order_id TEXT UNIQUE,
  link_id INTEGER NOT NULL REFERENCES links(id),
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  guide_id INTEGER NOT NULL REFERENCES guides(id),
  store_id INTEGER NOT NULL REFERENCES stores(id),
  quantity INTEGER NOT NULL CHECK(quantity > 0),
  unit_price_cents INTEGER NOT NULL,
  discount_cents INTEGER NOT NULL DEFAULT 0,
  amount_cents INTEGER NOT NULL CHECK(amount_cents >= 0),
  coupon_id INTEGER REFERENCES coupons(id),
  groupbuy_id INTEGER REFERENCES groupbuys(id),
  fulfilment TEXT NOT NULL CHECK(fulfilment IN ('pickup','delivery')),
  address TEXT NOT NULL DEFAULT '',
  buyer_name TEXT NOT NULL DEFAULT '',
  buyer_phone TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK(status IN ('paid','refunded')),
  payment_ref TEXT NOT NULL,
  rehearsal INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  refunded_at REAL
);
CREATE INDEX orders_session ON orders(session_id);
CREATE INDEX orders_guide_time ON orders(guide_id, created_at);
CREATE TABLE commission_rules(
  id INTEGER PRIMARY KEY,
  product_id INTEGER REFERENCES products(id),
  category TEXT,
  rate REAL NOT NULL CHECK(rate >= 0 AND rate <= 1),
  cap_cents INTEGER CHECK(cap_cents IS NULL OR cap_cents >= 0)
);
CREATE TABLE commissions(
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL UNIQUE REFERENCES orders(id),
  guide_id INTEGER NOT NULL REFERENCES guides(id),
  amount_cents INTEGER NOT NULL,
  rate REAL NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','settled','reversed')),
  created_at REAL NOT NULL,
  settle_after REAL NOT NULL,
  settled_at REAL,
  reversed_at REAL
);
CREATE TABLE events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at REAL NOT NULL
);
CREATE INDEX events_session ON events(session_id, id);
CREATE TABLE idempotency(
  user_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at REAL NOT NULL,
  PRIMARY KEY(user_id, key)
);
CREATE TABLE bookings(
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  created_at REAL NOT NULL
);
"""

# v2 (the regional wall): each store's play URL on the chain's media server, and the
# viewer count a studio reports for its live session ("where known").
_SCHEMA_V2 = """
CREATE TABLE store_streams(
  store_id INTEGER PRIMARY KEY REFERENCES stores(id),
  play_url TEXT NOT NULL,
  updated_at REAL NOT NULL
);
CREATE TABLE session_viewers(
  session_id INTEGER PRIMARY KEY REFERENCES live_sessions(id),
  viewers INTEGER NOT NULL CHECK(viewers >= 0),
  reported_at REAL NOT NULL
);
CREATE INDEX orders_store_time ON orders(store_id, created_at);
"""

# v3 (hardening): stock as a ledger, one buyer per group-buy seat, promotion limits per
# store. Every product gets an opening row, so SUM(delta) of its real moves == its stock.
_SCHEMA_V3 = """
CREATE TABLE stock_moves(
  id INTEGER PRIMARY KEY,
  product_id INTEGER NOT NULL REFERENCES products(id),
  pool TEXT NOT NULL DEFAULT 'real' CHECK(pool IN ('real','rehearsal')),
  kind TEXT NOT NULL CHECK(kind IN
    ('opening','sale','refund','adjustment','unmatched_refund')),
  delta INTEGER NOT NULL,
  stock_after INTEGER NOT NULL,
  order_id INTEGER REFERENCES orders(id),
  session_id INTEGER REFERENCES live_sessions(id),
  user_id INTEGER REFERENCES users(id),
  note TEXT NOT NULL DEFAULT '',
  created_at REAL NOT NULL
);
CREATE INDEX stock_moves_product ON stock_moves(product_id, id);
CREATE INDEX stock_moves_order ON stock_moves(order_id);
INSERT INTO stock_moves(product_id, kind, delta, stock_after, note, created_at)
  SELECT id, 'opening', stock, stock, 'stock when the ledger began',
  {NOW} FROM products;
CREATE TABLE groupbuy_members(
  groupbuy_id INTEGER NOT NULL REFERENCES groupbuys(id),
  buyer_key TEXT NOT NULL,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  PRIMARY KEY(groupbuy_id, buyer_key)
);
CREATE TABLE promo_rules(
  store_id INTEGER PRIMARY KEY REFERENCES stores(id),
  max_coupon_cents INTEGER NOT NULL CHECK(max_coupon_cents >= 0),
  max_discount_pct INTEGER NOT NULL CHECK(max_discount_pct BETWEEN 0 AND 100),
  min_group_price_pct INTEGER NOT NULL CHECK(min_group_price_pct BETWEEN 1 AND 100),
  updated_by INTEGER REFERENCES users(id),
  updated_at REAL NOT NULL
);
"""

# v4 (issue 13): a flash price is a backend object before it is drawn: bound to a session
# and a product, with its window; checkout honours it inside the window only, and an
# order says which flash price (if any) set its unit price.
_SCHEMA_V4 = """
CREATE TABLE flash_prices(
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  price_cents INTEGER NOT NULL CHECK(price_cents >= 1),
  starts_at REAL NOT NULL,
  ends_at REAL NOT NULL CHECK(ends_at > starts_at),
  created_by INTEGER REFERENCES users(id),
  created_at REAL NOT NULL
);
CREATE INDEX flash_prices_session_product ON flash_prices(session_id, product_id, starts_at);
ALTER TABLE orders ADD COLUMN flash_price_id INTEGER REFERENCES flash_prices(id);
"""

# v5 (issue 13): a lottery says when it is drawn; the backend draws it then (lotteries.py).
_SCHEMA_V5 = """
ALTER TABLE lotteries ADD COLUMN draws_at REAL;
CREATE INDEX lotteries_due ON lotteries(state, draws_at)
"""

# v6 (issue 20, 连麦): join links, guests and their offer/answer, on-air stretches, and
# the co-host share of a host's commission earned while a guest guide was on air.
_SCHEMA_V6 = """
CREATE TABLE costream_invites(
  id INTEGER PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  label TEXT NOT NULL DEFAULT '',
  uses INTEGER NOT NULL CHECK(uses >= 1),
  used INTEGER NOT NULL DEFAULT 0,
  expires_at REAL NOT NULL,
  revoked_at REAL,
  guest_guide_id INTEGER REFERENCES guides(id),
  co_host_share REAL NOT NULL DEFAULT 0 CHECK(co_host_share >= 0 AND co_host_share <= 0.5),
  created_by INTEGER REFERENCES users(id),
  created_at REAL NOT NULL
);
CREATE INDEX costream_invites_session ON costream_invites(session_id, id);
CREATE TABLE costream_guests(
  id INTEGER PRIMARY KEY,
  invite_id INTEGER NOT NULL REFERENCES costream_invites(id),
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('offered','answered','connected','left','ended')),
  offer_sdp TEXT,
  answer_sdp TEXT,
  rejoin INTEGER NOT NULL DEFAULT 0,
  offer_at REAL,
  on_air INTEGER NOT NULL DEFAULT 0,
  joined_at REAL NOT NULL,
  left_at REAL
);
CREATE INDEX costream_guests_session ON costream_guests(session_id, state);
CREATE TABLE costream_on_air(
  id INTEGER PRIMARY KEY,
  guest_id INTEGER NOT NULL REFERENCES costream_guests(id),
  session_id INTEGER NOT NULL REFERENCES live_sessions(id),
  started_at REAL NOT NULL,
  ended_at REAL
);
CREATE INDEX costream_on_air_session ON costream_on_air(session_id, started_at);
CREATE TABLE co_host_shares(
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  commission_id INTEGER NOT NULL REFERENCES commissions(id),
  guest_id INTEGER NOT NULL REFERENCES costream_guests(id),
  guide_id INTEGER NOT NULL REFERENCES guides(id),
  share REAL NOT NULL,
  amount_cents INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','settled','reversed')),
  created_at REAL NOT NULL,
  settled_at REAL,
  reversed_at REAL,
  UNIQUE(order_id, guest_id)
);
CREATE INDEX co_host_shares_guide ON co_host_shares(guide_id, created_at)
"""

# v7: a join link knows the program's orientation, so the guest's camera is asked for it
_SCHEMA_V7 = """
ALTER TABLE costream_invites ADD COLUMN shape TEXT NOT NULL DEFAULT 'landscape'
"""

MIGRATIONS: dict[int, str] = {
    1: _SCHEMA_V1,
    2: _SCHEMA_V2,
    3: _SCHEMA_V3,
    4: _SCHEMA_V4,
    5: _SCHEMA_V5,
    6: _SCHEMA_V6,
    7: _SCHEMA_V7,
}


class Clock(Protocol):
    """Where the backend reads the time; tests inject a fake to age commissions."""

    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class FakeClock:
    """A settable clock for tests (``advance`` moves it forward)."""

    def __init__(self, start: float | None = None) -> None:
        self._t = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._t += seconds


# tables whose rows are named by an integer ``id`` (PostgreSQL returns it on INSERT)
ID_TABLES = frozenset(
    m.group(1)
    for sql in MIGRATIONS.values()
    for m in re.finditer(r"CREATE TABLE (\w+)\(\s*id INTEGER PRIMARY KEY", sql)
)

__all__ = ["Conn", "Database", "Row", "private_file"]


class Database:
    """The backend's database: an SQLite file (a path) or PostgreSQL (a URL)."""

    def __init__(self, target: Path | str) -> None:
        self.engine: Engine = open_engine(target, ID_TABLES)
        self.kind = self.engine.kind
        self.path = target
        try:
            self._migrate()
        except BaseException:
            self.engine.close()
            raise

    def describe(self) -> str:
        """Where the data is (a PostgreSQL URL without its password)."""
        return self.engine.describe()

    @property
    def conn(self) -> Conn:
        """The connection of this thread's open write transaction, else one for reading."""
        return self.engine.reader()

    @contextmanager
    def write(self) -> Iterator[Conn]:
        """One atomic write transaction; rolled back on any exception."""
        with self.engine.write() as conn:
            yield conn

    def one(self, sql: str, *params: Any) -> Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, *params: Any) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def hour_bucket(self, expr: str) -> str:
        return self.engine.hour_bucket(expr)

    def _migrate(self) -> None:
        with self.write() as conn:
            conn.lock("schema migration")  # several workers starting at once: one migrates
            version = 0
            if self.engine.table_exists(conn, "meta"):
                row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.describe()} has schema version {version}, newer than this backend"
                )
            for v in range(version + 1, SCHEMA_VERSION + 1):
                log.info("migrating %s to schema version %d", self.describe(), v)
                for stmt in MIGRATIONS[v].replace("{NOW}", repr(time.time())).split(";"):
                    if stmt.strip():
                        conn.execute(self.engine.ddl(stmt))
                _put_meta(conn, "schema_version", str(v))

    def meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key=?", key)
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            _put_meta(conn, key, value)

    def set_meta_once(self, key: str, value: str) -> str:
        """Store ``value`` unless ``key`` has one already; returns the stored value (so
        several processes starting at once agree on one generated secret)."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING",
                (key, value),
            )
            return str(conn.execute("SELECT value FROM meta WHERE key=?", (key,)).one()[0])

    def close(self) -> None:
        self.engine.close()


def _put_meta(conn: Conn, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES(?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (key, value),
    )
