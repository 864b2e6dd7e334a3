"""Found before going live, not on air (issue 13), with a real backend over HTTP.

- a flash price, coupon or group price over the store's limits is reported when the show
  is prepared (the cue engine is built, nothing has gone out yet): the guide's panel says
  so, nothing is sent to be refused, and on air only the regular pop-up is drawn;
- a product sold out at the backend never pops up a purchase QR: its pop-up and card say
  已售罄 from the first frame;
- a rehearsal's stock is its own: its practice sales sell it out on its pop-ups, while the
  real stock, and a live session's pop-up, are untouched.
"""

from __future__ import annotations

import logging
import textwrap
import time
import uuid
from pathlib import Path

import httpx
import pytest

from studio.events import EventBus
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show
from tests.commerce.backend import Backend
from tests.commerce.conftest import prepared_link, running
from tests.commerce.test_flash_price import collect, drive, qr_text, rig

OVER_LIMITS = textwrap.dedent(
    """\
    [show]
    title = "超限"
    duration = 30

    [[segments]]
    title = "咖啡"
    length = 20
      [[segments.cues]]
      id = "flash"
      at = 0.2
      action = "pop_link"
      product = "GS-1011"
      flash_price = 30
      duration = 4
      [[segments.cues]]
      id = "fine"
      hotkey = "F3"
      action = "pop_link"
      product = "GS-1011"
      flash_price = 58
      [[segments.cues]]
      id = "coupon"
      at = 0.3
      action = "coupon"
      amount = 40
      threshold = 50
      duration = 1
      [[segments.cues]]
      id = "group"
      at = 1.5
      action = "groupbuy"
      product = "GS-1011"
      size = 3
      price = 5
      duration = 3
    """
)
BAG = textwrap.dedent(
    """\
    [show]
    title = "福袋"
    duration = 30

    [[segments]]
    title = "福袋"
    length = 20
      [[segments.cues]]
      id = "card"
      at = 0.1
      action = "show_card"
      product = "GS-1020"
      [[segments.cues]]
      id = "bag"
      at = 0.1
      action = "pop_link"
      product = "GS-1020"
      duration = 10
    """
)


def test_promotions_over_the_stores_limits_are_reported_when_the_show_is_prepared(
    backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sid = backend.new_session("超限预检")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        refused = collect(bus, "commerce.promo_refused")
        prepared_link(side, commerce, sid, "GS-1011")
        mgr = rig(commerce, bus, sid)
        with caplog.at_level(logging.WARNING):
            engine = CueEngine(
                parse_show(OVER_LIMITS, demo_catalog()), mgr, bus, session_id=str(sid)
            )
        # prepared, nothing on air yet: the three over the limits are known, ¥58 is fine
        assert [(r["source"], r["cue_id"], r["kind"]) for r in refused] == [
            ("prepare", "flash", "flash_price"),
            ("prepare", "coupon", "coupon"),
            ("prepare", "group", "groupbuy"),
        ]
        assert "between 3400" in refused[0]["reason"]  # the backend's own sentence
        assert "50 %" in refused[1]["reason"] and "group_price_cents" in refused[2]["reason"]
        assert all(r["reason"].startswith("the backend would refuse it: ") for r in refused)
        assert sum("would refuse" in r.getMessage() for r in caplog.records) == 3
        mgr.tick(0, 0.0)  # the preview's first frame, before going live
        assert [(w["kind"], w["stage"]) for w in mgr.withheld] == [
            ("flash_price", "prepare"),
            ("coupon", "prepare"),
            ("groupbuy", "prepare"),
        ]
        assert mgr.info.alert == "未上屏 拼团 ¥5：超出门店促销限制，后台会拒绝"  # guide-only
        assert mgr.info.alert in mgr.slots["guide"].key  # drawn on the guide's panel
        popup, promo = mgr.slots["popup"], mgr.slots["promo"]
        keys: list[tuple] = []
        drive(engine, mgr, lambda: bool(keys.append((popup.key, promo.key))), 3.0, wall=True)
        assert all(p[3] is None for p, _ in keys if p)  # ¥30 never drawn
        assert [p for _, p in keys if p] == []  # nor the coupon, nor the ¥5 group
        assert any(p for p, _ in keys), "the regular pop-up was on air"
        assert side.call(commerce.flush(10), 20)
        # nothing was sent to be refused: no failed row, nothing at the backend
        assert commerce.status().failed == 0
        assert backend.get(f"/api/sessions/{sid}/flash-prices") == []
        assert backend.get(f"/api/sessions/{sid}/coupons") == []
        assert backend.get(f"/api/sessions/{sid}/groupbuys") == []
        engine.close()


def rehearsal_session(backend: Backend, title: str) -> int:
    r = httpx.post(
        f"{backend.url}/api/sessions",
        json={"title": title, "rehearsal": True},
        headers={"Authorization": f"Bearer {backend.token()}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    r.raise_for_status()
    return int(r.json()["id"])


def wait_for(check: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_a_rehearsals_stock_is_its_own(backend: Backend, tmp_path: Path) -> None:
    """Practice sales sell the 3 福袋 out on the rehearsal's pop-up; real stock stays 3."""
    sid = rehearsal_session(backend, "彩排福袋")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        stock = collect(bus, "commerce.stock")
        pid, url = prepared_link(side, commerce, sid, "GS-1020")
        real = backend.get(f"/api/products/{pid}")["stock"]
        assert real == 3
        mgr = rig(commerce, bus, sid)
        engine = CueEngine(parse_show(BAG, demo_catalog()), mgr, bus, session_id=str(sid))
        drive(engine, mgr, lambda: bool(mgr.slots["popup"].key), 1.0, wall=False)
        assert qr_text(mgr.slots["popup"].layer.rgba) == url  # 3 left for the rehearsal
        token = url.rsplit("/", 1)[1]
        for _ in range(real):
            assert backend.buy(token) == 201  # practice orders
        wait_for(lambda: any(s.get("stock") == 0 for s in stock))
        mgr.tick(999, 40.0)
        assert mgr.slots["popup"].key == ("popup", "GS-1020", "sold_out")
        assert qr_text(mgr.slots["popup"].layer.rgba) == ""
        assert mgr.slots["card"].key[:3] == ("card", "GS-1020", 0)  # its card: 已售罄
        assert backend.get(f"/api/products/{pid}")["stock"] == 3  # real stock untouched
        engine.close()


def test_a_product_sold_out_at_the_backend_never_pops_up_a_qr(
    backend: Backend, tmp_path: Path
) -> None:
    """The demo catalog says 3 福袋; the backend sold them before the show: 已售罄 at once."""
    seller = backend.new_session("卖光福袋")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, seller, bus=bus) as (commerce, side):
        pid, url = prepared_link(side, commerce, seller, "GS-1020")
        token = url.rsplit("/", 1)[1]
        for _ in range(backend.get(f"/api/products/{pid}")["stock"]):
            assert backend.buy(token) == 201
        sid = backend.new_session("福袋专场")
        commerce.session_id = sid
        prepared_link(side, commerce, sid, "GS-1020")  # the catalog now says 0
        mgr = rig(commerce, bus, sid)
        assert mgr.stock["GS-1020"] == 3  # the script's catalog alone would sell
        engine = CueEngine(parse_show(BAG, demo_catalog()), mgr, bus, session_id=str(sid))
        popup, card = mgr.slots["popup"], mgr.slots["card"]
        drawn: list[tuple] = []
        drive(engine, mgr, lambda: bool(drawn.append(popup.key)) or len(drawn) > 20, 2.0, False)
        assert [k for k in drawn if k] and all(
            k == ("popup", "GS-1020", "sold_out") for k in drawn if k
        )
        assert qr_text(popup.layer.rgba) == ""
        assert card.key[:3] == ("card", "GS-1020", 0)
        engine.close()
