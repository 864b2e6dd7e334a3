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


def test_a_key_saved_inside_the_server_before_is_moved_out_of_the_ini(
    qtbot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    import keyring.backends.null

    from studio.app import StudioApp
    from studio.config import Profile
    from studio.secrets import SecretStore
    from ui.settings import KEY_SERVICE, AppSettings, SavedDestination

    ini = tmp_path / "old" / "studio.ini"
    keys = SecretStore(KEY_SERVICE, backend=keyring.backends.null.Keyring())
    old = AppSettings(ini, keys)
    old.save_destinations([SavedDestination("d1", "视频号", URL)])  # as the old dialog saved it
    assert "FULLKEY999" in ini.read_text(encoding="utf-8")
    settings = AppSettings(ini, keys)  # the next start
    win = MainWindow(StudioApp(Profile(width=640, height=360, fps=30)), settings)
    qtbot.addWidget(win)
    assert "FULLKEY999" not in ini.read_text(encoding="utf-8")
    assert keys.get("d1") == "FULLKEY999"
    assert win.panel.dest_list.item(0).text().endswith("rtmp://push.example.com/live/****")


def test_a_pasted_address_whose_key_is_a_query_is_split_too(qtbot, window: MainWindow) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    url = "rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1_2&key=QKEY777"
    add_platform(qtbot, window, "B站", url, "")
    listed = window.panel.dest_list.item(0).text()
    assert "QKEY777" not in listed and listed.endswith("/live-bvc/****"), listed
    (saved,) = window.panel.settings.destinations()
    assert saved.server == "rtmp://live-push.bilivideo.com/live-bvc"
    assert saved.destination(window.panel.settings.keys).url == url


def test_a_wrong_preview_address_is_explained_in_the_windows_language(qapp, language: str) -> None:  # type: ignore[no-untyped-def]
    """The rehearsal preview's error was the engine's English ("lacks an app or stream name")."""
    import re

    import pytest

    from studio.errors import UserError
    from studio.media.sources import check_push_url
    from ui.destinations import push_url_words

    for url, word in (
        ("http://push.example.com/live/k", "rtmps://"),
        ("rtmp://push.example.com:x/live/k", "1935"),
        ("rtmp://push.example.com/live", "/live/"),
    ):
        with pytest.raises(UserError):
            check_push_url(url, "preview")  # the engine refuses it: the window explains why
        text = push_url_words(url)
        assert word in text
        assert "lacks" not in text and "not an RTMP URL" not in text
        words = re.sub(r"rtmps?://\S*", " ", text)
        if language == "zh":
            assert "推流码" in text and not re.search(r"[A-Za-z]{3,}", words), text
        else:
            assert "KEY" in text and not re.search(r"[\u4e00-\u9fff]", text), text
