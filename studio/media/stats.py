"""Once a second: per-output and overall health, as engine events and JSON lines.

The shape follows what OBS shows a streamer: state, bitrate, frames dropped by
cause (render lag, encode lag, network), reconnects, render fps, CPU. The
collector reads a pipeline through the narrow :class:`Sampled` protocol, so this
module does not import the engine that owns it (no engine <-> stats cycle).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import psutil

from studio.redact import redact

if TYPE_CHECKING:
    from studio.events import EventBus
    from studio.media.encoder import Encoder
    from studio.media.outputs.base import Output
    from studio.media.sources.base import Source

log = logging.getLogger(__name__)


@dataclass
class Counters:
    rendered: int = 0
    render_lag: int = 0  # output ticks skipped because compositing ran late
    encode_lag: int = 0  # rendered frames skipped because the encoder was behind
    encoded: int = 0
    # the output-clock thread's own work per tick (hooks, compositing, audio): nothing heavy
    # may run there; a tick over one frame period delays the next one
    tick_worst_ms: float = 0.0
    ticks_over_period: int = 0


class Sampled(Protocol):
    """What the collector reads of a running pipeline (``studio.media.engine.Pipeline``)."""

    @property
    def bus(self) -> EventBus: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def media_seconds(self) -> float: ...
    @property
    def encoder(self) -> Encoder | None: ...
    @property
    def outputs(self) -> Sequence[Output]: ...
    @property
    def sources(self) -> Mapping[str, Source]: ...


class StatsCollector:
    """Samples a pipeline every ``interval`` s and publishes ``stats`` events."""

    def __init__(self, pipeline: Sampled, interval: float = 1.0) -> None:
        self.pipeline = pipeline
        self.interval = interval
        self._proc = psutil.Process()
        self._proc.cpu_percent(None)
        self._last_t = time.monotonic()
        self._last_rendered = 0
        self._last_bytes: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stats", daemon=True)
        self.latest: dict[str, Any] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.latest = self.sample()
                self.pipeline.bus.publish("stats", **self.latest)
            except Exception:
                log.exception("stats sampling failed")

    def sample(self) -> dict[str, Any]:
        p = self.pipeline
        now = time.monotonic()
        dt = max(1e-6, now - self._last_t)
        c = p.counters
        fps = (c.rendered - self._last_rendered) / dt
        self._last_t, self._last_rendered = now, c.rendered
        outputs = []
        for out in p.outputs:
            d = out.describe()
            prev = self._last_bytes.get(id(out), out.stats.bytes_sent)
            d["bitrate_kbps"] = round((out.stats.bytes_sent - prev) * 8 / dt / 1000, 1)
            self._last_bytes[id(out)] = out.stats.bytes_sent
            total = out.stats.video_frames_sent + out.stats.dropped_network
            d["dropped_pct"] = round(100.0 * out.stats.dropped_network / total, 2) if total else 0.0
            outputs.append(d)
        return {
            "time": round(time.time(), 3),
            "media_seconds": round(p.media_seconds, 3),
            "render_fps": round(fps, 2),
            "frames_rendered": c.rendered,
            "frames_encoded": c.encoded,
            "dropped": {"render_lag": c.render_lag, "encode_lag": c.encode_lag},
            "cpu_percent": self._proc.cpu_percent(None),
            "rss_mb": round(self._proc.memory_info().rss / 2**20, 1),
            "encoder": p.encoder.video_codec if p.encoder else "",
            "outputs": outputs,
            "sources": [s.describe() for s in p.sources.values()],
        }


class JsonLinesWriter:
    """Appends every ``stats`` event to a file, one JSON object per line, redacted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        line = redact(json.dumps(event.data, ensure_ascii=False))
        with self._lock:
            if not self._fh.closed:
                self._fh.write(line + "\n")
                self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()
