"""Go Live to 视频号 from a landscape window: the program takes the platform's shape.

The guide is asked (switch / keep / cancel); switching saves the preset to
``profile.toml`` and reopens the window, which then runs at 720×1280.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from studio.config import Profile
from studio.platforms import PLATFORMS
from tests.ui.test_selling import make_window
from ui import preset_switch
from ui.preset_switch import wanted_preset

CHANNELS, YOUTUBE = PLATFORMS["channels"], PLATFORMS["youtube"]


def test_the_preset_the_ticked_platforms_agree_on_is_wanted_only_when_it_differs() -> None:
    landscape = Profile(width=1280, height=720)
    assert wanted_preset(landscape, [CHANNELS]) is CHANNELS
    assert wanted_preset(landscape, [CHANNELS, None]) is CHANNELS  # a hand-filled one: no say
    assert wanted_preset(Profile(width=720, height=1280), [CHANNELS]) is None
    assert wanted_preset(landscape, [CHANNELS, YOUTUBE]) is None  # they disagree: as it is
    assert wanted_preset(landscape, [None]) is None


def _answer(qtbot, button: str, seen: list[str]) -> list[bool]:  # type: ignore[no-untyped-def]
    """Click ``button`` in the size question once it is up (it runs its own loop).

    Looks for 5 s at most; set the returned flag to stop looking sooner (a poll
    left running would answer the next test's question).
    """
    stop = [False]
    tries = [100]

    def click() -> None:
        if stop[0] or tries[0] <= 0:
            return
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "presetQuestion":
            tries[0] -= 1
            QTimer.singleShot(50, click)
            return
        seen.append(box.text() + "\n" + box.informativeText())
        box.findChild(QPushButton, button).click()

    QTimer.singleShot(50, click)
    return stop


def _window_to_channels(qtbot, tmp_path: Path, size=(1280, 720)):  # type: ignore[no-untyped-def]
    win = make_window(qtbot, tmp_path, size=size)
    d = win.settings.add_destination("视频号", "rtmp://127.0.0.1:1/live", "k-secret-1")
    win.panel._set_platform(d, CHANNELS)
    win.panel.reload()
    calls: list[int] = []
    win.app.go_live = lambda dests, record: calls.append(len(dests)) or []  # type: ignore[method-assign]
    return win, d, calls


@pytest.fixture
def no_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preset_switch, "_restart", [False])


def test_switching_saves_the_preset_and_closes_the_window_to_reopen(
    qtbot,
    tmp_path: Path,
    no_restart: None,
    language: str,  # type: ignore[no-untyped-def]
) -> None:
    win, d, calls = _window_to_channels(qtbot, tmp_path)
    seen: list[str] = []
    _answer(qtbot, "presetSwitch", seen)
    win.live.go_live([d], None)
    assert seen, "no question about the picture size"
    words = ("竖屏 720×1280", "1280×720") if language == "zh" else ("portrait 720×1280", "1280×720")
    assert all(w in seen[0] for w in words), seen[0]
    assert ("开始直播" in seen[0]) == (language == "zh")
    saved = tomllib.loads((tmp_path / "profile.toml").read_text(encoding="utf-8"))["output"]
    assert (saved["width"], saved["height"], saved["fps"]) == (720, 1280, 30)
    assert saved["video_bitrate"] == CHANNELS.video_bitrate
    assert "k-secret-1" not in (tmp_path / "profile.toml").read_text(encoding="utf-8")
    assert preset_switch.restart_requested()
    qtbot.waitUntil(lambda: not win.isVisible())
    assert calls == []  # nothing went on air at the old size


def test_keeping_the_size_goes_live_as_it_is_and_cancel_does_nothing(
    qtbot,
    tmp_path: Path,
    no_restart: None,  # type: ignore[no-untyped-def]
) -> None:
    win, d, calls = _window_to_channels(qtbot, tmp_path)
    _answer(qtbot, "presetCancel", [])
    win.live.go_live([d], None)
    assert calls == [] and not (tmp_path / "profile.toml").exists()
    _answer(qtbot, "presetKeep", [])
    win.live.go_live([d], None)
    qtbot.waitUntil(lambda: calls == [1])
    assert not (tmp_path / "profile.toml").exists() and not preset_switch.restart_requested()
    assert win.isVisible()


def test_a_window_already_in_the_platforms_shape_is_not_asked(
    qtbot,
    tmp_path: Path,
    no_restart: None,  # type: ignore[no-untyped-def]
) -> None:
    win, d, calls = _window_to_channels(qtbot, tmp_path, size=(720, 1280))
    seen: list[str] = []
    stop = _answer(qtbot, "presetKeep", seen)  # would answer a question, were there one
    win.live.go_live([d], None)
    qtbot.waitUntil(lambda: calls == [1])
    stop[0] = True
    assert seen == []


REOPEN = textwrap.dedent(
    """
    import os, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
    from studio.platforms import PLATFORMS
    from ui.app import run_gui

    def answer():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "presetQuestion":
            box.findChild(QPushButton, "presetSwitch").click()
        else:
            QTimer.singleShot(50, answer)

    def go(window):
        p = window.app.profile
        print(f"size {p.width}x{p.height}", flush=True)
        if os.environ.get("ROUND") == "2":
            QTimer.singleShot(0, window.close)
            return
        os.environ["ROUND"] = "2"
        d = window.settings.add_destination("视频号", "rtmp://127.0.0.1:1/live", "k-secret-2")
        window.panel._set_platform(d, PLATFORMS["channels"])
        QTimer.singleShot(50, answer)
        QTimer.singleShot(0, lambda: window.live.go_live([d], None))

    sys.exit(run_gui("test", start=go))
    """
)


def test_the_window_reopens_at_the_preset_size(tmp_path: Path) -> None:
    """The window as `studio` runs it, in its own process: switch, it re-execs, upright."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "studio.ini").write_text("[General]\nfirst_run_done=true\n[ui]\nlanguage=zh\n")
    env = {
        **{k: v for k, v in os.environ.items() if k != "ROUND"},
        "QT_QPA_PLATFORM": "offscreen",
        "STUDIO_CONFIG_DIR": str(config),
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_LOG_DIR": str(tmp_path / "logs"),
    }
    done = subprocess.run(
        [sys.executable, "-c", REOPEN],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    sizes = [line for line in done.stdout.splitlines() if line.startswith("size ")]
    assert sizes == ["size 1280x720", "size 720x1280"], (done.stdout, done.stderr[-3000:])
    saved = tomllib.loads((config / "profile.toml").read_text(encoding="utf-8"))["output"]
    assert (saved["width"], saved["height"]) == (720, 1280)
