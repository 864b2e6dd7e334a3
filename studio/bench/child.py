"""The measured side of each bench section, run as its own process.

``python -m studio.bench.child '<json spec>'`` runs one job and prints JSON
lines on stdout: ``{"event": "ready", ...}`` once set up (the parent starts its
clock or its puller then) and ``{"event": "result", ...}`` at the end. A
process of its own keeps CPU accounting clean: what the child's rusage says is
what the studio spent, not the bench's pullers, tables or the backend.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av

from studio.bench.workload import FPS, Overlay, bench_profile
from studio.gc_pauses import PassTimes, freeze_long_lived

if TYPE_CHECKING:
    from studio.media.stats import StatsSnapshot

log = logging.getLogger(__name__)


def emit(event: str, **data: Any) -> None:
    print(json.dumps({"event": event, **data}), flush=True)


def cpu_seconds() -> float:
    """User + system CPU of this process (all threads) so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _overlays(spec: dict[str, Any]) -> list[Overlay]:
    return [Overlay(**{**o, "path": Path(o["path"])}) for o in spec.get("overlays", [])]


def _wait_live(outputs: list[Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(o.state != "live" for o in outputs):
        time.sleep(0.02)


def _drain(outputs: list[Any], timeout: float = 10.0) -> None:
    """Let each output send what it has queued (the bench pushes faster than real time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(o._queue and o.state == "live" for o in outputs):
        time.sleep(0.02)


# -- throughput: decode -> compose -> encode -> push, unthrottled ----------------------------


def studio_throughput(spec: dict[str, Any]) -> dict[str, Any]:
    """The studio's own components driven as fast as they go (no output clock to wait on).

    Same path as the engine per frame: PyAV decode -> I420 ndarray -> source slot ->
    ``Compositor.render`` (video layer + image layers, the toast moving) ->
    ``Encoder.encode_video`` -> ``RtmpOutput`` (its own thread); audio decoded,
    resampled and AAC-encoded alongside.
    """
    from studio.media.audio import Stereo48k
    from studio.media.compositor import Compositor, ImageLayer, Scene, VideoLayer
    from studio.media.encoder import Encoder
    from studio.media.frame import DecodedPictures
    from studio.media.outputs import RtmpOutput
    from studio.media.outputs.base import Templates
    from studio.media.sources.base import Source
    from studio.media.sources.decoded import set_decoder_threads

    class Fed(Source):
        """A source the driver feeds by hand (no thread): the decoded clip."""

        kind = "bench"

        def _workers(self) -> list[tuple[object, str]]:
            return []

        def feed(self, data: Any, w: int, h: int) -> None:
            self._emit(data, w, h, lent=True)  # as the file and URL sources do

    w, h = spec["width"], spec["height"]
    profile = bench_profile(w, h)
    comp = Compositor(w, h)
    scene = Scene("bench")
    src = Fed("clip", w, h, FPS)
    scene.program.append(VideoLayer(name="video", source=src))
    moving: list[tuple[ImageLayer, Overlay]] = []
    for ov in _overlays(spec):
        layer = ImageLayer(name=ov.name, x=ov.x, y=ov.y, rgba=ov.rgba())
        scene.program.append(layer)
        if ov.slides:
            moving.append((layer, ov))
    enc = Encoder(profile)
    outputs = [RtmpOutput(spec["url"])] if spec.get("url") else []
    for out in outputs:
        out.start(Templates(enc.video, enc.audio))
    _wait_live(outputs)

    def fan_out(packets: list[Any]) -> None:
        for out in outputs:  # as the engine hands them over
            out.send_all(packets)

    limit = spec.get("frames") or 10**9
    stage = spec.get("stage", "full")  # decode | compose | full: for the cost breakdown
    container = av.open(spec["clip"])
    vs = container.streams.video[0]
    set_decoder_threads(vs)  # as the file and URL sources thread their decoders
    streams = [vs, *container.streams.audio[:1]] if stage == "full" else [vs]
    stereo = Stereo48k()  # as the file and URL sources convert their sound
    # as the file and URL sources decode: into reused buffers, at the size the compositor asks
    pictures = DecodedPictures()
    freeze_long_lived()  # as the window and `studio live` do before a show
    emit("ready")
    cpu0, t0 = cpu_seconds(), time.monotonic()
    n = 0
    for packet in container.demux(*streams):
        if n >= limit:
            break
        for frame in packet.decode():
            if isinstance(frame, av.VideoFrame):
                data, fw, fh = pictures.take(frame, src.deliver_size)
                n += 1
                if stage == "decode":
                    continue
                src.feed(data, fw, fh)
                for layer, ov in moving:
                    layer.x = ov.x_at((n - 1) / FPS, w)
                canvas, _ = comp.render(scene)
                if stage == "full":
                    fan_out(enc.encode_video(canvas, n - 1))
            else:
                for block in stereo.convert(frame):
                    fan_out(enc.encode_audio(block))
    fan_out(enc.encode_video(None, 0))
    fan_out(enc.encode_audio(None))
    _drain(outputs)
    cpu1, t1 = cpu_seconds(), time.monotonic()
    for out in outputs:
        out.stop()
    container.close()
    enc.close()
    return {
        "frames": n,
        "cpu_s": cpu1 - cpu0,
        "wall_s": t1 - t0,
        "dropped_network": sum(o.stats.dropped_network for o in outputs),
        "encoder": enc.video_codec,
    }


# -- the encoder alone: raw pictures -> x264, as the ffmpeg CLI's rawvideo run ---------------


def studio_encode(spec: dict[str, Any]) -> dict[str, Any]:
    """``Encoder.encode_video`` on raw I420 pictures read from a file (looped), no output:
    the bundled x264's cost with the engine's settings, against the ffmpeg CLI's x264."""
    import numpy as np

    from studio.media.encoder import Encoder

    w, h = spec["width"], spec["height"]
    enc = Encoder(bench_profile(w, h))
    size, limit, n = w * h * 3 // 2, spec["frames"], 0
    with open(spec["raw"], "rb") as fh:
        emit("ready")
        cpu0, t0 = cpu_seconds(), time.monotonic()
        while n < limit:
            data = np.fromfile(fh, np.uint8, count=size)
            if data.size < size:  # the end of the file: from the start again, as -stream_loop
                fh.seek(0)
                continue
            enc.encode_video(data.reshape(h * 3 // 2, w), n)
            n += 1
        enc.encode_video(None, 0)
        cpu1, t1 = cpu_seconds(), time.monotonic()
    enc.close()
    return {"frames": n, "cpu_s": cpu1 - cpu0, "wall_s": t1 - t0, "encoder": enc.video_codec}


# -- real time: the engine as a show runs it ----------------------------------------------


def realtime(spec: dict[str, Any]) -> dict[str, Any]:
    """``Pipeline`` at its own clock: test source (a camera stand-in), overlays, RTMP, recording."""
    import psutil

    from studio.media.compositor import ImageLayer
    from studio.media.engine import Pipeline
    from studio.media.sources.test_pattern import TestPatternSource

    w, h = spec["width"], spec["height"]
    profile = bench_profile(w, h, spec.get("fps", FPS))
    if spec.get("preset"):  # the auto-configuration soaks its own pick
        profile = replace(profile, preset=spec["preset"])
    if spec.get("bitrate"):
        profile = replace(profile, video_bitrate=int(spec["bitrate"]))
    pipe = Pipeline(profile)
    source = TestPatternSource(w, h, profile.fps, caption="bench")
    pipe.add_source(source)
    for ov in _overlays(spec):
        layer = ImageLayer(name=ov.name, x=ov.x, y=ov.y, rgba=ov.rgba())
        pipe.scene.program.append(layer)
        if ov.slides:
            pipe.tick_hooks.append(
                lambda _n, t, layer=layer, ov=ov: setattr(layer, "x", ov.x_at(t, w))
            )
    rtmp = pipe.add_rtmp(spec["url"]) if spec.get("url") else None
    recorder = pipe.add_recorder(Path(spec["record"])) if spec.get("record") else None
    samples: list[StatsSnapshot] = []
    pipe.bus.subscribe("stats", lambda ev: samples.append(ev.data["snapshot"]))
    proc = psutil.Process()
    trace = _LatencyTrace(pipe, source, rtmp)
    freeze_long_lived()  # as the window and `studio live` do before a show
    passes = PassTimes().install()
    pipe.start()
    trace.attach()
    emit("ready", t0=source.t0, fps=profile.fps)
    cpu0, t0 = cpu_seconds(), time.monotonic()
    rss_peak = 0.0
    end = t0 + spec["seconds"]
    while time.monotonic() < end:
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))
        rss_peak = max(rss_peak, proc.memory_info().rss / 2**20)
    cpu1, t1 = cpu_seconds(), time.monotonic()
    pipe.stop()
    c = pipe.counters
    return {
        "seconds": t1 - t0,
        "cpu_percent": 100 * (cpu1 - cpu0) / (t1 - t0),
        "rss_mb_peak": rss_peak,
        "rendered": c.rendered,
        "encoded": c.encoded,
        "tick_worst_ms": round(c.tick_worst_ms, 1),
        "tick_worst_cpu_ms": round(pipe.tick_worst_cpu_ms, 1),
        "ticks_over_period": c.ticks_over_period,
        # the longest the cyclic collector held the GIL (every thread stood still meanwhile)
        "gc_pass_worst_ms": round(max(passes.worst_ms), 1),
        "gc_full_passes": passes.passes[2],
        "dropped": {
            "render_lag": c.render_lag,
            "encode_lag": c.encode_lag,
            "network": rtmp.stats.dropped_network if rtmp else 0,
            "recorder": recorder.stats.dropped_network if recorder else 0,
            "source_overwritten": source.slot.overwritten,
        },
        "rtmp_state": rtmp.state if rtmp else "",
        "encoder": pipe.encoder.video_codec if pipe.encoder else "",
        "cpu_percent_samples": [s.cpu_percent for s in samples],
        "stages_ms_p50": trace.summary(),
    }


class _FlvTags:
    """Reads the FLV the muxer writes to the connection: when each H.264 picture tag's last
    byte was handed to the socket (``NetSink.write`` returned). The muxer keeps a stream's
    order, so the i-th picture tag is the i-th video packet muxed."""

    def __init__(self) -> None:
        self.video_written: list[float] = []
        self._head = b""
        self._started = False  # past the 9-byte FLV header and its 4-byte tag size
        self._skip = 0
        self._picture = False

    def feed(self, data: bytes, now: float) -> None:
        i, n = 0, len(data)
        while i < n:
            if self._skip:
                k = min(self._skip, n - i)
                self._skip -= k
                i += k
                if not self._skip and self._picture:
                    self.video_written.append(now)
                continue
            want = 13  # FLV header + tag size, or a tag header + its first two data bytes
            take = data[i : i + want - len(self._head)]
            self._head += take
            i += len(take)
            if len(self._head) < want:
                return
            head, self._head = self._head, b""
            if not self._started:
                self._started = head[:3] == b"FLV"
                continue
            size = int.from_bytes(head[1:4], "big")
            # video (9), an AVC NALU (1), not the sequence header (0) or its end (2)
            self._picture = head[0] & 0x1F == 9 and head[12] == 1
            self._skip = size - 2 + 4


class _LatencyTrace:
    """Times each frame through the engine without changing it (wraps, never edits).

    capture (source frame k at t0 + k/fps) -> picked by output tick n (tick hook)
    -> encoded (``Encoder.encode_video`` returns) -> handed to the RTMP muxer
    (``container.mux`` returns: the packet is in libavformat's interleaving queue)
    -> written to the connection (its FLV tag's last byte through ``NetSink.write``).
    """

    def __init__(self, pipe: Any, source: Any, rtmp: Any) -> None:
        self.pipe, self.source, self.rtmp = pipe, source, rtmp
        self.picked: dict[int, tuple[float, float]] = {}  # n -> (captured, tick time)
        self.encoded: dict[int, float] = {}
        self.muxed: dict[int, float] = {}
        self.muxed_order: list[int] = []
        self.flv = _FlvTags()
        pipe.tick_hooks.append(self._on_tick)
        if rtmp is not None:  # this process is the bench's own: wrapping the class is fine
            from studio.media.outputs import netio

            write, flv = netio.NetSink.write, self.flv

            def timed_write(sink: Any, data: bytes) -> int:
                written = write(sink, data)
                flv.feed(bytes(data), time.monotonic())
                return written

            netio.NetSink.write = timed_write  # type: ignore[method-assign]

    def _on_tick(self, n: int, _t: float) -> None:
        frame = self.source.slot._frame  # read without marking it seen
        if frame is not None:
            self.picked[n] = (frame.captured, time.monotonic())

    def attach(self) -> None:
        enc = self.pipe.encoder
        original = enc.encode_video

        def encode_video(i420: Any, index: int) -> Any:
            packets = original(i420, index)
            if i420 is not None:
                self.encoded[index] = time.monotonic()
            return packets

        enc.encode_video = encode_video
        if self.rtmp is not None:
            mux = self.rtmp._mux

            def timed_mux(container: Any, streams: Any, pkt: Any) -> None:
                mux(container, streams, pkt)
                if pkt.kind == "video":
                    self.muxed[pkt.pts] = time.monotonic()
                    self.muxed_order.append(pkt.pts)

            self.rtmp._mux = timed_mux

    def summary(self) -> dict[str, float | None]:
        import statistics

        def p50(xs: list[float]) -> float | None:
            return round(1000 * statistics.median(xs), 1) if xs else None

        ns = [n for n in self.picked if n in self.encoded]
        written = dict(zip(self.muxed_order, self.flv.video_written, strict=False))
        return {
            "muxed_to_written": p50([written[n] - self.muxed[n] for n in ns if n in written]),
            "capture_to_written": p50([written[n] - self.picked[n][0] for n in ns if n in written]),
            "capture_to_tick": p50([self.picked[n][1] - self.picked[n][0] for n in ns]),
            "tick_to_encoded": p50([self.encoded[n] - self.picked[n][1] for n in ns]),
            "encoded_to_muxed": p50(
                [self.muxed[n] - self.encoded[n] for n in ns if n in self.muxed]
            ),
            "capture_to_muxed": p50(
                [self.muxed[n] - self.picked[n][0] for n in ns if n in self.muxed]
            ),
        }


def ideal(spec: dict[str, Any]) -> dict[str, Any]:
    """The reference for glass-to-glass: render, encode and mux on one thread, nothing else.

    No slots, no compositor, no encode queue, no output thread: the floor any
    PyAV pusher of x264 zerolatency + AAC through nginx-rtmp reaches here.
    """
    from studio.media.audio import SAMPLE_RATE
    from studio.media.encoder import Encoder
    from studio.media.sources.test_pattern import TestPatternSource

    w, h = spec["width"], spec["height"]
    profile = bench_profile(w, h, spec.get("fps", FPS))
    fps = profile.fps
    pattern = TestPatternSource(w, h, fps, caption="ideal")
    enc = Encoder(profile)
    out = av.open(spec["url"], "w", format="flv", options={"flvflags": "no_duration_filesize"})
    streams = {
        "video": out.add_stream_from_template(enc.video),
        "audio": out.add_stream_from_template(enc.audio),
    }
    out.start_encoding()

    def mux(packets: list[Any]) -> None:
        for pkt in packets:
            p = av.Packet(pkt.data)
            p.pts, p.dts, p.time_base = pkt.pts, pkt.dts, pkt.time_base
            p.is_keyframe = pkt.keyframe
            p.stream = streams[pkt.kind]
            out.mux(p)

    t0 = time.monotonic() + 0.2
    emit("ready", t0=t0, fps=fps)
    cpu0 = cpu_seconds()
    n = round(spec["seconds"] * fps)
    per = SAMPLE_RATE // fps
    for k in range(n):
        delay = t0 + k / fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        mux(enc.encode_video(pattern.render(k), k))
        mux(enc.encode_audio(TestPatternSource.tone(k * per, per)))
    mux(enc.encode_video(None, 0))
    cpu1 = cpu_seconds()
    out.close()
    enc.close()
    return {"frames": n, "cpu_percent": 100 * (cpu1 - cpu0) / max(1e-9, spec["seconds"])}


# -- wall: many pulled streams decoded ----------------------------------------------------


def wall(spec: dict[str, Any]) -> dict[str, Any]:
    """N pulls of 640x360 streams decoded to I420 arrays, as a wall of tiles would."""
    stop = threading.Event()
    counted = threading.Event()
    frames = [0] * spec["streams"]
    errors: list[str] = []
    connected = [False] * spec["streams"]

    def pull(i: int) -> None:
        opts = {"rw_timeout": "5000000", "analyzeduration": "1500000", "probesize": "1000000"}
        while not stop.is_set():  # like UrlSource: a probe that missed the video retries
            try:
                with av.open(spec["url"], timeout=(10.0, None), options=opts) as c:
                    if not c.streams.video:
                        raise ValueError("no video stream found by the probe")
                    vs = c.streams.video[0]
                    vs.thread_type = "AUTO"
                    if spec.get("keyframes_only"):
                        vs.codec_context.skip_frame = "NONKEY"
                    connected[i] = True
                    for packet in c.demux(vs):
                        if stop.is_set():
                            return
                        for frame in packet.decode():
                            frame.to_ndarray()  # what a tile does: an I420 array to scale/show
                            if counted.is_set():
                                frames[i] += 1
            except (av.error.FFmpegError, ValueError) as exc:
                errors.append(str(exc))
                stop.wait(0.5)

    threads = [
        threading.Thread(target=pull, args=(i,), name=f"wall-{i}", daemon=True)
        for i in range(spec["streams"])
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while not all(connected) and time.monotonic() < deadline and not errors:
        time.sleep(0.05)
    time.sleep(spec.get("warmup", 1.5))  # past the first GOP and thread spin-up
    emit("ready")
    counted.set()
    cpu0, t0 = cpu_seconds(), time.monotonic()
    time.sleep(spec["seconds"])
    counted.clear()
    cpu1, t1 = cpu_seconds(), time.monotonic()
    stop.set()
    for t in threads:
        t.join(7)
    dt = t1 - t0
    per = [f / dt for f in frames]
    return {
        "streams": spec["streams"],
        "connected": sum(connected),
        "keyframes_only": bool(spec.get("keyframes_only")),
        "seconds": dt,
        "cpu_percent": 100 * (cpu1 - cpu0) / dt,
        "fps_mean": sum(per) / len(per) if per else 0.0,
        "fps_min": min(per) if per else 0.0,
        "errors": errors[:3],
    }


JOBS = {
    "throughput": studio_throughput,
    "encode": studio_encode,
    "realtime": realtime,
    "ideal": ideal,
    "wall": wall,
}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    spec = json.loads(argv[0])
    result = JOBS[spec["job"]](spec)
    emit("result", cpu_total_s=cpu_seconds(), rss_mb_max=peak_rss_mb(), **result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
