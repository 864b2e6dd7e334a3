"""The live flow of the guide's window: Go Live, 结束直播, and the recording afterwards.

Going live and ending run through the window's :class:`ui.jobs.Jobs` (one
engine action at a time), each with its own callbacks. After the end, the
guide is offered the recording (``打开录像``); an opener that is missing or
fails is said in a dialog. Window text keeps the ``MainWindow`` translation
context it had before the window was split; new text is in
:mod:`studio.messages`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QMessageBox

from studio.errors import UserError
from studio.messages import render
from ui.bridge import window_language
from ui.opener import FileOpener
from ui.preset_switch import CANCEL, SWITCH, ask_preset, switch_to, wanted_preset
from ui.settings import SavedDestination

if TYPE_CHECKING:
    from ui.flow_host import FlowHost

log = logging.getLogger(__name__)
translate = QCoreApplication.translate


class LiveFlow(QObject):
    """Go Live with the ticked platforms and the recording; end; open what was recorded."""

    def __init__(self, win: FlowHost) -> None:
        super().__init__(win.window())
        self.win = win
        self.live_since: float | None = None  # monotonic time on air began
        self.opener = FileOpener(self)
        self.opener.failed.connect(
            lambda text: win.error(render("open.failed_title", None, window_language()), text)
        )
        self.ended_box: QMessageBox | None = None
        win.panel.go_live_requested.connect(self.go_live)
        win.panel.end_requested.connect(self.end_live)

    def go_live(self, dests: list[SavedDestination], record: Path | None) -> None:
        win = self.win
        if not dests and record is None:
            win.error(
                translate("MainWindow", "无法开播"),
                translate(
                    "MainWindow",
                    "没有可推流的平台，也没有勾选录制。请勾选一个平台，或勾选“同时录制到本地”。",
                ),
            )
            return
        if win.jobs.busy:  # auto-configuration, connecting...: not now, and nothing else
            win.still_busy()
            return
        preset = wanted_preset(win.app.profile, [win.panel.platform_of(d) for d in dests])
        if preset is not None:  # the program is not in the platforms' shape
            answer = ask_preset(win.window(), win.app.profile, preset, window_language())
            if answer == CANCEL:
                return
            if answer == SWITCH:
                switch_to(preset, win.app.profile, win.settings.path.parent)
                return
        destinations = [d.destination(win.settings.keys) for d in dests]
        if not win.panel.confirm_budget(win.app.profile, len(destinations)):
            return  # the guide chose to lower the bitrate or push to fewer platforms first
        win.jobs.start(
            "go_live", lambda: win.app.go_live(destinations, record), self._on_air, self._refused
        )

    def _on_air(self, _outputs: object) -> None:
        win = self.win
        self.live_since = time.monotonic()
        win.panel.set_live(True)
        recorder = win.app.recorder
        if recorder is not None:
            win.statusBar().showMessage(
                translate("MainWindow", "正在录制到：") + str(recorder.path), 15000
            )

    def _refused(self, error: Exception) -> None:
        win = self.win
        if isinstance(error, UserError):
            win.error(translate("MainWindow", "无法开播"), win.error_text(error))
            return
        log.error("go_live failed: %r", error, exc_info=error)
        win.error(translate("MainWindow", "出错了"), win.error_text(error))

    def end_live(self) -> None:
        win = self.win
        if not win.jobs.start("end", win.app.end, self._ended, self._end_failed):
            win.still_busy()

    def _ended(self, path: object) -> None:
        win = self.win
        self.live_since = None
        win.panel.set_live(False)
        win.show_cleared()
        if path:
            win.statusBar().showMessage(translate("MainWindow", "录像已保存：") + str(path), 15000)
            self.offer_recording(Path(str(path)))

    def _end_failed(self, error: Exception) -> None:
        log.error("end failed: %r", error, exc_info=error)
        self.live_since = None
        self.win.panel.set_live(self.win.app.is_live)
        self.win.error(translate("MainWindow", "出错了"), self.win.error_text(error))

    def offer_recording(self, path: Path) -> QMessageBox:
        """The end-of-live message: where the recording is, and a button that opens it."""
        lang = window_language()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            render("live.ended_title", None, lang),
            render("live.recording_saved", {"path": path}, lang),
            QMessageBox.StandardButton.Close,
            self.win.window(),
        )
        box.setObjectName("liveEnded")
        box.setWindowModality(Qt.WindowModality.NonModal)  # the preview keeps running behind it
        opener = box.addButton(
            render("live.open_recording", None, lang), QMessageBox.ButtonRole.ActionRole
        )
        opener.setObjectName("openRecording")
        opener.clicked.connect(lambda: self.opener.open(path))
        self.ended_box = box
        box.show()
        return box
