"""Coupons and group-buys go on air only once the backend created them (issue 13).

- online: nothing is drawn until the backend answered; then exactly what checkout offers;
- refused (422, over the store's limits): nothing drawn, the guide's panel says why;
- offline, nothing registered: no coupon or group price drawn, the guide is told after 2 s.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import httpx
import pytest

from studio.events import EventBus
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show
from tests.commerce.backend import Backend, free_port
from tests.commerce.conftest import prepared_link, running
from tests.commerce.test_flash_price import collect, drive, forget_limits, rig

SHOW = textwrap.dedent(
    """\
    [show]
    title = "福利"
    duration = 30

    [[segments]]
    title = "咖啡"
    length = 20
      [[segments.cues]]
      id = "coupon"
      at = 0.1
      action = "coupon"
      amount = 10
      threshold = 50
      title = "进店福利券"
      duration = 3
      [[segments.cues]]
      id = "group"
      at = 3.5
      action = "groupbuy"
      product = "GS-1011"
      size = 3
      price = 60
      duration = 3
    """
)


def promo_kinds(keys: list[tuple]) -> list[str]:
    """The promo slot's kinds in the order they were drawn (repeats folded)."""
    out: list[str] = []
    for k in keys:
        if k and (not out or out[-1] != k[0]):
            out.append(k[0])
    return out


def test_coupon_and_group_buy_are_drawn_once_the_backend_created_them(
    backend: Backend, tmp_path: Path
) -> None:
    sid = backend.new_session("福利确认")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        confirmed = collect(bus, "commerce.promo")
        pid, url = prepared_link(side, commerce, sid, "GS-1011")
        mgr = rig(commerce, bus, sid)
        engine = CueEngine(parse_show(SHOW, demo_catalog()), mgr, bus, session_id=str(sid))
        promo = mgr.slots["promo"]
        seen: list[tuple[tuple, int]] = []  # (promo key, confirmations heard so far)

        def both_on_air() -> bool:
            seen.append((promo.key, len(confirmed)))
            return bool(promo.key) and promo.key[0] == "groupbuy"

        drive(engine, mgr, both_on_air, 6.0, wall=True)
        assert [c["kind"] for c in confirmed] == ["coupon", "groupbuy"]
        # each was drawn only after its own confirmation was heard
        first_coupon = next(n for k, n in seen if k and k[0] == "coupon")
        first_group = next(n for k, n in seen if k and k[0] == "groupbuy")
        assert first_coupon >= 1 and first_group >= 2
        assert promo_kinds([k for k, _ in seen]) == ["coupon", "groupbuy"]
        coupon_key = next(k for k, _ in seen if k and k[0] == "coupon")
        assert coupon_key[1:3] == (10, 50)
        assert promo.key[2:5] == (0, 3, 60)  # 0/3 joined, ¥60: the backend's group
        (coupon,) = backend.get(f"/api/sessions/{sid}/coupons")
        (group,) = backend.get(f"/api/sessions/{sid}/groupbuys")
        assert (coupon["discount_cents"], coupon["min_spend_cents"]) == (1000, 5000)
        assert (group["group_price_cents"], group["size"], group["joined"]) == (6000, 3, 0)
        page = httpx.get(url, timeout=10).text  # what the on-air QR opens
        assert "进店福利券" in page and "拼团价" in page and "¥60" in page
        assert mgr.withheld == [] and mgr.info.alert == ""
        assert pid == group["product_id"]
        engine.close()


def test_refused_coupon_and_group_buy_are_never_drawn_and_the_guide_sees_why(
    backend: Backend, tmp_path: Path
) -> None:
    """¥40 off a ¥50 spend and a ¥5 group price for the ¥68 coffee break the store's limits."""
    sid = backend.new_session("超限福利")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        refused = collect(bus, "commerce.promo_refused")
        prepared_link(side, commerce, sid, "GS-1011")
        forget_limits(commerce, sid)  # limits unknown: only the backend can refuse
        mgr = rig(commerce, bus, sid)
        show = SHOW.replace("amount = 10", "amount = 40").replace("price = 60", "price = 5")
        engine = CueEngine(parse_show(show, demo_catalog()), mgr, bus, session_id=str(sid))
        promo = mgr.slots["promo"]
        keys: list[tuple] = []
        drive(
            engine,
            mgr,
            lambda: bool(keys.append(promo.key)) or len(mgr.withheld) >= 2,
            8.0,
            wall=True,
        )
        mgr.tick(10_000, 400.0)
        assert [k for k in [*keys, promo.key] if k] == []  # nothing drawn, ever
        assert [(r["kind"], r["source"]) for r in refused] == [
            ("coupon", "commerce"),
            ("groupbuy", "commerce"),
        ]
        assert all("422" in r["reason"] for r in refused)
        assert [(w["kind"], w["reason"][:23]) for w in mgr.withheld] == [
            ("coupon", "the backend refused it:"),
            ("groupbuy", "the backend refused it:"),
        ]
        assert mgr.info.alert == "未上屏 拼团 ¥5：后台拒绝"  # the guide-only panel
        assert backend.get(f"/api/sessions/{sid}/coupons") == []
        assert backend.get(f"/api/sessions/{sid}/groupbuys") == []
        assert commerce.status().failed == 2
        engine.close()


def test_offline_nothing_registered_no_coupon_or_group_price_is_drawn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bus = EventBus()
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens
    with running(tmp_path / "studio.sqlite3", dead, 1, bus=bus, timeout=0.5, flush_timeout=0) as (
        commerce,
        _side,
    ):
        refused = collect(bus, "commerce.promo_refused")
        mgr = rig(commerce, bus, 1)
        engine = CueEngine(parse_show(SHOW, demo_catalog()), mgr, bus, session_id="1")
        promo = mgr.slots["promo"]
        keys: list[tuple] = []
        with caplog.at_level(logging.WARNING):
            drive(engine, mgr, lambda: bool(keys.append(promo.key)), 7.0, wall=False)
        assert [k for k in keys if k] == []
        # the coupon could be recorded (it waits in the outbox); the overlay gave up after 2 s.
        # The group-buy's SKU is not in a fresh store's catalog: commerce says so at once.
        assert [(r["kind"], r["source"]) for r in refused] == [
            ("coupon", "overlay"),
            ("groupbuy", "commerce"),
        ]
        assert [w["reason"][:32] for w in mgr.withheld] == [
            "the backend has not confirmed it",
            "the product is not in the cached",
        ]
        assert mgr.info.alert == "未上屏 拼团 ¥60：商品不在目录中"
        assert any("coupon" in r.getMessage() and "not drawn" in r.message for r in caplog.records)
        assert commerce.store.counts()["pending"] >= 1
        engine.close()
