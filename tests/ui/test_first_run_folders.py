"""A fresh home: the first Go Live makes its folder; pickers; messages name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from studio.config import default_recordings_dir
from tests.media_probe import read_media
from tests.ui.conftest import build_window
from tests.ui.test_golive_window import click_yes_when_asked
from ui.app import install_translator
from ui.main_window import MainWindow

SHOW = Path(__file__).with_name("short_show.toml")


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user who never had a ~/Videos (minbase Debian, a new account)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_VIDEOS_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    return home


def window(qtbot, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    return build_window(qtbot, tmp_path)  # 640x360, the test source, 1280x760


def error_text(qtbot, win: MainWindow) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: win.findChild(QMessageBox, "errorDialog") is not None, timeout=10000)
    box = win.findChild(QMessageBox, "errorDialog")
    text = f"{box.windowTitle()}\n{box.text()}"
    box.close()
    box.deleteLater()
    return text


def test_first_go_live_on_an_empty_home_makes_the_recording_folder(
    qtbot, tmp_path: Path, empty_home: Path
) -> None:  # type: ignore[no-untyped-def]
    win = window(qtbot, tmp_path)
    folder = empty_home / "Videos" / "Guide Studio"
    assert default_recordings_dir() == folder and not folder.parent.exists()
    assert win.panel.record_dir == folder
    assert win.panel.record_dir_label.path() == str(folder)  # the guide sees where it goes
    assert win.panel.record.isChecked()
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.panel.live, timeout=10000)
    assert win.findChild(QMessageBox, "errorDialog") is None
    assert folder.is_dir()
    assert str(folder) in win.statusBar().currentMessage()
    rendered = win.app.pipeline.counters.rendered
    qtbot.waitUntil(lambda: win.app.pipeline.counters.rendered > rendered + 30, timeout=15000)
    click_yes_when_asked()
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.panel.live, timeout=10000)
    played = read_media(str(folder / "guide-studio.mkv"))
    assert not played.error and len(played.video_times) > 10
    win.close()


def test_a_folder_that_cannot_be_made_is_named_as_the_setting_in_the_windows_language(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "blocker.txt"
    blocker.write_text("x")
    win = window(qtbot, tmp_path)
    win.panel.record_dir = blocker / "videos"
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    text = error_text(qtbot, win)
    assert "录制文件夹" in text and str(blocker / "videos") in text, text
    assert "“开播”页" in text and "选择…" in text, text
    assert "路径中有一段是文件" in text, text  # the system's reason, in Chinese too
    words = text.replace(str(blocker / "videos"), "")
    assert "--record" not in words and "folder" not in words and "directory" not in words, text
    assert not win.panel.live

    app = QApplication.instance()
    tr = install_translator(app, "en")
    assert tr is not None
    try:
        en = window(qtbot, tmp_path / "en")
        en.panel.record_dir = blocker / "videos"
        qtbot.mouseClick(en.panel.button, Qt.MouseButton.LeftButton)
        text = error_text(qtbot, en)
        assert "recording folder" in text.lower() and "Choose…" in text, text
        assert "part of the path is a file" in text, text
        assert "--record" not in text and "录制" not in text, text
        en.close()
    finally:
        app.removeTranslator(tr)
    win.close()


def test_nothing_to_do_is_said_in_the_windows_language(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = window(qtbot, tmp_path)
    win.panel.record.setChecked(False)
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    text = error_text(qtbot, win)
    assert "同时录制到本地" in text and "--" not in text, text
    win.close()


def test_folder_pickers_for_recordings_and_takes_are_kept_in_the_settings(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    win = window(qtbot, tmp_path)
    recordings, takes = tmp_path / "录像", tmp_path / "takes"
    recordings.mkdir()
    takes.mkdir()
    answers = iter([str(recordings), str(takes)])
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: next(answers))
    qtbot.mouseClick(win.panel.choose_record_dir_button, Qt.MouseButton.LeftButton)
    assert win.panel.record_dir == recordings
    # takes default to the recording folder until they get their own
    assert win.runner.rehearsal_dir.path() == str(recordings / "rehearsals")
    qtbot.mouseClick(win.runner.choose_rehearsal_dir, Qt.MouseButton.LeftButton)
    assert win.runner.rehearsal_dir.path() == str(takes)
    win.close()

    again = window(qtbot, tmp_path)  # the next start remembers both
    assert again.panel.record_dir == recordings
    assert again.takes.rehearsal_root == takes
    assert again.runner.rehearsal_dir.path() == str(takes)
    again.close()


def test_a_bad_rehearsal_folder_names_its_setting(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    win = window(qtbot, tmp_path)
    win.settings.set_value("rehearsal_dir", str(blocker / "takes"))
    assert win.script.load_show(SHOW)
    qtbot.mouseClick(win.runner.rehearse, Qt.MouseButton.LeftButton)
    text = error_text(qtbot, win)
    assert "彩排录像文件夹" in text and "“脚本”页" in text, text
    assert "rehearsal_dir" not in text and "--" not in text, text
    assert not win.app.rehearsing and win.panel.isEnabled()
    win.close()
