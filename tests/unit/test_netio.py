"""The RTMP connection's interrupt: checked in C, still bounded by a deadline and by cancel.

FFmpeg asks the interrupt callback before every socket operation; the check is libc's
``strlen`` on a flag byte (no Python, no GIL hand-over per write). What must still hold:
a server that accepts TCP and never answers gives up at the deadline, and ``cancel`` from
another thread ends a wait at once.
"""

from __future__ import annotations

import ctypes
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from studio.media.outputs import netio

pytestmark = pytest.mark.skipif(not netio.available(), reason="libavformat not loadable")


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts and then says nothing (a half-dead edge before the handshake)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    done.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


def test_the_flag_check_is_zero_until_the_flag_is_set() -> None:
    address = netio._flag_check()
    assert address is not None
    check = ctypes.cast(address, netio._CALLBACK)
    flag = ctypes.create_string_buffer(2)
    opaque = ctypes.cast(flag, ctypes.c_void_p)
    assert check(opaque) == 0
    flag[0] = b"\x01"
    assert check(opaque) != 0


def test_connect_to_a_server_that_never_answers_ends_at_the_deadline(silent_server: int) -> None:
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="no answer"):
        netio.NetSink.open(f"rtmp://127.0.0.1:{silent_server}/live/key", "edge", 1.0)
    assert time.monotonic() - t0 < 5.0


def test_cancel_from_another_thread_ends_a_connect_that_waits(silent_server: int) -> None:
    lib = netio._load()
    assert lib is not None
    sink = netio.NetSink(lib, "edge")
    sink._arm(60.0)  # a deadline far away: only cancel can end the wait
    threading.Timer(0.5, sink.cancel).start()
    t0 = time.monotonic()
    ret = lib.avio_open2(
        ctypes.byref(sink._ctx),
        f"rtmp://127.0.0.1:{silent_server}/live/key".encode(),
        netio.AVIO_FLAG_WRITE,
        ctypes.byref(sink._cb),
        None,
    )
    expired = sink._disarm()
    assert ret < 0 and not sink._ctx  # interrupted, nothing left open
    assert time.monotonic() - t0 < 5.0
    assert not expired  # it was the cancel, not the deadline


def test_a_deadline_that_passes_during_the_connect_is_reported_and_then_cleared() -> None:
    """The timer firing just as the connect returns must not leave the flag set."""
    lib = netio._load()
    assert lib is not None
    sink = netio.NetSink(lib, "edge")
    sink._arm(60.0)
    sink._expire(sink._armed)  # the deadline passes "during" the connect
    assert sink._flag.raw[:1] == b"\x01"  # FFmpeg's wait would return now
    assert sink._disarm()  # reported as passed...
    assert sink._flag.raw[:1] == b"\x00"  # ...and the connection's flag is clear again
    sink.cancel()
    assert sink._flag.raw[:1] == b"\x01"


def test_the_sink_hands_ffmpeg_the_c_check_not_a_python_callback() -> None:
    lib = netio._load()
    assert lib is not None
    sink = netio.NetSink(lib, "edge")
    assert ctypes.cast(sink._callback, ctypes.c_void_p).value == netio._flag_check()
    assert sink._cb.opaque == ctypes.addressof(sink._flag)


def test_a_timer_firing_for_a_deadline_already_disarmed_does_nothing() -> None:
    lib = netio._load()
    assert lib is not None
    sink = netio.NetSink(lib, "edge")
    sink._arm(60.0)
    stale = sink._armed
    assert not sink._disarm()
    sink._expire(stale)  # the old timer's callback, running just after the connect returned
    assert sink._flag.raw[:1] == b"\x00"
