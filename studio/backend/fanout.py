"""Push fan-out of feed events: one reader per process, every SSE client served from it.

Before, each SSE client polled the ``events`` table every 0.2 s: 500 studios meant
2,500 queries a second, and the poll interval was most of the order → toast latency.
Now each backend process has one :class:`Hub`. It reads the rows after the last id it
has seen, once per wake-up, and hands each row to the subscribers it concerns (a
session's feed, a region's wall). Wake-ups come from the engine
(:meth:`studio.backend.engine.Engine.listen`): PostgreSQL ``LISTEN/NOTIFY`` carrying
the event ids (so a write in any worker wakes every worker), SQLite an after-commit
callback in this process; a slow poll backs both up (SQLite: every ``poll`` seconds,
for other processes sharing the file; PostgreSQL: every ``SAFETY_POLL`` seconds).

A client first reads its backlog from the database (``Last-Event-ID`` resume works
against any process: the rows are the truth, the hub only says "there is more"), then
takes rows from its subscription, skipping ids it has already sent. A subscriber that
falls more than ``MAX_QUEUE`` rows behind is told to re-read from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import anyio

from studio.backend.db import Database
from studio.backend.engine import Row

log = logging.getLogger(__name__)

PAGE = 1000
MAX_QUEUE = 5000
SAFETY_POLL = 2.0


@dataclass(eq=False)
class Subscription:
    """What one SSE client receives: rows of one session, or of one region."""

    session_id: int | None = None
    region_id: int | None = None
    rows: deque[Row] = field(default_factory=deque)
    overflowed: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def wants(self, row: Row) -> bool:
        if self.session_id is not None:
            return bool(row["session_id"] == self.session_id)
        return self.region_id is None or bool(row["region_id"] == self.region_id)

    def push(self, row: Row) -> None:
        if self.overflowed:
            return
        if len(self.rows) >= MAX_QUEUE:  # a slow client: it re-reads from the database
            self.rows.clear()
            self.overflowed = True
        else:
            self.rows.append(row)
        self.ready.set()

    async def wait(self, timeout: float | None = None) -> bool:
        """Until rows (or an overflow) are waiting; False on timeout."""
        if not self.rows and not self.overflowed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ready.wait(), timeout)
        self.ready.clear()
        return bool(self.rows) or self.overflowed

    def take(self) -> list[Row]:
        rows = list(self.rows)
        self.rows.clear()
        return rows


class Hub:
    """This process's one reader of new feed events (see the module docstring)."""

    def __init__(self, db: Database, poll: float) -> None:
        self.db = db
        self.poll = poll if db.kind == "sqlite" else SAFETY_POLL
        self.last = 0
        self.reads = 0  # database reads made for subscribers (the bench reports it)
        self._sessions: dict[int, set[Subscription]] = {}  # a session's feeds
        self._regions: set[Subscription] = set()  # walls (filtered by region per row)
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        db.engine.on_events.append(self._committed)

    # ---- wake-ups ---------------------------------------------------------------------------
    def _committed(self, event_id: int) -> None:
        """After a commit in this process (any thread)."""
        self.poke()

    def poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is shutting down
                loop.call_soon_threadsafe(wake.set)

    # ---- subscribers ------------------------------------------------------------------------
    @contextlib.contextmanager
    def subscribe(
        self, *, session_id: int | None = None, region_id: int | None = None
    ) -> Iterator[Subscription]:
        sub = Subscription(session_id=session_id, region_id=region_id)
        group = (
            self._sessions.setdefault(session_id, set())
            if session_id is not None
            else self._regions
        )
        group.add(sub)
        try:
            yield sub
        finally:
            group.discard(sub)
            if session_id is not None and not group:
                self._sessions.pop(session_id, None)

    # ---- the reader -------------------------------------------------------------------------
    def _read(self, after: int) -> list[Row]:
        return self.db.all(
            "SELECT e.id, e.session_id, e.type, e.data, s.region_id FROM events e "
            "JOIN live_sessions ls ON ls.id=e.session_id JOIN stores s ON s.id=ls.store_id "
            "WHERE e.id>? ORDER BY e.id LIMIT ?",
            after,
            PAGE,
        )

    async def run(self) -> None:
        """Read and dispatch until cancelled (the app's lifespan runs it)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        listener = self.db.engine.listen(self.poke)
        task = asyncio.create_task(listener, name="feed-listener") if listener else None
        try:
            row = await anyio.to_thread.run_sync(self.db.one, "SELECT MAX(id) FROM events")
            self.last = int(row[0] or 0) if row else 0
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll)
                self._wake.clear()
                try:
                    await self._dispatch_new()
                except Exception:
                    log.exception("reading new feed events failed; retrying")
                    await asyncio.sleep(self.poll)
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _dispatch_new(self) -> None:
        while True:
            rows = await anyio.to_thread.run_sync(self._read, self.last)
            self.reads += 1
            if not rows:
                return
            self.last = int(rows[-1]["id"])
            for r in rows:
                for sub in list(self._sessions.get(int(r["session_id"]), ())):
                    sub.push(r)
                for sub in list(self._regions):
                    if sub.wants(r):
                        sub.push(r)
            if len(rows) < PAGE:
                return
