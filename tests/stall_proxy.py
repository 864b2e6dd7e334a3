"""A TCP relay that can turn into a half-dead CDN edge: connected, but no longer reading.

Until :meth:`stall` it relays both ways to the real server (nginx-rtmp). After it, connections
stay open and unread, so the client's socket buffers fill and its writes block: the case where
TCP alone takes many minutes to give up. New connections after :meth:`heal` relay again.

It runs in its own process (:class:`StallProxyProcess`): PyAV holds the GIL while FFmpeg opens
an RTMP output, so a relay on the studio's own threads would deadlock the connect it relays.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


class StallProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        # A small receive buffer (set before listen, so accepted sockets inherit it and the
        # window stays small): once stalled, the relay's window closes within a second,
        # as on a real edge, instead of loopback's autotuned 32 MB absorbing minutes of video.
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self.port = int(self._listener.getsockname()[1])
        self._stalled = threading.Event()
        self._closed = threading.Event()
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self.connections = 0

    def url(self, key: str, app: str = "live") -> str:
        return f"rtmp://127.0.0.1:{self.port}/{app}/{key}"

    def start(self) -> StallProxy:
        threading.Thread(target=self._accept, name="stall-proxy", daemon=True).start()
        return self

    def stall(self) -> None:
        """Stop reading from every client, open connections and new ones alike."""
        self._stalled.set()

    def heal(self) -> None:
        self._stalled.clear()

    def stop(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for s in self._socks:
                with contextlib.suppress(OSError):
                    s.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                client.close()
                continue
            up.settimeout(None)
            with self._lock:
                self._socks += [client, up]
            stalled_from_start = self._stalled.is_set()
            for a, b in ((client, up), (up, client)):
                threading.Thread(
                    target=self._pump, args=(a, b, stalled_from_start), daemon=True
                ).start()

    def _pump(self, src: socket.socket, dst: socket.socket, stalled: bool) -> None:
        try:
            while not self._closed.is_set():
                if stalled or self._stalled.is_set():
                    self._closed.wait(0.1)  # connected, silent, reading nothing
                    continue
                src.settimeout(0.2)
                try:
                    data = src.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


class ChildServer:
    """A loopback test server in a child process (``python -m module args``): it prints its
    port, then SIGUSR1 stalls it and SIGUSR2 heals it. The stall proxy and the half-dead
    edge (tests/integration/half_dead_edge.py) both run this way."""

    def __init__(self, module: str, *args: str) -> None:
        root = Path(__file__).resolve().parents[1]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.port = int(self._proc.stdout.readline())

    def url(self, key: str, app: str = "live") -> str:
        return f"rtmp://127.0.0.1:{self.port}/{app}/{key}"

    def stall(self) -> None:
        self._proc.send_signal(signal.SIGUSR1)

    def heal(self) -> None:
        self._proc.send_signal(signal.SIGUSR2)

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(10)
        if self._proc.stdout is not None:
            self._proc.stdout.close()  # the port line's pipe (a ResourceWarning otherwise)


class StallProxyProcess(ChildServer):
    """:class:`StallProxy` in a child process; stall/heal by signal (SIGUSR1/SIGUSR2)."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__("tests.stall_proxy", str(upstream_port))


def main() -> None:
    proxy = StallProxy(int(sys.argv[1])).start()
    signal.signal(signal.SIGUSR1, lambda *_: proxy.stall())
    signal.signal(signal.SIGUSR2, lambda *_: proxy.heal())
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print(proxy.port, flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
