"""One count of the session's GMV and commission: the guide panel and the Sales tab agree.

A new user's report: the guide-only panel on the preview said ¥54.26 and 销售 → 我的佣金
¥51.26, and 本场成交额 was less than the orders listed under it: both off by a refund
of an order from an earlier run (its commission reversed before this window started
counting). Both now show the session's figures as commerce stores them from the feed,
the backend's own ``/summary`` rules: paid orders only, reversed commissions out.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from studio.app import StudioApp
from studio.config import Profile
from tests.commerce.backend import PASSWORD, Backend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the Sales tab, with no screen


def wait_for(what: Callable[[], bool], seconds: float, why: str, pump=None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, why
        if pump is not None:
            pump(100)
        else:
            time.sleep(0.1)


def refund(backend: Backend, order_id: int) -> None:
    r = httpx.post(
        f"{backend.url}/api/orders/{order_id}/refund",
        json={"reason": "顾客退货"},
        headers={
            "Authorization": f"Bearer {backend.token('storemgr')}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=15,
    )
    r.raise_for_status()


def buy(app: StudioApp, backend: Backend, sku: str) -> None:
    token = app.overlays.link_for(sku).rsplit("/", 1)[-1]
    assert token, f"no purchase link for {sku}"
    assert backend.buy(token) == 201


def test_the_guide_panel_and_the_sales_tab_show_the_sessions_figures(
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    from ui.bridge import EngineBridge
    from ui.sales import SalesPanel

    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    sid = backend.new_session("退款之后")
    profile = Profile(width=640, height=360, fps=15)

    first = StudioApp(profile)  # an earlier run: two orders, then the studio closes
    try:
        first.connect_commerce(backend.url, "guide1", PASSWORD, sid)
        buy(first, backend, "GS-1001")
        buy(first, backend, "GS-1011")
        core = first.commerce.commerce
        wait_for(lambda: len(core.store.orders(sid)) == 2, 20, "the orders never reached the store")
        refunded = core.store.orders(sid)[0]["id"]
    finally:
        first.close()
    refund(backend, refunded)  # while the studio is closed: its commission is reversed

    app = StudioApp(profile)  # this window
    panel = SalesPanel()
    qtbot.addWidget(panel)
    bridge = EngineBridge(app.bus)
    bridge.engine_event.connect(panel.on_event)
    app.open("test")
    try:
        app.connect_commerce(backend.url, "guide1", PASSWORD, sid)
        buy(app, backend, "GS-1014")
        summary: dict = {}

        def agreed() -> bool:
            summary.update(backend.get(f"/api/sessions/{sid}/summary"))
            info = app.overlays.info
            return (
                summary["orders"] == 2
                and summary["refunds"] == 1
                and panel.orders == info.orders == summary["orders"]
                and round(panel.commission * 100) == summary["commission_cents"]
                and round(info.commission * 100) == summary["commission_cents"]
                and round(panel.gmv * 100) == summary["gmv_cents"]
            )

        try:
            wait_for(agreed, 20, "the figures disagree", pump=qtbot.wait)
        except AssertionError:
            shown = {
                "backend": {k: v for k, v in summary.items() if k != "links"},
                "guide panel": (app.overlays.info.orders, app.overlays.info.commission),
                "sales tab": (panel.orders, panel.gmv, panel.commission),
            }
            raise AssertionError(f"the figures disagree: {shown}") from None
        assert summary["commission_cents"] > 0
        assert panel.commission_label.text() == f"¥{summary['commission_cents'] / 100:,.2f}"
        # the list is the session's orders: the refunded one marked, the rest add up to the GMV
        lines = [panel.feed.item(i).text() for i in range(panel.feed.count())]
        assert len(lines) == 3, lines
        assert sum("已退款" in line for line in lines) == 1
        listed = sum(float(line.split("¥")[-1]) for line in lines if "已退款" not in line)
        assert round(listed * 100) == summary["gmv_cents"]
    finally:
        bridge.close()
        app.close()
