"""Every control of the guide's toolbar is on screen at 1280 px, in both languages.

Qt moves what does not fit into the toolbar's » menu. In English it hid 连麦 (co-stream)
and the language switch at 1280 px: the button an English guide needs to find Chinese,
and a feature, out of sight behind a chevron.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QToolBar

from tests.ui.conftest import build_window


def test_nothing_of_the_toolbar_is_behind_the_chevron_at_1280(
    qtbot, tmp_path: Path, language: str
) -> None:  # type: ignore[no-untyped-def]
    win = build_window(qtbot, tmp_path)  # 1280 x 760
    qtbot.waitExposed(win)
    bar = win.findChild(QToolBar)
    assert bar is not None
    hidden = [
        a.text() or type(bar.widgetForAction(a)).__name__
        for a in bar.actions()
        if not a.isSeparator() and not bar.widgetForAction(a).isVisible()
    ]
    assert hidden == [], f"behind the » at 1280 px ({language}): {hidden}"
    right = max(bar.widgetForAction(a).geometry().right() for a in bar.actions())
    assert right <= bar.width(), (right, bar.width())
