"""Once a second: per-output and overall health, as engine events and JSON lines.

The shape follows what OBS shows a streamer: state, bitrate, frames dropped by
cause (render lag, encode lag, network), reconnects, render fps, CPU. The
collector reads a pipeline through the narrow :class:`Sampled` protocol, so this
module does not import the engine that owns it (no engine <-> stats cycle), and
publishes a typed :class:`StatsSnapshot` (``stats`` events carry it as
``snapshot``); its :meth:`StatsSnapshot.as_dict` is the JSON line of
``--stats-file``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
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


@dataclass(frozen=True)
class OutputHealth:
    """One output (an RTMP destination or the recording) over the last sample."""

    name: str
    kind: str = "rtmp"
    state: str = "idle"
    reason: str | None = None  # English, for logs and the CLI
    message: dict[str, Any] | None = None  # the same as a Message dict, for the window
    bytes_sent: int = 0
    frames_sent: int = 0
    dropped_network: int = 0
    reconnects: int = 0
    queued_seconds: float = 0.0
    bitrate_kbps: float = 0.0
    dropped_pct: float = 0.0

    @classmethod
    def of(
        cls, described: Mapping[str, Any], bitrate_kbps: float, dropped_pct: float
    ) -> OutputHealth:
        """From ``Output.describe()`` and the rates worked out between two samples."""
        return cls(
            name=str(described["name"]),
            kind=str(described.get("kind", "rtmp")),
            state=str(described.get("state", "idle")),
            reason=described.get("reason"),
            message=described.get("message"),
            bytes_sent=int(described.get("bytes_sent", 0)),
            frames_sent=int(described.get("frames_sent", 0)),
            dropped_network=int(described.get("dropped_network", 0)),
            reconnects=int(described.get("reconnects", 0)),
            queued_seconds=float(described.get("queued_seconds", 0.0)),
            bitrate_kbps=bitrate_kbps,
            dropped_pct=dropped_pct,
        )


@dataclass(frozen=True)
class StatsSnapshot:
    """The pipeline's health once a second: what the window and ``--stats-file`` read."""

    time: float = 0.0
    media_seconds: float = 0.0
    render_fps: float = 0.0
    frames_rendered: int = 0
    frames_encoded: int = 0
    render_lag: int = 0
    encode_lag: int = 0
    cpu_percent: float = 0.0
    rss_mb: float = 0.0
    encoder: str = ""
    outputs: tuple[OutputHealth, ...] = ()
    sources: tuple[dict[str, Any], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The JSON line's shape (``dropped`` by cause, outputs and sources as objects)."""
        d = asdict(self)
        d["dropped"] = {"render_lag": d.pop("render_lag"), "encode_lag": d.pop("encode_lag")}
        d["outputs"] = [asdict(o) for o in self.outputs]
        d["sources"] = [dict(x) for x in self.sources]
        return d


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
        self.latest = StatsSnapshot()

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
                self.pipeline.bus.publish("stats", snapshot=self.latest)
            except Exception:
                log.exception("stats sampling failed")

    def sample(self) -> StatsSnapshot:
        p = self.pipeline
        now = time.monotonic()
        dt = max(1e-6, now - self._last_t)
        c = p.counters
        fps = (c.rendered - self._last_rendered) / dt
        self._last_t, self._last_rendered = now, c.rendered
        outputs = []
        for out in p.outputs:
            st = out.stats
            prev = self._last_bytes.get(id(out), st.bytes_sent)
            self._last_bytes[id(out)] = st.bytes_sent
            total = st.video_frames_sent + st.dropped_network
            outputs.append(
                OutputHealth.of(
                    out.describe(),
                    bitrate_kbps=round((st.bytes_sent - prev) * 8 / dt / 1000, 1),
                    dropped_pct=round(100.0 * st.dropped_network / total, 2) if total else 0.0,
                )
            )
        return StatsSnapshot(
            time=round(time.time(), 3),
            media_seconds=round(p.media_seconds, 3),
            render_fps=round(fps, 2),
            frames_rendered=c.rendered,
            frames_encoded=c.encoded,
            render_lag=c.render_lag,
            encode_lag=c.encode_lag,
            cpu_percent=self._proc.cpu_percent(None),
            rss_mb=round(self._proc.memory_info().rss / 2**20, 1),
            encoder=p.encoder.video_codec if p.encoder else "",
            outputs=tuple(outputs),
            sources=tuple(s.describe() for s in p.sources.values()),
        )


class JsonLinesWriter:
    """Appends every ``stats`` event's snapshot to a file, one JSON object per line, redacted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        snapshot: StatsSnapshot = event.data["snapshot"]
        line = redact(json.dumps(snapshot.as_dict(), ensure_ascii=False))
        with self._lock:
            if not self._fh.closed:
                self._fh.write(line + "\n")
                self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()
