"""结束彩排 and 结束直播 in the window: the show's overlays leave, the backend session ends.

A new user's report: after 结束彩排 the take's card, a group-buy still counting down,
the guide panel's 下一条 and a frozen teleprompter stayed on the preview, so the next
开始直播 would have started with them on air; and the backend's session stayed live.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.commerce.backend import PASSWORD, Backend, free_port
from tests.nginx_rtmp import NginxRtmp
from tests.ui.test_golive_window import add_platform
from tests.ui.test_selling import make_window
from ui.main_window import MainWindow

SHOW = textwrap.dedent(
    """
    [show]
    title = "下播清场"
    duration = 60

    [[segments]]
    title = "咖啡豆"
    length = 60
    products = ["GS-1011"]
    talking_points = ["中度烘焙，坚果香"]
      [[segments.cues]]
      id = "card"
      at = "start"
      action = "show_card"
      product = "GS-1011"
      [[segments.cues]]
      id = "group"
      at = 0.3
      action = "groupbuy"
      product = "GS-1011"
      size = 3
      price = 50
      duration = 50
      [[segments.cues]]
      id = "later"
      at = 45
      action = "pop_link"
      product = "GS-1011"
    """
)
SHOWN = ("card", "promo")  # what the script put on the preview by its first second


@pytest.fixture
def show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    # 确定要结束直播吗？ answered Yes (no timer left polling for a box into later tests)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    path = tmp_path / "clear.toml"
    path.write_text(SHOW, encoding="utf-8")
    return path


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Backend]:
    b = Backend(tmp_path / "shop.sqlite3", free_port(), tmp_path / "shop.log").start()
    yield b
    b.stop()


def on_preview(win: MainWindow) -> bool:
    ov = win.app.overlays
    return all(ov.slots[n].state is not None for n in SHOWN) and bool(ov.info.next_cue)


def cleared(win: MainWindow) -> bool:
    ov = win.app.overlays
    gone = all(s.state is None and not s.layer.visible for n, s in ov.slots.items() if n in SHOWN)
    info = ov.info
    return gone and not info.next_cue and not info.segment and info.talking_points == ()


def assert_cleared(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: cleared(win), timeout=3000)
    assert win.app.cues is None  # the script stopped: nothing puts them back
    qtbot.wait(1500)
    assert cleared(win)
    assert win.runner.segment.text() == "准备开始"  # the teleprompter is back at the start
    assert win.runner.prompter.text() == "• 中度烘焙，坚果香"
    assert win.runner.start.text() == "开始脚本"


def test_ending_the_take_and_the_live_clears_the_shows_overlays(
    qtbot,
    tmp_path: Path,
    show: Path,  # type: ignore[no-untyped-def]
) -> None:
    win = make_window(qtbot, tmp_path, size=(640, 360))
    try:
        win.settings.set_value("rehearsal_dir", str(tmp_path / "takes"))
        assert win.script.load_show(show)
        qtbot.mouseClick(win.runner.rehearse, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.app.rehearsing and on_preview(win), timeout=10000)
        # the group-buy counts down, the prompter follows the segment
        qtbot.waitUntil(lambda: "中度烘焙" in win.runner.prompter.text(), timeout=5000)
        qtbot.mouseClick(win.runner.rehearse, Qt.MouseButton.LeftButton)  # 结束彩排
        qtbot.waitUntil(lambda: not win.app.rehearsing and bool(win.reviews), timeout=20000)
        assert_cleared(qtbot, win)

        win.panel.record_dir = tmp_path  # 开始直播 (recording only), the script, 结束直播
        win.panel.record.setChecked(True)
        qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.panel.live, timeout=10000)
        qtbot.mouseClick(win.runner.start, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: on_preview(win), timeout=5000)
        qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)  # 结束直播, Yes
        qtbot.waitUntil(lambda: not win.panel.live, timeout=10000)
        assert_cleared(qtbot, win)
    finally:
        for review in win.reviews:
            review.close()
        win.close()


def test_the_windows_end_buttons_end_the_backend_sessions(
    qtbot,
    tmp_path: Path,
    show: Path,
    shop: Backend,
    nginx_rtmp: NginxRtmp,  # type: ignore[no-untyped-def]
) -> None:
    win = make_window(qtbot, tmp_path, size=(640, 360))
    studio = win.app
    try:
        studio.connect_commerce(shop.url, "guide1", PASSWORD, 1)  # the store's live show
        add_platform(qtbot, win, "视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live", "end")
        win.settings.set_value("rehearsal_dir", str(tmp_path / "takes"))
        assert win.script.load_show(show)
        qtbot.mouseClick(win.runner.rehearse, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: studio.rehearsing, timeout=15000)
        take = studio.session_id
        assert take != 1
        qtbot.wait(1000)
        qtbot.mouseClick(win.runner.rehearse, Qt.MouseButton.LeftButton)  # 结束彩排
        qtbot.waitUntil(lambda: bool(win.reviews) and win.panel.isEnabled(), timeout=20000)
        assert studio.session_id == 1  # back on the real session

        win.panel.record.setChecked(False)
        qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.panel.live, timeout=10000)
        qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)  # 结束直播
        qtbot.waitUntil(lambda: not win.panel.live, timeout=10000)

        def ended(sid: int) -> bool:
            return shop.get(f"/api/sessions/{sid}")["state"] == "ended"

        deadline = time.monotonic() + 20
        while not (ended(take) and ended(1)) and time.monotonic() < deadline:
            qtbot.wait(200)
        assert ended(take) and ended(1)
        for sid in (take, 1):
            kinds = [a["kind"] for a in shop.actions(sid)]
            assert kinds.count("session_ended") == 1, (sid, kinds)
        wall = shop.get("/api/wall", user="manager")
        assert next(s for s in wall["stores"] if s["store_id"] == 1)["state"] != "live"
    finally:
        for review in win.reviews:
            review.close()
        win.close()
