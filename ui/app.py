"""The desktop entry point: QApplication, the qasync loop (owned here only), crash handler."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QLocale, QTimer, QTranslator
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


I18N = Path(__file__).resolve().parent / "i18n"


def ui_language(setting: str = "auto") -> str:
    """``zh`` or ``en``: STUDIO_LANG, else the setting, else the system locale."""
    choice = os.environ.get("STUDIO_LANG") or setting or "auto"
    if choice == "auto":
        return "zh" if QLocale.system().language() == QLocale.Language.Chinese else "en"
    return "en" if choice.lower().startswith("en") else "zh"


def install_translator(app: QApplication, language: str) -> QTranslator | None:
    """Chinese is the source language; other languages load Qt translations (.qm)."""
    if language == "zh":
        return None
    tr = QTranslator(app)
    if not tr.load(str(I18N / f"studio_{language}.qm")):
        log.warning("no %s translation found in %s; the UI stays Chinese", language, I18N)
        return None
    app.installTranslator(tr)
    return tr


def run_gui(source: str | None = None) -> int:
    """The guide's window (``studio`` / ``studio gui``)."""
    from ui.main_window import MainWindow
    from ui.settings import AppSettings

    settings = AppSettings()
    studio = StudioApp(load_profile())

    def build() -> QWidget:
        window = MainWindow(studio, settings)
        spec = source or settings.value("source", "test")
        try:
            studio.open(spec)
        except Exception as exc:
            log.warning("last source %s unusable (%s); using the test pattern", redact(spec), exc)
            studio.open("test")
        if settings.value("first_run_done", "false") != "true":
            QTimer.singleShot(300, window.first_run)
        return window

    return run_window(build, language=settings.value("ui/language", "auto"))


def run_window(
    build: Callable[[], QWidget],
    start: Callable[[QWidget], Any] | None = None,
    language: str = "auto",
) -> int:
    """Show a top-level window on the one qasync loop of the process, created here only.

    ``start(window)`` may return a coroutine; it runs as a task on the loop.
    """
    import qasync

    qapp = QApplication.instance() or QApplication(sys.argv)
    qapp.setApplicationName("Guide Studio")
    qapp.setOrganizationName("GuideStudio")
    install_crash_handler()
    use_cjk_font(qapp)
    install_translator(qapp, ui_language(language))
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
