"""Chinese by default, English from the shipped Qt translation; the .qm matches the .ts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from studio.app import StudioApp
from studio.config import Profile
from ui.app import I18N, install_translator
from ui.main_window import MainWindow
from ui.settings import AppSettings


def test_english_translation_applies_to_the_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    tr = install_translator(app, "en")
    assert tr is not None
    try:
        studio = StudioApp(Profile(width=640, height=360, fps=30))
        win = MainWindow(studio, AppSettings(tmp_path / "s.ini"))
        qtbot.addWidget(win)
        assert win.panel.button.text() == "Go Live"
        assert win.tabs.tabText(1) == "Script"
        win.close()
        from ui.wall.window import WallWindow

        wall = WallWindow([], audio=False)
        qtbot.addWidget(wall)
        assert wall.windowTitle() == "Guide Studio · Regional wall"
        assert wall.trouble_box.text() == "Trouble only"
        wall.close()
    finally:
        app.removeTranslator(tr)
    studio = StudioApp(Profile(width=640, height=360, fps=30))
    win = MainWindow(studio, AppSettings(tmp_path / "s2.ini"))
    qtbot.addWidget(win)
    assert win.panel.button.text() == "开始直播"
    win.close()


def test_every_string_is_translated_and_the_qm_is_current(tmp_path: Path) -> None:
    lrelease = shutil.which("pyside6-lrelease")
    if lrelease is None:
        pytest.fail("pyside6-lrelease missing: it ships with PySide6")
    ts = (I18N / "studio_en.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in ts
    out = tmp_path / "en.qm"
    subprocess.run(
        [lrelease, str(I18N / "studio_en.ts"), "-qm", str(out)], check=True, capture_output=True
    )
    assert out.read_bytes() == (I18N / "studio_en.qm").read_bytes(), "run pyside6-lrelease"
    # no tr() string in ui/ is missing from the translation
    copy = tmp_path / "en.ts"
    shutil.copy(I18N / "studio_en.ts", copy)
    ui_files = sorted(str(p) for p in (*I18N.parent.glob("*.py"), *I18N.parent.glob("wall/*.py")))
    r = subprocess.run(
        [shutil.which("pyside6-lupdate") or "pyside6-lupdate", *ui_files, "-ts", str(copy)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "(0 new" in r.stdout, r.stdout
