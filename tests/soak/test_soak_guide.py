"""The guide's window for 5 minutes: demo mode, live to nginx-rtmp, the sample show looping.

A real ``studio gui`` process on its own Xvfb (see ``tests/soak/driver.py``): first
run -> 演示模式 (the embedded backend with simulated shoppers), a platform on a real
nginx-rtmp, 开始直播 with the local recording, quick-demo.toml started again each
time it ends. Passes when the process is alive throughout and exits 0 when closed,
the screen still changes at the end, a viewer pulling from nginx still gets
frames, the recording covers the soak, the log and stderr carry no error, and RSS
growth stays bounded.
"""

from __future__ import annotations

import time
from pathlib import Path

import av
import pytest

from studio.fonts import ASSETS
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from tests.soak.harness import (
    ARTIFACTS,
    WindowProcess,
    changed_pixels,
    keep_evidence,
    problems_in,
    record,
    rss_figures,
    scaled,
    screenshot,
    warnings_in,
    xvfb,
)

SOAK_SECONDS = 300.0
WARMUP = 20.0  # RSS "start" is taken once the window has been live this long
# Measured on this machine (2 vCPU, 720p30 default profile, quick-demo looping, 20
# shoppers, recording on): 312.8 -> 319.6 MB over 313 s (max 326.8), i.e. +7 MB; the
# embedded backend 150 -> 154 MB (tests/soak/README.md). 150 MB leaves room for
# allocator noise and a busier CI and still fails a leak of 0.5 MB/s (one 720p frame
# every ~7 s).
MAX_RSS_GROWTH_MB = 150.0
KEY = "soak-guide-3f9a"


def _recorded_seconds(path: Path) -> float:
    """Media time covered by the recording, from its packets (demuxed, not decoded)."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        last = 0.0
        first: float | None = None
        for packet in c.demux(stream):
            if packet.pts is None:
                continue
            t = float(packet.pts * stream.time_base)
            first = t if first is None else first
            last = max(last, t)
        return last - (first or 0.0)


def _paint_rate(statuses: list[dict]) -> float:
    """Preview pictures painted per second between the last two status lines while live."""
    live = [s for s in statuses if s["phase"] == "live" and "frames_painted" in s]
    if len(live) < 2:
        return 0.0
    a, b = live[-2], live[-1]
    return round((b["frames_painted"] - a["frames_painted"]) / max(0.1, b["t"] - a["t"]), 1)


@pytest.mark.soak
@pytest.mark.rtmp
@pytest.mark.slow
@pytest.mark.timeout(int(SOAK_SECONDS * 1.0 + 240))
def test_guide_window_live_in_demo_mode_for_five_minutes(
    nginx_rtmp: NginxRtmp, tmp_path: Path
) -> None:
    soak = scaled(SOAK_SECONDS, floor=30.0)
    logs, config, data, rec = (tmp_path / n for n in ("log", "config", "data", "rec"))
    config.mkdir()
    # the guide's settings file: where recordings go (the first run is still the first run)
    (config / "studio.ini").write_text(f"[General]\nrecord_dir={rec}\n", encoding="utf-8")
    rec.mkdir()
    env = {
        "STUDIO_LOG_DIR": str(logs),
        "STUDIO_CONFIG_DIR": str(config),
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_LANG": "zh",
    }
    server = f"rtmp://127.0.0.1:{nginx_rtmp.port}/live"
    show = ASSETS / "shows" / "quick-demo.toml"
    summary: dict[str, object] = {"alive": False}
    t_start = time.monotonic()
    with xvfb("1600x900") as display:
        win = WindowProcess(
            ["guide", "--server", server, "--key", KEY, "--show", str(show)],
            display,
            env,
            tmp_path / "stderr.txt",
        )
        win.start()
        try:
            win.wait_for(lambda s: s["phase"] == "live", 120, "demo mode, a platform, live")
            live_at = time.monotonic()
            shots: list[tuple[float, object]] = []

            def shoot() -> None:  # one screenshot a minute, kept for people to look at
                if not shots or time.monotonic() - shots[-1][0] >= 60:
                    n = len(shots)
                    img = screenshot(display, ARTIFACTS / f"soak-guide-{n:02d}.png")
                    shots.append((time.monotonic(), img))

            win.run_for(soak, every=shoot)
            alive = win.alive()
            status = win.latest()

            # still drawing: two screenshots a few seconds apart differ
            a = screenshot(display, ARTIFACTS / "soak-guide-end-a.png")
            time.sleep(3)
            b = screenshot(display, ARTIFACTS / "soak-guide-end-b.png")
            changed = changed_pixels(a, b)

            # still streaming: a viewer pulls from nginx-rtmp and decodes
            pulled = read_media(nginx_rtmp.url(KEY), seconds=8)
            rss_end_live = win.rss_now()
            status = win.latest()
            live_seconds = time.monotonic() - live_at

            rc = win.close(timeout=90)
            time.sleep(2)  # the demo backend's own exit
            orphans = win.orphans()
        finally:
            win.kill()
            keep_evidence("guide", win, logs)

    final = [s for s in win.statuses if s["phase"] == "ended"]
    recordings = sorted(rec.glob("guide-studio*.mkv"))
    recorded = _recorded_seconds(recordings[0]) if recordings else 0.0
    problems = problems_in([logs], win.stderr_text())
    rss = rss_figures(win.rss, start_after=live_at - win.started_at + WARMUP)
    summary = {
        "alive": alive,
        "exit_code": rc,
        "duration_s": round(live_seconds, 1),
        "wall_s": round(time.monotonic() - t_start, 1),
        "frames_pulled": len(pulled.video_times),
        "pulled_seconds": 8,
        "pulled_fps": round(pulled.fps(), 1),
        "pulled_size": [pulled.width, pulled.height],
        "pull_error": pulled.error,
        "screen_changed_px": changed,
        "preview_frames_painted": status.get("frames_painted"),
        "preview_fps_end": _paint_rate(win.statuses),
        "orders": status.get("orders"),
        "gmv": status.get("gmv"),
        "show_loops": status.get("loops"),
        "outputs": status.get("outputs"),
        "recording_s": round(recorded, 1),
        "rss_end_live_mb": rss_end_live,
        **rss,
        "orphans": orphans,
        "error_dialogs": status.get("error_dialogs"),
        "driver_errors": status.get("driver_errors"),
        "problems": problems[:20],
        "warnings": warnings_in(logs)[:20],
    }
    record("guide", summary)

    assert alive, win.tail()
    assert rc == 0, win.tail()
    assert final, "the window never reached 'ended' (live ended, then closed)"
    assert not status.get("driver_errors"), status["driver_errors"]
    assert not status.get("error_dialogs"), status["error_dialogs"]
    assert problems == [], problems[:20]
    assert changed > 500, f"the screen did not change in 3 s ({changed} px): frozen?"
    assert summary["preview_fps_end"] > 5, summary  # type: ignore[operator]
    assert not pulled.error and len(pulled.video_times) > 60, (pulled.error, summary)
    assert (pulled.width, pulled.height) == (1280, 720)
    assert status.get("loops", 0) >= int(soak // 35) - 1, "the sample show did not loop"
    assert (status.get("orders") or 0) > 0, "no simulated shopper's order reached the window"
    assert recorded >= 0.9 * live_seconds - 5, (recorded, live_seconds)
    assert orphans == [], f"left running after the window closed: {orphans}"
    growth = summary["rss_growth_mb"]
    assert growth < MAX_RSS_GROWTH_MB, f"RSS grew {growth} MB over the soak: {rss['rss_series']}"  # type: ignore[index]
