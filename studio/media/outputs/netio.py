"""FFmpeg's RTMP connection driven with the GIL released, and cancellable.

PyAV opens an output URL with ``avio_open`` while holding the GIL and without an interrupt
callback. A server that completes the RTMP handshake and then never answers ``connect`` (a
half-dead CDN edge) therefore froze the whole studio (clock, encoder, recording, every other
output) until TCP gave up, which on a connection that is up never happens. Measured: a loopback
server answering the handshake and nothing else stopped every thread for good.

So the output opens the URL itself, through libavformat's own ``avio_open2`` called with
ctypes (which releases the GIL for the call) and an interrupt callback, and hands PyAV a small
file object: the FLV muxer writes into Python, each write goes to FFmpeg's RTMP protocol with
``avio_write``/``avio_flush``, again without the GIL. Connecting is bounded by a deadline, and a
write blocked on a destination that stopped reading ends as soon as :meth:`NetSink.cancel` is
called (the stall watch does), on every OS. Where the library cannot be found, or its
``AVIOContext`` does not look as the public header says, :func:`available` is False and the
output falls back to PyAV's own URL opening.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
import threading
import time

import av.error

from studio.media.ffmpeg_libs import library_path

log = logging.getLogger(__name__)

AVIO_FLAG_WRITE = 2
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class _InterruptCB(ctypes.Structure):
    _fields_ = [("callback", _CALLBACK), ("opaque", ctypes.c_void_p)]


class _AVIOContext(ctypes.Structure):
    """The head of ``AVIOContext`` (libavformat/avio.h, public), up to ``write_flag``."""

    _fields_ = [
        ("av_class", ctypes.c_void_p),
        ("buffer", ctypes.c_void_p),
        ("buffer_size", ctypes.c_int),
        ("buf_ptr", ctypes.c_void_p),
        ("buf_end", ctypes.c_void_p),
        ("opaque", ctypes.c_void_p),
        ("read_packet", ctypes.c_void_p),
        ("write_packet", ctypes.c_void_p),
        ("seek", ctypes.c_void_p),
        ("pos", ctypes.c_int64),
        ("eof_reached", ctypes.c_int),
        ("error", ctypes.c_int),
        ("write_flag", ctypes.c_int),
    ]


_PCTX = ctypes.POINTER(_AVIOContext)


@functools.cache
def _dictionary_calls(lib: ctypes.CDLL) -> ctypes.CDLL | None:
    """libavutil's ``av_dict_*`` typed (a connection's options), or None without them.

    Linux's dlsym finds them through libavformat's dependencies; Windows' GetProcAddress
    searches one DLL's own exports only, so there libavutil is loaded by itself.
    """
    for candidate in (lib, None):
        try:
            util = candidate or ctypes.CDLL(library_path("avutil") or "avutil")
            util.av_dict_set.argtypes = [
                ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int
            ]  # fmt: skip
            util.av_dict_set.restype = ctypes.c_int
            util.av_dict_get.argtypes = [
                ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int
            ]  # fmt: skip
            util.av_dict_get.restype = ctypes.c_void_p
            util.av_dict_free.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
            util.av_dict_free.restype = None
            return util
        except (OSError, AttributeError):
            continue
    log.info("libavutil's dictionary calls not found: connections open without options")
    return None


@functools.cache
def _load() -> ctypes.CDLL | None:
    """libavformat with the four calls typed, once per process; None where it cannot be had."""
    path = library_path("avformat")
    if path is None:
        log.info("libavformat not found: outputs open their URL through PyAV")
        return None
    try:
        lib = ctypes.CDLL(path)
        lib.avio_open2.argtypes = [
            ctypes.POINTER(_PCTX),
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(_InterruptCB),
            ctypes.c_void_p,
        ]
        lib.avio_open2.restype = ctypes.c_int
        lib.avio_write.argtypes = [_PCTX, ctypes.c_char_p, ctypes.c_int]
        lib.avio_write.restype = None
        lib.avio_flush.argtypes = [_PCTX]
        lib.avio_flush.restype = None
        lib.avio_closep.argtypes = [ctypes.POINTER(_PCTX)]
        lib.avio_closep.restype = ctypes.c_int
    except (OSError, AttributeError) as exc:
        log.info("libavformat at %s unusable (%s): outputs open through PyAV", path, exc)
        return None
    return lib


def available() -> bool:
    return _load() is not None


@functools.cache
def _flag_check() -> int | None:
    """Address of a C function ``int f(void *opaque)``, non-zero once the byte at ``opaque`` is set.

    FFmpeg polls its interrupt callback around every socket operation (measured: 22 times a
    frame at 720p); a Python callback costs a GIL hand-over each time. libc's ``strlen`` on a
    two-byte buffer is that check in C. None where libc is not found.
    """
    try:  # the process's own libc (find_library would run ldconfig on the output thread)
        libc = ctypes.CDLL("msvcrt") if sys.platform == "win32" else ctypes.CDLL(None)
        return ctypes.cast(libc.strlen, ctypes.c_void_p).value
    except (OSError, AttributeError):
        return None


class NetSink:
    """One connection opened by FFmpeg's protocol layer; a write-only file object for PyAV.

    ``write`` is called by PyAV (FLV bytes, a packet at a time) on the output's thread.
    ``cancel`` may be called from any thread: whatever FFmpeg is waiting on returns.
    """

    def __init__(self, lib: ctypes.CDLL, name: str) -> None:
        self._lib = lib
        self.name = name  # masked URL, for messages
        self._ctx = _PCTX()
        self._cancelled = False
        self._deadline = float("inf")
        self._busy_since: float | None = None
        self._flag = ctypes.create_string_buffer(2)  # set: FFmpeg's wait returns
        self.unused: list[str] = []  # options of the open that no protocol took
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._armed = 0  # the current deadline: a timer firing late for an older one does nothing
        self._expired = False
        check = _flag_check()
        # kept referenced: FFmpeg calls it for as long as the connection is open
        if check is not None:
            self._callback = ctypes.cast(check, _CALLBACK)
            self._cb = _InterruptCB(self._callback, ctypes.cast(self._flag, ctypes.c_void_p))
        else:
            self._callback = _CALLBACK(self._interrupt)
            self._cb = _InterruptCB(self._callback, None)

    @classmethod
    def open(
        cls, url: str, name: str, timeout: float, options: dict[str, str] | None = None
    ) -> NetSink:
        """Connect (handshake, connect, publish) within ``timeout`` s; else OSError/FFmpegError.

        ``options`` go to the protocols (RTMP, and TLS under it: ``tls_verify``, ``ca_file``);
        the names no protocol took come back in :attr:`unused`.
        """
        lib = _load()
        if lib is None:
            raise OSError("libavformat is not available")
        sink = cls(lib, name)
        util = _dictionary_calls(lib) if options else None
        opts = ctypes.c_void_p()
        if options and util is None:
            sink.unused = list(options)
        if options and util is not None:
            for key, value in options.items():
                if util.av_dict_set(ctypes.byref(opts), key.encode(), value.encode(), 0) < 0:
                    util.av_dict_free(ctypes.byref(opts))
                    raise OSError(f"option {key} could not be set")
        sink._arm(timeout)
        try:
            ret = lib.avio_open2(
                ctypes.byref(sink._ctx),
                url.encode(),
                AVIO_FLAG_WRITE,
                ctypes.byref(sink._cb),
                ctypes.byref(opts) if util is not None else None,
            )
            if util is not None:  # what a protocol took is gone from the dictionary
                sink.unused = [
                    k for k in options or {} if util.av_dict_get(opts, k.encode(), None, 0)
                ]
        finally:
            if util is not None:
                util.av_dict_free(ctypes.byref(opts))
        timed_out = sink._disarm()
        if ret < 0 or not sink._ctx:
            if timed_out:
                raise TimeoutError(f"no answer from the server within {timeout:.0f} s")
            av.error.err_check(ret, name)
        head = sink._ctx.contents
        if head.write_flag != 1 or head.buffer_size <= 0:  # not the layout we were built for
            lib.avio_closep(ctypes.byref(sink._ctx))
            raise OSError("libavformat's AVIOContext is not laid out as expected")
        return sink

    # -- what PyAV calls ------------------------------------------------------
    def write(self, data: bytes) -> int:
        if not self._ctx:
            raise OSError("connection closed")
        self._busy_since = time.monotonic()
        try:
            self._lib.avio_write(self._ctx, data, len(data))
            self._lib.avio_flush(self._ctx)
        finally:
            self._busy_since = None
        if self._cancelled:
            raise OSError("connection cut: the server took no data")
        err = self._ctx.contents.error
        if err < 0:
            raise OSError(f"write failed (FFmpeg error {err})")
        return len(data)

    def close(self, grace: float = 2.0) -> None:
        """Close (FFmpeg says goodbye to the server); a server that does not read is cut."""
        if self._ctx:
            self._arm(grace)
            self._lib.avio_closep(ctypes.byref(self._ctx))
            self._disarm()

    # -- any thread -----------------------------------------------------------
    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            self._flag[0] = b"\x01"

    def _arm(self, seconds: float) -> None:
        """Interrupt whatever FFmpeg waits on once ``seconds`` have passed."""
        with self._lock:
            self._deadline = time.monotonic() + seconds
            self._expired = False
            self._armed += 1
            armed = self._armed
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(seconds, self._expire, (armed,))
        self._timer.daemon = True
        self._timer.start()

    def _disarm(self) -> bool:
        """Stop the deadline; True when it had passed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        with self._lock:
            expired = self._expired or time.monotonic() >= self._deadline
            self._deadline, self._expired = float("inf"), False
            self._armed += 1
            if not self._cancelled:
                self._flag[0] = b"\x00"
        return expired

    def _expire(self, armed: int) -> None:
        with self._lock:
            if armed != self._armed:  # disarmed meanwhile: the connect or close returned
                return
            self._expired = True
            self._flag[0] = b"\x01"

    def busy_since(self) -> float | None:
        """Monotonic start of the write in progress, or None."""
        return self._busy_since

    def _interrupt(self, _opaque: int | None) -> int:
        return int(self._cancelled or time.monotonic() >= self._deadline)
