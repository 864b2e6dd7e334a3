"""Real time: the engine at its own clock, with recording, pulled back like a viewer.

Glass-to-glass: the test source renders frame ``k`` at ``t0 + k/fps``
(``time.monotonic``, one clock for every process on the machine); the bench
pulls the stream from nginx, decodes it and reads ``k`` back from the
frame-number strip. Latency = arrival after decode - ``t0 + k/fps``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import av
import numpy as np

from studio.bench.proc import run_child_job
from studio.bench.workload import FPS, Overlay
from studio.media.sources.test_pattern import read_frame_code

SKIP_SECONDS = 2.0  # joining a live stream: the first GOP arrives late by design


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


class CodePuller:
    """Pulls a stream and records (frame code, arrival) for each decoded picture."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.codes: list[tuple[int, float]] = []
        self.frames = 0
        self.error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-puller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        opts = {"rw_timeout": "3000000"}
        deadline = time.monotonic() + 15
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                with av.open(self.url, timeout=(10.0, None), options=opts) as c:
                    streams = [*c.streams.video[:1], *c.streams.audio[:1]]  # audio keeps it flowing
                    for packet in c.demux(*streams):
                        if self._stop.is_set():
                            return
                        if packet.stream.type != "video":
                            continue
                        for frame in packet.decode():
                            arrived = time.monotonic()
                            self.frames += 1
                            plane = frame.planes[0]
                            y = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
                            code = read_frame_code(y[: frame.height, : frame.width])
                            if code is not None:
                                self.codes.append((code, arrived))
                return
            except av.error.FFmpegError as exc:
                if not self.frames:  # after frames, an error is just the publisher ending
                    self.error = str(exc)
                    time.sleep(0.3)
                else:
                    return


def latencies(codes: list[tuple[int, float]], t0: float, fps: int) -> list[float]:
    """Seconds from each frame's render time to its arrival, after the join period."""
    out = []
    if not codes:
        return out
    first = codes[0][1]
    for k, arrived in codes:
        if arrived < first + SKIP_SECONDS:  # the joining burst, not steady state
            continue
        out.append(arrived - (t0 + k / fps))
    return out


def missing_codes(codes: list[tuple[int, float]]) -> int:
    """Frame numbers absent between the first and last one the viewer saw."""
    if not codes:
        return 0
    ks = sorted({k for k, _ in codes})
    return (ks[-1] - ks[0] + 1) - len(ks)


def pulled_latency(
    spec: dict[str, Any], url: str, timeout: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a pushing child job while pulling ``url``; (child result, viewer figures)."""
    puller = CodePuller(url)
    ready: dict[str, Any] = {}

    def on_ready(ev: dict[str, Any]) -> None:
        ready.update(ev)
        puller.start()

    res = run_child_job({**spec, "url": url}, on_ready=on_ready, timeout=timeout).result
    puller.stop()
    lat = latencies(puller.codes, ready.get("t0", 0.0), ready.get("fps", FPS))
    return res, {
        "g2g_ms_p50": _ms(percentile(lat, 50)),
        "g2g_ms_p95": _ms(percentile(lat, 95)),
        "g2g_samples": len(lat),
        "viewer_frames": puller.frames,
        "viewer_missing_frames": missing_codes(puller.codes),
        "puller_error": puller.error,
    }


def run_realtime(
    seconds: float,
    sizes: list[tuple[int, int]],
    overlays_for: Any,
    url_for: Any,
    workdir: Path,
    step: Any = lambda _m: None,
    ideal_seconds: float = 0.0,
) -> dict[str, Any]:
    out: dict[str, Any] = {"seconds": seconds, "sizes": {}, "ideal": {}}
    for width, height in sizes:
        url = url_for(f"ideal-{height}")
        if ideal_seconds and url:
            step(f"realtime {height}p30: ideal pusher reference, {ideal_seconds:.0f} s")
            res, viewer = pulled_latency(
                {"job": "ideal", "width": width, "height": height, "seconds": ideal_seconds},
                url,
                ideal_seconds + 60,
            )
            out["ideal"][f"{height}p"] = {"cpu_percent": res["cpu_percent"], **viewer}
    for width, height in sizes:
        step(f"realtime {height}p30: {seconds:.0f} s with recording")
        url = url_for(f"rt-{height}")
        overlays: list[Overlay] = overlays_for(width, height)
        spec = {
            "job": "realtime",
            "width": width,
            "height": height,
            "fps": FPS,
            "seconds": seconds,
            "record": str(workdir / f"realtime-{height}p.mkv"),
            "overlays": [{**asdict(o), "path": str(o.path)} for o in overlays],
        }
        viewer: dict[str, Any] = {}
        if url:
            res, viewer = pulled_latency(spec, url, seconds + 120)
        else:
            res = run_child_job(spec, timeout=seconds + 120).result
        entry: dict[str, Any] = {
            "cpu_percent": res["cpu_percent"],
            "rss_mb_peak": res["rss_mb_peak"],
            "rendered": res["rendered"],
            "encoded": res["encoded"],
            "dropped": res["dropped"],
            "encoder": res["encoder"],
            "stages_ms_p50": res.get("stages_ms_p50", {}),
            # the output-clock thread's own work: its worst tick, and how many ticks ran
            # over one frame period (each delays the next tick)
            "tick_worst_ms": res.get("tick_worst_ms"),
            "tick_worst_cpu_ms": res.get("tick_worst_cpu_ms"),
            "ticks_over_period": res.get("ticks_over_period"),
            "ticks_over_period_percent": (
                round(100 * res["ticks_over_period"] / res["rendered"], 2)
                if res.get("rendered") and res.get("ticks_over_period") is not None
                else None
            ),
            # the longest cyclic-collector pass (the GIL held, every thread waiting) and how
            # many full passes the run had
            "gc_pass_worst_ms": res.get("gc_pass_worst_ms"),
            "gc_full_passes": res.get("gc_full_passes"),
            **viewer,
        }
        out["sizes"][f"{height}p"] = entry
    return out


def _ms(v: float | None) -> float | None:
    return None if v is None else round(1000 * v, 1)
