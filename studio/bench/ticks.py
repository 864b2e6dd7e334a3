"""The output-clock thread's own work while the real overlays go on air: its worst tick.

``python -m studio.bench.ticks [--seconds 8] [--size 1920x1080]``: a running ``Pipeline``
(test source, 30 fps, no outputs) with an ``OverlayManager``; at 1 s a product card, a
flash-price pop-up (its countdown re-drawn each second), a coupon and a lower third are asked
for at the same instant, as a guide's hotkeys would; they slide in and, at 5 s, out. Prints the
engine's own counters: the worst tick (hooks + compositing + audio) and the ticks over one
period, plus the frames each overlay waited for its image (late).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from studio.config import Profile
from studio.media.engine import Pipeline
from studio.media.sources.test_pattern import TestPatternSource
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog

FPS = 30


def measure(width: int, height: int, seconds: float) -> dict[str, Any]:
    profile = Profile(width=width, height=height, fps=FPS, video_bitrate=2_500_000)
    pipe = Pipeline(profile)
    pipe.add_source(TestPatternSource(width, height, FPS))
    overlays = OverlayManager.attach(pipe, demo_catalog())
    sku = next(iter(overlays.catalog)).sku
    pipe.start()
    try:
        pipe.wait(1.0)
        settled = pipe.counters.tick_worst_ms  # start-up (warm caches, the clock's first draw)
        pipe.counters.tick_worst_ms = pipe.tick_worst_cpu_ms = 0.0
        over0 = pipe.counters.ticks_over_period
        overlays.show_card(sku, duration=4)
        overlays.pop_link(sku, duration=4, flash_price=199)
        overlays.coupon(20, 199, duration=4)
        overlays.lower_third("小林 · 导购", duration=4)
        pipe.wait(seconds - 1.0)
    finally:
        pipe.stop()
        overlays.detach()
    c = pipe.counters
    return {
        "size": f"{width}x{height}",
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "tick_worst_ms": round(c.tick_worst_ms, 1),
        "tick_worst_cpu_ms": round(pipe.tick_worst_cpu_ms, 1),
        "tick_worst_ms_before_overlays": round(settled, 1),
        "ticks_over_period": c.ticks_over_period - over0,
        "ticks": c.rendered,
        "late_frames": dict(overlays.late),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--size", action="append", help="WxH (repeatable); default 1280x720, 1920x1080")
    args = ap.parse_args()
    for size in args.size or ["1280x720", "1920x1080"]:
        w, h = (int(v) for v in size.lower().split("x"))
        print(json.dumps(measure(w, h, args.seconds), ensure_ascii=False), flush=True)
        time.sleep(0.5)


if __name__ == "__main__":
    main()
