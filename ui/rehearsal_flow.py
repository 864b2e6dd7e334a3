"""The rehearsal flow of the guide's window: the takes' folder and preview, a take, its review.

A take starts and ends through the window's :class:`ui.jobs.Jobs` (one engine
action at a time), each with its own callbacks. Window text keeps the
``MainWindow`` translation context it had before the window was split.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit

from studio.errors import UserError
from ui.bridge import window_language
from ui.folders import choose_folder
from ui.review import ReviewWindow

if TYPE_CHECKING:
    from ui.flow_host import FlowHost

log = logging.getLogger(__name__)
translate = QCoreApplication.translate


class RehearsalFlow(QObject):
    """Rehearse: a take of the loaded script, recorded and measured, then reviewed."""

    def __init__(self, win: FlowHost) -> None:
        super().__init__(win.window())
        self.win = win
        self.previews: tuple[str, ...] = ()  # this run only: may carry a key
        runner = win.runner
        runner.rehearse_requested.connect(self.rehearse_clicked)
        runner.review_requested.connect(self._open_review_dialog)
        runner.preview_url_requested.connect(self._ask_preview_url)
        runner.rehearsal_dir_requested.connect(self.choose_rehearsal_dir)
        win.panel.record_dir_changed.connect(lambda _: self.show_rehearsal_dir())
        self.show_rehearsal_dir()

    @property
    def rehearsal_root(self) -> Path:
        """``rehearsal_dir`` in the settings, else ``rehearsals`` in the recording folder."""
        default = self.win.panel.record_dir / "rehearsals"
        return Path(self.win.settings.value("rehearsal_dir", str(default)))

    def show_rehearsal_dir(self) -> None:
        self.win.runner.rehearsal_dir.set_path(self.rehearsal_root)

    def choose_rehearsal_dir(self) -> Path | None:
        chosen = choose_folder(self.win.window(), "rehearsal_dir", self.rehearsal_root)
        if chosen is not None:
            self.win.settings.set_value("rehearsal_dir", str(chosen))
            self.show_rehearsal_dir()
        return chosen

    def rehearse_clicked(self) -> None:
        """Rehearse starts a take of the loaded script; pressed again, it ends the take."""
        if self.win.app.rehearsing:
            self.end_rehearsal()
        else:
            self.start_rehearsal()

    def start_rehearsal(self) -> None:
        win = self.win
        if win.app.is_live:
            win.error(
                translate("MainWindow", "正在直播"),
                translate("MainWindow", "直播中不能彩排。请先结束直播。"),
            )
            return
        root, previews = self.rehearsal_root, self.previews
        if not win.jobs.start(
            "rehearse",
            lambda: win.app.start_rehearsal(root, previews),
            self._started,
            self._not_started,
        ):
            win.still_busy()
            return
        win.panel.setEnabled(False)  # nothing goes on air from now on
        win.statusBar().showMessage(translate("MainWindow", "正在开始彩排…"))

    def _started(self, _folder: object) -> None:
        win = self.win
        take = win.app.take
        win.runner.set_rehearsing(take.number if take else 0)
        win.panel.setEnabled(False)  # nothing goes on air during a take
        win.statusBar().showMessage(translate("MainWindow", "彩排中：不推流，订单都是模拟的"), 8000)

    def _not_started(self, error: Exception) -> None:
        win = self.win
        if not isinstance(error, UserError):
            log.error("rehearse failed: %r", error, exc_info=error)
        win.runner.set_rehearsing(None)
        win.panel.setEnabled(True)
        win.error(translate("MainWindow", "无法开始彩排"), win.error_text(error))
        self._after_take()

    def end_rehearsal(self) -> None:
        win = self.win
        if win.jobs.busy or not win.app.rehearsing:
            return  # starting, or already ending (the planned end and a click may meet)
        win.jobs.start("rehearsal_done", win.app.finish_rehearsal, self._finished, self._failed)
        win.statusBar().showMessage(translate("MainWindow", "彩排结束，正在生成报告和片段…"))

    def _ended(self) -> None:
        win = self.win
        win.runner.set_rehearsing(None)
        win.show_cleared()
        win.panel.setEnabled(True)
        self._after_take()

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, UserError):
            log.error("rehearsal_done failed: %r", error, exc_info=error)
        self._ended()
        self.win.error(translate("MainWindow", "彩排报告没有生成"), str(error))

    def _finished(self, result: object) -> None:
        from studio.messages import report_summary
        from studio.rehearsal.report import load_report

        self._ended()
        path = Path(str(result))
        summary = report_summary(load_report(path)["summary"], window_language())
        self.win.statusBar().showMessage(translate("MainWindow", "彩排报告：") + summary, 15000)
        self.open_review(path)

    def _after_take(self) -> None:
        """Back from a take's rehearsal session; if that failed, say so (links are placeholders)."""
        win = self.win
        if win.app.rejoin_error:
            win.error(
                translate("MainWindow", "已断开后台"),
                translate("MainWindow", "彩排后没能回到正式场次，已断开后台，请重新连接：")
                + win.app.rejoin_error,
            )
            win.app.rejoin_error = None
            win.sales.state.setText(translate("MainWindow", "未连接后台"))

    def _ask_preview_url(self) -> None:
        """A private RTMP preview for takes (a manager watching); kept for this run only."""
        from studio.media.sources import check_push_url
        from studio.redact import mask_url, register_secret
        from ui.destinations import push_url_words

        win = self.win
        url, ok = QInputDialog.getText(
            win.window(),
            translate("MainWindow", "彩排预览地址"),
            translate("MainWindow", "彩排时也推到这个 RTMP 地址（留空则不推）："),
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        url = url.strip()
        if not url:
            self.previews = ()
            win.runner.preview_url.setText(translate("MainWindow", "预览地址…"))
            return
        try:
            check_push_url(url, mask_url(url))
        except UserError:
            # the engine's words are English; the guide gets the window's language
            win.error(translate("MainWindow", "预览地址不对"), push_url_words(url))
            return
        register_secret(url.rstrip("/").rsplit("/", 1)[-1])  # the key part never reaches a log
        self.previews = (url,)
        win.runner.preview_url.setText(translate("MainWindow", "预览：") + mask_url(url))

    def _open_review_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.win.window(),
            translate("MainWindow", "选择一次彩排的报告"),
            str(self.rehearsal_root),
            translate("MainWindow", "彩排报告 (report.json)"),
        )
        if path:
            self.open_review(Path(path))

    def open_review(self, report: Path) -> ReviewWindow | None:
        win = self.win
        try:
            review = ReviewWindow(report, win.window())
        except (OSError, ValueError, KeyError, UserError) as exc:
            win.error(translate("MainWindow", "无法打开彩排报告"), f"{report}: {exc}")
            return None
        win.reviews = [w for w in win.reviews if w.isVisible()] + [review]
        review.show()
        return review
