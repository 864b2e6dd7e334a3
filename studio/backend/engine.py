"""Everything that differs between the backend's two database engines, in one place.

SQLite (one file, the default: demo, tests, a single store) and PostgreSQL (a chain's
region, several backend processes) run the same SQL: the statements elsewhere are
written once, with ``?`` placeholders, in the subset both engines speak. This module
holds what cannot be shared:

- connections: per-thread SQLite connections on one WAL file; a psycopg 3 pool for
  PostgreSQL (reads borrow a connection per statement, a write keeps one for its
  transaction);
- placeholders (``?`` → ``%s``) and ``lastrowid`` (PostgreSQL: ``RETURNING id``);
- how a write transaction begins (SQLite: ``BEGIN IMMEDIATE`` under an in-process lock,
  so writers are serialised; PostgreSQL: ``BEGIN`` at READ COMMITTED, made safe by
  row locks, advisory locks and unique constraints);
- locking: :meth:`Conn.for_update` (``FOR NO KEY UPDATE`` [``SKIP LOCKED``]), :meth:`Conn.lock`
  (a transaction-scoped advisory lock on a name: an idempotency key, a shop order id),
  :meth:`Conn.serialize_events` (feed events are committed in id order);
- the schema's types (:meth:`Engine.ddl`), the hour bucket of a unix time, table lookup;
- how other processes learn of new feed events: PostgreSQL ``NOTIFY`` (see
  :mod:`studio.backend.fanout`), SQLite an after-commit callback in this process.

Rows are :class:`Row` on both engines (by index and by column name, like ``sqlite3.Row``).

Size (~510 lines): both engines' adapters side by side, so each SQL dialect difference
is read next to its twin; the migrations that use them live in ``db.py``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "studio_events"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_EVENTS_LOCK = 0x5354_5544_494F  # "STUDIO": the advisory lock that orders feed events
OnEvents = Callable[[int], None]


class Row(tuple[Any, ...]):
    """One result row: ``row[0]`` or ``row["name"]``; ``dict(row)`` gives the columns."""

    _index: dict[str, int]

    def __new__(cls, values: Iterable[Any], index: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _index(names: Iterable[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)  # a repeated name means its first column, as in sqlite3
    return index


class Result:
    """A statement's rows (fetched at once), ``lastrowid`` of an INSERT and ``rowcount``."""

    def __init__(self, rows: list[Row], lastrowid: int | None, rowcount: int) -> None:
        self.rows, self.lastrowid, self.rowcount = rows, lastrowid, rowcount

    def fetchone(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def one(self) -> Row:
        """The first row; for queries that always find one (an aggregate, a known id)."""
        if not self.rows:
            raise LookupError("the query found no row")
        return self.rows[0]

    def fetchall(self) -> list[Row]:
        return self.rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def _params(params: Sequence[Any]) -> tuple[Any, ...]:
    # a bool stored in an INTEGER column: PostgreSQL would refuse boolean for bigint
    return tuple(int(p) if isinstance(p, bool) else p for p in params)


class Conn:
    """A connection as the SQL code sees it (inside or outside a write transaction)."""

    kind = ""

    def __init__(self) -> None:
        self.events: list[int] = []  # feed event ids written in this transaction

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        raise NotImplementedError

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        for params in seq:
            self.execute(sql, params)

    def for_update(self, *, skip_locked: bool = False) -> str:
        """Suffix of a SELECT that locks the rows it reads until the transaction ends."""
        return ""

    def lock(self, name: str) -> None:
        """Hold a lock on ``name`` until the transaction ends (same name: one at a time)."""

    def serialize_events(self) -> None:
        """Before a feed event is inserted: event ids must be committed in id order, so a
        reader that has seen id N will never later find a smaller one."""

    def notify(self, event_id: int) -> None:
        """Announce a feed event to every backend process once this transaction commits."""
        self.events.append(event_id)


# ---- SQLite ------------------------------------------------------------------------------


def _sqlite_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    return Row(values, _index(d[0] for d in cursor.description))


class SqliteConn(Conn):
    kind = "sqlite"

    def __init__(self, raw: sqlite3.Connection) -> None:
        super().__init__()
        self.raw = raw
        self.in_tx = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        cur = self.raw.execute(sql, _params(params))
        rows = cur.fetchall() if cur.description else []
        return Result(rows, cur.lastrowid, cur.rowcount)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(sql, (_params(p) for p in seq))


def private_file(path: Path, *, create: bool = True) -> None:
    """Make ``path`` readable by its owner only (0600), creating it empty if asked.

    The database holds both backend secrets and every buyer's phone number. SQLite
    creates its -wal and -shm files with the main file's mode, so a 0600 main file
    keeps them private too.
    """
    if create and not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    try:
        if path.exists() and (path.stat().st_mode & 0o077):
            path.chmod(0o600)
    except OSError:  # not ours to change (a shared read-only copy): leave it
        log.warning("cannot make %s private", path)


class Engine:
    """One database: connections, write transactions and the engine's dialect."""

    kind = ""

    def __init__(self) -> None:
        self.on_events: list[OnEvents] = []  # called after a commit that wrote feed events

    def describe(self) -> str:
        raise NotImplementedError

    def reader(self) -> Conn:
        raise NotImplementedError

    def write(self) -> Any:
        raise NotImplementedError

    def ddl(self, stmt: str) -> str:
        return stmt

    def table_exists(self, conn: Conn, name: str) -> bool:
        raise NotImplementedError

    def hour_bucket(self, expr: str) -> str:
        """SQL for the whole hours since 1970 of the unix time ``expr`` (UTC)."""
        raise NotImplementedError

    def listen(self, wake: Callable[[], None]) -> Coroutine[Any, Any, None] | None:
        """A task that calls ``wake`` whenever any process commits feed events, or None
        when this engine has no such channel (SQLite: commits here call ``on_events``)."""
        return None

    def close(self) -> None:
        pass

    def _committed(self, conn: Conn) -> None:
        if conn.events:
            last = max(conn.events)
            conn.events = []
            for callback in self.on_events:
                try:
                    callback(last)
                except Exception:  # a listener's fault never undoes a committed write
                    log.exception("feed event callback failed")


class SqliteEngine(Engine):
    """Per-thread connections to one SQLite file in WAL mode; one writer at a time.

    Writes are serialised by one in-process lock plus ``BEGIN IMMEDIATE`` (which also
    serialises processes sharing the file), so check-then-act sequences (stock,
    idempotency keys, webhook order ids) are atomic without row locks.
    """

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private_file(self.path)
        self._local = threading.local()
        self._write_lock = threading.RLock()

    def describe(self) -> str:
        return str(self.path)

    def _connect(self) -> SqliteConn:
        raw = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        raw.row_factory = _sqlite_row
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA synchronous=NORMAL")
        for side in ("-wal", "-shm"):  # SQLite copies the main file's mode; older files may not
            private_file(self.path.with_name(self.path.name + side), create=False)
        return SqliteConn(raw)

    def reader(self) -> SqliteConn:
        conn: SqliteConn | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def write(self) -> Iterator[Conn]:
        with self._write_lock:
            conn = self.reader()
            if conn.in_tx:  # nested use joins the outer transaction
                yield conn
                return
            conn.raw.execute("BEGIN IMMEDIATE")
            conn.in_tx = True
            try:
                yield conn
            except BaseException:
                conn.in_tx = False
                conn.events = []
                conn.raw.execute("ROLLBACK")
                raise
            conn.in_tx = False
            conn.raw.execute("COMMIT")
        self._committed(conn)

    def table_exists(self, conn: Conn, name: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?"
        return conn.execute(sql, (name,)).fetchone() is not None

    def hour_bucket(self, expr: str) -> str:
        return f"CAST({expr} / 3600 AS INTEGER)"

    def close(self) -> None:
        conn: SqliteConn | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.raw.close()
            self._local.conn = None


# ---- PostgreSQL --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _pg_sql(sql: str) -> str:
    """``?`` placeholders (outside quotes) as ``%s``; a literal ``%`` as ``%%``."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if ch == "%":
            out.append("%%")
        elif quote:
            out.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)


def _pg_params(params: Sequence[Any]) -> tuple[Any, ...]:
    # PostgreSQL text cannot hold NUL; SQLite can. A NUL in user text (a title) is dropped.
    return tuple(p.replace("\x00", "") if isinstance(p, str) else p for p in _params(params))


class PgConn(Conn):
    kind = "postgresql"

    def __init__(self, raw: psycopg.Connection[Any], id_tables: frozenset[str]) -> None:
        super().__init__()
        self.raw = raw
        self.id_tables = id_tables
        self._events_locked = False

    def _sql(self, sql: str) -> tuple[str, bool]:
        m = _INSERT.match(sql)
        if m and m.group(1).lower() in self.id_tables and "RETURNING" not in sql.upper():
            return _pg_sql(sql) + " RETURNING id", True
        return _pg_sql(sql), False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        text, returning = self._sql(sql)
        cur = self.raw.execute(text, _pg_params(params))
        rows: list[Row] = cur.fetchall() if cur.description else []
        if returning:
            return Result([], int(rows[0][0]) if rows else None, cur.rowcount)
        return Result(rows, None, cur.rowcount)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(_pg_sql(sql), [_pg_params(p) for p in seq])

    def for_update(self, *, skip_locked: bool = False) -> str:
        # NO KEY UPDATE: a row locked to change its figures (stock, seats, state), not its
        # key, so inserts that merely reference it (an order's FOREIGN KEY check takes KEY
        # SHARE) never deadlock with the lock taken after them
        return " FOR NO KEY UPDATE" + (" SKIP LOCKED" if skip_locked else "")

    def lock(self, name: str) -> None:
        self.raw.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))

    def serialize_events(self) -> None:
        # held from the first event to the commit: ids are drawn and committed in order
        if not self._events_locked:
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_EVENTS_LOCK,))
            self._events_locked = True

    def notify(self, event_id: int) -> None:
        super().notify(event_id)
        self.raw.execute("SELECT pg_notify(%s, %s)", (EVENTS_CHANNEL, str(event_id)))


class _PgReader(Conn):
    """Reads outside a transaction: each statement borrows a pooled connection."""

    kind = "postgresql"

    def __init__(self, engine: PgEngine) -> None:
        super().__init__()
        self.engine = engine

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        with self.engine.pool.connection() as raw:
            return PgConn(raw, self.engine.id_tables).execute(sql, params)


def _pg_rows(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    index = _index(c.name for c in cursor.description or ())
    return lambda values: Row(values, index)


def redacted_url(url: str) -> str:
    """The URL without its password (for logs and messages)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PgEngine(Engine):
    """A pool of psycopg 3 connections to one PostgreSQL database."""

    kind = "postgresql"

    def __init__(self, url: str, id_tables: frozenset[str], *, pool_size: int = 16) -> None:
        super().__init__()
        import psycopg
        import psycopg_pool
        from psycopg.types.numeric import NumericLoader

        class _Number(NumericLoader):
            """SUM() of integers is numeric: integral values come back as int, not Decimal."""

            def load(self, data: Any) -> Any:
                value = super().load(data)
                if isinstance(value, Decimal):
                    return int(value) if value == value.to_integral_value() else float(value)
                return value

        def configure(conn: psycopg.Connection[Any]) -> None:
            conn.adapters.register_loader("numeric", _Number)
            conn.row_factory = _pg_rows

        try:  # one plain connection first: its error says why (no such database, refused)
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise RuntimeError(f"cannot connect to {redacted_url(url)}: {reason}") from None
        self.url = url
        self.id_tables = id_tables
        self._local = threading.local()
        self.pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": 10},
            configure=configure,
            name="studio-backend",
            open=False,
        )
        try:
            self.pool.open(wait=True, timeout=15)
        except psycopg_pool.PoolTimeout as exc:
            self.pool.close()
            raise RuntimeError(f"cannot connect to {redacted_url(url)}") from exc

    def describe(self) -> str:
        return redacted_url(self.url)

    def reader(self) -> Conn:
        tx: PgConn | None = getattr(self._local, "tx", None)
        return tx if tx is not None else _PgReader(self)

    @contextmanager
    def write(self) -> Iterator[Conn]:
        outer: PgConn | None = getattr(self._local, "tx", None)
        if outer is not None:  # nested use joins the outer transaction
            yield outer
            return
        with self.pool.connection() as raw:
            conn = PgConn(raw, self.id_tables)
            try:
                with raw.transaction():
                    self._local.tx = conn
                    yield conn
            finally:
                self._local.tx = None
        self._committed(conn)

    async def _listen(self, wake: Callable[[], None]) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=10
                ) as conn:
                    await conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    wake()  # catch up on what was committed while not listening
                    async for _ in conn.notifies():
                        wake()
            except psycopg.Error as exc:
                log.warning("feed notifications lost (%s); reconnecting", type(exc).__name__)
                await asyncio.sleep(1.0)

    def listen(self, wake: Callable[[], None]) -> Coroutine[Any, Any, None] | None:
        return self._listen(wake)

    def ddl(self, stmt: str) -> str:
        """The schema's SQLite types in PostgreSQL: 64-bit ids and integers, double floats."""
        stmt = re.sub(
            r"\bid INTEGER PRIMARY KEY( AUTOINCREMENT)?",
            "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            stmt,
        )
        stmt = re.sub(r"\bINTEGER\b", "BIGINT", stmt)
        return re.sub(r"\bREAL\b", "DOUBLE PRECISION", stmt)

    def table_exists(self, conn: Conn, name: str) -> bool:
        return conn.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).one()[0] is True

    def hour_bucket(self, expr: str) -> str:
        return f"CAST(FLOOR({expr} / 3600) AS BIGINT)"

    def close(self) -> None:
        self.pool.close()


def is_postgres(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def open_engine(target: str | Path, id_tables: frozenset[str]) -> Engine:
    """A PostgreSQL URL (``postgresql://…``) or the path of an SQLite file."""
    if is_postgres(target):
        return PgEngine(str(target), id_tables)
    return SqliteEngine(Path(target))
