"""Open a file the way the desktop does (a recording after a live), and say so when it cannot.

``QDesktopServices.openUrl`` reports success even when ``xdg-open`` is missing
or fails (as for root, or on a bare desktop), so the guide clicked and nothing
happened. This runs the desktop's opener itself on a Python thread and reports
a failure back to the GUI thread, which shows it in a dialog.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.messages import render
from ui.bridge import window_language

log = logging.getLogger(__name__)

WAIT = 15.0  # an opener still running after this has started the viewer: taken as success


def opener_command() -> list[str]:
    """The desktop's "open this file" program for this system."""
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform.startswith("win"):
        return ["explorer"]
    return ["xdg-open"]


class FileOpener(QObject):
    """``open(path)``; ``failed(text)`` on the GUI thread, in the window's language."""

    failed = Signal(str)

    def open(self, path: Path) -> None:
        lang = window_language()
        cmd = opener_command()
        program = cmd[0]
        if shutil.which(program) is None:
            self._fail(path, render("open.no_opener", {"program": program}, lang), lang)
            return
        threading.Thread(
            target=self._run, args=([*cmd, str(path)], path, lang), name="open-file", daemon=True
        ).start()

    def _run(self, cmd: list[str], path: Path, lang: str) -> None:
        try:
            done = subprocess.run(
                cmd, capture_output=True, timeout=WAIT, env=os.environ.copy(), check=False
            )
        except subprocess.TimeoutExpired:
            return  # still running: the viewer is open
        except OSError as exc:
            self._fail(path, str(exc), lang)
            return
        if done.returncode != 0:
            log.warning(
                "%s %s: exit %d: %s",
                cmd[0],
                path,
                done.returncode,
                done.stderr[-500:].decode("utf-8", "replace"),
            )
            why = render("open.exit", {"program": cmd[0], "code": done.returncode}, lang)
            self._fail(path, why, lang)

    def _fail(self, path: Path, why: str, lang: str) -> None:
        text = render("open.failed", {"path": path.name, "why": why, "folder": path.parent}, lang)
        try:
            self.failed.emit(text)
        except RuntimeError:  # the window closed meanwhile
            log.warning("could not open %s: %s", path, why)
