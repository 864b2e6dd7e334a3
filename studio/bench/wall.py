"""Wall: decoding many pulled 640x360 streams, full-rate and keyframes-only.

One 640x360 stream (x264, 2 s GOP, with audio so nginx-rtmp keeps pullers
flowing) is published once by ``ffmpeg -re -c copy`` in a loop; nginx fans it
out, and the measured child pulls it N times. Each pull is a full independent
connection, demux and decode, the same work as N different stores.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from studio.bench.proc import run_child_job
from studio.bench.workload import make_clip


def make_tile_clip(path: Path, seconds: float = 6.0) -> Path:
    return make_clip(path, seconds, 640, 360)


class LoopPublisher:
    """``ffmpeg -re -stream_loop -1 -c copy`` into nginx: a live stream costing ~no CPU."""

    def __init__(self, clip: Path, url: str) -> None:
        self.cmd = [
            "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-stream_loop", "-1", "-i", str(clip), "-c", "copy",
            "-f", "flv", "-flvflags", "no_duration_filesize", url,
        ]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LoopPublisher:
        self.proc = subprocess.Popen(
            self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()  # its errors are not read; an open pipe is a leak


def run_wall(
    url: str,
    counts: list[int],
    seconds: float,
    step: Any = lambda _m: None,
) -> dict[str, Any]:
    rows = []
    for n in counts:
        for kf in (False, True):
            step(f"wall: {n} tiles, {'keyframes only' if kf else 'full rate'}")
            for attempt in (1, 2):  # a pull that never connects is a setup flake, not a figure
                res = run_child_job(
                    {
                        "job": "wall",
                        "url": url,
                        "streams": n,
                        "keyframes_only": kf,
                        "seconds": seconds,
                    },
                    timeout=seconds + 120,
                ).result
                res["attempts"] = attempt
                if res["connected"] == n:
                    break
            rows.append({k: res[k] for k in (
                "streams", "connected", "keyframes_only", "cpu_percent", "fps_mean", "fps_min",
                "errors", "attempts",
            )})  # fmt: skip
    return {"seconds": seconds, "tile": "640x360@30", "rows": rows}
