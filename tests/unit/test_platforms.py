"""Platform presets as data, ``studio live --platform`` and the upload budget warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from studio import upload_budget
from studio.config import SUPPORTED_FPS, SUPPORTED_SIZES, Profile
from studio.errors import UserError
from studio.messages import render
from studio.overlays.layout import SAFE_AREAS, check, layout_for
from studio.platforms import PLATFORMS, combined_area, guess, platform

WANTED = {"视频号", "淘宝直播", "小红书", "哔哩哔哩", "快手", "YouTube", "Facebook"}


def test_every_platform_guides_use_has_a_preset_the_encoder_can_take() -> None:
    assert {p.name for p in PLATFORMS.values()} == WANTED
    for p in PLATFORMS.values():
        assert (p.width, p.height) in SUPPORTED_SIZES, p.key
        assert p.fps in SUPPORTED_FPS, p.key
        assert 1_000_000 <= p.video_bitrate <= 8_000_000, p.key
        assert 1.0 <= p.keyframe_seconds <= 4.0, p.key  # YouTube: never over 4 s
        assert p.safe_area in SAFE_AREAS, p.key
        assert p.hint("zh") and p.hint("en") and p.hint("zh") != p.hint("en")
        assert set(p.schemes) <= {"rtmp", "rtmps"}
        if p.server:
            assert p.scheme_problem(p.server) is None, p.key
        # the preset's own safe area leaves room for every overlay
        assert check(layout_for(p.width, p.height, p.safe_area)) == [], p.key


def test_phone_platforms_are_portrait_and_facebook_takes_rtmps_only() -> None:
    for key in ("channels", "taobao", "xiaohongshu", "kuaishou"):
        assert PLATFORMS[key].portrait
    assert not PLATFORMS["youtube"].portrait
    fb = PLATFORMS["facebook"]
    assert fb.schemes == ("rtmps",)
    assert fb.scheme_problem("rtmp://live-api-s.facebook.com/rtmp/") == "rtmps"
    assert fb.server.startswith("rtmps://")
    assert (fb.width, fb.height, fb.fps, fb.video_bitrate) == (1280, 720, 30, 4_000_000)
    assert "视频号助手" in PLATFORMS["channels"].hint("zh")


def test_names_and_shown_names_both_pick_a_preset() -> None:
    assert platform("channels") is platform("视频号") is PLATFORMS["channels"]
    assert platform("YouTube") is PLATFORMS["youtube"]
    with pytest.raises(UserError) as err:
        platform("tiktok")
    assert "tiktok" in str(err.value) and "channels (视频号)" in str(err.value)
    assert guess("rtmps://a.rtmps.youtube.com:443/live2") is PLATFORMS["youtube"]
    assert guess("rtmp://push.example.com/live") is None


def test_preset_sets_what_was_not_given_explicitly() -> None:
    base = Profile()
    ch = PLATFORMS["channels"]
    p = ch.apply(base)
    assert (p.width, p.height, p.fps, p.video_bitrate, p.keyframe_seconds) == (
        720, 1280, 30, 3_000_000, 2.0,
    )  # fmt: skip
    kept = ch.apply(base.with_(width=1280, height=720, video_bitrate=1_500_000), size=True,
                    bitrate=True)  # fmt: skip
    assert (kept.width, kept.height, kept.video_bitrate) == (1280, 720, 1_500_000)


def test_budget_is_destinations_times_bitrate_against_the_measured_upload(tmp_path: Path) -> None:
    assert upload_budget.measured_upload(tmp_path) is None  # never measured: no check
    upload_budget.remember_upload(6000, loopback=False, folder=tmp_path)
    up = upload_budget.measured_upload(tmp_path)
    assert up is not None and up.kbps == 6000
    profile = Profile(video_bitrate=2_500_000, audio_bitrate=128_000)
    assert upload_budget.check(profile, 1, up) is None  # 2628 <= 4500
    over = upload_budget.check(profile, 2, up)
    assert over is not None and over.need_kbps == 5256 and over.allowed_kbps == 4500
    zh, en = over.message().text("zh"), over.message().text("en")
    assert "5256" in zh and "6000" in zh and "降低码率" in zh
    assert "2 destinations" in en and "lower the bitrate" in en
    upload_budget.remember_upload(8000, loopback=True, folder=tmp_path)
    assert upload_budget.measured_upload(tmp_path) is None  # loopback says nothing


def _studio(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "STUDIO_CONFIG_DIR": str(env_dir)}
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], capture_output=True, text=True, timeout=90,
        env=env,
    )  # fmt: skip


def test_cli_wrong_platform_is_one_line_listing_the_names(tmp_path: Path) -> None:
    r = _studio("live", "--platform", "tiktok", "--record", str(tmp_path / "a.mkv"),
                env_dir=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("studio: ") and "'tiktok' is not known" in last
    for p in PLATFORMS.values():
        assert p.key in last and p.name in last
    assert not list(tmp_path.glob("*.mkv"))


@pytest.mark.rtmp
def test_cli_platform_sets_the_program_and_warns_over_budget(tmp_path: Path, nginx_rtmp) -> None:  # type: ignore[no-untyped-def]
    upload_budget.remember_upload(3000, loopback=False, folder=tmp_path)
    r = _studio(
        "live", "--platform", "视频号", "--source", "test", "--audio", "none", "--duration", "2",
        "--output", nginx_rtmp.url("a"), "--output", nginx_rtmp.url("b"), env_dir=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "studio: live 720x1280@30" in r.stdout  # the preset's portrait size
    warn = [ln for ln in r.stderr.splitlines() if ln.startswith("studio: warning:")]
    assert len(warn) == 1, r.stderr
    assert "2 destinations × 3128 kb/s = 6256 kb/s" in warn[0] and "3000 kb/s" in warn[0]
    assert "studio: stopped after" in r.stdout  # it went on


def test_cli_explicit_size_wins_over_the_preset(tmp_path: Path) -> None:
    rec = str(tmp_path / "a.mkv")
    r = _studio("live", "--platform", "bilibili", "--size", "1280x720", "--audio", "none",
                "--duration", "1", "--record", rec, env_dir=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "studio: live 1280x720@30" in r.stdout
    assert "warning" not in r.stderr  # no measurement: no budget check


def test_cli_plain_rtmp_to_facebook_is_refused(tmp_path: Path) -> None:
    r = _studio("live", "--platform", "facebook", "--output", "rtmp://h.example/rtmp/KEY123",
                env_dir=tmp_path)  # fmt: skip
    assert r.returncode == 2
    assert "takes rtmps:// addresses only" in r.stderr and "KEY123" not in r.stderr


def test_certificate_message_in_both_languages() -> None:
    p = {"where": "live.example:443", "detail": "self-signed certificate"}
    zh, en = render("output.certificate", p, "zh"), render("output.certificate", p, "en")
    assert "live.example:443" in zh and "证书无法验证" in zh and "--ca-file" in zh
    assert "cannot be verified" in en and "STUDIO_CA_FILE" in en


def test_several_platforms_at_once_keep_clear_of_every_band() -> None:
    both = combined_area(["channels", "douyin", "channels"])
    assert both is not None and both.key == "channels+douyin"
    ch, dy = SAFE_AREAS["channels"].portrait, SAFE_AREAS["douyin"].portrait
    assert both.portrait.bottom == max(ch.bottom, dy.bottom) == dy.bottom
    assert both.portrait.right == max(ch.right, dy.right)
    assert combined_area(["bilibili"]) is SAFE_AREAS["bilibili"]
    assert combined_area([]) is None
    assert check(layout_for(720, 1280, both)) == []


def test_overlay_manager_moves_to_the_chosen_platforms_safe_area() -> None:
    from studio.media.compositor import Scene
    from studio.overlays.manager import OverlayManager
    from studio.show.catalog import demo_catalog

    scene = Scene("s")
    mgr = OverlayManager(scene, 720, 1280, demo_catalog(), clock=False)
    mgr.show_card(next(iter(demo_catalog())).sku)
    mgr.tick(0, 0.0)
    free = mgr.layout.regions["card"].rect
    mgr.set_platform(PLATFORMS["channels"].safe_area)
    mgr.tick(1, 1 / 30)
    boxes = [ly for ly in scene.guide if ly.name.startswith("guide:safe-area:")]
    assert mgr.layout.platform is SAFE_AREAS["channels"] and len(boxes) == 3
    card = mgr.layout.regions["card"].rect
    assert card != free and card.bottom <= 1280 * (1 - SAFE_AREAS["channels"].portrait.bottom)
    layer = mgr.slots["card"].layer
    assert layer.visible and layer.y + layer.rgba.shape[0] <= card.bottom  # drawn in its place
    mgr.set_platform(None)
    mgr.tick(2, 2 / 30)
    assert mgr.layout.platform is None
    assert not [ly for ly in scene.guide if ly.name.startswith("guide:safe-area:")]


def test_every_platform_has_a_safe_area_of_its_own_saying_what_covers_it() -> None:
    """快手 borrowed 抖音's bands and Facebook YouTube Live's; each now has its own."""
    areas = [p.safe_area for p in PLATFORMS.values()]
    assert len(set(areas)) == len(areas), areas
    for p in PLATFORMS.values():
        area = SAFE_AREAS[p.safe_area]
        assert p.name in area.label or area.label in p.name, (p.key, area.label)
        assert area.note, p.key  # where the figures come from
        for ins in (area.portrait, area.landscape):
            for side in ("top", "bottom", "left", "right"):
                if getattr(ins, side):
                    assert ins.why.get(side), (p.key, side)  # what the app draws there
    fb = SAFE_AREAS["facebook"].portrait  # Meta's Reels safe zone: 14 % / 35 % / 6 % sides
    assert (fb.top, fb.bottom, fb.left, fb.right) >= (0.14, 0.35, 0.06, 0.06)
    ks, dy = SAFE_AREAS["kuaishou"].portrait, SAFE_AREAS["douyin"].portrait
    assert ks != dy and ks.top > dy.top  # 快手's second top row (榜单, 粉丝团, 红包)
