"""Small dialogs every panel uses, so they look and behave the same."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)

OPENER_WAIT = 10.0  # s: an opener that fails says so at once; one still running has opened it


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    """A Yes/No question whose safe answer (No) is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class _Opener(QObject):
    """Runs the system's opener in a Python thread; its failure comes back to the window."""

    failed = Signal(str)  # the opener's own words, for the log

    def __init__(self, parent: QWidget, path: Path) -> None:
        super().__init__(parent)
        self.path, self.window = path, parent
        self.failed.connect(self._failed)  # a slot of an object of the window's thread: queued

    @Slot(str)
    def _failed(self, why: str) -> None:
        _cannot_open(self.window, self.path, why)

    def run(self, opener: str) -> None:
        try:
            self._run(opener)
        except RuntimeError:  # the window (and this object) went while the opener ran
            log.info("window closed before %s finished opening", opener)

    def _run(self, opener: str) -> None:
        try:
            proc = subprocess.Popen(
                [opener, str(self.path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # the browser it starts outlives the studio
            )
        except OSError as exc:
            self.failed.emit(str(exc))
            return
        try:
            _out, err = proc.communicate(timeout=OPENER_WAIT)
        except subprocess.TimeoutExpired:
            return  # still running: it opened the file (some openers wait for the browser)
        if proc.returncode != 0:
            self.failed.emit(err.decode(errors="replace").strip() or f"exit {proc.returncode}")


def open_report_page(parent: QWidget, path: Path) -> None:
    """Open ``path`` (a report page) the way the desktop does; if that fails, say where it
    is and how to open it, in the window's language (``xdg-open`` fails silently as root).

    Qt's own ``openUrl`` only starts ``xdg-open`` and reports success; the opener's exit
    code is what tells, so on Linux the studio runs it itself and waits for it briefly.
    """
    opener = shutil.which("xdg-open") if sys.platform.startswith("linux") else None
    if opener is None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            _cannot_open(parent, path, "no opener")
        return
    job = _Opener(parent, path)
    threading.Thread(target=job.run, args=(opener,), name="open-file", daemon=True).start()


def _cannot_open(parent: QWidget, path: Path, why: str) -> None:
    log.warning("could not open %s: %s", path, why)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        QCoreApplication.translate("OpenReport", "打不开报告"),
        QCoreApplication.translate("OpenReport", "这台电脑没能自动打开报告。报告在："),
        parent=parent,
    )
    box.setObjectName("cannotOpenDialog")
    box.setInformativeText(
        f"{path}\n\n"
        + QCoreApplication.translate(
            "OpenReport",
            "请打开浏览器，把上面的路径粘贴到地址栏；或在文件管理器里双击这个文件。",
        )
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open()
