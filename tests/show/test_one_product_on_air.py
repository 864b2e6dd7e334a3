"""One product's QR and group-buy on air at a time: a card of another product, or a
new segment, takes the previous product's down, unless the new segment lists it."""

from __future__ import annotations

import textwrap

from studio.events import EventBus
from studio.media.compositor import Scene
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show

FPS = 25
SHOW = textwrap.dedent(
    """\
    [show]
    title = "美妆"
    duration = 20

    [[segments]]
    title = "精华液"
    length = 4
    products = ["GS-1007"]
      [[segments.cues]]
      at = "start"
      action = "show_card"
      product = "GS-1007"
      [[segments.cues]]
      at = 0.5
      action = "pop_link"
      product = "GS-1007"
      duration = 3
      [[segments.cues]]
      at = 0.5
      action = "groupbuy"
      product = "GS-1007"
      size = 3
      duration = 1.9
      [[segments.cues]]
      at = 2
      action = "show_card"
      product = "GS-1008"
      [[segments.cues]]
      at = 2.5
      action = "groupbuy"
      product = "GS-1008"
      size = 2
      duration = 4

    [[segments]]
    title = "福利"
    length = 3
      [[segments.cues]]
      at = "start"
      action = "lower_third"
      text = "福利时间"
      duration = 2

    [[segments]]
    title = "毛衣"
    length = 2
    products = ["GS-1001"]
      [[segments.cues]]
      at = "start"
      action = "pop_link"
      product = "GS-1001"
      duration = 4

    [[segments]]
    title = "两件搭配"
    length = 3
    products = ["GS-1001", "GS-1002"]
      [[segments.cues]]
      at = "start"
      action = "lower_third"
      text = "搭配"
      duration = 2
    """
)


def on_air(ov: OverlayManager, slot: str) -> str | None:
    """The product a slot shows (None when it is down or going)."""
    s = ov.slots[slot]
    return None if s.state is None or s.anim == "out" else (s.state or {}).get("sku")


def test_another_products_card_or_a_new_segment_takes_the_previous_qr_and_groupbuy_down() -> None:
    cat = demo_catalog()
    ov = OverlayManager(Scene("s"), 720, 1280, cat)
    engine = CueEngine(parse_show(SHOW, cat), ov, EventBus(), run_id="r")
    seen: dict[float, tuple[str | None, str | None, str | None]] = {}
    for n in range(int(11.5 * FPS)):
        t = n / FPS
        engine.tick(n, t)
        ov.tick(n, t)
        seen[round(t, 2)] = (on_air(ov, "card"), on_air(ov, "popup"), on_air(ov, "promo"))
    # 保湿修护精华液 explained: its card, QR and group-buy together
    assert seen[1.0] == ("GS-1007", "GS-1007", "GS-1007")
    # 丝绒哑光口红's card: the 精华液 QR and group-buy are not left beside it
    assert seen[2.2] == ("GS-1008", None, None)
    assert seen[3.0] == ("GS-1008", None, "GS-1008")
    # a new segment (no products): the 口红 group-buy does not stay up through it
    assert seen[4.52][2] is None
    # the next segment sells 毛衣 too (its products): its QR stays
    assert seen[8.0][1] == "GS-1001" and seen[10.0][1] == "GS-1001"
