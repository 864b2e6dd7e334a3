"""Push FLV over RTMP to one destination, reconnecting by itself.

- Queue over ~700 ms (a slow uplink): drop video up to the next keyframe and
  count it (OBS's rule); audio is kept, it is cheap.
- Connection lost: retry after 1 s, then x1.5 with jitter, capped at 10 s,
  for as long as the show runs; resume on a keyframe. ``reconnect_now`` skips
  the wait of an output that is not live (a live one is left alone) and
  retries a failed one.
- Connected but no longer reading (a half-dead CDN edge): after 10 s without progress the
  connection is cut and retried (:mod:`studio.media.outputs.stall`).
- The server is reachable but refuses the stream (bad key, unknown app) twice
  in a row: give up with a clear reason; that will not heal by retrying.
- RTMPS (``rtmps://``, port 443 by default): the reachability check is a TLS handshake
  of Python's own, verifying the chain and the host name against the system's CAs
  (certifi's when the system has none) plus ``STUDIO_CA_FILE``; a certificate it cannot
  verify fails the output with what, where and the fix, before the key is ever sent.
  The stream is a second connection, FFmpeg's (GnuTLS in the PyAV wheel), which by
  default verifies nothing: an interceptor letting the check through would get the key
  on it. So FFmpeg is told ``tls_verify=1`` with the same CAs as one PEM file
  (:func:`ffmpeg_ca_bundle`; the wheel's GnuTLS would look for /etc/pki/tls/cert.pem,
  absent on Debian). A refused certificate there sends the output back to the check,
  which then reports it.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import random
import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import av

from studio.media.encoder import EncodedPacket
from studio.media.outputs import netio
from studio.media.outputs.base import Output, _close_quietly, wait_or_stop
from studio.media.outputs.stall import StallWatch, peer_connections, watch_connection
from studio.messages import Message
from studio.redact import mask_url, redact, register_secret, split_stream_url

log = logging.getLogger(__name__)

DROP_THRESHOLD = 0.7  # seconds of queued video before frames are dropped
FIRST_RETRY = 1.0
BACKOFF = 1.5
MAX_RETRY = 10.0
REJECTIONS_TO_FAIL = 2
DRAIN_SECONDS = 2.0  # on stop, how long the last queued packets may take to send
REFUSED_WITHIN = 3.0  # a connection dropped this soon after publish counts as a refusal
CONNECT_SECONDS = 10.0  # RTMP connect + publish must be answered within this
CA_FILE_ENV = "STUDIO_CA_FILE"  # an extra CA certificate (PEM) to trust for rtmps://


class CertificateError(Exception):
    """The RTMPS server's certificate could not be verified (``str``: why, redacted)."""


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Verify chain and host name: the system's CAs (or certifi's) and ``ca_file`` if given."""
    ctx = ssl.create_default_context()
    if not ctx.cert_store_stats().get("x509_ca"):
        try:
            import certifi

            ctx.load_verify_locations(certifi.where())
        except ImportError:  # no bundle either: only ca_file can be trusted
            log.warning("no system CA certificates and no certifi: rtmps trusts only %s", ca_file)
    if ca_file:
        try:
            ctx.load_verify_locations(ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise CertificateError(
                f"{CA_FILE_ENV}={ca_file} is not a readable PEM file ({exc})"
            ) from None
    return ctx


def _system_ca_file() -> str | None:
    """The PEM bundle Python's default context reads, where it is one file."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def ffmpeg_ca_bundle(ca_file: str | None = None) -> str | None:
    """One PEM file with the CAs :func:`tls_context` trusts, for FFmpeg's ``ca_file``.

    The system's bundle (certifi's when there is none as a file), the certificates the
    context holds besides (Windows' and macOS' own stores are not files) and ``ca_file``,
    written to a file of this process's own when anything is added. Certificates are
    public: nothing secret is written. Made again when ``ca_file`` changes on disk.
    """
    stamp = None
    if ca_file:
        with contextlib.suppress(OSError):
            st = os.stat(ca_file)
            stamp = (st.st_mtime_ns, st.st_size)
    return _bundle(ca_file or None, stamp)


@functools.cache
def _bundle(ca_file: str | None, _stamp: tuple[int, int] | None) -> str | None:
    system = _system_ca_file()
    held: list[bytes] = []
    if system is None:  # Windows' and macOS' stores are no file: what the check's context
        # holds (certifi's, by tls_context's own fallback, when the store is empty)
        try:
            held = [
                ssl.DER_cert_to_PEM_cert(der).encode("ascii")
                for der in tls_context().get_ca_certs(binary_form=True)
            ]
        except CertificateError:
            held = []
    if system is not None and not ca_file:
        return system
    parts = [Path(p).read_bytes() for p in (system, ca_file) if p] + held  # PEM text, as is
    if not parts:
        return None
    fd, path = tempfile.mkstemp(prefix="studio-ca-", suffix=".pem")
    atexit.register(_remove_quietly, path)
    with os.fdopen(fd, "wb") as fh:
        fh.write(b"\n".join(parts))
    return path


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class RtmpOutput(Output):
    kind = "rtmp"

    def __init__(self, url: str, connect_timeout: float = 5.0, ca_file: str | None = None) -> None:
        _, key = split_stream_url(url)
        register_secret(key)
        super().__init__(mask_url(url))
        self.url = url
        self.tls = urlsplit(url).scheme.lower() == "rtmps"
        self.ca_file = ca_file or os.environ.get(CA_FILE_ENV) or None
        self.connect_timeout = connect_timeout
        self._wake = threading.Event()
        self._drop_until_key = True  # every connection starts on a keyframe
        self._peer: tuple[str, int] | None = None  # the server's address, learnt by _reachable
        self._watch: StallWatch | None = None
        self._mux_since: float | None = None  # start of the mux call in progress
        self._sink: netio.NetSink | None = None  # the connection, when FFmpeg's opened by us

    def reconnect_now(self, force: bool = False) -> bool:
        """Connect again at once if this output is not live; True when it will.

        The guide presses 立即重连 because one platform is down: cutting the healthy
        ones too would drop their frames. So a live output is left alone unless
        ``force``; one waiting out its backoff skips the wait; a failed one (a key
        refused twice, fixed meanwhile on the platform) starts trying again.
        """
        if self._stop.is_set() or self._thread is None:
            return False
        if self.state == "live" and not force:
            log.info("output %s: live, not reconnected", self.name)
            return False
        log.info("output %s: reconnect requested (%s)", self.name, self.state)
        if self.state == "failed":
            self._thread.join(1.0)  # it is returning from _run
        if self.state == "failed" and not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run_guarded, name=f"{self.kind}:{self.name}", daemon=True
            )
            self._thread.start()
            return True
        self._wake.set()
        with self._cond:
            self._cond.notify_all()
        return True

    # -- queue policy ---------------------------------------------------------
    def _admit(self, packet: EncodedPacket) -> None:
        if packet.kind == "video":
            if packet.keyframe:
                self._drop_until_key = False
            elif self._drop_until_key:
                self.stats.dropped_network += 1
                return
        if self.state != "live" and packet.kind == "video" and packet.keyframe:
            # not connected: keep only the newest GOP so we resume fresh, not late
            self._discard_queue()
        self._queue.append(packet)
        if (
            self.state == "live"
            and packet.kind == "video"
            and self._queued_seconds_locked() > DROP_THRESHOLD
        ):
            self._drop_video_backlog()

    def _discard_queue(self) -> None:
        dropped = sum(1 for p in self._queue if p.kind == "video")
        self.stats.dropped_network += dropped
        self._queue.clear()

    def _drop_video_backlog(self) -> None:
        """Drop queued non-key video and everything after it until the next keyframe."""
        kept = [p for p in self._queue if p.kind == "audio" or p.keyframe]
        self.stats.dropped_network += len(self._queue) - len(kept)
        self._queue.clear()
        self._queue.extend(kept)
        self._drop_until_key = True

    # -- connection loop ------------------------------------------------------
    def stop(self, timeout: float = 10.0) -> None:
        """Stop; a connection still blocked after the drain is cut rather than waited for."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(DRAIN_SECONDS + 1.0)
            watch = self._watch
            if self._thread.is_alive():
                self._cancel()
                if watch is not None:
                    watch.cut()
        super().stop(timeout)

    def _reachable(self) -> bool:
        """True when the server answers an RTMP handshake.

        PyAV holds the GIL while FFmpeg connects and writes the FLV header, so a
        server that accepts TCP but answers slowly (nginx just restarted, a
        congested uplink) would freeze every thread of the studio. Waiting for
        the handshake here, in Python with the GIL released, keeps that call short.
        """
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        try:
            with socket.create_connection(
                (host, parts.port or (443 if self.tls else 1935)), timeout=self.connect_timeout
            ) as raw:
                self._peer = raw.getpeername()[:2]
                with self._verified(raw, host) if self.tls else raw as sock:
                    sock.sendall(b"\x03" + bytes(1536))  # C0 + C1
                    got = 0
                    while got < 1 + 1536:  # S0 + S1
                        chunk = sock.recv(4096)
                        if not chunk:
                            return False
                        got += len(chunk)
                    return True
        except OSError:  # ssl.SSLError too: no TLS there, or a handshake cut short
            return False

    def _verified(self, raw: socket.socket, host: str) -> ssl.SSLSocket:
        """``raw`` wrapped in TLS whose certificate verified for ``host``, or CertificateError."""
        try:
            return tls_context(self.ca_file).wrap_socket(raw, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            detail = exc.verify_message or exc.reason or str(exc)
            log.warning("output %s: certificate not verified: %s", self.name, detail)
            raise CertificateError(redact(str(detail))) from None

    def _certificate_problem(self, detail: str) -> tuple[str, Message]:
        parts = urlsplit(self.url)
        where = f"{parts.hostname}:{parts.port or 443}"
        reason = (
            f"the certificate of {where} cannot be verified ({detail}) — check the stream "
            "address; a company network or proxy may be intercepting encrypted connections; "
            f"for a server of your own, give its CA certificate with --ca-file or {CA_FILE_ENV}"
        )
        return reason, Message("output.certificate", {"where": where, "detail": detail})

    def _run(self) -> None:
        delay = FIRST_RETRY
        rejections = 0
        first = True
        while not self._stop.is_set():
            self._wake.clear()
            self._set_state("connecting" if first else "reconnecting", self.reason, self.message)
            try:
                reachable = self._reachable()
            except CertificateError as exc:
                # no key goes to a server we cannot verify; that will not heal by retrying
                reason, msg = self._certificate_problem(str(exc))
                self._set_state("failed", reason, msg)
                return
            if not reachable:
                reason, msg = "server unreachable", Message("output.unreachable")
            else:
                before = peer_connections(self._peer) if self._peer else set()
                try:
                    container, streams = self._connect()
                except TimeoutError as exc:  # handshake answered, connect/publish not: no refusal
                    reason, msg = f"the server did not answer: {exc}", Message("output.stalled")
                except (av.error.FFmpegError, OSError) as exc:
                    rejections += 1
                    detail = redact(str(exc))
                    reason = f"server refused the stream: {detail}"
                    msg = Message("output.refused", {"detail": detail})
                else:
                    opened = time.monotonic()
                    reason, msg = self._pump(container, streams, before)
                    if self._stop.is_set():
                        return
                    if time.monotonic() - opened < REFUSED_WITHIN and not self._wake.is_set():
                        # nginx-rtmp and most platforms accept the connection and
                        # close it on publish when the key or app is wrong
                        rejections += 1
                        reason = "server closed the stream on publish"
                        msg = Message("output.closed_on_publish")
                    else:
                        rejections = 0
                        delay = FIRST_RETRY
                if rejections >= REJECTIONS_TO_FAIL:
                    self._set_state(
                        "failed", reason + " — check the stream key and the app name", msg
                    )
                    return
            first = False
            self.stats.reconnects += 1
            self._set_state("reconnecting", reason, msg)
            with self._cond:
                self._drop_until_key = True
                self._discard_queue()
            wait = 0 if self._wake.is_set() else delay * random.uniform(0.85, 1.15)
            wait_or_stop(self._stop, self._wake, wait)
            delay = min(delay * BACKOFF, MAX_RETRY)

    def _connect(self) -> tuple[av.container.OutputContainer, dict]:
        """Open the stream: FFmpeg's RTMP connect with the GIL released and a deadline.

        PyAV's own ``av.open(url)`` connects holding the GIL, so a server that answers the
        handshake and then nothing would freeze every thread (:mod:`netio`); that path is
        kept only where libavformat cannot be loaded by ctypes.
        """
        # max_interleave_delta 1 µs: libavformat writes a picture once the next one is
        # queued instead of holding it until AAC (which trails its samples by ~50 ms)
        # has a later packet: ~60 ms less glass-to-glass. FLV times each tag, so a
        # player does not need them interleaved; the recording keeps interleaving.
        options = {
            "flvflags": "no_duration_filesize",
            "flush_packets": "1",
            "max_interleave_delta": "1",
        }
        tls = self._tls_options()
        if not netio.available():
            if tls:  # PyAV's own open passes no options to the protocols
                self._warn_unverified()
            return self._open_container(self.url, "flv", {"flvflags": "no_duration_filesize"})
        sink = self._sink = netio.NetSink.open(self.url, self.name, CONNECT_SECONDS, tls)
        if tls and "tls_verify" in sink.unused:  # this FFmpeg's TLS has no such option
            self._warn_unverified()
        try:
            return self._open_container(sink, "flv", options)
        except BaseException:
            self._close_sink()
            raise

    def _tls_options(self) -> dict[str, str]:
        """For rtmps: FFmpeg's TLS verifies the chain and host name against our CAs."""
        if not self.tls:
            return {}
        bundle = ffmpeg_ca_bundle(self.ca_file)
        return {"tls_verify": "1", **({"ca_file": bundle} if bundle else {})}

    def _warn_unverified(self) -> None:
        log.warning("output %s: the stream's TLS connection cannot verify the server here; "
                    "only the check before it did", self.name)  # fmt: skip

    def _close_sink(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            sink.close()

    def _cancel(self) -> None:
        """Make a write blocked on this output's connection return (any thread)."""
        sink = self._sink
        if sink is not None:
            sink.cancel()

    def _pump(
        self, container: av.container.OutputContainer, streams: dict, before: set[int]
    ) -> tuple[str, Message]:
        """Mux queued packets until stop, failure or a reconnect request; returns why it ended."""
        self._set_state("live")
        self._begin_connection()
        deadline = float("inf")
        watch = self._watch = (
            watch_connection(
                self.name, self._peer, before, lambda: self._mux_since, cancel=self._cancel
            )
            if self._peer
            else None
        )
        try:
            while self._draining(deadline):
                if self._stop.is_set() and deadline == float("inf"):
                    deadline = time.monotonic() + DRAIN_SECONDS  # send the encoder's last frames
                if self._wake.is_set():
                    return "reconnect requested", Message("output.reconnect_requested")
                pkt = self._next_to_mux()
                if pkt is None:
                    continue
                self._mux_since = time.monotonic()
                try:
                    self._mux(container, streams, pkt)
                finally:
                    self._mux_since = None
            return "stopped", Message("output.stopped")
        except (av.error.FFmpegError, OSError) as exc:
            if watch is not None and watch.stalled:
                return "the server stopped taking data", Message("output.stalled")
            detail = redact(str(exc))
            return f"connection lost: {detail}", Message(
                "output.connection_lost", {"detail": detail}
            )
        finally:
            if watch is not None:
                watch.stop()
            self._watch = None
            _close_quietly(container)
            self._close_sink()
