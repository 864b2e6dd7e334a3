"""The pipeline: output clock -> compositor -> one encode -> every output.

Threads (all named): ``output-clock`` ticks at the profile's fps, composites
the scene and pulls the mixer's samples for each tick; ``audio-encode`` turns
them into AAC (2-6 ms calls, measured on this 2-core machine, were the clock's
heaviest work once overlays were drawn ahead); ``video-encode`` encodes frames;
both fan packets out; each source and each output has its own. Video pts is the output frame
index, audio pts the sample count: one media clock for both.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np

from studio.config import Profile
from studio.events import EventBus
from studio.media.audio import SAMPLE_RATE, AudioMixer, AudioRing
from studio.media.compositor import Compositor, Scene, VideoLayer
from studio.media.encoder import EncodedPacket, Encoder
from studio.media.frame import Frame
from studio.media.outputs import Output, Recorder, RtmpOutput
from studio.media.outputs.base import Templates
from studio.media.slot import LatestSlot
from studio.media.sources.base import Source
from studio.media.stats import Counters, StatsCollector

log = logging.getLogger(__name__)

ProgramTap = Callable[[int, np.ndarray, np.ndarray, dict[AudioRing, np.ndarray]], None]

ENCODE_QUEUE_SECONDS = 0.5  # beyond this the encoder is behind and frames are skipped
CATCH_UP_SECONDS = 0.5  # a stall shorter than this is rendered through, not skipped
GENLOCK_MARGIN = 0.15  # periods: tick this long after the main source's frames land
GENLOCK_GAIN = 0.05  # fraction of the phase error corrected per new frame


class Pipeline:
    """A running show's media side. Build it, add sources and outputs, ``start``, ``stop``."""

    def __init__(self, profile: Profile, bus: EventBus | None = None) -> None:
        self.profile = profile
        self.bus = bus or EventBus()
        self.compositor = Compositor(profile.width, profile.height)
        self.scene = Scene("main")
        self.mixer = AudioMixer()
        self.sources: dict[str, Source] = {}
        self.outputs: list[Output] = []
        self.recorder: Recorder | None = None
        self.encoder: Encoder | None = None
        self.counters = Counters()
        self.preview = LatestSlot()  # program + guide-only layers, for the local preview
        self.preview_enabled = False
        self.frame_index = 0
        self.running = False
        self._t0 = 0.0
        self._stop = threading.Event()
        self._encode_q: deque[tuple[int, np.ndarray]] = deque()
        self._encode_cv = threading.Condition()
        self._audio_q: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._stats = StatsCollector(self)
        self._samples_pulled = 0
        self._genlock_seq = -1
        # the clock thread's own CPU in its heaviest tick: unlike the wall-clock worst tick
        # (Counters.tick_worst_ms) it does not grow when other processes take the cores
        self.tick_worst_cpu_ms = 0.0
        # called on the output-clock thread before each frame is composed, with
        # (frame index, media seconds): the cue engine and animations hang here
        self.tick_hooks: list[Callable[[int, float], None]] = []
        # program taps (连麦 sends the program to guests): called on the clock thread with
        # (frame index, program frame, audio block, each ring's block); only while one is
        # registered, so a show without guests pays nothing. The frame is the one handed to
        # the encoder (never written again): taps keep a reference, no copy.
        self.program_taps: list[ProgramTap] = []

    # -- building ------------------------------------------------------------
    def add_source(self, source: Source, *, with_audio: bool = True, layer: bool = True) -> Source:
        key, n = source.name, 2  # two cameras of one model share a name: keep (and stop) both
        while self.sources.get(key, source) is not source:
            key, n = f"{source.name}#{n}", n + 1
        self.sources[key] = source
        if with_audio and source.audio is not None:
            self.mixer.add(source.audio)
        if layer:
            with self.compositor.lock:
                self.scene.program.append(VideoLayer(name=f"video:{source.name}", source=source))
        if self.running:
            source.start()
        return source

    def replace_source(self, source: Source) -> Source:
        """Swap the main picture (and its sound) while running: the camera picker."""
        old = list(self.sources.values())
        with self.compositor.lock:
            self.scene.program = [
                layer for layer in self.scene.program if not isinstance(layer, VideoLayer)
            ]
            self.scene.program.insert(0, VideoLayer(name=f"video:{source.name}", source=source))
        for src in old:
            if src.audio is not None:
                self.mixer.remove(src.audio)
        self.sources.clear()
        self.sources[source.name] = source
        if source.audio is not None:
            self.mixer.add(source.audio)
        if self.running:
            source.start()
        for src in old:
            src.stop(timeout=2.0)
        return source

    def add_output(self, output: Output, at_frame: int | None = None) -> Output:
        """Start an output now, or (``at_frame``) with that frame as its first picture."""
        output.on_state = lambda o: self.bus.publish(
            "output.state", name=o.name, kind=o.kind, state=o.state, reason=o.reason
        )
        if at_frame is not None:
            output.not_before = at_frame / self.profile.fps
        self.outputs.append(output)
        if self.running and self.encoder is not None:
            output.start(self._templates())
            self.encoder.request_keyframe(at_frame or 0)
        return output

    def remove_output(self, output: Output) -> None:
        """Stop one output (e.g. End on one platform); the others go on."""
        if output in self.outputs:
            self.outputs.remove(output)
            output.stop()
            if output is self.recorder:
                self.recorder = None

    def add_rtmp(self, url: str) -> RtmpOutput:
        out = RtmpOutput(url)
        self.add_output(out)
        return out

    def add_recorder(self, path: Path, at_frame: int | None = None) -> Recorder:
        self.recorder = Recorder(path)
        self.add_output(self.recorder, at_frame)
        return self.recorder

    @property
    def media_seconds(self) -> float:
        return self.frame_index / self.profile.fps

    def add_chapter(self, title: str) -> None:
        if self.recorder is not None:
            self.recorder.add_chapter(title, self.media_seconds)
        self.bus.publish("chapter", title=title, at=self.media_seconds)

    def reconnect_now(self, name: str | None = None) -> list[str]:
        """Retry the RTMP outputs that are not live now; the names of those retried.

        Without ``name`` (the window's 立即重连) live outputs keep their connection;
        naming one output reconnects it even when live (the guide asked for that one).
        """
        return [
            out.name
            for out in self.outputs
            if isinstance(out, RtmpOutput)
            and name in (None, out.name)
            and out.reconnect_now(force=name is not None)
        ]

    # -- lifecycle ------------------------------------------------------------
    def _templates(self) -> Templates:
        assert self.encoder is not None
        return Templates(self.encoder.video, self.encoder.audio)

    def start(self) -> None:
        self.encoder = Encoder(self.profile)
        for src in self.sources.values():
            src.start()
        for out in tuple(self.outputs):
            out.start(self._templates())
        self._stop.clear()
        self._audio_q = queue.SimpleQueue()
        self.running = True
        self.compositor.render(self.scene)  # warm caches so tick 0 is not late
        self._t0 = time.monotonic()
        for target, name in (
            (self._clock_loop, "output-clock"),
            (self._encode_loop, "video-encode"),
            (self._audio_loop, "audio-encode"),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(t)
            t.start()
        self._stats.start()
        self.bus.publish(
            "pipeline.started",
            encoder=self.encoder.video_codec,
            width=self.profile.width,
            height=self.profile.height,
            fps=self.profile.fps,
        )

    def stop(self) -> None:
        """Stop cleanly: last frames encoded, encoder flushed, every file closed."""
        if not self.running:
            return
        self._stop.set()
        with self._encode_cv:
            self._encode_cv.notify_all()
        for t in self._threads:
            if t.name == "audio-encode" and t.is_alive():
                self._audio_q.put(None)  # in case the clock ended without saying so
            t.join(15)
        self._threads.clear()
        self._stats.stop()
        for out in tuple(self.outputs):
            out.stop()
        for src in self.sources.values():
            src.stop()
        if self.encoder is not None:
            self.encoder.close()
        self.running = False
        self.bus.publish("pipeline.stopped", frames=self.counters.rendered)

    def wait(self, seconds: float) -> bool:
        """Sleep while the show runs; False if it was stopped meanwhile."""
        return not self._stop.wait(seconds)

    # -- threads ----------------------------------------------------------------
    def _fan_out(self, packets: list[EncodedPacket]) -> None:
        # a copy: an output removed meanwhile (End on one platform, from the window's
        # thread) must not make the next one in the list miss these packets
        for out in tuple(self.outputs):
            try:
                out.send_all(packets)
            except Exception as exc:  # whatever one output's fault is,
                # it must not end the encode thread, and every other output and the
                # recording with it: that output fails alone (and takes no more packets)
                out.crashed(exc)

    def _clock_loop(self) -> None:
        fps = self.profile.fps
        n = 0
        assert self.encoder is not None
        while not self._stop.is_set():
            target = self._t0 + n / fps
            delay = target - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                break
            late = int((time.monotonic() - target) * fps)
            if late > CATCH_UP_SECONDS * fps:
                # far behind: skip ticks (counted as render lag), keep the clock
                self.counters.render_lag += late
                n += late
            # A shorter stall (PyAV holds the GIL while an RTMP output connects,
            # ~0.2 s) is rendered through: the next ticks run back to back, so the
            # timeline keeps every frame and no pts is skipped.
            self.frame_index = n
            began, began_cpu = time.perf_counter(), time.thread_time()
            for hook in list(self.tick_hooks):
                try:
                    hook(n, n / fps)
                except Exception:
                    log.exception("tick hook %r failed", hook)
            frame, preview = self.compositor.render(self.scene, with_guide=self.preview_enabled)
            self.counters.rendered += 1
            self._genlock(fps)
            if preview is not None:
                self.preview.put(
                    Frame(preview, self.profile.width, self.profile.height, time.monotonic(), n)
                )
            with self._encode_cv:
                if len(self._encode_q) >= max(2, int(ENCODE_QUEUE_SECONDS * fps)):
                    self._encode_q.popleft()
                    self.counters.encode_lag += 1
                self._encode_q.append((n, frame))
                self._encode_cv.notify()
            # audio up to this frame's time, from the sample clock: what was captured
            # until now, so the ring needs only a source period of latency
            due = n * SAMPLE_RATE // fps
            taps = self.program_taps
            if due > self._samples_pulled:
                blocks: dict[AudioRing, np.ndarray] | None = {} if taps else None
                block = self.mixer.pull(due - self._samples_pulled, blocks)
                self._samples_pulled = due
                self._audio_q.put(block)
                for tap in list(taps):
                    try:
                        tap(n, frame, block, blocks or {})
                    except Exception:
                        log.exception("program tap %r failed", tap)
            spent = time.perf_counter() - began
            cpu_ms = (time.thread_time() - began_cpu) * 1000
            self.tick_worst_cpu_ms = max(self.tick_worst_cpu_ms, cpu_ms)
            self.counters.tick_worst_ms = max(self.counters.tick_worst_ms, spent * 1000)
            if spent > 1 / fps:
                self.counters.ticks_over_period += 1
            n += 1
        self._audio_q.put(None)  # the audio thread flushes the encoder and ends

    def _genlock(self, fps: int) -> None:
        """Slide the tick phase to just after the main source's frames arrive.

        A source and the output clock at the same rate but free-running meet at
        a random phase: a frame may wait almost a whole period in the slot, and
        with jitter some ticks miss a frame while the next shows two (a repeat
        for the viewer). Nudging ``t0`` keeps ticks a little after each frame.
        pts still come from the tick index, so the timeline is unchanged.
        """
        src = next(iter(self.sources.values()), None)
        if src is None or src.kind == "url" or src.state != "live" or src.fps != fps:
            return
        f = src.slot.peek()
        if f is None or f.seq == self._genlock_seq:
            return
        self._genlock_seq = f.seq
        phase = ((f.captured - self._t0) * fps) % 1.0  # where frames land within a period
        error = (phase + GENLOCK_MARGIN + 0.5) % 1.0 - 0.5  # ticks should be this much later
        self._t0 += GENLOCK_GAIN * error / fps

    def _audio_loop(self) -> None:
        """AAC off the clock thread; blocks in tick order, so pts stay the sample count."""
        assert self.encoder is not None
        while True:
            block = self._audio_q.get()
            self._fan_out(self.encoder.encode_audio(block))
            if block is None:
                return

    def _encode_loop(self) -> None:
        assert self.encoder is not None
        while True:
            with self._encode_cv:
                while not self._encode_q and not self._stop.is_set():
                    self._encode_cv.wait(0.5)
                if not self._encode_q and self._stop.is_set():
                    break
                n, frame = self._encode_q.popleft()
            if not self.outputs:  # preview only: nothing to encode for
                continue
            self._fan_out(self.encoder.encode_video(frame, n))
            self.counters.encoded += 1
        self._fan_out(self.encoder.encode_video(None, 0))
