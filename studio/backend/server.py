"""uvicorn's HTTP/1.1 protocol with a request deadline (slow clients are cut off).

uvicorn (0.54) offers ``timeout_keep_alive`` (idle time *between* requests, reset
by every byte), ``limit_concurrency`` (503 past N connections + tasks) and
``h11_max_incomplete_event_size`` (header size), but no timeout for receiving a
request: its ``--timeout-request-start`` / ``--timeout-request-complete`` were
planned (encode/uvicorn#157) and never built. A client that opens a connection
and trickles its headers or body holds the connection, and a coroutine, for as
long as it likes. This protocol gives each request ``request_timeout`` seconds
from its first byte (or from the connection's opening) until it has been fully
received; then the connection is closed. Responses (the SSE feed included) are
not limited: the deadline is off once the request is in.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR, h11.SWITCHED_PROTOCOL)


class DeadlineH11Protocol(H11Protocol):
    request_timeout: float = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _RECEIVED:
            self._disarm()
        elif self._deadline is None:  # the first bytes of a request on a kept-alive connection
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.conn.their_state in _RECEIVED or self.transport.is_closing():
            return
        log.debug(
            "request not received within %.0f s: closing the connection", self.request_timeout
        )
        self.transport.close()


def deadline_protocol(seconds: float) -> type[DeadlineH11Protocol]:
    """The protocol class to pass as ``uvicorn.run(..., http=...)``."""
    return type("DeadlineH11Protocol", (DeadlineH11Protocol,), {"request_timeout": seconds})
