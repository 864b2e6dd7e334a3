"""``studio wall`` as a user runs it, under a real X server (Xvfb), screenshot kept in artifacts/.

Three live stores and one whose stream does not exist: the picture must show
three moving tiles with their names and badges, and one offline tile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.nginx_rtmp import NginxRtmp
from tests.ui.test_screenshots import free_display
from tests.wall.test_wall_live import publish

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"


@pytest.mark.rtmp
@pytest.mark.slow
def test_wall_screenshot_under_xvfb(nginx_rtmp: NginxRtmp, tmp_path: Path) -> None:
    assert shutil.which("Xvfb") and shutil.which("import"), "run packaging/setup.sh"
    names = ["上海南京西路店", "杭州湖滨店", "苏州观前街店", "南京新街口店"]
    pubs = [publish(nginx_rtmp.url(f"s{i}"), f"STORE {i + 1}") for i in range(3)]
    streams = tmp_path / "streams.txt"
    streams.write_text(
        "".join(f"{n} {nginx_rtmp.url(f's{i}')}\n" for i, n in enumerate(names)), encoding="utf-8"
    )
    disp = free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{disp}", "-screen", "0", "1600x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = None
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{disp}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        env = dict(os.environ, DISPLAY=f":{disp}", QT_QPA_PLATFORM="xcb", PYTHONPATH=str(ROOT))
        wall = subprocess.Popen(
            [sys.executable, "-m", "studio", "wall", "--streams", str(streams), "--no-audio"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "wall-1600x900.png"
        # the tiles join their streams and paint: on a loaded 2-core machine that took over
        # the 12 s once waited here (2026-12-04 CI), so look until the bars are there
        deadline = time.monotonic() + 45
        while True:
            time.sleep(3)
            assert wall.poll() is None, wall.stderr.read().decode()  # type: ignore[union-attr]
            subprocess.run(
                ["import", "-display", f":{disp}", "-window", "root", str(shot)],
                check=True,
                timeout=30,
            )
            img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
            r, g, b = img[..., 0], img[..., 1], img[..., 2]
            if ((r > 200) & (g > 200) & (b < 60)).sum() > 5000 or time.monotonic() > deadline:
                break
        assert img.shape[:2] == (900, 1600)
        # colour bars from the live tiles: saturated yellow, cyan and magenta are on screen
        assert ((r > 200) & (g > 200) & (b < 60)).sum() > 5000  # yellow bars
        assert ((r < 60) & (g > 200) & (b > 200)).sum() > 5000  # cyan bars
        # the live badge green appears (three tiles), the offline grey too
        assert ((abs(r - 0x2F) < 12) & (abs(g - 0xB8) < 12) & (abs(b - 0x6E) < 12)).sum() > 300
    finally:
        if wall is not None:
            wall.terminate()
            try:
                wall.wait(15)
            except subprocess.TimeoutExpired:
                wall.kill()
                wall.wait(15)
            for pipe in (wall.stdout, wall.stderr):
                if pipe is not None:
                    pipe.close()
        for p in pubs:
            p.terminate()
            p.wait(15)
        xvfb.terminate()
        xvfb.wait(10)
