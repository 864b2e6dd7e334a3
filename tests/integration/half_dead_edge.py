"""A loopback RTMP "edge" that takes a publish and then stops reading: a half-dead CDN edge.

Just enough of the server side of RTMP for FFmpeg's publisher: the handshake, ``connect`` →
``_result``, ``createStream`` → ``_result`` with a stream id, ``publish`` → ``onStatus``
``NetStream.Publish.Start``. After that it reads and discards the stream until :meth:`stall`;
from then on no connection is read at all (new ones neither: their handshake stays unread), so
the client's socket buffers fill and its writes block, as on an edge whose process hung.
``heal`` serves new connections again.

``mode="handshake"`` answers the handshake of every connection and then nothing: FFmpeg's
``connect`` waits for a ``_result`` that never comes (the case that froze the studio while PyAV
held the GIL in its connect).

It runs in its own process (:class:`EdgeProcess`), controlled by signals, so nothing the
studio's threads do can slow it down or deadlock it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import sys
import threading
import time

from tests.stall_proxy import ChildServer

AMF_NUMBER, AMF_BOOL, AMF_STRING, AMF_OBJECT, AMF_NULL, AMF_END = 0, 1, 2, 3, 5, 9


def amf(*values: object) -> bytes:
    out = b""
    for v in values:
        if v is None:
            out += bytes([AMF_NULL])
        elif isinstance(v, bool):
            out += bytes([AMF_BOOL, int(v)])
        elif isinstance(v, int | float):
            out += bytes([AMF_NUMBER]) + struct.pack(">d", float(v))
        elif isinstance(v, str):
            b = v.encode()
            out += bytes([AMF_STRING]) + struct.pack(">H", len(b)) + b
        elif isinstance(v, dict):
            out += bytes([AMF_OBJECT])
            for k, item in v.items():
                kb = k.encode()
                out += struct.pack(">H", len(kb)) + kb + amf(item)
            out += b"\x00\x00" + bytes([AMF_END])
        else:
            raise TypeError(v)
    return out


def command_of(payload: bytes) -> tuple[str, float]:
    """(name, transaction id) of an AMF0 command message."""
    assert payload[0] == AMF_STRING
    (n,) = struct.unpack_from(">H", payload, 1)
    name = payload[3 : 3 + n].decode()
    assert payload[3 + n] == AMF_NUMBER
    (txid,) = struct.unpack_from(">d", payload, 4 + n)
    return name, txid


def message(csid: int, kind: int, stream: int, payload: bytes) -> bytes:
    """One message as a single type-0 chunk (the server's chunk size is set to 4096 first)."""
    header = bytes([csid]) + b"\x00\x00\x00" + len(payload).to_bytes(3, "big") + bytes([kind])
    return header + struct.pack("<I", stream) + payload


class _Reader:
    """Client → server chunk stream, reassembled into (type, payload) messages."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.chunk = 128
        self.prev: dict[int, list[int]] = {}  # csid -> [length, type]
        self.partial: dict[int, bytes] = {}

    def exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            got = self.sock.recv(n - len(data))
            if not got:
                raise ConnectionError("client went away")
            data += got
        return data

    def next(self) -> tuple[int, bytes]:
        while True:
            b = self.exact(1)[0]
            fmt, csid = b >> 6, b & 0x3F
            if csid == 0:
                csid = 64 + self.exact(1)[0]
            elif csid == 1:
                lo, hi = self.exact(2)
                csid = 64 + lo + hi * 256
            state = self.prev.setdefault(csid, [0, 0])
            ts = 0
            if fmt in (0, 1):  # 0 also carries the message stream id, unused here
                h = self.exact(11 if fmt == 0 else 7)
                ts = int.from_bytes(h[0:3], "big")
                state[0], state[1] = int.from_bytes(h[3:6], "big"), h[6]
            elif fmt == 2:
                ts = int.from_bytes(self.exact(3), "big")
            if ts == 0xFFFFFF:
                self.exact(4)
            have = self.partial.get(csid, b"")
            have += self.exact(min(self.chunk, state[0] - len(have)))
            if len(have) < state[0]:
                self.partial[csid] = have
                continue
            self.partial.pop(csid, None)
            if state[1] == 1:  # Set Chunk Size
                self.chunk = struct.unpack(">I", have[:4])[0] & 0x7FFFFFFF
                continue
            return state[1], have


class Edge:
    def __init__(self, mode: str = "answer") -> None:
        self.mode = mode
        self._listener = socket.socket()
        # a small receive window (inherited by accepted sockets), as on a real edge: once it
        # stops reading, the client's writes find the window shut within a second
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self.port = int(self._listener.getsockname()[1])
        self._stalled = threading.Event()
        self._socks: list[socket.socket] = []

    def stall(self) -> None:
        self._stalled.set()

    def heal(self) -> None:
        self._stalled.clear()

    def serve_forever(self) -> None:
        while True:
            client, _ = self._listener.accept()
            self._socks.append(client)  # kept open (and unread) for as long as the edge lives
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _hang(self) -> None:
        while True:
            time.sleep(3600)

    def _serve(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError, ConnectionError, AssertionError):
            if self._stalled.is_set():
                self._hang()
            r = _Reader(sock)
            c1 = r.exact(1537)[1:]
            sock.sendall(b"\x03" + bytes(1536) + c1)  # S0 S1 S2
            r.exact(1536)  # C2
            if self.mode == "handshake":
                self._hang()
            sock.sendall(message(2, 1, 0, struct.pack(">I", 4096)))  # our chunk size
            while True:
                kind, payload = r.next()
                if kind != 20:  # AMF0 command; acks, window sizes and the like are ignored
                    continue
                name, txid = command_of(payload)
                if name == "connect":
                    sock.sendall(message(3, 20, 0, amf("_result", txid,
                        {"fmsVer": "FMS/3,0,1,123", "capabilities": 31},
                        {"level": "status", "code": "NetConnection.Connect.Success",
                         "description": "ok", "objectEncoding": 0})))  # fmt: skip
                elif name == "createStream":
                    sock.sendall(message(3, 20, 0, amf("_result", txid, None, 1)))
                elif name == "publish":
                    sock.sendall(message(5, 20, 1, amf("onStatus", 0, None,
                        {"level": "status", "code": "NetStream.Publish.Start",
                         "description": "go"})))  # fmt: skip
                    break
            while not self._stalled.is_set():  # the stream, read and dropped
                sock.settimeout(0.1)
                with contextlib.suppress(TimeoutError):
                    if not sock.recv(65536):
                        return
            self._hang()  # connected, silent, reading nothing


class EdgeProcess(ChildServer):
    """:class:`Edge` in a child process; stall/heal by SIGUSR1/SIGUSR2."""

    def __init__(self, mode: str = "answer") -> None:
        super().__init__("tests.integration.half_dead_edge", mode)


def main() -> None:
    edge = Edge(sys.argv[1] if len(sys.argv) > 1 else "answer")
    signal.signal(signal.SIGUSR1, lambda *_: edge.stall())
    signal.signal(signal.SIGUSR2, lambda *_: edge.heal())
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print(edge.port, flush=True)
    edge.serve_forever()


if __name__ == "__main__":
    main()
