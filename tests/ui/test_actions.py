"""The window's engine actions: one at a time, each answered by its own callback.

Go Live pressed while the minute-long auto-configuration measures this PC is
refused (its button is off, the request is turned down with a word why), and
the auto-configuration's result still arrives as what it is: a quality
recommendation, not a "could not go live". Then the end of a live offers
the recording, opened with the desktop's opener (a fake ``xdg-open`` on
PATH records what it was asked), and an opener that fails or is missing is
said in a dialog.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from tests.ui.test_selling import make_window
from ui.main_window import MainWindow


def answer_questions(seen: list[tuple[str, str]]) -> QTimer:
    """Every Yes/No question is noted (title, text) and answered No, the safe answer."""

    def look() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                no = w.button(QMessageBox.StandardButton.No)
                if no is not None:
                    seen.append((w.windowTitle(), w.text()))
                    no.click()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(100)
    return timer


def dialogs(win: MainWindow, name: str) -> list[QMessageBox]:
    return [b for b in win.findChildren(QMessageBox, name) if b.isVisible()]


@pytest.mark.slow  # the real auto-configuration, with short soaks: about 30 s of measuring
def test_go_live_during_auto_configuration_is_refused(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from studio.bench import autoconfig

    real = autoconfig.autoconfigure  # the window's flow is under test here, not the soak's
    monkeypatch.setattr(autoconfig, "autoconfigure", lambda s, *a: real(s, *a, soak_seconds=4))
    win = make_window(qtbot, tmp_path, size=(640, 360))
    win.panel.record_dir = tmp_path
    win.panel.record.setChecked(True)  # Go Live would record: something to do if let through
    assert win.script.load_show(Path(__file__).with_name("short_show.toml"))
    questions: list[tuple[str, str]] = []
    answerer = answer_questions(questions)
    win.setup.autoconfigure()
    qtbot.waitUntil(lambda: win.jobs.running == "autoconfig", timeout=5000)

    assert not win.panel.button.isEnabled()  # Go Live, and what else would conflict, are off
    assert not win.runner.rehearse.isEnabled()
    assert not win.connect_action.isEnabled()
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)  # a click on it: nothing
    win.panel.go_live_requested.emit([], tmp_path / "guide-studio.mkv")  # any other way in
    assert win.statusBar().currentMessage() == "请稍候，上一步还没有完成"
    assert win.jobs.running == "autoconfig"
    assert not win.app.is_live and not win.panel.live and win.app.recorder is None

    # the measurement ends as itself: a recommendation to save (answered No), no error
    qtbot.waitUntil(lambda: not win.jobs.busy, timeout=280_000)
    qtbot.waitUntil(lambda: bool(questions), timeout=5000)
    answerer.stop()
    assert questions[0][0] == "画质推荐" and "推荐：" in questions[0][1]
    assert not dialogs(win, "errorDialog")
    assert not win.app.is_live and not list(tmp_path.glob("*.mkv"))
    assert win.panel.button.isEnabled() and win.runner.rehearse.isEnabled()


def fake_opener(folder: Path, exit_code: int) -> Path:
    """An ``xdg-open`` that writes down what it was asked to open and exits ``exit_code``."""
    folder.mkdir(exist_ok=True)
    asked = folder / "asked.txt"
    script = folder / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{asked}"\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return asked


def record_and_end(qtbot, win: MainWindow, folder: Path) -> QMessageBox:  # type: ignore[no-untyped-def]
    win.panel.record_dir = folder
    win.panel.record.setChecked(True)
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)  # record only, no platform
    qtbot.waitUntil(lambda: win.panel.live and win.app.recorder is not None, timeout=10000)
    recorder = win.app.recorder
    qtbot.waitUntil(lambda: recorder.last_seconds > 1.0, timeout=10000)
    win.live.end_live()
    qtbot.waitUntil(lambda: bool(dialogs(win, "liveEnded")), timeout=15000)
    assert not win.app.is_live and not win.panel.live
    return dialogs(win, "liveEnded")[0]


def test_the_end_of_a_live_opens_the_recording(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    asked = fake_opener(tmp_path / "bin", 0)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    win = make_window(qtbot, tmp_path, size=(640, 360))
    box = record_and_end(qtbot, win, tmp_path / "videos")
    recording = next((tmp_path / "videos").glob("*.mkv"))
    assert str(recording) in box.text()
    assert box.windowTitle() == ("直播已结束" if language == "zh" else "The live has ended")
    button = box.findChild(QPushButton, "openRecording")
    assert button.text() == ("打开录像" if language == "zh" else "Open recording")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(asked.exists, timeout=10000)
    assert asked.read_text() == str(recording)
    qtbot.wait(300)  # a failure would be reported on the GUI thread by now
    assert not dialogs(win, "errorDialog")


def test_a_failing_opener_is_said_in_a_dialog(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = fake_opener(tmp_path / "bin", 4)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    win = make_window(qtbot, tmp_path, size=(640, 360))
    box = record_and_end(qtbot, win, tmp_path / "videos")
    qtbot.mouseClick(box.findChild(QPushButton, "openRecording"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialogs(win, "errorDialog")), timeout=10000)
    assert asked.exists()
    error = dialogs(win, "errorDialog")[0]
    assert error.windowTitle() == "打不开文件"
    assert "xdg-open 失败了（退出码 4）" in error.text()
    assert str(tmp_path / "videos") in error.text()  # where to find it by hand


def test_a_missing_opener_is_said_in_a_dialog(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = make_window(qtbot, tmp_path, size=(640, 360))
    box = record_and_end(qtbot, win, tmp_path / "videos")
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no xdg-open anywhere
    qtbot.mouseClick(box.findChild(QPushButton, "openRecording"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialogs(win, "errorDialog")), timeout=10000)
    text = dialogs(win, "errorDialog")[0].text()
    assert "没有打开文件的程序（xdg-open）" in text
