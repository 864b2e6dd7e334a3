"""The 远程流 question is wide enough to see a whole stream address while it is typed.

Qt sizes ``QInputDialog.getText`` to its label: the dialog was 200 px wide, so a pasted
``rtmp://…/live/…`` scrolled out of sight. ``ui.app.widen_input_dialogs`` (applied by
``run_window``) gives every text question room for one.
"""

from __future__ import annotations

from pathlib import Path

import keyring.backends.null
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from studio.app import StudioApp
from studio.config import Profile
from studio.secrets import SecretStore
from ui.app import widen_input_dialogs
from ui.main_window import MainWindow
from ui.settings import KEY_SERVICE, AppSettings

ADDRESS = "rtmp://live-push.example.com/live/stream-0123456789abcdef"


def test_the_remote_stream_question_shows_a_whole_address(
    qtbot, tmp_path: Path, language: str
) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    before = app.styleSheet()
    widen_input_dialogs(app)
    try:
        studio = StudioApp(Profile(width=640, height=360, fps=30))
        settings = AppSettings(
            tmp_path / "s.ini", SecretStore(KEY_SERVICE, backend=keyring.backends.null.Keyring())
        )
        win = MainWindow(studio, settings)
        qtbot.addWidget(win)
        win.show()
        seen: list[tuple[int, int]] = []

        def measure() -> None:
            dlg = app.activeModalWidget()
            if not isinstance(dlg, QInputDialog):
                QTimer.singleShot(50, measure)
                return
            edit = dlg.findChild(QLineEdit)
            assert edit is not None
            edit.setText(ADDRESS)
            seen.append((edit.width(), edit.fontMetrics().horizontalAdvance(ADDRESS)))
            dlg.reject()

        QTimer.singleShot(50, measure)
        win._source_chosen(win.source_combo.findData("url:"))  # the 远程流（连麦）… item
        qtbot.waitUntil(lambda: bool(seen), timeout=5000)
        width, needed = seen[0]
        assert width > needed, (width, needed)
        win.close()
    finally:
        app.setStyleSheet(before)
