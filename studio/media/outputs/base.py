"""An output: its own thread, its own bounded queue, its own container.

The encoder hands every packet to every output with ``send`` (never blocks).
Each output muxes on its own thread, so a slow or dead destination never
stalls the others or the recording.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import av

from studio.media.encoder import EncodedPacket
from studio.messages import Message

log = logging.getLogger(__name__)


@dataclass
class OutputStats:
    bytes_sent: int = 0
    video_frames_sent: int = 0
    dropped_network: int = 0  # video frames dropped because the destination lagged or was down
    reconnects: int = 0
    queued_seconds: float = 0.0


@dataclass
class Templates:
    """The encoder's streams, copied into each output container."""

    video: av.video.stream.VideoStream
    audio: av.audio.stream.AudioStream
    extra: dict = field(default_factory=dict)


class Output(ABC):
    kind = "output"

    def __init__(self, name: str) -> None:
        self.name = name
        self.state = "idle"  # idle | connecting | live | reconnecting | failed | stopped
        self.reason = ""  # English, for logs and the CLI
        self.message: Message | None = None  # the same reason for the window, in its language
        self.stats = OutputStats()
        self._queue: deque[EncodedPacket] = deque()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state_lock = threading.Lock()  # the output's thread and the encode threads set it
        self._crashed = False  # failed on a fault of its own code: stays failed, thread ended
        self._templates: Templates | None = None
        self._awaiting_key = True
        self._starts_at = float("-inf")  # the current container's first packet (seconds)
        self.on_state: Callable[[Output], None] | None = None  # set by the engine
        # pipeline time of this output's first packet: an output added while the
        # studio already runs (preview first, then Go Live) still starts at 0
        self.base_seconds: float | None = None
        # pipeline time this output starts at: older packets still in flight are
        # not part of it (a rehearsal take starts on the frame its show starts)
        self.not_before: float | None = None

    # -- called by the engine ----------------------------------------------
    def start(self, templates: Templates) -> None:
        self._templates = templates
        self._thread = threading.Thread(
            target=self._run_guarded, name=f"{self.kind}:{self.name}", daemon=True
        )
        self._thread.start()

    def send(self, packet: EncodedPacket) -> None:
        """Queue a packet; never blocks. Subclasses apply their drop policy in ``_admit``."""
        self.send_all([packet])

    def send_all(self, packets: list[EncodedPacket]) -> None:
        """Queue one encode's packets under one lock, with one wake-up; never blocks."""
        if not packets:
            return
        with self._cond:
            if self.state in ("failed", "stopped"):
                return
            for packet in packets:
                self._admit(packet)
            self._cond.notify()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("output %s did not close within %.0f s", self.name, timeout)
        if self.state != "failed":
            self._set_state("stopped")

    # -- for subclasses ------------------------------------------------------
    def _admit(self, packet: EncodedPacket) -> None:
        self._queue.append(packet)

    def _queued_seconds_locked(self) -> float:
        if len(self._queue) < 2:
            return 0.0
        return max(0.0, self._queue[-1].seconds - self._queue[0].seconds)

    def _begin_connection(self) -> None:
        """A new container: it must start on a video keyframe to be decodable."""
        self._awaiting_key = True

    def _next_to_mux(self) -> EncodedPacket | None:
        """The next packet for the current container, skipping up to its first keyframe."""
        pkt = self._next()
        if pkt is not None and self.not_before is not None and pkt.seconds < self.not_before - 1e-3:
            return None
        if pkt is not None and self._awaiting_key:
            if not (pkt.kind == "video" and pkt.keyframe):
                return None
            self._awaiting_key = False
            self._starts_at = pkt.seconds
        if pkt is not None and pkt.kind == "audio" and pkt.seconds < self._starts_at + 1e-3:
            # AAC comes out ~50 ms after its samples, so audio older than the keyframe
            # still arrives after it. An FLV may not go back before its first packet
            # (the muxer refuses it), and without interleaving nothing sorts it there.
            return None
        return pkt

    def _draining(self, deadline: float) -> bool:
        """Keep muxing until stop, then only what is queued, until ``deadline``."""
        if not self._stop.is_set():
            return True
        with self._cond:
            return bool(self._queue) and time.monotonic() < deadline

    def _next(self, timeout: float = 0.2) -> EncodedPacket | None:
        with self._cond:
            if not self._queue and not self._stop.is_set():
                self._cond.wait(timeout)
            if not self._queue:
                return None
            self.stats.queued_seconds = self._queued_seconds_locked()
            return self._queue.popleft()

    def _set_state(self, state: str, reason: str = "", message: Message | None = None) -> None:
        with self._state_lock:
            if self._crashed and self.state == "failed":
                return  # a connection loop still winding down does not bring it back
            if state == self.state and reason == self.reason:
                return
            self.state, self.reason = state, reason
            self.message = message if reason else None
        log.info("output %s: %s%s", self.name, state, f" ({reason})" if reason else "")
        if self.on_state:
            try:
                self.on_state(self)
            except Exception:
                log.exception("output state listener failed")

    def _open_container(
        self, target: str | object, fmt: str, options: dict[str, str]
    ) -> tuple[av.container.OutputContainer, dict]:
        assert self._templates is not None
        container = av.open(target, "w", format=fmt, options=options)
        try:
            streams = {
                "video": container.add_stream_from_template(self._templates.video),
                "audio": container.add_stream_from_template(self._templates.audio),
            }
            container.start_encoding()
        except Exception:
            _close_quietly(container)
            raise
        return container, streams

    def _mux(
        self, container: av.container.OutputContainer, streams: dict, pkt: EncodedPacket
    ) -> None:
        if self.base_seconds is None:  # the first packet (a keyframe) starts this output at 0
            self.base_seconds = pkt.seconds
        tb = pkt.time_base
        shift = round(self.base_seconds * tb.denominator / tb.numerator)
        p = av.Packet(pkt.data)
        p.pts, p.dts, p.time_base = pkt.pts - shift, pkt.dts - shift, pkt.time_base
        if pkt.duration:
            p.duration = pkt.duration
        p.is_keyframe = pkt.keyframe
        p.stream = streams[pkt.kind]
        container.mux(p)
        self.stats.bytes_sent += len(pkt.data)
        if pkt.kind == "video":
            self.stats.video_frames_sent += 1

    def crashed(self, exc: BaseException, *, end_thread: bool = True) -> None:
        """A fault of this output's own code: it fails alone, saying so.

        Raised while taking a packet on the encode thread (``end_thread``), the output
        takes no more packets, its thread sends what is queued, closes its connection
        (viewers see the stream end, not a frozen picture) and returns, and it stays failed:
        retrying would meet the same fault. A crash of its own thread (``_run_guarded``)
        has ended that thread already and may be retried (立即重连)."""
        if end_thread:
            with self._state_lock:
                first, self._crashed = not self._crashed, True
            if not first:
                return  # the encode and the audio thread may both meet it: said once
        log.error("output %s crashed", self.name, exc_info=exc)
        name = type(exc).__name__
        self._set_state(  # the last state it takes (see _set_state)
            "failed", f"internal error: {name}", Message("output.internal_error", {"detail": name})
        )
        if end_thread:
            self._stop.set()
            with self._cond:
                self._cond.notify_all()

    def _run_guarded(self) -> None:
        try:
            self._run()
        except Exception as exc:
            self.crashed(exc, end_thread=False)

    @abstractmethod
    def _run(self) -> None: ...

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "state": self.state,
            "reason": self.reason,
            "message": self.message.as_dict() if self.message else None,
            "bytes_sent": self.stats.bytes_sent,
            "frames_sent": self.stats.video_frames_sent,
            "dropped_network": self.stats.dropped_network,
            "reconnects": self.stats.reconnects,
            "queued_seconds": round(self.stats.queued_seconds, 3),
        }


def _close_quietly(container: av.container.OutputContainer) -> None:
    try:
        container.close()
    except Exception as exc:  # a dead socket cannot take the trailer
        log.debug("closing container: %s", exc)


def wait_or_stop(stop: threading.Event, wake: threading.Event, seconds: float) -> None:
    """Sleep ``seconds`` unless stopped or woken (reconnect now)."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not wake.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        wake.wait(min(left, 0.1))
