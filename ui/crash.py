"""The Qt half of the crash path: a dialog for unhandled errors, a notice after an unclean end.

:class:`studio.crash.CrashGuard` does the work (hooks, marker, faulthandler
file); this module only tells the guide, in the window's language. Errors from
worker threads arrive through a queued signal, so the dialog is always made on
the GUI thread. The studio keeps running after an unhandled error (unlike
qutebrowser, which exits): the show and its recording are worth more than a
clean slate, and the guide decides whether to end and restart.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from studio.crash import CrashGuard, CrashReport, RecordingCheck, UncleanEnd, check_recording
from studio.logsetup import log_dir

log = logging.getLogger(__name__)


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso or "?"


def _duration(check: RecordingCheck) -> str:
    m, s = divmod(int(check.seconds), 60)
    if check.complete:
        text = QCoreApplication.translate("CrashNotice", "约 {m} 分 {s} 秒")
    else:
        text = QCoreApplication.translate("CrashNotice", "至少 {m} 分 {s} 秒")
    return text.format(m=m, s=s)


def recording_text(slot: str, check: RecordingCheck) -> str:
    """Where the recording of that show (or take) is, and whether it plays."""
    if slot == "take":
        where = QCoreApplication.translate("CrashNotice", "那次彩排的录像在：")
    else:
        where = QCoreApplication.translate("CrashNotice", "那场直播的录像在：")
    if check.plays:
        verdict = QCoreApplication.translate("CrashNotice", "录像可以正常播放（{duration}）。")
        return f"{where}\n{check.path}\n" + verdict.format(duration=_duration(check))
    if not check.exists:
        missing = QCoreApplication.translate("CrashNotice", "录像文件没有找到：")
        return f"{missing}\n{check.path}"
    broken = QCoreApplication.translate("CrashNotice", "但这个录像无法播放（{reason}）。")
    return f"{where}\n{check.path}\n" + broken.format(reason=check.error or "?")


def notice_text(end: UncleanEnd, checks: dict[str, RecordingCheck]) -> str:
    """The whole notice for one unclean end, in the window's language."""
    lines = [
        QCoreApplication.translate("CrashNotice", "导购直播台上次没有正常关闭（{time}）。").format(
            time=_when(end.ended)
        )
    ]
    if end.summary and end.fatal:
        lines.append(
            QCoreApplication.translate("CrashNotice", "原因：{summary}").format(summary=end.summary)
        )
    elif end.summary:
        last = QCoreApplication.translate("CrashNotice", "关闭前最后一个错误：{summary}")
        lines.append(last.format(summary=end.summary))
    if checks:
        lines += [recording_text(slot, check) for slot, check in checks.items()]
    else:
        lines.append(QCoreApplication.translate("CrashNotice", "当时没有在录像。"))
    details = end.fatal_log or log_dir() / "studio.log"
    lines.append(
        QCoreApplication.translate("CrashNotice", "详细信息已写入：{path}").format(path=details)
    )
    return "\n\n".join(lines)


class CrashNotifier(QObject):
    """Turns :class:`CrashReport` from any thread into one dialog at a time on the GUI thread."""

    reported = Signal(object)

    def __init__(self, guard: CrashGuard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.box: QMessageBox | None = None
        self.reported.connect(self._show)
        guard.add_listener(self.reported.emit)

    def _show(self, report: CrashReport) -> None:
        if not report.dialog:
            return
        if self.box is not None and self.box.isVisible():
            return  # one dialog: a loop of errors must not bury the window in boxes
        text = (
            QCoreApplication.translate("CrashNotice", "出了一个意外错误：")
            + f"\n{report.summary}\n\n"
            + QCoreApplication.translate(
                "CrashNotice",
                "导购直播台还在运行。如果画面、推流或录像不正常，请结束直播后重新打开。",
            )
            + "\n\n"
            + QCoreApplication.translate("CrashNotice", "详细信息已写入：{path}").format(
                path=log_dir() / "studio.log"
            )
        )
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            QCoreApplication.translate("CrashNotice", "导购直播台出错了"),
            text,
            parent=QApplication.activeWindow(),
        )
        box.setObjectName("crashDialog")
        box.open()
        self.box = box


class _LastRun(QObject):
    checked = Signal(object, object)  # UncleanEnd, {slot: RecordingCheck}


def show_unclean_ends(parent: QWidget, ends: list[UncleanEnd]) -> _LastRun | None:
    """Say the studio closed unexpectedly, where that show's recording is, and that it plays.

    The recordings are opened and counted on a worker thread (a long show takes
    a few seconds); one notice per unclean end appears when its check is done.
    """
    if not ends:
        return None
    relay = _LastRun(parent)

    def show(end: UncleanEnd, checks: dict[str, RecordingCheck]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            QCoreApplication.translate("CrashNotice", "导购直播台上次意外关闭"),
            notice_text(end, checks),
            parent=parent,
        )
        box.setObjectName("crashNotice")
        folders = [c.path.parent for c in checks.values() if c.exists]
        if folders:
            open_button = box.addButton(
                QCoreApplication.translate("CrashNotice", "打开录像文件夹"),
                QMessageBox.ButtonRole.ActionRole,
            )
            open_button.clicked.connect(
                lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folders[0])))
            )
        box.addButton(QMessageBox.StandardButton.Ok)
        box.open()
        log.info("told the guide about the unclean end of pid %s", end.pid)

    relay.checked.connect(show)

    def work() -> None:
        for end in ends:
            checks: dict[str, RecordingCheck] = {}
            for slot, path in end.recordings.items():
                try:
                    checks[slot] = check_recording(Path(path))
                except Exception as exc:  # the notice must come whatever the file holds
                    log.warning("cannot check the recording %s: %s", path, exc)
                    checks[slot] = RecordingCheck(Path(path), Path(path).exists(), error=str(exc))
            try:
                relay.checked.emit(end, checks)
            except RuntimeError:  # the window closed meanwhile
                return

    threading.Thread(target=work, name="last-run-check", daemon=True).start()
    return relay
