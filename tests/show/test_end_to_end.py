"""A show through real nginx-rtmp and a real recording: the QR a viewer scans, clips after."""

from __future__ import annotations

import json
import subprocess
import textwrap
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from studio.config import Profile
from studio.media.engine import Pipeline
from studio.media.sources.test_pattern import TestPatternSource
from studio.overlays.links import placeholder_link_for
from studio.overlays.manager import OverlayManager
from studio.overlays.widgets import GUIDE_BG
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import load_show, parse_show
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from tests.qr import first_qr

ROOT = Path(__file__).resolve().parents[2]
PROFILE = Profile(width=1280, height=720, fps=15, video_bitrate=2_500_000)
SHOW = textwrap.dedent(
    """\
    [show]
    title = "扫码测试"
    guide = "小美"
    duration = 60
    [[segments]]
    title = "毛衣"
    length = 60
    notes = "导购专用备注"
    talking_points = ["30% 羊绒"]
      [[segments.cues]]
      at = 0.5
      action = "pop_link"
      product = "GS-1001"
      duration = 30
    """
)


def _guide_share(bgr: np.ndarray, rect: tuple[int, int, int, int]) -> float:
    """Share of the rectangle's pixels that have the guide panel's background colour."""
    x, y, w, h = rect
    region = bgr[y : y + h, x : x + w].astype(np.int16)
    target = np.array(GUIDE_BG[2::-1], np.int16)  # RGB -> BGR
    return float((np.abs(region - target).max(axis=2) < 28).mean())


@pytest.mark.rtmp
def test_popup_qr_scans_from_the_pulled_stream_and_guide_layer_stays_local(
    nginx_rtmp: NginxRtmp,
) -> None:
    cat = demo_catalog()
    link_for = placeholder_link_for()
    expected = link_for("GS-1001")
    pipeline = Pipeline(PROFILE)
    pipeline.add_source(TestPatternSource(PROFILE.width, PROFILE.height, PROFILE.fps))
    pipeline.preview_enabled = True
    overlays = OverlayManager.attach(pipeline, cat, link_for=link_for, guide="小美")
    CueEngine.attach(pipeline, parse_show(SHOW, cat), overlays)
    url = nginx_rtmp.url("qr")
    out = pipeline.add_rtmp(url)
    pipeline.start()
    try:
        deadline = time.monotonic() + 10
        while out.state != "live" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out.state == "live"
        pulled = read_media(url, seconds=3.5, keep_every=6)
        preview = pipeline.preview.peek()
    finally:
        pipeline.stop()
    assert not pulled.error and pulled.frames_kept
    assert pulled.width == PROFILE.width

    decoded = [first_qr(bgr) for bgr in pulled.frames_kept]
    assert expected in decoded, decoded
    assert "/p/" in expected and all(d in ("", expected) for d in decoded)

    glayer = overlays.slots["guide"].layer
    assert glayer.rgba is not None
    rect = (glayer.x, glayer.y, glayer.rgba.shape[1], glayer.rgba.shape[0])
    assert preview is not None
    i420 = preview.data.reshape(PROFILE.height * 3 // 2, PROFILE.width)
    assert _guide_share(cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420), rect) > 0.5  # in the preview
    assert max(_guide_share(f, rect) for f in pulled.frames_kept) < 0.02  # never to viewers


@pytest.mark.slow
def test_clips_of_a_recorded_sample_show(tmp_path: Path, studio_cmd: list[str]) -> None:
    script = ROOT / "assets" / "shows" / "quick-demo.toml"
    show = load_show(script, demo_catalog())
    rec = tmp_path / "show.mkv"
    fps, gop = 15, 2.0  # the profile's keyframe interval
    r = subprocess.run(
        [
            *studio_cmd,
            "live",
            "--show",
            str(script),
            "--record",
            str(rec),
            "--duration",
            str(show.duration),
            "--size",
            "640x360",
            "--fps",
            str(fps),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    assert "PLACEHOLDER" in r.stderr  # no backend: the links say they are placeholders

    # cues fired within one frame of their planned time (the chapters say when)
    chapters = json.loads(Path(str(rec) + ".chapters.json").read_text("utf-8"))["chapters"]
    starts = {c["title"]: c["start"] for c in chapters}
    for title, planned in (
        ("讲解｜云南小粒咖啡豆｜GS-1011", 4.0),
        ("拼团｜云南小粒咖啡豆｜GS-1011", 5.0),
        ("讲解｜限量款福袋｜GS-1020", 20.0),
        ("优惠券", 0.5),
    ):
        assert planned <= starts[title] < planned + 1 / fps + 0.002, (title, starts[title])

    r = subprocess.run(
        [*studio_cmd, "clips", str(rec)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    out_dir = tmp_path / "show-clips"
    index = json.loads((out_dir / "clips.json").read_text("utf-8"))
    names = [c["file"] for c in index["clips"]]
    assert names == [
        "01-GS-1011-云南小粒咖啡豆.mkv",
        "02-GS-1014-赣南脐橙_5斤.mkv",
        "03-GS-1020-限量款福袋.mkv",
    ]
    planned = [8.0, 8.0, 6.0]  # segment lengths: card shown at start until the next segment
    with av.open(str(rec)) as src:
        s = src.streams.video[0]
        source_keyframes = {
            round(float(p.pts * s.time_base), 3): bytes(p)
            for p in src.demux(s)
            if p.pts is not None and p.is_keyframe
        }
    for entry, want in zip(index["clips"], planned, strict=True):
        clip = out_dir / entry["file"]
        got = read_media(str(clip))
        assert not got.error
        length = got.video_times[-1] - got.video_times[0] + 1 / fps
        assert abs(length - want) <= gop + 1 / fps, (entry["file"], length)
        assert abs(entry["duration"] - length) < 0.1
        with av.open(str(clip)) as c:
            first = next(p for p in c.demux(c.streams.video[0]) if p.pts is not None)
            assert first.is_keyframe
            # remuxed, not re-encoded: the clip starts with the recording's own keyframe bytes
            assert bytes(first) == source_keyframes[round(entry["start"], 3)]
