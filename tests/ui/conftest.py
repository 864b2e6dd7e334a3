"""Qt runs offscreen for widget tests; the window's settings live in a temp dir."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if TYPE_CHECKING:
    from studio.config import Profile
    from ui.main_window import MainWindow
    from ui.settings import AppSettings

WINDOW_SIZE = (1280, 760)  # a laptop screen less the task bar


def build_window(
    qtbot: Any,
    tmp_path: Path,
    profile: Profile | None = None,
    *,
    settings: AppSettings | None = None,
    source: str | None = "test",
    size: tuple[int, int] | None = WINDOW_SIZE,
    show: bool = True,
    **studio: Any,
) -> MainWindow:
    """The main window over a fresh StudioApp, as the guide opens it.

    ``profile`` defaults to 640x360 at 30 fps, 800 kb/s; ``source`` is opened
    before the window shows (None: nothing opened); ``settings`` default to a
    temp ``studio.ini``; other keywords go to ``StudioApp`` (``catalog=``).
    qtbot closes the window after the test.
    """
    from studio.app import StudioApp
    from studio.config import Profile
    from ui.main_window import MainWindow
    from ui.settings import AppSettings

    app = StudioApp(profile or Profile(width=640, height=360, fps=30, video_bitrate=800_000),
                    **studio)  # fmt: skip
    win = MainWindow(app, settings or AppSettings(tmp_path / "studio.ini"))
    qtbot.addWidget(win)
    if source:
        app.open(source)
    if size:
        win.resize(*size)
    if show:
        win.show()
    return win


@pytest.fixture
def main_window(qtbot: Any, tmp_path: Path) -> Callable[..., MainWindow]:
    """A factory of main windows (:func:`build_window` with this test's qtbot and temp dir)."""

    def make(profile: Profile | None = None, **kw: Any) -> MainWindow:
        return build_window(qtbot, tmp_path, profile, **kw)

    return make


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
