"""The 场景 picker follows a scene switched by the script's F3/F4 keys."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.ui.test_selling import make_window

SHOW = Path(__file__).resolve().parents[2] / "assets" / "shows" / "winter-new.toml"


def test_scene_picker_follows_the_f3_f4_scene_keys(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot, tmp_path, size=(640, 360))
    with qtbot.waitActive(win):  # window shortcuts need the active window, as the guide has
        win.activateWindow()
    assert win.script.load_show(SHOW)
    win.script.start_show()
    qtbot.waitUntil(lambda: win.app.cues is not None and win.app.cues.segment is not None)
    win.preview.setFocus()
    combo, program = win.scene_combo, win.app.pipeline.scene.program
    assert combo.currentData() == "full"
    qtbot.keyClick(win, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: program[0].w == round(640 * 0.6), timeout=5000)
    qtbot.waitUntil(lambda: combo.currentData() == "split", timeout=3000)
    qtbot.keyClick(win, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: program[0].w == 0, timeout=5000)
    qtbot.waitUntil(lambda: combo.currentData() == "full", timeout=3000)
