"""The wall against six real RTMP streams through nginx-rtmp.

Six ``studio live --source test:<caption>`` publishers, each burning its own
caption into the picture. The wall is built from ``studio wall --streams FILE``
arguments, offscreen, and each tile's painted picture is matched against the
six captions rendered the same way: the best match must be its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from studio.cli import build_parser
from studio.commands.wall import options
from studio.media.sources.test_pattern import TestPatternSource
from tests.nginx_rtmp import NginxRtmp
from ui.wall.app import build_wall
from ui.wall.tile import TileWidget
from ui.wall.window import WallWindow

ROOT = Path(__file__).resolve().parents[2]
CAPTIONS = ["ALPHA 1", "BRAVO 22", "CHARLIE 333", "DELTA 4444", "ECHO 55555", "FOX 6X6X6X6"]
NAMES = ["南京西路店", "湖滨店", "淮海路店", "西湖店", "五角场店", "陆家嘴店"]


def publish(url: str, caption: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio",
            "live",
            "--source",
            f"test:{caption}",
            "--output",
            url,
            "--size",
            "640x360",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def caption_band(gray: np.ndarray) -> np.ndarray:
    """The caption line of the test pattern (black box, white text), any picture size."""
    h, w = gray.shape
    return gray[int(h * 106 / 720) : int(h * 160 / 720), int(w * 24 / 1280) : int(w * 560 / 1280)]


def templates(w: int, h: int) -> list[np.ndarray]:
    out = []
    for cap in CAPTIONS:
        y = TestPatternSource(640, 360, 30, caption=cap).render(10)[:360]
        out.append(caption_band(cv2.resize(y, (w, h), interpolation=cv2.INTER_AREA)))
    return out


def painted_gray(tile: TileWidget) -> np.ndarray:
    """What the tile actually painted, inside its picture rectangle, as luma."""
    img = tile.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3)
    r = tile.video_rect()
    crop = rgb[r.y() : r.y() + r.height(), r.x() : r.x() + r.width()]
    return cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)


def best_caption(gray: np.ndarray) -> tuple[int, list[float]]:
    band = caption_band(gray).astype(np.float32)
    h, w = gray.shape
    scores = []
    for tpl in templates(w, h):
        t = tpl[: band.shape[0], : band.shape[1]].astype(np.float32)
        b = band[: t.shape[0], : t.shape[1]]
        scores.append(float(cv2.matchTemplate(b, t, cv2.TM_CCOEFF_NORMED)[0, 0]))
    return int(np.argmax(scores)), scores


@pytest.fixture
def publishers(nginx_rtmp: NginxRtmp):
    procs = {
        name: publish(nginx_rtmp.url(f"store{i}"), CAPTIONS[i]) for i, name in enumerate(NAMES)
    }
    yield procs
    for p in procs.values():
        if p.poll() is None:
            p.terminate()
    for p in procs.values():
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)  # reaped: a Popen still running at collection is a ResourceWarning


@pytest.mark.rtmp
@pytest.mark.slow
def test_six_stores_each_tile_shows_its_own_stream_and_a_stop_turns_its_badge(
    qtbot, nginx_rtmp: NginxRtmp, publishers, tmp_path: Path
) -> None:
    streams = tmp_path / "streams.txt"
    streams.write_text(
        "# 华东区 campaign\n"
        + "".join(f"{n} {nginx_rtmp.url(f'store{i}')}\n" for i, n in enumerate(NAMES)),
        encoding="utf-8",
    )
    args = build_parser().parse_args(
        ["wall", "--streams", str(streams), "--no-audio", "--drop-seconds", "3"]
    )
    win: WallWindow = build_wall(options(args))
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    try:
        qtbot.waitUntil(lambda: len(win.tiles) == 6 and len(win.pool.decoders) == 6, timeout=5000)
        qtbot.waitUntil(
            lambda: all(t.pictures_shown >= 2 for t in win.tiles.values()), timeout=30000
        )
        # 6 tiles on a 3x2 grid are small: keyframes only, no audio
        assert {d.spec.mode for d in win.pool.decoders.values()} == {"key"}
        shown = {k: t.pictures_shown for k, t in win.tiles.items()}  # a fresh picture each
        qtbot.waitUntil(
            lambda: all(t.pictures_shown > shown[k] for k, t in win.tiles.items()), timeout=15000
        )
        for i, name in enumerate(NAMES):
            tile = win.tiles[f"stream:{name}"]
            got, scores = best_caption(painted_gray(tile))
            assert got == i, (name, CAPTIONS[i], scores)
            assert scores[i] > 0.5, (name, scores)
            assert tile.badge == "live"
        # keyframe-only really decodes keyframes only (GOP is 2 s): a count, not a timing
        dec = win.pool.get("stream:湖滨店")
        assert dec is not None
        start_decoded, t0 = dec.decoded, time.monotonic()
        qtbot.wait(4000)
        keyframes = dec.decoded - start_decoded
        assert 1 <= keyframes <= (time.monotonic() - t0) / 2 + 2, keyframes

        # focus: that tile decodes every frame, with audio; the others stay on keyframes
        qtbot.mouseDClick(
            win.tiles["stream:湖滨店"],
            Qt.MouseButton.LeftButton,
        )
        qtbot.waitUntil(lambda: dec.spec.mode == "full" and dec.spec.audio, timeout=3000)
        before = dec.decoded
        qtbot.waitUntil(lambda: dec.decoded - before > 30, timeout=8000)
        qtbot.waitUntil(lambda: win.focus_view.tile.pictures_shown > 5, timeout=5000)
        assert dec.audio is not None and dec.audio.samples_written > 0
        others = [d for k, d in win.pool.decoders.items() if k != "stream:湖滨店"]
        assert {d.spec.mode for d in others} == {"key"}
        got, _ = best_caption(painted_gray(win.focus_view.tile))
        assert got == 1
        win.unfocus()
        qtbot.waitUntil(lambda: dec.spec.mode == "key", timeout=3000)

        # filtered away = torn down: its thread ends and it no longer decodes
        gone = win.pool.get("stream:西湖店")
        win.filter_edit.setText("湖滨")
        qtbot.waitUntil(lambda: list(win.pool.decoders) == ["stream:湖滨店"], timeout=3000)
        qtbot.waitUntil(lambda: gone is not None and not gone.alive, timeout=8000)
        win.filter_edit.setText("")
        qtbot.waitUntil(lambda: len(win.pool.decoders) == 6, timeout=3000)
        qtbot.waitUntil(  # new decoders for the five that came back
            lambda: all(d.state == "live" for d in win.pool.decoders.values()),
            timeout=15000,
        )

        # a stopped store: reconnecting/offline within 10 s, others still live, an alert
        publishers["淮海路店"].terminate()
        stopped = time.monotonic()
        tile_key = "stream:淮海路店"
        qtbot.waitUntil(
            lambda: win.view.badges.get(tile_key) in ("reconnecting", "offline"), timeout=10000
        )
        assert time.monotonic() - stopped < 10
        assert win.tiles[tile_key].badge in ("reconnecting", "offline")
        qtbot.waitUntil(
            lambda: any("淮海路店" in t and "直播中断" in t for t in win.alert_list.texts()),
            timeout=10000,
        )
        assert win.tiles[tile_key].alerting
        for name in NAMES:
            if name != "淮海路店":
                assert win.view.badges[f"stream:{name}"] in ("live", "stale"), name
        # it comes back: live again, the alert closes
        publishers["淮海路店"].wait(10)  # reaped before it is replaced (a ResourceWarning else)
        publishers["淮海路店"] = publish(nginx_rtmp.url("store2"), CAPTIONS[2])
        qtbot.waitUntil(lambda: win.view.badges.get(tile_key) == "live", timeout=25000)
        qtbot.waitUntil(lambda: not win.tiles[tile_key].alerting, timeout=3000)
        assert any("淮海路店" in t and "已恢复" in t for t in win.alert_list.texts())
    finally:
        win.shutdown()
    assert win.pool.threads_alive() == 0
