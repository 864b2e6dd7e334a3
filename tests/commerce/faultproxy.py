"""A fault-injecting HTTP/1.1 proxy between the studio and the backend (tests only).

Per request it may answer 503 itself (with or without ``Retry-After``), forward
and then hold the reply back for a while (slow), or forward, wait for the whole
reply (so the backend has committed) and then drop the connection without
answering. SSE streams are passed through and cut after a random time. Every
upstream request is sent with ``Connection: close``, so one request = one
upstream connection and the proxy never has to parse chunked bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Faults:
    p503: float = 0.0
    pslow: float = 0.0
    pdrop: float = 0.0
    slow_seconds: tuple[float, float] = (0.5, 2.5)
    retry_after: tuple[str | None, ...] = (None, "0", "1")
    sse_cut_seconds: tuple[float, float] | None = None
    first_503: int = 0  # answer the first N requests to first_503_path with 503
    first_503_path: str = "/actions"
    first_retry_after: str = "1"


@dataclass
class FaultProxy:
    upstream_port: int
    faults: Faults = field(default_factory=Faults)
    seed: int = 1
    counts: Counter[str] = field(default_factory=Counter)
    request_times: list[tuple[float, str]] = field(default_factory=list)

    def start(self) -> int:
        self._rng = random.Random(self.seed)
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, name="fault-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Close the server and let every connection task finish its cancellation on the loop.

        Stopping the loop right after cancel() left the tasks pending: when the loop was garbage
        collected later, "Task was destroyed but it is pending" failed whichever test ran then.
        """

        async def close() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        request_line = lines[0]
        headers = [ln for ln in lines[1:] if ln]
        length = 0
        for h in headers:
            if h.lower().startswith("content-length:"):
                length = int(h.split(":", 1)[1])
        body = await reader.readexactly(length) if length else b""
        sse = "/events" in request_line.split(" ")[1]
        self.request_times.append((asyncio.get_running_loop().time(), request_line))
        f, rng = self.faults, self._rng
        self.counts["requests"] += 1
        if f.first_503_path in request_line and self.counts["first_503"] < f.first_503:
            self.counts["first_503"] += 1
            return await self._answer_503(writer, f.first_retry_after)
        if not sse and rng.random() < f.p503:
            self.counts["503"] += 1
            return await self._answer_503(writer, rng.choice(f.retry_after))
        fault = None
        if not sse:
            r = rng.random()
            fault = "drop" if r < f.pdrop else "slow" if r < f.pdrop + f.pslow else None
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            self.counts["upstream_down"] += 1
            return
        kept = [h for h in headers if not h.lower().startswith(("connection:", "keep-alive:"))]
        up_w.write(("\r\n".join([request_line, *kept, "Connection: close"]) + "\r\n\r\n").encode())
        up_w.write(body)
        await up_w.drain()
        try:
            if sse:
                await self._pipe_sse(up_r, writer)
                return
            reply = await up_r.read()  # until EOF: the backend has answered (and committed)
        finally:
            up_w.close()
        if fault == "drop":
            self.counts["dropped_after_commit"] += 1
            return
        if fault == "slow":
            self.counts["slow"] += 1
            await asyncio.sleep(rng.uniform(*f.slow_seconds))
        writer.write(reply)
        await writer.drain()

    async def _answer_503(self, writer: asyncio.StreamWriter, retry_after: str | None) -> None:
        body = b'{"detail": "proxy says: try later"}'
        extra = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
        writer.write(
            (
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                f"{extra}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            + body
        )
        await writer.drain()

    async def _pipe_sse(self, up: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cut = self.faults.sse_cut_seconds
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._rng.uniform(*cut) if cut else None
        while True:
            timeout = None if deadline is None else deadline - loop.time()
            if timeout is not None and timeout <= 0:
                self.counts["sse_cut"] += 1
                return
            try:
                chunk = await asyncio.wait_for(up.read(4096), timeout)
            except TimeoutError:
                self.counts["sse_cut"] += 1
                return
            if not chunk:
                return
            writer.write(chunk)
            await writer.drain()
