"""The 连麦 window: invite by link and QR, a real guest joins, 上麦 puts it on the program.

The host is the guide's window on the demo backend (embedded, over HTTP); the guest
is a real aiortc studio guest in this process (its own pipeline, a magenta picture),
joining with the link the window shows.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from studio.config import Profile
from studio.costream.guest import StudioGuest
from studio.media.engine import Pipeline
from tests.costream.media import ToneSource, mean_yuv, near
from tests.costream.test_loopback import MAGENTA, ProgramCapture
from tests.qr import first_qr
from tests.ui.conftest import build_window
from tests.ui.test_one_language import CJK, widget_texts
from ui.app import install_translator
from ui.costream import CostreamDialog
from ui.main_window import MainWindow

P = Profile(width=640, height=360, fps=20, video_bitrate=800_000)


def _window(qtbot, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    win = build_window(qtbot, tmp_path, P)
    win.app.start_demo(shoppers=0)  # what the first-run dialog's 演示模式 does
    return win


def _decode(pixmap) -> str:  # type: ignore[no-untyped-def]
    img = pixmap.toImage().convertToFormat(pixmap.toImage().Format.Format_Grayscale8)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return first_qr(arr[:, : img.width()])


def _error_box(win: MainWindow) -> QMessageBox | None:
    boxes = [b for b in win.findChildren(QMessageBox, "errorDialog") if b.isVisible()]
    return boxes[-1] if boxes else None


def test_invite_qr_guest_on_air_and_removed(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, tmp_path)
    dlg = win.open_costream()
    assert isinstance(dlg, CostreamDialog) and dlg.isVisible()

    dlg.label_edit.setText("东门店 小李")
    qtbot.mouseClick(dlg.invite_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.link_edit.text() != "", timeout=20000)
    link = dlg.link_edit.text()
    assert link.startswith(win.app.embedded.url + "/join/"), link
    assert _decode(dlg.qr_label.pixmap()) == link  # a phone's camera reads the same link
    assert "东门店 小李" in dlg.link_note.text()
    player = win.app.costreaming.monitor
    assert player is not None and player.ring is win.app.costreaming.host.monitor()  # guests heard
    if not player.available:  # no sound output here (CI): the window says so, once
        qtbot.waitUntil(lambda: "听不到连麦嘉宾" in win.statusBar().currentMessage(), timeout=5000)
    qtbot.mouseClick(dlg.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == link

    host = win.app.pipeline
    cap = ProgramCapture()
    host.program_taps.append(cap)
    guest_pipe = Pipeline(P)
    guest_pipe.add_source(ToneSource("guest", MAGENTA, 1500, P.width, P.height, P.fps))
    guest_pipe.start()
    guest = StudioGuest(guest_pipe, "西门店 小王")
    joined = threading.Event()

    def join() -> None:
        guest.open(link)
        guest.connect()
        joined.set()

    threading.Thread(target=join, name="test-guest", daemon=True).start()
    try:
        qtbot.waitUntil(lambda: len(dlg.rows) == 1, timeout=30000)
        (gid,) = dlg.rows
        assert dlg.table.item(0, 0).text() == "西门店 小王"
        qtbot.waitUntil(lambda: "画面正常" in dlg.table.item(0, 1).text(), timeout=30000)
        assert "未上麦" in dlg.table.item(0, 1).text()

        def right_half_magenta() -> bool:
            f = cap.frame
            return f is not None and near(
                mean_yuv(f, P.width, P.height, 360, 140, 600, 200), MAGENTA
            )

        assert not right_half_magenta()  # connected, not on: nothing of the guest on air
        air = dlg.table.cellWidget(0, 2).findChild(QPushButton, f"onAir{gid}")
        assert air.text() == "上麦"
        qtbot.mouseClick(air, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(right_half_magenta, timeout=15000)  # side by side: the guest on the right
        qtbot.waitUntil(lambda: air.text() == "下麦", timeout=5000)
        assert "在直播画面上" in dlg.table.item(0, 1).text()
        assert host.scene.find(f"costream:tag:{gid}") is not None  # their name tag
        # 画中画: the guest becomes a small inset over the host's picture
        pip = dlg.layout_combo.findData("pip")
        dlg.layout_combo.setCurrentIndex(pip)
        dlg.layout_combo.activated.emit(pip)
        tile = host.scene.find(f"costream:video:{gid}")
        assert tile is not None and tile.w < P.width // 3, tile  # type: ignore[attr-defined]

        remove = dlg.table.cellWidget(0, 2).findChild(QPushButton, f"remove{gid}")
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dlg.rows and dlg.table.rowCount() == 0, timeout=20000)
        assert gid not in win.app.costreaming.cohost().guests
        qtbot.waitUntil(lambda: not right_half_magenta(), timeout=10000)  # off the program
        assert host.scene.find(f"costream:video:{gid}") is None

        # the used-up link (one use) is refused in the joining window: one clear dialog
        dlg.join_edit.setText(link)
        win.app.costreaming.close()  # this window is now the guest of its own (old) link
        qtbot.mouseClick(dlg.join_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _error_box(win) is not None, timeout=20000)
        text = _error_box(win).text()  # type: ignore[union-attr]
        assert "名额已用完" in text and "新的连麦邀请链接" in text, text
        assert link.rsplit("/", 1)[-1] not in text  # the token is never echoed
        assert dlg.join_state.text() == "未加入"
    finally:
        guest.close()
        guest_pipe.stop()


def test_english_panel_has_no_chinese_left(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    tr = install_translator(app, "en")
    assert tr is not None
    try:
        win = build_window(qtbot, tmp_path, P)
        dlg = win.open_costream()
        assert dlg.windowTitle() == "Co-stream"
        assert dlg.invite_button.text() == "Invite to co-stream"
        # a guest row as an event would make it, in each state it can be in
        for state in ("answered", "live", "lost", "failed", "left"):
            dlg._on_event("costream.guest", {
                "guest_id": 4, "name": "Lee", "state": state, "on_air": True, "muted": True,
            })  # fmt: skip
            texts = list(widget_texts(dlg))
            bad = [f"{w}: {t!r}" for w, t in texts if CJK.search(t)]
            assert not bad, bad
        # a guest who leaves: gone from the list, the status bar says who (in English)
        dlg._on_event("costream.guest", {
            "guest_id": 4, "name": "Lee", "state": "left", "on_air": False, "muted": False,
        })  # fmt: skip
        assert not dlg.rows and dlg.table.rowCount() == 0
        dlg._on_event("costream.guest", {
            "guest_id": 4, "name": "Lee", "state": "closed", "on_air": False, "muted": False,
        })  # fmt: skip
        assert not dlg.rows  # their line closing a moment later brings no ghost row back
        said = win.statusBar().currentMessage()
        assert "Lee" in said and not CJK.search(said), said
        # no backend: one dialog, in English
        qtbot.mouseClick(dlg.invite_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _error_box(win) is not None, timeout=10000)
        box = _error_box(win)
        assert box is not None
        assert not CJK.search(box.text() + box.windowTitle()), box.text()
        assert "connect to the backend" in box.text().lower()
        toolbar = [t for w, t in widget_texts(win) if w.endswith(".action")]
        assert "Co-stream" in toolbar
    finally:
        app.removeTranslator(tr)


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("连麦 link refused: This co-stream link has expired: Ask", "已过期"),
        ("joining failed (409): the co-stream is full (3 guests); wait", "人数已满"),
        ("no 连麦 guest 3 — see the guests list", "不在连麦里"),
    ],
)
def test_refusals_in_the_window_language(qtbot, tmp_path: Path, message: str, words: str) -> None:  # type: ignore[no-untyped-def]
    from studio.costream.signalling import LinkRefusedError
    from studio.errors import UserError

    win = build_window(qtbot, tmp_path, P, show=False)
    dlg = CostreamDialog(win, win.bridge)
    qtbot.addWidget(dlg)
    exc = LinkRefusedError(message) if "refused" in message else UserError(message)
    assert words in dlg.error_text(exc)


def test_join_another_studios_costream_by_its_link(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from studio.costream.host import CoHost
    from studio.costream.signalling import HostSignalling
    from studio.demo.data import DEMO_PASSWORD, DEMO_SESSION, DEMO_USER
    from studio.demo.embedded import EmbeddedBackend
    from tests.costream.test_loopback import GREEN

    backend = EmbeddedBackend.start(shoppers=0, db=tmp_path / "host.sqlite3")
    host_pipe = Pipeline(P)
    host_pipe.add_source(ToneSource("host", GREEN, 440, P.width, P.height, P.fps))
    host_pipe.start()
    login = {"username": DEMO_USER, "password": DEMO_PASSWORD}
    token = httpx.post(f"{backend.url}/api/auth/login", json=login).json()["token"]
    cohost = CoHost(host_pipe, HostSignalling(backend.url, token, DEMO_SESSION))
    try:
        link = cohost.invite({"label": "西门店", "uses": 2})["join_url"]
        cohost.start_polling()
        win = build_window(qtbot, tmp_path, P)  # the guest's own window, no backend of its own
        dlg = win.open_costream()
        dlg.join_edit.setText(link)
        dlg.name_edit.setText("西门店 小王")
        qtbot.mouseClick(dlg.join_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(dlg.leave_button.isEnabled, timeout=40000)
        assert "已加入" in dlg.join_state.text() and not dlg.join_button.isEnabled()
        assert [g.name for g in cohost.guests.values()] == ["西门店 小王"]
        guest = win.app.costreaming.guest
        assert guest is not None

        def host_in_preview() -> bool:  # the host's green program, in the guide-only inset
            fr = guest.host.slot.peek()
            return fr is not None and near(
                mean_yuv(fr.data, fr.width, fr.height, 40, 150, 200, 210), GREEN
            )

        qtbot.waitUntil(host_in_preview, timeout=20000)
        scene = win.app.pipeline.scene
        assert any(ly.name == "costream:host" for ly in scene.guide)
        assert all(ly.name != "costream:host" for ly in scene.program)  # never on its own air

        # the host removes us: the window says so and stops trying (no rejoin)
        (gid,) = cohost.guests
        cohost.remove(gid)
        qtbot.waitUntil(lambda: dlg.join_state.text() == "主播已结束你的连麦", timeout=20000)
        assert win.app.costreaming.guest is None and dlg.join_button.isEnabled()
        assert all(ly.name != "costream:host" for ly in scene.guide)

        # joining again (the link's second use), then leaving on our own
        qtbot.mouseClick(dlg.join_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(dlg.leave_button.isEnabled, timeout=40000)
        qtbot.waitUntil(lambda: len(cohost.guests) == 1, timeout=10000)
        qtbot.mouseClick(dlg.leave_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.join_state.text() == "未加入", timeout=20000)
        assert win.app.costreaming.guest is None and dlg.join_button.isEnabled()
        assert all(ly.name != "costream:host" for ly in scene.guide)
        qtbot.waitUntil(lambda: not cohost.guests, timeout=15000)  # gone from the host too
    finally:
        cohost.close()
        host_pipe.stop()
        backend.stop()
