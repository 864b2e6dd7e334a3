"""The wall window without video: backend data, the no-orders alert, pages, focus data."""

from __future__ import annotations

import time
from typing import Any

import pytest

from studio.wall.alerts import AlertRules
from studio.wall.model import StoreInfo
from ui.wall.window import WallWindow


def test_no_orders_alert_shows_in_the_side_list_and_clears_on_an_order(qtbot) -> None:
    now = time.time()
    stores = [
        StoreInfo("store:1", "南京西路店", session_state="live", live_since=now - 5, gmv_cents=9),
        StoreInfo("store:2", "湖滨店", session_state="ended", gmv_cents=5),
    ]
    win = WallWindow(stores, rules=AlertRules(no_orders_after=1.0), audio=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: any("南京西路店" in t for t in win.alert_list.texts()), timeout=5000)
    assert "无订单" in win.alert_list.texts()[0]
    assert win.tiles["store:1"].alerting and not win.tiles["store:2"].alerting
    assert win.tiles["store:1"].badge == "live" and win.tiles["store:2"].badge == "idle"
    s1 = stores[0]
    s1.last_order_at, s1.orders, s1.gmv_cents = time.time(), 1, 19900
    win.update_store(s1)
    qtbot.waitUntil(lambda: "已恢复" in win.alert_list.texts()[0], timeout=3000)
    assert not win.tiles["store:1"].alerting
    win.shutdown()


def test_pages_beyond_64_and_only_the_page_is_laid_out(qtbot) -> None:
    stores = [StoreInfo(f"s{i}", f"门店{i:03d}", gmv_cents=i) for i in range(70)]
    win = WallWindow(stores, audio=False)
    qtbot.addWidget(win)
    assert len(win.tiles) == 64 and win.page_label.text() == "1/2"
    assert "s69" in win.tiles  # GMV order: the richest first
    win.next_btn.click()
    assert sorted(win.tiles) == sorted(f"s{i}" for i in range(6)) and win.page_label.text() == "2/2"
    win.sort_box.setCurrentIndex(2)  # by name
    win.set_page(0)
    assert "s000" not in win.tiles and "s0" in win.tiles
    win.shutdown()


class FakeBackend:
    async def session_orders(self, session_id: int) -> list[dict[str, Any]]:
        t = time.time()
        return [
            {
                "created_at": t - 30,
                "product_name": "轻薄羽绒服",
                "quantity": 1,
                "amount_cents": 59900,
                "status": "paid",
            },
            {
                "created_at": t - 3700,
                "product_name": "护手霜礼盒",
                "quantity": 2,
                "amount_cents": 19800,
                "status": "paid",
            },
        ]

    async def leaderboard(self) -> list[dict[str, Any]]:
        return [{"guide_name": "小美", "store_name": "南京西路店", "gmv_cents": 79700}]


def test_focus_shows_orders_hourly_plot_and_leaderboard(qtbot) -> None:
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    info = StoreInfo("store:1", "南京西路店", session_id=1, session_state="live", guide="小美")
    win = WallWindow([info], audio=False, backend=FakeBackend())
    qtbot.addWidget(win)
    win.show()
    with loop:
        win.focus("store:1")
        loop.run_until_complete(asyncio.sleep(0.3))
    assert win.stack.currentWidget() is win.focus_view
    assert win.focus_view.orders.count() == 2
    assert "轻薄羽绒服" in win.focus_view.orders.item(0).text()
    bars = [b for b in win.focus_view.chart.buckets if b[2]]
    assert [(g, n) for _, g, n in bars] == [(19800, 1), (59900, 1)]
    assert win.focus_view.leaders.item(0, 1).text() == "小美"
    win.unfocus()
    assert win.stack.currentWidget() is win.grid_host
    win.shutdown()


@pytest.mark.parametrize(("lang", "note"), [("zh", "声音已关闭"), ("en", "Sound is off")])
def test_the_sound_note_is_in_the_windows_language(qtbot, lang: str, note: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from ui.app import install_qt_translation, install_translator

    app = QApplication.instance()
    tr = install_translator(app, lang)
    try:
        win = WallWindow([], audio=False)
        qtbot.addWidget(win)
        assert win.statusBar().currentMessage() == note
        win.close()
    finally:
        if tr is not None:
            app.removeTranslator(tr)
        install_qt_translation(app, "en")
