"""The Qt binding itself must not leak references to None.

PySide6 6.12.0 on Python 3.11 decrements None's reference count on every void method call
(-1 per QWidget.update, QPainter.setPen, QLabel.setText, ...). None is not immortal before 3.12,
so a window aborts with `Fatal Python error: none_dealloc` after minutes of drawing: no
seconds-long test sees it, this one measures it directly.
"""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QApplication, QLabel, QWidget

CALLS = 300


@pytest.fixture(scope="module")
def app() -> QApplication:
    return QApplication.instance() or QApplication([])  # type: ignore[return-value]


def _none_refs_lost(fn) -> int:  # type: ignore[no-untyped-def]
    fn()  # warm up: first calls may create caches that hold None
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        fn()
    return before - sys.getrefcount(None)


def test_void_calls_keep_none_alive(app: QApplication) -> None:
    label = QLabel()
    widget = QWidget()
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    pen = QPen(QColor("red"))
    try:
        cases = {
            "QLabel.setText": lambda: label.setText("导购"),
            "QWidget.update": widget.update,
            "QPainter.setPen": lambda: painter.setPen(pen),
            "QPainter.drawLine": lambda: painter.drawLine(0, 0, 10, 10),
            "QWidget.setAttribute": lambda: widget.setAttribute(Qt.WidgetAttribute.WA_Hover),
        }
        lost = {name: _none_refs_lost(fn) for name, fn in cases.items()}
    finally:
        painter.end()
    # A leaky binding loses one reference per call (300 here); a sound one loses none. Allow a
    # little noise from the interpreter (the loop, the lambdas) but nothing that grows per call.
    leaking = {name: n for name, n in lost.items() if n > CALLS // 10}
    assert not leaking, (
        f"this PySide6 drops a reference to None on every call {leaking}: the window would abort "
        "with none_dealloc after minutes; pin another version in packaging/requirements*.lock"
    )
