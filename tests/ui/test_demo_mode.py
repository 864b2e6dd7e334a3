"""Demo mode end to end: the embedded backend, a real purchase link on the stream, a real order."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from PySide6.QtCore import Qt

from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from tests.ui.test_golive_window import add_platform
from tests.ui.test_selling import click, decode_qr, make_window, on_air


def test_demo_mode_qr_is_a_real_link_and_a_purchase_shows_up_once(
    qtbot,
    tmp_path: Path,
    nginx_rtmp: NginxRtmp,  # type: ignore[no-untyped-def]
) -> None:
    win = make_window(qtbot, tmp_path)
    studio = win.app
    dlg = win.setup.first_run()
    qtbot.mouseClick(dlg.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: studio.commerce is not None, timeout=60000)
    qtbot.waitUntil(
        lambda: "已连接" in win.sales.state.text() or "在线" in win.sales.state.text(),
        timeout=10000,
    )
    qtbot.waitUntil(win.panel.button.isEnabled, timeout=30000)  # off while connecting
    try:
        add_platform(qtbot, win, "视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live", "demo1")
        win.panel.record.setChecked(False)
        qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.panel.live, timeout=10000)

        sku = next(iter(studio.catalog)).sku
        click(qtbot, win, sku)
        qtbot.waitUntil(lambda: on_air(win, "card", sku), timeout=5000)
        click(qtbot, win, sku)
        qtbot.waitUntil(lambda: on_air(win, "popup", sku), timeout=5000)
        pulled = read_media(
            f"rtmp://127.0.0.1:{nginx_rtmp.port}/live/demo1", seconds=3, keep_every=5
        )
        links = decode_qr(pulled.frames_kept)
        assert links, "no QR decoded from the stream"
        link = links.pop()
        assert link.startswith(studio.embedded.url + "/p/"), link

        # a phone scans the QR and buys through the real checkout page
        before = win.sales.orders
        r = httpx.post(
            link + "/buy",
            data={
                "quantity": "1",
                "fulfilment": "pickup",
                "address": "",
                "buyer_name": "王小丫",
                "buyer_phone": "13800008821",
                "use_coupon": "0",
                "join_group": "0",
            },
            timeout=10,
        )
        assert r.status_code == 201, r.text[:300]
        deadline = time.monotonic() + 20
        found = False
        while time.monotonic() < deadline and not found:
            qtbot.wait(200)
            found = any(
                "尾号 8821" in win.sales.feed.item(i).text() for i in range(win.sales.feed.count())
            )
        assert found, [win.sales.feed.item(i).text() for i in range(win.sales.feed.count())]
        mine = [
            win.sales.feed.item(i).text()
            for i in range(win.sales.feed.count())
            if "尾号 8821" in win.sales.feed.item(i).text()
        ]
        assert len(mine) == 1  # the order appears once
        assert win.sales.orders > before and win.sales.gmv > 0
        assert studio.catalog[sku].name in mine[0]
    finally:
        studio.end()
        win.close()
