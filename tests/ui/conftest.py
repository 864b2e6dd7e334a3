"""Qt runs offscreen for widget tests; the window's settings live in a temp dir."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(params=["zh", "en"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """The window's language (our catalogue and Qt's own strings), restored afterwards."""
    from PySide6.QtWidgets import QApplication

    from ui.app import install_qt_translation, install_translator

    app = QApplication.instance()
    tr = install_translator(app, request.param)
    try:
        yield request.param
    finally:
        if tr is not None:
            app.removeTranslator(tr)
        install_qt_translation(app, "en")  # no qtbase translation: Qt's source strings again
