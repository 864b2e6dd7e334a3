"""The desktop entry point: QApplication, the qasync loop (owned here only), crash handler."""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from studio.app import StudioApp
from studio.config import load_profile
from studio.fonts import cjk_font_path
from studio.logsetup import log_dir
from studio.redact import redact

log = logging.getLogger(__name__)


def install_crash_handler() -> None:
    """Log any uncaught exception with its traceback and tell the user in a dialog."""

    def hook(etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.critical(
            "uncaught exception:\n%s", "".join(traceback.format_exception(etype, value, tb))
        )
        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "导购直播台 出错了",
                redact(f"{etype.__name__}: {value}")
                + f"\n\n详细信息已写入日志：{log_dir() / 'studio.log'}",
            )

    sys.excepthook = hook


def use_cjk_font(app: QApplication) -> None:
    path = cjk_font_path()
    if path is not None:
        fid = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
        if families:
            app.setFont(QFont(families[0], 10))


def install_translator(app: QApplication) -> None:
    """Chinese is the source language; English (or others) load from Qt translations."""
    tr = QTranslator(app)
    if QLocale.system().language() != QLocale.Language.Chinese and tr.load(
        QLocale.system(), "studio", "_", ":/i18n"
    ):
        app.installTranslator(tr)


def run_gui(source: str | None = None) -> int:
    import qasync

    from ui.main_window import MainWindow
    from ui.settings import AppSettings

    qapp = QApplication.instance() or QApplication(sys.argv)
    qapp.setApplicationName("Guide Studio")
    qapp.setOrganizationName("GuideStudio")
    install_crash_handler()
    use_cjk_font(qapp)
    install_translator(qapp)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    settings = AppSettings()
    studio = StudioApp(load_profile())
    window = MainWindow(studio, settings)
    spec = source or settings.value("source", "test")
    try:
        studio.open(spec)
    except Exception as exc:
        log.warning("last source %s unusable (%s); using the test pattern", redact(spec), exc)
        studio.open("test")
    window.show()
    closed = asyncio.Event()
    qapp.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    return 0


def run_window(build: Callable[[], QWidget], start: Callable[[QWidget], Any] | None = None) -> int:
    """Any other top-level window (the regional wall) on the same one qasync loop.

    ``start(window)`` may return a coroutine; it runs as a task on the loop.
    """
    import qasync

    qapp = QApplication.instance() or QApplication(sys.argv)
    qapp.setApplicationName("Guide Studio")
    qapp.setOrganizationName("GuideStudio")
    install_crash_handler()
    use_cjk_font(qapp)
    install_translator(qapp)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    window = build()
    window.show()
    closed = asyncio.Event()
    qapp.aboutToQuit.connect(closed.set)
    with loop:
        task = None
        if start is not None:
            result = start(window)
            if asyncio.iscoroutine(result):
                task = loop.create_task(result)
        loop.run_until_complete(closed.wait())
        if task is not None:
            task.cancel()
    return 0
