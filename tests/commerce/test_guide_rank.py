"""The guide's own place on the 超级带单王 board, in the guide-only layer (issue 13).

The on-air board shows the region's top five; a guide below them sees their own rank on
their panel (never on air). Commerce marks the guide's row from the session it prepared.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from studio.events import EventBus
from studio.media.compositor import Scene
from studio.overlays import widgets
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from tests.commerce.backend import Backend
from tests.commerce.conftest import prepared_link, running
from tests.commerce.test_flash_price import collect


def test_commerce_marks_the_sessions_own_guide_on_the_regions_board(
    backend: Backend, tmp_path: Path
) -> None:
    sid = backend.new_session("我的排名")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus, board_seconds=0.3) as (
        commerce,
        side,
    ):
        boards = collect(bus, "commerce.leaderboard")
        mgr = OverlayManager(Scene("s"), 1280, 720, demo_catalog(), clock=False, guide="小美")
        mgr.listen(bus)
        _, url = prepared_link(side, commerce, sid, "GS-1011")
        assert backend.buy(url.rsplit("/", 1)[1]) == 201
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(r["me"] for b in boards for r in b["rows"]):
            time.sleep(0.05)
        mgr.tick(0, 0.0)
    (guide,) = [g for g in backend.get("/api/guides") if g["name"] == "小美"]
    rows = next(b for b in boards if any(r["me"] for r in b["rows"]))["rows"]
    assert [r["guide"] for r in rows if r["me"]] == ["小美"]
    assert all(r["guide_id"] == guide["id"] for r in rows if r["me"])
    assert not any(r["me"] for r in rows if r["guide_id"] != guide["id"])
    # three guides in the demo region: 小美 is on air already, her panel adds nothing
    assert mgr.info.rank == ""


def board(me_at: int | None) -> list[dict[str, object]]:
    names = ["阿杰", "莉莉", "王芳", "陈晨", "赵敏", "孙悦", "小美"]
    rows = []
    for i, name in enumerate(names):
        rows.append(
            {"guide": name, "store": "上海南京西路店", "orders": 9 - i, "gmv": 900.0 - 100 * i}
        )
    for i, r in enumerate(rows):
        r["me"] = i == me_at
    return rows


def test_a_guide_below_the_top_five_sees_their_rank_on_their_panel_only() -> None:
    bus = EventBus()
    scene = Scene("s")
    mgr = OverlayManager(scene, 1280, 720, demo_catalog(), clock=False, guide="小美")
    mgr.listen(bus)
    mgr.leaderboard(None)
    bus.publish("commerce.leaderboard", rows=board(6), me=3)
    mgr.tick(0, 0.0)
    assert mgr.info.rank == "我的排名 第7名 · 3单 · ¥300"
    guide = mgr.slots["guide"]
    assert mgr.info.rank in guide.key  # drawn on the guide-only panel
    assert guide.layer in scene.guide and guide.layer not in scene.program
    assert np.array_equal(guide.layer.rgba, widgets.guide_panel(mgr.info, mgr.scale))
    # on air: the top five only, as before
    on_air = mgr.slots["board"]
    top5 = [(f"{r['guide']} · {r['store']}", float(r["gmv"])) for r in board(6)[:5]]  # type: ignore[arg-type]
    assert on_air.key == ("board", tuple(top5))
    assert "小美" not in str(on_air.key)
    # in the top five: nothing extra on the panel; no sale this hour: said so
    bus.publish("commerce.leaderboard", rows=board(2), me=3)
    mgr.tick(1, 0.04)
    assert mgr.info.rank == ""
    bus.publish("commerce.leaderboard", rows=board(None), me=3)
    mgr.tick(2, 0.08)
    assert mgr.info.rank == "我的排名 本小时暂无成交"
    # offline (the studio does not know its guide): nothing
    bus.publish("commerce.leaderboard", rows=board(None), me=None)
    mgr.tick(3, 0.12)
    assert mgr.info.rank == ""
