"""The folders a guide picks (recordings, rehearsal takes): a path label, a picker, messages.

Messages about a folder name the setting as the window shows it ("录制文件夹")
and where to change it, in the window's language; the engine's English
:class:`~studio.config.FolderError` text (and the CLI's ``--record``) stays out.
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from studio.config import FolderError

log = logging.getLogger(__name__)


def setting_name(setting: str) -> str:
    """The setting as the window labels it."""
    if setting == "rehearsal_dir":
        return QCoreApplication.translate("Folders", "彩排录像文件夹")
    return QCoreApplication.translate("Folders", "录制文件夹")


def where_to_change(setting: str) -> str:
    if setting == "rehearsal_dir":
        return QCoreApplication.translate("Folders", "请在“脚本”页点“选择…”换一个文件夹。")
    return QCoreApplication.translate("Folders", "请在“开播”页点“选择…”换一个文件夹。")


def _reason(exc: FolderError) -> str:
    """The system's reason in the window's language where it is a common one."""
    reasons = {
        errno.ENOTDIR: QCoreApplication.translate("Folders", "路径中有一段是文件，不是文件夹"),
        errno.EACCES: QCoreApplication.translate("Folders", "没有权限"),
        errno.EPERM: QCoreApplication.translate("Folders", "没有权限"),
        errno.EROFS: QCoreApplication.translate("Folders", "磁盘是只读的"),
        errno.ENOSPC: QCoreApplication.translate("Folders", "磁盘已满"),
        errno.ENOENT: QCoreApplication.translate("Folders", "磁盘或上级文件夹不存在"),
    }
    return reasons.get(exc.errno or -1, exc.detail or "?")


def folder_error_text(exc: FolderError) -> str:
    """One message in the window's language: which setting, which folder, why, what to do."""
    name, folder = setting_name(exc.setting), str(exc.folder)
    if exc.problem == "not_a_folder":
        text = QCoreApplication.translate("Folders", "{setting}“{folder}”是一个文件，不是文件夹。")
    elif exc.problem == "cannot_create":
        text = QCoreApplication.translate(
            "Folders", "{setting}“{folder}”不存在，也无法创建（{detail}）。"
        )
    else:
        text = QCoreApplication.translate("Folders", "{setting}“{folder}”无法写入（{detail}）。")
    return (
        text.format(setting=name, folder=folder, detail=_reason(exc))
        + "\n"
        + where_to_change(exc.setting)
    )


def choose_folder(parent: QWidget, setting: str, current: Path) -> Path | None:
    """The system's folder picker, opened at ``current`` (or its nearest existing parent)."""
    start = current
    while not start.is_dir() and start != start.parent:
        start = start.parent
    title = QCoreApplication.translate("Folders", "选择{setting}").format(
        setting=setting_name(setting)
    )
    chosen = QFileDialog.getExistingDirectory(parent, title, str(start))
    return Path(chosen) if chosen else None


class PathLabel(QLabel):
    """A folder path that elides its middle to fit; the full path is in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path = ""
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_path(self, path: Path | str) -> None:
        self._path = str(path)
        self.setToolTip(self._path)
        self._elide()

    def path(self) -> str:
        return self._path

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(40, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(40, self.width())
        self.setText(self.fontMetrics().elidedText(self._path, Qt.TextElideMode.ElideMiddle, width))
