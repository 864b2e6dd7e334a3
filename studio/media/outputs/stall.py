"""Notice a destination that is connected but no longer reading, and cut it loose.

A half-dead CDN edge keeps the TCP connection open and stops reading. FFmpeg's write then
blocks until the socket buffers on both ends are full and TCP gives up: minutes, with PyAV
offering no write timeout for output containers. The watch finds the socket FFmpeg opened
(psutil lists this process's connections with their descriptors) and asks the kernel how many
bytes the peer has acknowledged (Linux ``TCP_INFO``). When data is waiting and nothing was
acknowledged for ``STALL_SECONDS``, it shuts the socket down: FFmpeg's blocked write fails at
once and the output reconnects like after any lost connection. Where the kernel does not say
(macOS, Windows), a mux call blocked for ``STALL_SECONDS`` counts as no progress instead.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable

import psutil

log = logging.getLogger(__name__)

STALL_SECONDS = 10.0
POLL_SECONDS = 0.5
_TCPI_BYTES_ACKED = 120  # offset of tcpi_bytes_acked in Linux's struct tcp_info (since 4.1)
_TIOCOUTQ = 0x5411  # bytes not yet acknowledged by the peer (Linux)


def peer_connections(peer: tuple[str, int]) -> set[int]:
    """Descriptors of this process's TCP connections to ``peer`` (ip, port)."""
    try:
        conns = psutil.Process().net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return set()
    return {
        c.fd
        for c in conns
        if c.fd is not None and c.fd >= 0 and c.raddr and (c.raddr.ip, c.raddr.port) == peer
    }


class StallWatch:
    """Watches one connection from its own thread while the output thread muxes."""

    def __init__(
        self,
        name: str,
        fd: int | None,
        mux_since: Callable[[], float | None],
        cancel: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self._fd = fd
        self._cancel = cancel  # ends a blocked write where the output can (netio)
        self._mux_since = mux_since  # monotonic start of the mux call in progress, or None
        self._done = threading.Event()
        self.stalled = False
        self._thread = threading.Thread(target=self._run, name=f"stall-watch:{name}", daemon=True)

    def start(self) -> StallWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        self._thread.join(2)

    def cut(self) -> bool:
        """Shut the connection down so a write blocked on it returns; False if it cannot."""
        if self._cancel is not None:
            self._cancel()
        if self._fd is None:
            return self._cancel is not None
        try:
            with socket.socket(fileno=os.dup(self._fd)) as s:
                s.shutdown(socket.SHUT_RDWR)
            return True
        except OSError as exc:
            log.debug("output %s: cannot shut its socket: %s", self.name, exc)
            return False

    def _acked(self) -> tuple[int, int] | None:
        """(bytes acknowledged, bytes waiting) from the kernel, or None where it cannot say."""
        if self._fd is None or not sys.platform.startswith("linux"):
            return None
        import fcntl  # POSIX only; this branch runs on Linux

        try:
            with socket.socket(fileno=os.dup(self._fd)) as s:
                info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
                waiting = bytearray(4)
                fcntl.ioctl(s.fileno(), _TIOCOUTQ, waiting)
        except OSError:
            return None
        if len(info) < _TCPI_BYTES_ACKED + 8:
            return None
        return struct.unpack_from("Q", info, _TCPI_BYTES_ACKED)[0], struct.unpack("i", waiting)[0]

    def _run(self) -> None:
        last_acked: int | None = None
        progress_at = time.monotonic()
        while not self._done.wait(POLL_SECONDS):
            now = time.monotonic()
            state = self._acked()
            if state is not None:
                acked, waiting = state
                if acked != last_acked or waiting == 0:
                    last_acked, progress_at = acked, now
                stuck = now - progress_at
            else:
                since = self._mux_since()
                stuck = 0.0 if since is None else now - since
            if stuck >= STALL_SECONDS:
                self.stalled = True
                log.warning(
                    "output %s: the destination took no data for %.0f s; reconnecting",
                    self.name,
                    stuck,
                )
                self.cut()
                return


def watch_connection(
    name: str,
    peer: tuple[str, int],
    before: set[int],
    mux_since: Callable[[], float | None],
    cancel: Callable[[], None] | None = None,
) -> StallWatch:
    """Start watching the connection to ``peer`` that appeared since ``before`` was listed."""
    new = peer_connections(peer) - before
    fd = min(new) if len(new) == 1 else None
    if fd is None:
        log.debug("output %s: its socket is not identifiable (%d candidates)", name, len(new))
    return StallWatch(name, fd, mux_since, cancel).start()
