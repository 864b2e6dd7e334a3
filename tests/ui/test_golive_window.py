"""Drive the real window: pick the test source, add a platform, go live, end."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.config import Profile
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from ui.destinations import DestinationDialog
from ui.main_window import MainWindow

KEY = "sk-9e1f7c3b2a84d5f6"


@pytest.fixture
def window(main_window):  # type: ignore[no-untyped-def]
    return main_window()  # 640x360, the test source, 1280x760


def add_platform(qtbot, win: MainWindow, name: str, server: str, key: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(
        win.panel.findChild(type(win.panel.button), "addDestination"), Qt.MouseButton.LeftButton
    )
    dlg = win.panel.findChild(DestinationDialog)
    assert dlg is not None
    dlg.name_edit.insert(name)  # Chinese arrives as an input-method commit, not key clicks
    qtbot.keyClicks(dlg.server_edit, server)
    qtbot.keyClicks(dlg.key_edit, key)
    dlg._accept()
    qtbot.waitUntil(lambda: win.panel.dest_list.count() >= 1)


def click_yes_when_asked() -> None:
    def answer() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                w.button(QMessageBox.StandardButton.Yes).click()
                return
        QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)


def test_go_live_from_the_window_reaches_nginx_and_records(
    qtbot,
    window: MainWindow,
    nginx_rtmp: NginxRtmp,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    qtbot.waitUntil(lambda: window.preview.frames_painted > 3, timeout=5000)
    assert window.source_combo.currentData() == "test"
    add_platform(qtbot, window, "视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live", KEY)
    window.panel.record_dir = tmp_path
    qtbot.mouseClick(window.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.panel.live, timeout=10000)
    qtbot.waitUntil(lambda: window.panel.health.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(
        lambda: (
            window.panel.health.item(0, 1) is not None
            and window.panel.health.item(0, 1).text() == "直播中"
        ),
        timeout=8000,
    )
    pulled = read_media(f"rtmp://127.0.0.1:{nginx_rtmp.port}/live/{KEY}", seconds=3)
    assert not pulled.error and len(pulled.video_times) > 60
    assert (pulled.width, pulled.height) == (640, 360)
    assert "直播中" in window.live_label.text()

    click_yes_when_asked()
    qtbot.mouseClick(window.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.panel.live, timeout=10000)
    recordings = list(tmp_path.glob("guide-studio*.mkv"))
    assert len(recordings) == 1
    played = read_media(str(recordings[0]))
    assert not played.error and len(played.video_times) > 60


def test_bad_server_address_is_explained_in_the_dialog(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(
        window.panel.findChild(type(window.panel.button), "addDestination"),
        Qt.MouseButton.LeftButton,
    )
    dlg = window.panel.findChild(DestinationDialog)
    dlg.name_edit.insert("抖音")
    qtbot.keyClicks(dlg.server_edit, "http://wrong.example/live")
    dlg._accept()
    assert dlg.isVisible() and "rtmp://" in dlg.error.text()
    assert window.panel.dest_list.count() == 0


def test_going_live_with_nothing_ticked_shows_a_dialog(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.panel.record.setChecked(False)
    qtbot.mouseClick(window.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorDialog") is not None, timeout=5000)
    box = window.findChild(QMessageBox, "errorDialog")
    assert "没有可推流的平台" in box.text()  # the window's language, not the engine's English
    assert not window.panel.live


def test_stream_key_never_in_settings_log_or_screenshot(
    qtbot,
    window: MainWindow,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    add_platform(qtbot, window, "视频号", "rtmp://push.example.com/live", KEY)
    ini = (tmp_path / "studio.ini").read_text(encoding="utf-8")
    assert "push.example.com" in ini and KEY not in ini
    listed = window.panel.dest_list.item(0).text()
    assert KEY not in listed and "****" in listed
    # the key is masked on screen: two different keys of one length look the same
    shots = []
    for key in ("A" * 18, "Z" * 18):
        dlg = DestinationDialog(window, "视频号", "rtmp://push.example.com/live")
        qtbot.addWidget(dlg)
        dlg.key_edit.setText(key)
        dlg.show()
        qtbot.waitExposed(dlg)
        shots.append(dlg.grab().toImage())
        dlg.close()
    assert shots[0] == shots[1]
    import os

    log_dir = Path(os.environ["STUDIO_LOG_DIR"])
    for f in log_dir.glob("*.log*"):
        assert KEY not in f.read_text(encoding="utf-8", errors="replace")
    assert not list(tmp_path.rglob("*keyring*"))  # no plain-text keyring file written here


def test_window_stays_responsive_while_streaming_720p30(
    qtbot,
    tmp_path: Path,
    nginx_rtmp: NginxRtmp,
    main_window,  # type: ignore[no-untyped-def]
) -> None:
    from tests.ui.lag import LagProbe

    profile = Profile(width=1280, height=720, fps=30, video_bitrate=2_500_000)
    win = main_window(profile, size=(1366, 768))
    studio = win.app
    add_platform(qtbot, win, "视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live", "lagtest")
    win.panel.record_dir = tmp_path
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.panel.live, timeout=10000)
    probe = LagProbe()
    qtbot.wait(5000)
    probe.stop()
    painted = win.preview.frames_painted
    studio.end()
    win.close()
    assert len(probe.lags) > 200
    assert probe.percentile(0.99) < 0.100, (
        probe.percentile(0.5),
        probe.percentile(0.99),
        max(probe.lags),
    )
    assert painted > 60  # the preview kept moving
