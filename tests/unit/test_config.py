from __future__ import annotations

import pytest

from studio.config import Profile, load_profile, parse_bitrate, parse_fps, parse_size
from studio.errors import UserError


def test_parse_good_values() -> None:
    assert parse_size("1920x1080") == (1920, 1080)
    assert parse_size(" 1280 X 720 ") == (1280, 720)
    assert parse_fps("30") == 30
    assert parse_bitrate("2500k") == 2_500_000
    assert parse_bitrate("4.5M") == 4_500_000


@pytest.mark.parametrize("bad", ["", "big", "1280", "1000x1000", "-1x-1"])
def test_bad_sizes_say_how_to_fix(bad: str) -> None:
    with pytest.raises(UserError) as e:
        parse_size(bad)
    assert e.value.fix and "x" in e.value.fix


@pytest.mark.parametrize("bad", ["0", "29.97", "abc", "120"])
def test_bad_fps(bad: str) -> None:
    with pytest.raises(UserError):
        parse_fps(bad)


@pytest.mark.parametrize("bad", ["fast", "10", "999M"])
def test_bad_bitrate(bad: str) -> None:
    with pytest.raises(UserError):
        parse_bitrate(bad)


def test_profile_gop_and_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert Profile(fps=30, keyframe_seconds=2).gop == 60
    f = tmp_path / "profile.toml"
    f.write_text("[output]\nwidth = 1920\nheight = 1080\nunknown = 1\n")
    assert load_profile(f).size == (1920, 1080)
    f.write_text("[output\n")
    with pytest.raises(UserError):
        load_profile(f)
