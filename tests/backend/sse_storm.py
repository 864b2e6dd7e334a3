"""A reconnect storm for tests: N clients replaying a session's feed from id 0, again
and again, for S seconds (raw sockets, loopback only). Prints events and replays read.

    python -m tests.backend.sse_storm HOST PORT TOKEN SESSION_ID CLIENTS SECONDS
"""

from __future__ import annotations

import asyncio
import sys
import time


async def _client(host: str, port: int, request: bytes, until: float, out: list[int]) -> None:
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            data = await asyncio.wait_for(
                reader.read(-1), timeout=max(0.1, until - time.monotonic())
            )
            writer.close()
            out[0] += data.count(b"\nid: ")
            out[1] += 1
        except (TimeoutError, OSError):
            return


async def storm(
    host: str, port: int, token: str, session: int, clients: int, secs: float
) -> list[int]:
    request = (
        f"GET /api/sessions/{session}/events?follow=false HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\nLast-Event-ID: 0\r\nConnection: close\r\n\r\n"
    ).encode()
    until = time.monotonic() + secs
    out = [0, 0]
    await asyncio.gather(*(_client(host, port, request, until, out) for _ in range(clients)))
    return out


if __name__ == "__main__":
    h, p, tok, sid, n, s = sys.argv[1:7]
    assert h in ("127.0.0.1", "localhost", "::1"), "loopback only"
    events, replays = asyncio.run(storm(h, int(p), tok, int(sid), int(n), float(s)))
    print(f"{events} {replays}", flush=True)
