"""The 语言 / Language choice in the window: saved, used at the next start, said so."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QToolButton

from tests.ui.test_selling import make_window
from ui.app import ui_language
from ui.language import LanguageDialog
from ui.settings import AppSettings


def test_the_language_chosen_in_the_window_is_used_at_the_next_start(
    qtbot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.delenv("STUDIO_LANG", raising=False)
    win = make_window(qtbot, tmp_path)
    button = win.statusBar().findChild(QToolButton, "languageButton")
    assert isinstance(button, QToolButton) and button.isVisible() and button.text() == "语言"
    assert button.defaultAction() is win.language_action
    button.click()
    qtbot.waitUntil(lambda: win.findChild(LanguageDialog) is not None)
    dlg = win.findChild(LanguageDialog)
    qtbot.waitUntil(dlg.isVisible)
    note = dlg.findChild(QLabel, "languageNote")
    assert "重新启动" in note.text()  # takes effect at the next start, and says so
    dlg.combo.setCurrentIndex(dlg.combo.findData("en"))
    dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not dlg.isVisible())
    # the next start reads the same ini the way ui.app.run_gui does
    again = AppSettings(tmp_path / "studio.ini")
    assert again.value("ui/language", "auto") == "en"
    assert ui_language(again.value("ui/language", "auto")) == "en"
    assert win.panel.button.text() == "开始直播"  # this run keeps its language
