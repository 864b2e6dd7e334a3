"""A full push URL pasted into the server field, and a Go Live with an empty key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from tests.ui.test_golive_window import add_platform, window  # noqa: F401 - the fixture
from ui.main_window import MainWindow

URL = "rtmp://push.example.com/live/FULLKEY999"


def test_a_full_push_url_is_split_into_server_and_key_masked_and_kept_out_of_the_ini(
    qtbot,
    window: MainWindow,  # noqa: F811
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    add_platform(qtbot, window, "视频号", URL, "")
    listed = window.panel.dest_list.item(0).text()
    assert "FULLKEY999" not in listed and listed.endswith("/live/****"), listed
    ini = (tmp_path / "studio.ini").read_text(encoding="utf-8")
    assert "FULLKEY999" not in ini and "rtmp://push.example.com/live" in ini
    (saved,) = window.panel.settings.destinations()
    assert saved.server == "rtmp://push.example.com/live"
    assert window.panel.settings.keys.get(saved.id) == "FULLKEY999"
    # so Go Live has its key and does not ask for one
    assert window.panel.ask_missing_keys([saved])


def test_an_empty_key_at_go_live_says_what_is_missing(qtbot, window: MainWindow) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    add_platform(qtbot, window, "视频号", "rtmp://push.example.com/live", "")
    wanted: list[object] = []
    window.panel.go_live_requested.connect(lambda *a: wanted.append(a))
    seen: list[str] = []

    def answer() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QInputDialog) and w.isVisible():
                w.setTextValue("")
                w.accept()  # 确定 with nothing typed
            elif isinstance(w, QMessageBox) and w.isVisible():
                seen.append(w.text())
                w.accept()
                return
        QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    qtbot.mouseClick(window.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert "视频号" in seen[0] and "推流码" in seen[0]
    assert not wanted and not window.panel.live
