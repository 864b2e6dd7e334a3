"""Errors a shop assistant understands: a banner while a platform cannot connect; unsaved keys."""

from __future__ import annotations

import time
from pathlib import Path

import keyring.backends.null
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from studio.app import StudioApp
from studio.config import Profile
from studio.secrets import SecretStore
from tests.nginx_rtmp import NginxRtmp
from ui.main_window import MainWindow
from ui.settings import KEY_SERVICE, AppSettings

KEY = "sk-4d1c8e2f9a7b3065"


def _window(qtbot, settings: AppSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    studio = StudioApp(Profile(width=640, height=360, fps=30, video_bitrate=600_000))
    win = MainWindow(studio, settings)
    qtbot.addWidget(win)
    studio.open("test")
    win.panel.record.setChecked(False)
    win.show()
    return win


def test_banner_says_why_and_what_to_check_then_goes_when_live(
    qtbot,
    tmp_path: Path,
    nginx_rtmp: NginxRtmp,  # type: ignore[no-untyped-def]
) -> None:
    nginx_rtmp.stop()  # the platform's server is down: its port is closed
    settings = AppSettings(tmp_path / "studio.ini")
    settings.add_destination("视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live", KEY)
    win = _window(qtbot, settings)
    try:
        banner = win.panel.banner
        assert not banner.isVisible()
        win.panel.reload()
        qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.panel.live, timeout=10000)
        started = time.monotonic()
        qtbot.waitUntil(banner.isVisible, timeout=15000)
        took = time.monotonic() - started
        text = banner.text()
        assert "连不上推流服务器" in text and "视频号" in text
        assert "推流地址" in text and "网络" in text and "自动重试" in text
        assert "unreachable" not in text and KEY not in text
        outputs = win.live_state()["outputs"]
        assert outputs[0]["reconnects"] >= 3 and took < 12, (outputs, took)
        # the tooltip speaks the window's language too
        assert win.panel.health.item(0, 1).toolTip() == "连不上推流服务器"

        nginx_rtmp.start()  # the server is back: the output reconnects by itself
        win.app.reconnect_now()
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=20000)
        assert win.live_state()["outputs"][0]["state"] == "live"
        assert win.panel.health.item(0, 1).text() == "直播中"
    finally:
        if win.app.is_live:
            win.app.end()
        win.close()


def _answer_key(key: str | None) -> None:
    def answer() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QInputDialog) and w.isVisible():
                if key is None:
                    w.reject()
                else:
                    w.setTextValue(key)
                    w.accept()
                return
        QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)


def test_a_key_kept_for_one_run_says_so_after_a_restart_and_go_live_asks(
    qtbot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    ini = tmp_path / "studio.ini"
    no_keyring = keyring.backends.null.Keyring()
    first = AppSettings(ini, SecretStore(KEY_SERVICE, backend=no_keyring))
    first.add_destination("视频号", "rtmp://push.example.com/live", KEY)
    win = _window(qtbot, first)
    assert win.panel.dest_list.item(0).text().endswith("/****")  # this run has it
    assert "本次运行" in win.panel.key_note.text() and "/" not in win.panel.key_note.text()
    win.close()

    # a restart: the key was only in memory
    again = AppSettings(ini, SecretStore(KEY_SERVICE, backend=no_keyring))
    win = _window(qtbot, again)
    listed = win.panel.dest_list.item(0).text()
    assert "推流码未保存" in listed and "****" not in listed, listed
    asked: list[list] = []
    win.panel.go_live_requested.disconnect(win.live.go_live)  # push.example.com is not reachable
    win.panel.go_live_requested.connect(lambda dests, rec: asked.append(dests))

    _answer_key(None)  # the guide cancels: nothing goes live, no URL error
    win.panel._clicked()
    assert asked == [] and not win.findChildren(QMessageBox, "errorDialog")

    _answer_key(KEY)
    win.panel._clicked()
    assert len(asked) == 1
    assert asked[0][0].destination(again.keys).url == f"rtmp://push.example.com/live/{KEY}"
    assert win.panel.dest_list.item(0).text().endswith("/****")
    win.close()
