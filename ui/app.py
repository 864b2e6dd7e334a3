"""The desktop entry point: QApplication, the qasync loop (owned here only), the crash path.

Every window starts through :func:`run_window`, which installs the one crash
path (:class:`studio.crash.CrashGuard` plus the dialog of :mod:`ui.crash`) on
``sys.excepthook``, ``threading.excepthook``, the qasync loop's exception
handler and faulthandler, and marks a clean exit only when the loop ends.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from studio import APP_ID
from studio.app import StudioApp
from studio.config import LANGUAGE_SETTING, load_profile
from studio.crash import CrashGuard
from studio.fonts import cjk_font_path
from studio.gc_pauses import freeze_long_lived, thaw
from studio.messages import preferred_language, set_language
from studio.redact import redact
from ui import preset_switch

log = logging.getLogger(__name__)


def use_cjk_font(app: QApplication) -> None:
    path = cjk_font_path()
    if path is not None:
        fid = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
        if families:
            app.setFont(QFont(families[0], 10))


# Qt sizes a QInputDialog to its label: the 远程流 question was 200 px wide and a pasted
# address scrolled out of sight; every text question gets room for a whole stream address
INPUT_DIALOG_STYLE = "QInputDialog QLineEdit { min-width: 36em; }"


def widen_input_dialogs(app: QApplication) -> None:
    """Room for a whole address in every ``QInputDialog`` (remote stream, preview address)."""
    if INPUT_DIALOG_STYLE not in app.styleSheet():
        app.setStyleSheet(app.styleSheet() + INPUT_DIALOG_STYLE)


I18N = Path(__file__).resolve().parent / "i18n"


def ui_language(setting: str = "auto") -> str:
    """``zh`` or ``en``: STUDIO_LANG, else the setting, else the system locale (Qt's view of
    it), by the rule the engine's reports follow too (:func:`preferred_language`)."""
    return preferred_language(setting, QLocale.system().name())


QT_TRANSLATIONS = {"zh": "qtbase_zh_CN"}  # Qt's own buttons and dialogs; its source is English
_qt_translators: dict[int, QTranslator] = {}


def install_qt_translation(app: QApplication, language: str) -> QTranslator | None:
    """Qt's own strings (OK/Cancel, Yes/No, the file dialog) in the window's language.

    PySide6 ships qtbase's translations; without them a Chinese window showed English
    Save/Cancel buttons and an English file dialog.
    """
    zh = language == "zh"
    QLocale.setDefault(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China)
        if zh
        else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    )
    old = _qt_translators.pop(id(app), None)
    if old is not None:  # a language switch: the other language's Qt strings go
        for child in old.findChildren(QTranslator):
            app.removeTranslator(child)
        app.removeTranslator(old)
    name = QT_TRANSLATIONS.get(language)
    if name is None:
        return None
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    tr = QTranslator(app)
    if not tr.load(name, folder):
        log.warning("Qt's %s translation is missing from %s", name, folder)
        return None
    app.installTranslator(tr)
    gaps = QTranslator(tr)  # what qtbase's own file leaves in English, shipped by us
    if gaps.load(str(I18N / f"qtbase_gaps_{name.split('_', 1)[1]}.qm")):
        app.installTranslator(gaps)
    _qt_translators[id(app)] = tr
    return tr


def install_translator(app: QApplication, language: str) -> QTranslator | None:
    """Chinese is the source language; other languages load our translations (.qm).

    Qt's own strings follow the same language (:func:`install_qt_translation`).
    """
    install_qt_translation(app, language)
    if language == "zh":
        return None
    tr = QTranslator(app)
    if not tr.load(str(I18N / f"studio_{language}.qm")):
        log.warning("no %s translation found in %s; the UI stays Chinese", language, I18N)
        return None
    app.installTranslator(tr)
    return tr


def run_gui(source: str | None = None, start: Callable[[QWidget], Any] | None = None) -> int:
    """The guide's window (``studio`` / ``studio gui``); ``start`` as in :func:`run_window`."""
    from ui.crash import show_unclean_ends
    from ui.main_window import MainWindow
    from ui.settings import AppSettings

    settings = AppSettings()
    studio = StudioApp(load_profile())
    guard = CrashGuard("gui")
    ends = guard.previous()  # before this run's own marker exists

    def build() -> QWidget:
        window = MainWindow(studio, settings)
        freeze_long_lived()  # the window and its parts last as long as it: before any source
        guard.watch(studio.bus)  # the recording being written goes into the marker
        if ends:
            QTimer.singleShot(200, lambda: show_unclean_ends(window, ends))
        spec = source or settings.value("source", "test")
        try:
            studio.open(spec)
        except Exception as exc:
            log.warning("last source %s unusable (%s); using the test pattern", redact(spec), exc)
            studio.open("test")
        if settings.value("first_run_done", "false") != "true":
            QTimer.singleShot(300, window.setup.first_run)
        return window

    code = run_window(build, start, language=settings.value(LANGUAGE_SETTING, "auto"), guard=guard)
    if preset_switch.restart_requested():  # the guide switched to a platform's picture size
        preset_switch.reopen()
    return code


def _close_on_signals(window: QWidget) -> None:
    """SIGTERM (logout, shutdown, ``kill``) and SIGINT close the window as its button would.

    Without this the process died where it stood: the live not ended, the marker
    and an empty fatal log left behind, read at the next start as a crash. The
    window is told it closes unattended (no question can be answered); a timer
    lets Python run the handler while Qt's loop is in C++.
    """

    def close(signum: int, _frame: object) -> None:
        log.warning("signal %s: closing the window cleanly", signal.Signals(signum).name)
        window.closing_for_signal = True  # type: ignore[attr-defined]
        QTimer.singleShot(0, QApplication.closeAllWindows)  # an open dialog too

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, close)
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(250)


def run_window(
    build: Callable[[], QWidget],
    start: Callable[[QWidget], Any] | None = None,
    language: str = "auto",
    guard: CrashGuard | None = None,
) -> int:
    """Show a top-level window on the one qasync loop of the process, created here only.

    ``start(window)`` may return a coroutine; it runs as a task on the loop.
    ``guard`` is the crash path (a ``"window"`` one if not given); the clean
    exit is marked only when the loop ends normally, so anything else (an
    exception out of here, a signal, kill -9) reads as an unclean end next time.
    """
    import qasync

    from ui.crash import CrashNotifier
    from ui.gc_guard import GuiThreadCollector

    qapp = QApplication.instance() or QApplication(sys.argv)
    qapp.setApplicationName("Guide Studio")
    qapp.setOrganizationName("GuideStudio")
    qapp.setDesktopFileName(APP_ID)  # the .desktop entry (packaging/linux): taskbar icon, Wayland
    guard = guard or CrashGuard("window")
    guard.start()
    guard.install()
    collector = GuiThreadCollector(qapp)  # Qt objects are never collected on another thread
    CrashNotifier(guard, qapp)
    use_cjk_font(qapp)
    widen_input_dialogs(qapp)
    install_translator(qapp, ui_language(language))
    set_language(ui_language(language))  # what the engine writes for the window: report pages
    loop = qasync.QEventLoop(qapp)
    loop.set_exception_handler(guard.asyncio_handler)
    asyncio.set_event_loop(loop)
    freeze_long_lived()  # the modules and Qt: a full collection pass then walks the show alone
    try:
        window = build()
        window.show()
        _close_on_signals(window)
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
    finally:
        thaw()  # the window's cycles can go now, in the pass collector.stop runs here
        collector.stop()
    guard.stop()
    return 0
