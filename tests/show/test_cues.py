"""The cue engine on a real pipeline's media clock, headless."""

from __future__ import annotations

import textwrap
import threading
import time

import pytest

from studio.config import Profile
from studio.events import EventQueue
from studio.media.engine import Pipeline
from studio.media.sources.test_pattern import TestPatternSource
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show

FPS = 25
PROFILE = Profile(width=320, height=180, fps=FPS, video_bitrate=300_000)
SHOW = textwrap.dedent(
    """\
    [show]
    title = "计时"
    duration = 10

    [[segments]]
    title = "开场"
    length = 1.1
      [[segments.cues]]
      id = "first"
      at = 0.37
      action = "lower_third"
      duration = 0.5

    [[segments]]
    title = "毛衣"
    length = 8
      [[segments.cues]]
      id = "card"
      at = "start"
      action = "show_card"
      product = "GS-1001"
      [[segments.cues]]
      id = "link"
      at = 0.53
      action = "pop_link"
      product = "GS-1001"
      duration = 2

    [[cues]]
    id = "manual"
    hotkey = "F2"
    action = "coupon"
    amount = 10
    duration = 1

    [[cues]]
    id = "after-2"
    on = "orders"
    count = 2
    action = "lottery"
    prize = "礼盒"
    """
)


def test_cues_fire_on_the_media_clock_manual_on_the_next_frame() -> None:
    cat = demo_catalog()
    show = parse_show(SHOW, cat)
    pipeline = Pipeline(PROFILE)
    pipeline.add_source(TestPatternSource(PROFILE.width, PROFILE.height, FPS))
    actions = EventQueue(pipeline.bus, "show.action")
    chapters = EventQueue(pipeline.bus, "chapter")
    overlays = OverlayManager.attach(pipeline, cat)
    engine = CueEngine.attach(pipeline, show, overlays, run_id="run1", session_id="s-1")
    assert pipeline.tick_hooks[0] == engine.tick  # cues before overlays, in the same frame
    pipeline.start()
    try:
        assert pipeline.wait(2.0)
        assert engine.hotkey("F2")
        deadline = time.monotonic() + 2
        while "manual" not in {f.cue_id for f in engine.fired} and time.monotonic() < deadline:
            time.sleep(0.005)
        # orders arrive from another thread, as the commerce feed would deliver them
        t = threading.Thread(
            target=lambda: [
                pipeline.bus.publish("commerce.order", sku="GS-1001", amount=399) for _ in range(2)
            ]
        )
        t.start()
        t.join()
        assert pipeline.wait(0.4)
    finally:
        pipeline.stop()
        engine.close()
    fired = {f.cue_id: f for f in engine.fired}
    for cue_id, planned in (("first", 0.37), ("card", 1.1), ("link", 1.63)):
        f = fired[cue_id]
        assert f.trigger == "time"
        assert planned <= f.seconds < planned + 1 / FPS + 1e-9, (cue_id, f)
    # fired on the frame being composed when asked, or the next one
    manual = fired["manual"]
    assert manual.requested is not None and 0 <= manual.frame - manual.requested <= 1
    after = fired["after-2"]
    assert after.trigger == "event" and after.requested is not None
    assert 0 <= after.frame - after.requested <= 1

    events = actions.drain()
    by_id = {e.data["action_id"]: e.data for e in events}
    assert by_id["run1:link:1"]["type"] == "link_shown"
    link = by_id["run1:link:1"]
    assert link["session_id"] == "s-1" and link["payload"]["sku"] == "GS-1001"
    assert link["payload"]["url"].startswith("http://127.0.0.1:8700/p/")
    assert by_id["run1:manual:1"]["type"] == "coupon_issued"
    assert by_id["run1:after-2:1"]["type"] == "lottery_started"
    assert {"run1:show:start", "run1:show:end"} <= set(by_id)
    titles = [c.data["title"] for c in chapters.drain()]
    assert titles[:3] == ["段落｜开场", "字幕", "段落｜毛衣"]
    assert (
        "讲解｜羊绒混纺高领毛衣｜GS-1001" in titles and "链接｜羊绒混纺高领毛衣｜GS-1001" in titles
    )


def test_next_cue_fires_the_next_planned_one_early_and_only_once() -> None:
    cat = demo_catalog()
    show = parse_show(SHOW, cat)
    from studio.events import EventBus
    from studio.media.compositor import Scene

    bus = EventBus()
    overlays = OverlayManager(Scene("s"), 640, 360, cat)
    engine = CueEngine(show, overlays, bus, run_id="r")
    engine.tick(0, 0.0)
    nxt = engine.next_cue()
    assert nxt is not None and nxt.id == "first"
    engine.tick(1, 0.04)
    assert [f.cue_id for f in engine.fired] == ["first"] and engine.fired[0].trigger == "next"
    for n in range(2, 40):
        engine.tick(n, n / FPS)
    assert [f.cue_id for f in engine.fired].count("first") == 1
    with pytest.raises(KeyError):
        engine.trigger("nope")


def test_next_into_a_later_segment_moves_prompter_and_chapters_there() -> None:
    """A guide ahead of plan presses "next" into the next segment: the prompter follows."""
    cat = demo_catalog()
    show = parse_show(SHOW, cat)
    from studio.events import EventBus
    from studio.media.compositor import Scene

    overlays = OverlayManager(Scene("s"), 640, 360, cat)
    chapters: list[tuple[str, float]] = []
    clock = {"t": 0.0}
    engine = CueEngine(
        show, overlays, EventBus(), run_id="r", chapter=lambda t: chapters.append((t, clock["t"]))
    )
    engine.tick(0, 0.0)
    overlays.tick(0, 0.0)  # the overlays apply changes on the pipeline's tick
    assert engine.segment == (0, 0.0) and overlays.info.segment == "开场"
    engine.next_cue()  # "first" (segment 1)
    engine.tick(1, 0.04)
    engine.next_cue()  # "card": segment 2's opening cue, 1.06 s ahead of plan
    clock["t"] = 0.08
    engine.tick(2, 0.08)
    overlays.tick(2, 0.08)
    assert engine.segment == (1, 0.08)
    assert overlays.info.segment == "毛衣"
    assert ("段落｜毛衣", 0.08) in chapters
    for n in range(3, 40):  # the plan's clock passes segment 2's start: no second mark, no return
        clock["t"] = n / FPS
        engine.tick(n, n / FPS)
    assert [c for c, _ in chapters].count("段落｜毛衣") == 1
    assert engine.segment == (1, 0.08)
