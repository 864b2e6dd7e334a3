"""The show runner: load a script, see the cues with the next one marked, read the prompter."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.messages import describe_cue
from studio.show.script import Show, fmt_time
from ui.bridge import window_language
from ui.folders import PathLabel

log = logging.getLogger(__name__)

GREEN, AMBER, RED = "#2e9d5b", "#d08a1c", "#d9534f"
ENDED = "#5b6270"  # the show is over: the timer shows where it ended, in a calm grey


def timer_colour(elapsed: float, planned: float) -> str:
    """Green within plan, amber in its last 20 % (at most the last minute), red past it."""
    if elapsed > planned:
        return RED
    if elapsed > planned - min(60.0, 0.2 * planned):
        return AMBER
    return GREEN


class ShowRunner(QWidget):
    load_requested = Signal()
    start_requested = Signal()
    next_requested = Signal()
    rehearse_requested = Signal()
    review_requested = Signal()
    preview_url_requested = Signal()
    rehearsal_dir_requested = Signal()
    cue_fire_requested = Signal(str)  # cue id: double-click in the list

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("未载入脚本"))
        self.title.setObjectName("showTitle")
        self.title.setWordWrap(True)
        load = QPushButton(self.tr("载入脚本…"))
        load.setObjectName("loadShow")
        load.clicked.connect(self.load_requested)
        self.start = QPushButton(self.tr("开始脚本"))
        self.start.setObjectName("startShow")
        self.start.setEnabled(False)
        self.start.clicked.connect(self.start_requested)
        self.next = QPushButton(self.tr("下一条（空格）"))
        self.next.setObjectName("nextCue")
        self.next.setEnabled(False)
        self.next.clicked.connect(self.next_requested)
        self.rehearse = QPushButton(self.tr("彩排"))
        self.rehearse.setObjectName("rehearse")
        self.rehearse.setToolTip(
            self.tr("按脚本完整走一遍并录下来，不推流，订单都是模拟的；结束后出彩排报告")
        )
        self.rehearse.setEnabled(False)
        self.rehearse.clicked.connect(self.rehearse_requested)
        review = QPushButton(self.tr("回看彩排…"))
        review.setObjectName("openReview")
        review.clicked.connect(self.review_requested)
        self.preview_url = QPushButton(self.tr("预览地址…"))
        self.preview_url.setObjectName("rehearsalPreview")
        self.preview_url.setToolTip(
            self.tr("彩排时同时推到一个私有预览地址（比如给店长看），不会保存")
        )
        self.preview_url.clicked.connect(self.preview_url_requested)
        self.segment = QLabel("")
        self.segment.setObjectName("segmentTimer")
        self.prompter = QLabel("")
        self.prompter.setObjectName("teleprompter")
        self.prompter.setWordWrap(True)
        self.prompter.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        f = QFont(self.font())
        f.setPointSize(f.pointSize() + 8)
        self.prompter.setFont(f)
        self.prompter.setStyleSheet("background: #15171c; color: #f2f2f2; padding: 10px;")
        self.prompter.setMinimumHeight(140)
        self.cues = QListWidget()
        self.cues.setObjectName("cueList")
        self.cues.setToolTip(self.tr("双击一条提示立即执行"))
        self.cues.itemDoubleClicked.connect(
            lambda it: self.cue_fire_requested.emit(it.data(Qt.ItemDataRole.UserRole))
        )
        row = QHBoxLayout()
        for b in (load, self.start, self.next):
            row.addWidget(b)
        row2 = QHBoxLayout()
        row2.addWidget(self.rehearse)
        row2.addWidget(review)
        row2.addWidget(self.preview_url)
        self.rehearsal_dir = PathLabel()
        self.rehearsal_dir.setObjectName("rehearsalDir")
        self.choose_rehearsal_dir = QPushButton(self.tr("选择…"))
        self.choose_rehearsal_dir.setObjectName("chooseRehearsalDir")
        self.choose_rehearsal_dir.setToolTip(self.tr("选择彩排录像保存到哪个文件夹"))
        self.choose_rehearsal_dir.clicked.connect(self.rehearsal_dir_requested)
        row3 = QHBoxLayout()
        row3.addWidget(QLabel(self.tr("彩排录像文件夹")))
        row3.addWidget(self.rehearsal_dir, 1)
        row3.addWidget(self.choose_rehearsal_dir)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(row)
        lay.addLayout(row2)
        lay.addLayout(row3)
        lay.addWidget(self.segment)
        lay.addWidget(self.prompter, 2)
        lay.addWidget(QLabel(self.tr("提示列表")))
        lay.addWidget(self.cues, 3)
        self.script: Show | None = None  # not ``show``: that would hide QWidget.show()

    def set_next_key(self, key: str) -> None:
        """The Next button names the key that is really bound to it (set in the INI)."""
        self.next.setText(self.tr("下一条（%1）").replace("%1", key))

    def set_show(self, show: Show, name_of: Callable[[str], str] | None = None) -> None:
        """List the cues by what they do (``name_of`` turns a SKU into its product's name)."""
        self.script = show
        self.title.setText(f"{show.title}  ·  {fmt_time(show.duration)}")
        self.cues.clear()
        lang = window_language()
        for c in show.cues:
            item = QListWidgetItem(describe_cue(c, lang, name_of))
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(c.note or c.id)
            self.cues.addItem(item)
        self.start.setEnabled(True)
        self.rehearse.setEnabled(True)
        self.update_progress(None, set(), None)

    def cue_text(self, cue_id: str) -> str:
        """What the listed cue ``cue_id`` does, as the list shows it (the id if unlisted)."""
        for i in range(self.cues.count()):
            item = self.cues.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == cue_id:
                return item.text().split("  ", 1)[-1]
        return cue_id

    def set_running(self, running: bool) -> None:
        self.next.setEnabled(running)
        self.start.setText(self.tr("重新开始") if running else self.tr("开始脚本"))

    def set_rehearsing(self, take: int | None) -> None:
        """During a take: the Rehearse button ends it; restarting the script is off."""
        rehearsing = take is not None
        self.rehearse.setText(self.tr("结束彩排") if rehearsing else self.tr("彩排"))
        self.rehearse.setStyleSheet(
            "background: #7b4fd1; color: white; font-weight: bold;" if rehearsing else ""
        )
        self.start.setEnabled(not rehearsing and self.script is not None)
        self.next.setEnabled(rehearsing)
        self.choose_rehearsal_dir.setEnabled(not rehearsing)

    def update_progress(
        self,
        seconds: float | None,
        fired: set[str],
        upcoming: str | None,
        segment: tuple[int, float] | None = None,
    ) -> None:
        """Highlight the next cue; timer and prompter follow the segment the guide is in.

        ``segment`` is the cue engine's (index, start): a guide who pressed "next"
        into a later segment is there, whatever the plan's clock says.
        """
        show = self.script
        if show is None:
            return
        for i in range(self.cues.count()):
            item = self.cues.item(i)
            cid = item.data(Qt.ItemDataRole.UserRole)
            if cid == upcoming:
                item.setBackground(QBrush(QColor("#ffe8a3")))
            elif cid in fired:
                item.setBackground(QBrush(QColor("#e3e6ea")))
            else:
                item.setBackground(QBrush(QColor("#ffffff")))
        if seconds is None:
            seg = show.segments[0] if show.segments else None
            self.segment.setText(self.tr("准备开始"))
            self.segment.setStyleSheet("")
        else:
            if segment is not None and 0 <= segment[0] < len(show.segments):
                seg, began = show.segments[segment[0]], segment[1]
            else:
                seg = show.segment_at(seconds)
                began = seg.start if seg is not None else 0.0
            if seg is not None:
                elapsed = seconds - began
                last = seg is show.segments[-1]
                if seconds >= show.duration or (last and elapsed >= seg.length):
                    # the plan is over: its final state, not a timer counting up in red
                    elapsed, colour = seg.length, ENDED
                    head = self.tr("脚本已结束") + "   "
                else:
                    colour, head = timer_colour(elapsed, seg.length), ""
                self.segment.setText(
                    f"{head}{seg.title}   {fmt_time(elapsed)} / {fmt_time(seg.length)}"
                )
                self.segment.setStyleSheet(
                    f"color: white; background: {colour}; font-weight: bold; padding: 4px;"
                )
        if seg is not None:
            points = "\n".join(f"• {p}" for p in seg.talking_points) or seg.title
            self.prompter.setText(points)
