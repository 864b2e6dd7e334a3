"""What the two SSE feeds (session events, regional wall) share.

- ``Last-Event-ID`` is parsed strictly: ASCII digits only, at most an event id
  this backend can hold (``str.isdigit`` also accepts ``²``, which ``int`` refuses,
  and SQLite cannot bind 20-digit integers): anything else is a 422.
- A backlog is sent as one chunk per page of rows, encoded here, instead of one
  ASGI message per event: a client resuming from 0 costs a few sends, not hundreds.
- Feed reads run on their own small thread limiter, so hundreds of replaying
  clients queue among themselves and never starve the API's worker threads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import anyio

from studio.backend.errors import ApiError

log = logging.getLogger(__name__)

MAX_EVENT_ID = 2**62
FEED_THREADS = 4
_limiter: anyio.CapacityLimiter | None = None


def parse_event_id(value: str | None) -> int | None:
    """The id in a ``Last-Event-ID`` header, None when absent, else 422."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    if not (v.isascii() and v.isdigit() and len(v) <= 19 and int(v) <= MAX_EVENT_ID):
        raise ApiError(422, "Last-Event-ID must be an event id from this feed (ASCII digits)")
    return int(v)


def encode(rows: Iterable[Any]) -> bytes:
    """SSE messages for event rows (``id``, ``type``, one-line JSON ``data``)."""
    return "".join(
        f"id: {r['id']}\r\nevent: {r['type']}\r\ndata: {r['data']}\r\n\r\n" for r in rows
    ).encode()


def feed_limiter() -> anyio.CapacityLimiter:
    """The threads feed reads may use (made on first use, inside the event loop)."""
    global _limiter  # noqa: PLW0603 - one per process, made lazily inside the loop
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(FEED_THREADS)
    return _limiter
