"""The wall's rules without video: stream lists, layout, sorting, cost plan, alerts."""

from __future__ import annotations

import pytest

from studio.errors import UserError
from studio.wall.alerts import AlertRules, AlertTracker
from studio.wall.decoder import DropCounter
from studio.wall.model import StoreInfo, VideoHealth, View, badge, grid_for, hourly, pages
from studio.wall.scheduler import CostPolicy, Placement, plan
from studio.wall.streams import parse_streams


def test_stream_list_formats_and_errors_name_the_line() -> None:
    got = parse_streams(
        "# 华东\n上海 南京西路店 rtmp://h/live/a\n杭州湖滨店,https://cdn/x.flv\n\n"
        "西湖店 = http://cdn/hls/x.m3u8\n"
    )
    assert [(e.name, e.url) for e in got] == [
        ("上海 南京西路店", "rtmp://h/live/a"),
        ("杭州湖滨店", "https://cdn/x.flv"),
        ("西湖店", "http://cdn/hls/x.m3u8"),
    ]
    for text, where in [
        ("店 ftp://h/x\n", "line 1"),
        ("a rtmp://h/live/1\nrtmp://h/live/2\n", "line 2"),
        ("a rtmp://h/live/1\na rtmp://h/live/2\n", "twice"),
        ("# nothing\n", "no streams"),
    ]:
        with pytest.raises(UserError, match=where):
            parse_streams(text)


def test_grid_is_2x2_to_8x8_then_pages() -> None:
    assert grid_for(1) == (2, 2) and grid_for(4) == (2, 2)
    assert grid_for(6) == (3, 2) and grid_for(16) == (4, 4) and grid_for(36) == (6, 6)
    assert grid_for(64) == (8, 8) and grid_for(300) == (8, 8)
    assert pages(64) == 1 and pages(65) == 2


def test_sort_by_gmv_trouble_name_and_filter() -> None:
    a = StoreInfo("a", "甲店", guide="小美", gmv_cents=500)
    b = StoreInfo("b", "乙店", guide="阿杰", gmv_cents=900)
    c = StoreInfo("c", "丙店", guide="莉莉", gmv_cents=100)
    v = View(badges={"a": "live", "b": "live", "c": "offline"})
    assert [s.key for s in v.apply([a, b, c])] == ["b", "a", "c"]
    v.sort = "trouble"
    assert next(s.key for s in v.apply([a, b, c])) == "c"
    v.trouble_only = True
    assert [s.key for s in v.apply([a, b, c])] == ["c"]
    v.trouble_only, v.text = False, "阿杰"
    assert [s.key for s in v.apply([a, b, c])] == ["b"]


def test_badges() -> None:
    info = StoreInfo("k", "店", url="rtmp://h/a/b")
    assert badge(VideoHealth("live", frame_age=0.2), info) == "live"
    assert badge(VideoHealth("live", frame_age=6.0), info) == "stale"
    assert badge(VideoHealth("lost", lost_for=3, was_live=True), info) == "reconnecting"
    assert badge(VideoHealth("lost", lost_for=31, was_live=True), info) == "offline"
    assert badge(VideoHealth("lost", lost_for=1), info) == "offline"  # never came up
    assert badge(VideoHealth("starting"), info) == "connecting"
    assert badge(None, StoreInfo("k", "店", session_state="live")) == "live"


def test_cost_plan_full_only_when_large_or_focused_audio_only_focused() -> None:
    tiles = [
        Placement("s", "u", 300, 168),
        Placement("l", "u", 640, 360),
        Placement("f", "u", 200, 112),
    ]
    p = plan(tiles, focused="f", policy=CostPolicy(full_min_width=480))
    assert (p["s"].mode, p["l"].mode, p["f"].mode) == ("key", "full", "full")
    assert [k for k, s in p.items() if s.audio] == ["f"]
    assert p["l"].max_fps < p["f"].max_fps
    assert set(plan(tiles[:1], None)) == {"s"}  # only what is placed decodes


def test_drop_counter_from_timestamp_gaps() -> None:
    d = DropCounter(window=10.0)
    fps = 30.0
    k = 0
    for i in range(300):  # every 10th frame missing: 10 %
        if i % 10 != 9:
            d.add(i / fps, 1 / fps)
            k += 1
    rate, expected = d.rate()
    assert 0.09 < rate < 0.11 and expected > 250
    d.reset()
    for i in range(300):  # one in fifty: 2 %
        if i % 50 != 49:
            d.add(i / fps, 1 / fps)
    assert d.rate()[0] < 0.05
    d.add(1000.0, 1 / fps)  # the publisher restarted: a jump, not 30000 drops
    assert d.rate()[0] < 0.05


def test_drop_counter_rate_while_the_decoder_thread_adds() -> None:
    """The GUI's health check reads the rate while the decoder thread appends and resets.

    Unlocked, this raised "deque mutated during iteration" in the wall's GUI thread
    (tests/soak/test_soak_wall.py found it after a minute); here it takes well under 1 s.
    """
    import threading
    import time

    d = DropCounter(window=10.0)
    stop = threading.Event()

    def decoder() -> None:
        pts = 0.0
        while not stop.is_set():
            pts += 1 / 30
            d.add(pts, 1 / 30)
            if round(pts * 30) % 3000 == 0:
                d.reset()

    t = threading.Thread(target=decoder, name="test-decoder")
    t.start()
    try:
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            d.rate()
    finally:
        stop.set()
        t.join(5)


def test_alerts_raise_once_and_clear_with_short_thresholds() -> None:
    t = AlertTracker(AlertRules(drop_after=2, max_drop_rate=0.05, no_orders_after=60))
    info = StoreInfo("k", "西湖店", session_state="live", live_since=1000.0)
    live = VideoHealth("live", frame_age=0.1, was_live=True, drop_rate=0.02, expected_frames=300)
    assert t.update(info, live, 1030.0) == ([], [])
    raised, _ = t.update(info, live, 1061.0)  # live 61 s, no order
    assert [a.kind for a in raised] == ["no_orders"]
    info.last_order_at = 1062.0
    _, cleared = t.update(info, live, 1063.0)
    assert [a.kind for a in cleared] == ["no_orders"] and not t.active()
    bad = VideoHealth("live", frame_age=0.1, was_live=True, drop_rate=0.08, expected_frames=300)
    assert [a.kind for a in t.update(info, bad, 1064.0)[0]] == ["frames"]
    assert t.update(info, bad, 1065.0) == ([], [])  # one alert per episode
    few = VideoHealth("live", was_live=True, drop_rate=0.5, expected_frames=10)
    assert [a.kind for a in t.update(info, few, 1066.0)[1]] == ["frames"]  # too few to judge
    lost = VideoHealth("lost", was_live=True, lost_for=1.0)
    assert t.update(info, lost, 1067.0)[0] == []
    lost.lost_for = 2.5
    raised, _ = t.update(info, lost, 1068.0)
    assert [a.kind for a in raised] == ["dropped"] and raised[0].store == "西湖店"
    assert len(t.history) == 3


def test_hourly_buckets_local_hours() -> None:
    now = 1_750_000_000.0  # 2025-06-15 23:06 北京时间
    got = hourly([(now - 10, 100), (now - 20, 50), (now - 3600, 7), (now - 99999, 1)], now, 3)
    assert got == [("21时", 0, 0), ("22时", 7, 1), ("23时", 150, 2)]
