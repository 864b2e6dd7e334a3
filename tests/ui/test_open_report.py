"""打开报告 when the system cannot open it: a dialog says where the report is and how.

As root, ``xdg-open`` (through the browser) refuses and exits non-zero; Qt's
``openUrl`` still reported success and nothing happened. Here a failing fake
``xdg-open`` is first on PATH; the review window's button must bring up a dialog
in the window's language with the report's path.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from tests.ui import test_one_language_review
from tests.ui.test_one_language import other_language
from ui.review import ReviewWindow

take = test_one_language_review.take  # the real take (8 s of the short show), shared

FAILING = """#!/bin/sh
echo "Running as root without --no-sandbox is not supported." >&2
echo "$1" > "$(dirname "$0")/asked"
exit 3
"""
SUCCEEDING = """#!/bin/sh
echo "$1" > "$(dirname "$0")/asked"
exit 0
"""


def _fake_opener(tmp_path: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"
    opener.write_text(script)
    opener.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def _visible_box() -> QMessageBox | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible() and w.objectName() == "cannotOpenDialog":
            return w
    return None


def _review(qtbot, folder: Path) -> ReviewWindow:  # type: ignore[no-untyped-def]
    review = ReviewWindow(folder / "report.json")
    qtbot.addWidget(review)
    review.show()
    qtbot.waitExposed(review)
    return review


def _close(qtbot, review: ReviewWindow) -> None:  # type: ignore[no-untyped-def]
    player = review.player
    review.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(player), timeout=5000)


def test_a_failing_opener_brings_a_dialog_with_the_path(
    qtbot, tmp_path: Path, take: Path, language: str, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "take-01"
    shutil.copytree(take.parent, folder)
    bin_dir = _fake_opener(tmp_path, FAILING, monkeypatch)
    review = _review(qtbot, folder)
    button = review.findChild(QPushButton, "openReport")
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: _visible_box() is not None, timeout=15000)
    box = _visible_box()
    assert box is not None
    html = folder / "report.html"
    assert (bin_dir / "asked").read_text().strip() == str(html)  # it was asked to open that
    shown = box.text() + "\n" + box.informativeText()
    assert str(html) in shown
    assert ("浏览器" if language == "zh" else "browser") in shown
    assert "sandbox" not in shown  # the opener's own words go to the log
    texts = [("title", box.windowTitle()), ("text", box.text()), ("info", box.informativeText())]
    assert not other_language(texts, language, [str(html)])
    box.close()
    _close(qtbot, review)


def test_an_opener_that_works_brings_no_dialog(
    qtbot, tmp_path: Path, take: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "take-01"
    shutil.copytree(take.parent, folder)
    bin_dir = _fake_opener(tmp_path, SUCCEEDING, monkeypatch)
    review = _review(qtbot, folder)
    button = review.findChild(QPushButton, "openReport")
    button.click()
    qtbot.waitUntil((bin_dir / "asked").exists, timeout=15000)
    qtbot.wait(500)  # the opener's exit has been seen by then
    assert _visible_box() is None
    _close(qtbot, review)
