"""Sources decoded by PyAV: a local file (paced, looping) and a remote stream (live).

Decoding runs on the source's own thread. Video goes to the newest-frame slot
as I420; audio is resampled to 48 kHz stereo and written to the source's ring.
A remote stream that drops shows the slate and reconnects with backoff.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import av
import av.error

from studio.media.audio import AudioRing, Stereo48k
from studio.media.frame import DecodedPictures
from studio.media.slate import slate_i420
from studio.media.sources.base import Source
from studio.redact import redact

log = logging.getLogger(__name__)

# Up to 1080p30's pixel rate a picture is decoded on the source's own thread, with no
# decoder threads: libavcodec's frame threads cost about a quarter more CPU per picture
# on two cores (measured: 4.0-4.3 against 5.2-6.2 ms a 1080p frame) and hold back one
# picture per extra thread, which a live pull pays in latency. Above it (4K, 1080p60)
# one core may not keep up, so the decoder gets its frame threads.
ONE_THREAD_PIXEL_RATE = 1920 * 1080 * 30


def decoder_threads(width: int, height: int, fps: float) -> tuple[str, int]:
    """(thread_type, thread_count) for decoding ``width`` x ``height`` at ``fps``.

    A size not known yet (a live pull that probing joined between keyframes) gets frame
    threads: the choice holds for the whole stream, and one thread may not keep up."""
    if width * height and width * height * (fps or 30) <= ONE_THREAD_PIXEL_RATE:
        return "SLICE", 1
    return "AUTO", 0


def set_decoder_threads(stream: av.video.stream.VideoStream) -> None:
    """Thread the decoder of ``stream`` as :func:`decoder_threads` says (before decoding)."""
    cc = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate
    kind, count = decoder_threads(cc.width, cc.height, float(rate or 0))  # 0: unknown
    stream.thread_type = kind
    cc.thread_count = count


def open_live(
    url: str,
    open_timeout: float,
    read_timeout: float,
    probesize: int = 1_000_000,
    analyze_us: int = 1_500_000,
) -> av.container.InputContainer:
    """Open a live pull: a bounded open, and ``rw_timeout`` (not PyAV's read timeout,
    which cuts long demux loops) to notice a dead peer."""
    opts = {
        "rw_timeout": str(int(read_timeout * 1e6)),
        "analyzeduration": str(analyze_us),
        "probesize": str(probesize),
    }
    return av.open(url, timeout=(open_timeout, None), options=opts)


class _DecodeLoop(Source):
    """Shared demux/decode logic; subclasses choose pacing and what to do at the end."""

    paced = False

    def __init__(self, name: str, width: int, height: int, fps: int) -> None:
        super().__init__(name, width, height, fps)
        self.audio = AudioRing(f"{name}-audio", target=0.05 if self.paced else 0.12)

    def _decode(self, container: av.container.InputContainer) -> None:
        """Decode until the end of input or stop; pace by timestamps when ``paced``."""
        vstream = next(iter(container.streams.video), None)
        astream = next(iter(container.streams.audio), None)
        if vstream is None:
            raise ValueError("the input has no video stream")
        set_decoder_threads(vstream)
        streams = [s for s in (vstream, astream) if s is not None]
        stereo = Stereo48k()
        pictures = DecodedPictures()  # decoded pictures reuse their buffers (see BufferPool)
        wall0: float | None = None
        media0: float | None = None
        for packet in container.demux(*streams):
            if self._stop.is_set():
                return
            for frame in packet.decode():
                t = float(frame.time) if frame.time is not None else None
                if self.paced and t is not None:
                    if wall0 is None or media0 is None:
                        wall0, media0 = time.monotonic(), t
                    if not self._sleep_until(wall0 + (t - media0)):
                        return
                if isinstance(frame, av.VideoFrame):
                    data, w, h = pictures.take(frame, self.deliver_size)
                    self.state = "live"
                    self._emit(data, w, h, lent=True)  # a pool buffer, or a new array
                elif self.audio is not None:
                    for block in stereo.convert(frame):
                        self.audio.write(block)


class FileSource(_DecodeLoop):
    """A local video file played in real time, looping, with its own audio."""

    kind = "file"
    paced = True

    def __init__(self, path: Path, width: int, height: int, fps: int) -> None:
        super().__init__(path.name, width, height, fps)
        self.path = path

    def _workers(self) -> list[tuple[object, str]]:
        return [(self._run, "")]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with av.open(str(self.path)) as container:
                    self._decode(container)
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                self.state, self.detail = "lost", f"cannot read {self.path.name}: {exc}"
                log.error("file source %s: %s", self.path, exc)
                self._stop.wait(2.0)
            # end of file: loop


class UrlSource(_DecodeLoop):
    """A remote live stream (RTMP, HTTP-FLV, HLS): co-streaming guests, the manager wall."""

    kind = "url"

    def __init__(
        self,
        url: str,
        width: int,
        height: int,
        fps: int,
        open_timeout: float = 5.0,
        read_timeout: float = 5.0,
    ) -> None:
        super().__init__(redact(url), width, height, fps)
        self.url = url
        self.open_timeout = open_timeout
        self.read_timeout = read_timeout
        self.reconnects = 0

    def _workers(self) -> list[tuple[object, str]]:
        return [(self._run, "")]

    def _show_slate(self, detail: str) -> None:
        self._emit(slate_i420(self.width, self.height, detail), self.width, self.height)

    def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                with open_live(self.url, self.open_timeout, self.read_timeout) as c:
                    delay = 1.0
                    self.detail = ""
                    self._decode(c)
                self.detail = "stream ended"
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                self.detail = redact(str(exc))
            if self._stop.is_set():
                return
            self._show_slate("信号中断，正在重连 / reconnecting")
            self.state = "lost"
            self.reconnects += 1
            if self.audio is not None:
                self.audio.reset()
            log.info(
                "remote source %s lost (%s); retrying in %.1f s", self.name, self.detail, delay
            )
            self._stop.wait(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 1.5, 10.0)
