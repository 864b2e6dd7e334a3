"""One language at a time in Qt's own file dialog, as the studio opens it.

The folder picker (``ui.folders.choose_folder``), an open dialog with a filter
(a video or a show script) and a save dialog (a report) are each walked while
open: labels, buttons, tooltips, the file list's column names and the context
menu. ``&Look in:`` stayed English under zh_CN: PySide6's qtbase_zh_CN.qm does not
have it, so ``ui/i18n/qtbase_gaps_zh_CN.qm`` supplies it (and the few others).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFileDialog, QTreeView

from tests.ui.test_one_language import other_language, widget_texts
from ui.folders import choose_folder


def _walk_open_dialog(open_it: Callable[[], object], folder: Path) -> list[tuple[str, str]]:
    """Open a file dialog with ``open_it``, walk it once it is up, cancel it."""
    seen: list[tuple[str, str]] = []

    def walk() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QFileDialog) and w.isVisible():
                seen.extend(
                    (where, text)
                    for where, text in widget_texts(w)
                    if not where.startswith("QComboBox#lookInCombo")  # the folder's path
                )
                for view in w.findChildren(QTreeView):
                    model = view.model()
                    for c in range(model.columnCount()):
                        head = model.headerData(c, Qt.Orientation.Horizontal)
                        seen.append((f"header{c}", str(head)))
                seen.extend(("QAction", a.text()) for a in w.findChildren(QAction) if a.text())
                w.reject()
                return
        QTimer.singleShot(50, walk)

    QTimer.singleShot(50, walk)
    open_it()
    assert seen, "the file dialog was never shown"
    return seen


def test_file_dialogs_speak_one_language(qtbot, tmp_path: Path, language: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "show.toml").write_text("")
    filters = {"zh": "直播脚本 (*.toml)", "en": "Show scripts (*.toml)"}[language]
    texts = _walk_open_dialog(lambda: choose_folder(None, "recording_dir", tmp_path), tmp_path)
    texts += _walk_open_dialog(
        lambda: QFileDialog.getOpenFileName(None, "t", str(tmp_path), filters), tmp_path
    )
    texts += _walk_open_dialog(
        lambda: QFileDialog.getSaveFileName(None, "t", str(tmp_path / "r.html"), filters),
        tmp_path,
    )
    labels = [t for w, t in texts if w.startswith("QLabel#lookInLabel")]
    assert labels and all(("查找范围" if language == "zh" else "Look in") in t for t in labels)
    assert any(w.startswith("header") for w, _ in texts)  # the list's columns were seen
    bad = other_language(texts, language, [filters, "show.toml", "r.html", "t"])
    assert not bad, "\n".join(bad)
