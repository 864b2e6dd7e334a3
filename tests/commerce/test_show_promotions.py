"""A show's coupon, group-buy and lottery cues exist at the backend, so checkout offers them.

Before, only payloads in the backend's own field names created a promotion; a script's
"¥10 进店福利券 满 99" or "3 人拼团 ¥60" was drawn on air and checkout knew nothing of it.
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import httpx

from studio.events import EventBus
from studio.media.compositor import Scene
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show
from tests.commerce.backend import Backend
from tests.commerce.conftest import prepared_link, running

FPS = 25
SHOW = textwrap.dedent(
    """\
    [show]
    title = "福利"
    duration = 10

    [[segments]]
    title = "咖啡"
    length = 9
      [[segments.cues]]
      id = "coupon"
      at = 0.1
      action = "coupon"
      amount = 10
      threshold = 50
      title = "进店福利券"
      duration = 0.2
      [[segments.cues]]
      id = "group"
      at = 0.4
      action = "groupbuy"
      product = "GS-1011"
      size = 3
      price = 60
      duration = 0.2
      [[segments.cues]]
      id = "draw"
      at = 0.7
      action = "lottery"
      prize = "脐橙一箱"
      duration = 2
    """
)


def test_show_promotions_are_created_at_the_backend_and_offered_at_checkout(
    backend: Backend, tmp_path: Path
) -> None:
    sid = backend.new_session("福利专场")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        pid, url = prepared_link(side, commerce, sid, "GS-1011")
        links = {pid: url}
        mgr = OverlayManager(Scene("s"), 1280, 720, demo_catalog(), clock=False)
        engine = CueEngine(parse_show(SHOW, demo_catalog()), mgr, bus, session_id=str(sid))
        for frame in range(FPS):
            engine.tick(frame, frame / FPS)
            mgr.tick(frame, frame / FPS)
        assert {f.cue_id for f in engine.fired} == {"coupon", "group", "draw"}
        assert side.call(commerce.flush(20), 30)
        coupons = backend.get(f"/api/sessions/{sid}/coupons")
        groups = backend.get(f"/api/sessions/{sid}/groupbuys")
        assert backend.buy(links[pid].rsplit("/", 1)[1]) == 201  # a paying buyer to draw
        # nobody asks for the draw: the backend draws when the countdown on air ends
        mgr.listen(bus)
        promo = mgr.slots["promo"]
        frame, deadline = FPS, time.monotonic() + 15
        while not (promo.state or {}).get("winner") and time.monotonic() < deadline:
            mgr.tick(frame, frame / FPS)
            frame += 1
            time.sleep(1 / FPS)
        on_air = (promo.state or {}).get("winner")
        (row,) = commerce.store.query("SELECT response FROM outbox WHERE kind='lottery'")
        lottery_id = json.loads(row["response"])["id"]
        drawn = httpx.post(
            f"{backend.url}/api/lotteries/{lottery_id}/draw",
            headers={"Authorization": f"Bearer {backend.token()}"},
            timeout=10,
        ).json()  # drawing again returns the backend's first draw
        engine.close()
    (coupon,) = coupons
    assert (coupon["title"], coupon["discount_cents"], coupon["min_spend_cents"]) == (
        "进店福利券",
        1000,
        5000,
    )
    (group,) = groups
    assert (group["product_id"], group["group_price_cents"], group["size"]) == (pid, 6000, 3)
    assert drawn["state"] == "drawn" and drawn["draws_at"] is not None
    assert on_air == "、".join(w["buyer"] for w in drawn["result"]) == "测*"
    # the viewer who scans the on-air QR is offered both at checkout
    page = httpx.get(links[pid], timeout=10).text
    assert "进店福利券" in page and "60" in page and "拼团" in page


def test_the_on_air_leaderboard_ranks_the_regions_guides_from_the_backend(
    backend: Backend, tmp_path: Path
) -> None:
    """超级带单王 is a guide contest: the board shows guides and stores, never shoppers."""
    sid = backend.new_session("带单王")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus, board_seconds=0.3) as (
        commerce,
        side,
    ):
        mgr = OverlayManager(Scene("s"), 1280, 720, demo_catalog(), clock=False, guide="小美")
        mgr.listen(bus)
        pid, url = prepared_link(side, commerce, sid, "GS-1011")
        links = {pid: url}
        assert backend.buy(links[pid].rsplit("/", 1)[1]) == 201
        mgr.leaderboard(None)
        board = mgr.slots["board"]

        def backend_top() -> list[str]:
            expected = backend.get("/api/leaderboard", hours=1)
            hour = max(r["hour"] for r in expected)
            top = sorted((r for r in expected if r["hour"] == hour), key=lambda r: -r["gmv_cents"])
            return [f"{r['guide_name']} · {r['store_name']}" for r in top[:5]]

        # until the backend's board arrives the studio shows its own guide's figure (offline
        # fallback): wait for the region's board, which names each guide with the store
        frame, deadline, names, top = 0, time.monotonic() + 20, [], ["?"]
        while time.monotonic() < deadline:
            mgr.tick(frame, frame / FPS)
            frame += 1
            if board.key and board.key[1] and "GS" not in str(board.key):
                names = [name for name, _ in board.key[1]]
                if " · " in names[0] and names == (top := backend_top()):
                    break
            time.sleep(0.05)
    rows = board.key[1]
    assert names == top, (names, top)
    assert not any("*" in name for name, _ in rows)  # no masked shopper names


def test_three_buyers_through_the_on_air_link_complete_the_group_the_overlay_shows(
    backend: Backend, tmp_path: Path
) -> None:
    sid = backend.new_session("三人团")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        mgr = OverlayManager(Scene("s"), 1280, 720, demo_catalog(), clock=False)
        mgr.listen(bus)
        show = parse_show(SHOW, demo_catalog())

        pid, url = prepared_link(side, commerce, sid, "GS-1011")
        links = {pid: url}
        engine = CueEngine(show, mgr, bus, session_id=str(sid))
        promo = mgr.slots["promo"]
        frame = 0
        while frame < int(0.5 * FPS):  # up to the group-buy cue (0.4 s)
            engine.tick(frame, frame / FPS)
            mgr.tick(frame, frame / FPS)
            frame += 1
        assert promo.state and promo.state["kind"] == "groupbuy"
        assert side.call(commerce.flush(20), 30)
        token = links[pid].rsplit("/", 1)[1]
        seen: list[tuple[int, float]] = []
        for n, phone in enumerate(("13800000001", "13800000002", "13800000003"), start=1):
            r = httpx.post(
                f"{backend.url}/p/{token}/buy",
                data={
                    "quantity": "1",
                    "fulfilment": "pickup",
                    "buyer_name": f"团员{n}",
                    "buyer_phone": phone,
                    "join_group": "1",
                },
                timeout=15,
            )
            assert r.status_code == 201, r.text
            bought = time.monotonic()
            while promo.state.get("joined") != n and time.monotonic() - bought < 5:
                mgr.tick(frame, frame / FPS)  # media time stands still: the promo stays up
                time.sleep(0.02)
            seen.append((promo.state.get("joined"), time.monotonic() - bought))
        engine.close()
        (group,) = backend.get(f"/api/sessions/{sid}/groupbuys")
    assert [n for n, _ in seen] == [1, 2, 3]
    assert max(s for _, s in seen) < 1.0, seen  # N/M follows the backend within a second
    assert group["joined"] == 3 and group["state"] == "succeeded"
