"""One encode for every output: H.264 (x264 or a hardware encoder) and AAC.

The encoders live as streams of a ``null`` container so that PyAV fills their
codec parameters (SPS/PPS, AudioSpecificConfig); each output then copies them
with ``add_stream_from_template`` and muxes the same packets.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from dataclasses import dataclass, field
from fractions import Fraction

import av
import av.logging
import numpy as np
from av.codec.context import Flags

from studio.config import Profile
from studio.media.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

AUDIO_FRAME = 1024  # AAC-LC samples per frame
AUDIO_TIME_BASE = Fraction(1, SAMPLE_RATE)
_HW_BY_NAME = {
    "nvenc": "h264_nvenc",
    "qsv": "h264_qsv",
    "videotoolbox": "h264_videotoolbox",
    "amf": "h264_amf",
}


@dataclass(slots=True)
class EncodedPacket:
    """An encoded packet, independent of any container (safe to share across outputs)."""

    kind: str  # "video" | "audio"
    data: bytes
    pts: int
    dts: int
    time_base: Fraction
    keyframe: bool
    duration: int
    # dts in seconds, worked out once: every output asks for it several times a packet,
    # and Fraction arithmetic costs microseconds each time
    seconds: float = field(init=False)

    def __post_init__(self) -> None:
        self.seconds = self.dts * self.time_base.numerator / self.time_base.denominator


def _hw_candidates() -> list[str]:
    if sys.platform == "darwin":
        return ["h264_videotoolbox"]
    if sys.platform.startswith("win"):
        return ["h264_nvenc", "h264_qsv", "h264_amf"]
    return ["h264_nvenc", "h264_qsv"]


def _null_container() -> av.container.OutputContainer:
    return av.open("NUL" if sys.platform == "win32" else "/dev/null", "w", format="null")


class Encoder:
    """Video and audio encoders behind one ``encode_video`` / ``encode_audio`` API."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._null = _null_container()
        self.video_codec = ""
        self.pix_fmt = "yuv420p"
        self.video = self._open_video()
        self.audio = self._null.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
        self.audio.codec_context.flags |= Flags.global_header
        self.audio.codec_context.bit_rate = profile.audio_bitrate
        self.audio.codec_context.time_base = Fraction(1, SAMPLE_RATE)
        self._null.start_encoding()  # fills codec parameters (extradata) of both streams
        self.audio_samples = 0
        self._pending = np.zeros((0, 2), np.float32)
        self.video_time_base = Fraction(1, profile.fps)
        self._force_key = False
        self._force_from = 0
        self._time_bases: dict[str, Fraction] = {}  # per kind, read off the first packet

    def _candidates(self) -> list[str]:
        choice = self.profile.encoder
        if choice in ("x264", "libx264"):
            return ["libx264"]
        if choice in _HW_BY_NAME:
            return [_HW_BY_NAME[choice], "libx264"]
        return [*_hw_candidates(), "libx264"]

    def _open_video(self) -> av.video.stream.VideoStream:
        last: Exception | None = None
        for name in self._candidates():
            try:
                if name != "libx264":  # probe in a throw-away container: a failed
                    probe = _null_container()  # open must not leave a stream behind
                    try:
                        with av.logging.Capture():  # absent hardware is not an error
                            self._configure(probe, name)
                    finally:
                        probe.close()
                stream = self._configure(self._null, name)
                self.video_codec = name
                log.info(
                    "video encoder: %s %dx%d@%d %d kb/s",
                    name,
                    self.profile.width,
                    self.profile.height,
                    self.profile.fps,
                    self.profile.video_bitrate // 1000,
                )
                return stream
            except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError) as exc:
                last = exc
                log.debug("encoder %s unavailable (%s); trying the next", name, exc)
        raise RuntimeError(f"no H.264 encoder could be opened: {last}")

    def _configure(
        self, container: av.container.OutputContainer, name: str
    ) -> av.video.stream.VideoStream:
        p = self.profile
        stream = container.add_stream(name, rate=p.fps)
        cc = stream.codec_context
        formats = {f.name for f in (stream.codec_context.codec.video_formats or [])}
        self.pix_fmt = "yuv420p" if not formats or "yuv420p" in formats else "nv12"
        cc.width, cc.height, cc.pix_fmt = p.width, p.height, self.pix_fmt
        cc.time_base = Fraction(1, p.fps)
        cc.framerate = Fraction(p.fps, 1)
        cc.flags |= Flags.global_header
        cc.gop_size = p.gop
        cc.max_b_frames = p.bframes
        cc.bit_rate = p.video_bitrate
        cc.color_range = 1  # MPEG (limited)
        cc.colorspace = 6  # SMPTE 170M, BT.601: what the compositor produces
        cc.color_primaries = 6
        cc.color_trc = 6
        rate = f"{p.video_bitrate // 1000}k"
        buf = f"{p.video_bitrate * 2 // 1000}k"
        if name == "libx264":
            cc.options = {
                "preset": p.preset,
                "tune": p.tune,
                "maxrate": rate,
                "bufsize": buf,
                "sc_threshold": "0",
                "keyint_min": str(p.gop),
                "x264-params": "nal-hrd=vbr:force-cfr=1",
            }
        else:
            cc.options = {"maxrate": rate, "bufsize": buf, "forced-idr": "1"}
        cc.open()  # raises here if the hardware is absent
        return stream

    # -- encoding ---------------------------------------------------------
    def encode_video(self, i420: np.ndarray | None, index: int) -> list[EncodedPacket]:
        """Encode output frame ``index`` (pts = index in 1/fps); None flushes.

        The frame is handed to the encoder without a copy (x264 copies it into its
        own picture): ``i420`` must not be written until this returns, which the
        compositor's canvas pool guarantees (the AVFrame holds a reference).
        """
        if i420 is None:
            packets = self.video.encode(None)
        else:
            if i420.flags.c_contiguous:  # the AVFrame refers to the array: no copy
                frame = av.VideoFrame.from_numpy_buffer(i420, format="yuv420p")
            else:
                frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
            if self.pix_fmt != "yuv420p":  # some hardware encoders take NV12 only
                frame = frame.reformat(format=self.pix_fmt)
            frame.pts = index
            frame.time_base = self.video_time_base
            if self._force_key and index >= self._force_from:
                self._force_key = False
                frame.pict_type = av.video.frame.PictureType.I
            packets = self.video.encode(frame)
        return [self._wrap("video", p) for p in packets]

    def request_keyframe(self, at_index: int = 0) -> None:
        """Make the next frame (from ``at_index`` on) an IDR: a new output should not wait a GOP.

        ``at_index`` matters when older frames still wait in the encode queue: an
        output that starts at a given frame (a rehearsal take) gets its keyframe there.
        """
        self._force_from = at_index
        self._force_key = True

    def encode_audio(self, samples: np.ndarray | None) -> list[EncodedPacket]:
        """Queue (n, 2) float32 samples; emit whole AAC frames (pts = sample count)."""
        out: list[EncodedPacket] = []
        if samples is not None and len(samples):
            self._pending = (
                np.concatenate([self._pending, samples]) if len(self._pending) else samples
            )
        while len(self._pending) >= AUDIO_FRAME:
            block, self._pending = self._pending[:AUDIO_FRAME], self._pending[AUDIO_FRAME:]
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(block.T), format="fltp", layout="stereo"
            )
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self.audio_samples
            frame.time_base = AUDIO_TIME_BASE
            self.audio_samples += AUDIO_FRAME
            out.extend(self._wrap("audio", p) for p in self.audio.encode(frame))
        if samples is None:
            out.extend(self._wrap("audio", p) for p in self.audio.encode(None))
        return out

    def _wrap(self, kind: str, p: av.Packet) -> EncodedPacket:
        # a stream's packets keep one time base: PyAV builds a new Fraction per read
        time_base = self._time_bases.get(kind)
        if time_base is None:
            time_base = self._time_bases[kind] = p.time_base
        pts = p.pts
        dts = p.dts
        return EncodedPacket(
            kind,
            bytes(p),
            int(pts),
            int(dts if dts is not None else pts),
            time_base,
            bool(p.is_keyframe),
            int(p.duration or 0),
        )

    def close(self) -> None:
        with contextlib.suppress(av.error.FFmpegError):
            self._null.close()
