"""The main window under a real X server (Xvfb) at laptop and desktop sizes.

Screenshots are kept in ``artifacts/`` (a CI artifact) so people can look at them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"


def free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display number")


def screenshot_under_xvfb(
    size: str, args: list[str], name: str, lang: str = "zh"
) -> tuple[dict, np.ndarray]:
    """Run ``python -m ui.screenshot ARGS`` on a fresh Xvfb; its JSON report and the screen."""
    assert shutil.which("Xvfb") and shutil.which("import"), (
        "run packaging/setup.sh (xvfb, imagemagick)"
    )
    disp = free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{disp}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{disp}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        env = dict(os.environ, DISPLAY=f":{disp}", QT_QPA_PLATFORM="xcb", STUDIO_LANG=lang)
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.screenshot", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = ""
        for raw in iter(proc.stdout.readline, ""):  # type: ignore[union-attr]
            if raw.startswith("{"):  # the report; other lines are the studio's own news
                line = raw
                break
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / name
        subprocess.run(
            ["import", "-display", f":{disp}", "-window", "root", str(shot)], check=True, timeout=30
        )
        _out, err = proc.communicate(timeout=30)
        assert line, err
        return json.loads(line), np.asarray(Image.open(shot).convert("RGB"))
    finally:
        xvfb.terminate()
        xvfb.wait(10)


@pytest.mark.parametrize("size", ["1366x768", "1920x1080"])
def test_main_window_in_demo_mode_fits_and_renders_chinese_under_xvfb(size: str) -> None:
    report, img = screenshot_under_xvfb(
        size, ["--seconds", "6", "--demo"], f"main-window-{size}.png"
    )
    assert report["fits"], report
    assert report["clipped"] == [], report["clipped"]
    assert report["preview_frames"] > 10
    assert "CJK" in report["font"] or "Noto" in report["font"], report["font"]
    assert report["live_button"] == "开始直播"
    w, h = (int(v) for v in size.split("x"))
    assert img.shape[:2] == (h, w)
    assert img.std() > 20  # a real picture, not a blank screen


def test_main_window_in_english_fits_a_small_laptop_under_xvfb() -> None:
    """The English words are longer: the same window at 1366x768 in English, nothing cut."""
    report, img = screenshot_under_xvfb(
        "1366x768", ["--seconds", "4", "--demo"], "main-window-en-1366x768.png", lang="en"
    )
    assert report["fits"], report
    assert report["clipped"] == [], report["clipped"]
    assert report["preview_frames"] > 5
    assert report["live_button"] and report["live_button"].isascii(), report["live_button"]
    assert img.std() > 20


def test_take_review_window_shows_the_take_at_its_chapter_under_xvfb(tmp_path: Path) -> None:
    """A trainer's review of a real take: fits 1366x768, nothing cut off, the picture seeks."""
    from studio.config import Profile
    from studio.rehearsal.take import run_take
    from studio.show.catalog import demo_catalog
    from studio.show.script import load_show

    catalog = demo_catalog()
    show = load_show(Path(__file__).with_name("short_show.toml"), catalog)
    report_json = run_take(
        show, catalog, Profile(width=640, height=360, fps=30), out_dir=tmp_path, clips=False
    )
    report, img = screenshot_under_xvfb(
        "1366x768",
        ["--review", str(report_json), "--seconds", "4"],
        "take-review-1366x768.png",
    )
    assert report["fits"] and report["clipped"] == [], report
    assert report["chapters"] >= 4
    assert report["frame_seconds"] is not None and abs(report["frame_seconds"] - 3.0) < 0.25
    assert img.shape[:2] == (768, 1366) and img.std() > 20
