"""The trainer's review of a rehearsal take: play it, jump between cues, note, score, export.

Plays ``take.mkv`` with Qt Multimedia (its FFmpeg backend: picture, sound,
exact seeking). Chapter marks come from the take report, so they are the cue
chapters the engine wrote while the take ran. Notes and rubric scores live in
a :class:`studio.rehearsal.review.Review` and are saved into the report
(JSON and HTML), so the exported report carries them.

The player is driven only through queued calls (:meth:`ReviewWindow._transport`):
PySide keeps the GIL through a direct ``stop()``, while the FFmpeg backend's
worker thread, tearing down its renderers, holds a Qt connection lock and
waits for the GIL to ask our Python-made ``QAudioOutput`` for overrides. The
direct call deadlocked the window on close (seen in CI and reproduced: 1 close
in about 10). A queued call runs from the event loop, in C++, without the GIL.
"""

from __future__ import annotations

import logging
import shutil
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Q_ARG, QMetaObject, QPointF, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.errors import UserError
from studio.messages import render
from studio.rehearsal.report import load_report
from studio.rehearsal.review import MAX_SCORE, RUBRIC, Review, attach_review
from studio.show.cues import SEGMENT
from studio.show.script import fmt_time
from ui.bridge import window_language
from ui.dialogs import open_report_page

log = logging.getLogger(__name__)


def _mmss(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


class TakeTimeline(QWidget):
    """The take as a bar: segments, cue marks, dead air, notes and the playhead; click to seek."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("takeTimeline")
        self.setMinimumHeight(64)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.duration = 0.0
        self.position = 0.0
        self.chapters: list[tuple[float, str]] = []
        self.notes: list[float] = []
        self.dead_air: list[tuple[float, float]] = []

    def set_position(self, seconds: float) -> None:
        self.position = seconds
        self.update()

    def x_of(self, seconds: float) -> float:
        if self.duration <= 0:
            return 8.0
        return 8.0 + (self.width() - 16.0) * min(max(seconds / self.duration, 0.0), 1.0)

    def seconds_at(self, x: float) -> float:
        span = max(1.0, self.width() - 16.0)
        return min(max((x - 8.0) / span, 0.0), 1.0) * self.duration

    def paintEvent(self, _event: Any) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        bar = QRectF(8, 18, self.width() - 16, h - 30)
        p.fillRect(self.rect(), QColor("#1d2027"))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2f3440"))
        p.drawRoundedRect(bar, 4, 4)
        p.setBrush(QColor(217, 83, 79, 150))
        for a, b in self.dead_air:
            p.drawRect(
                QRectF(self.x_of(a), bar.top(), max(2.0, self.x_of(b) - self.x_of(a)), bar.height())
            )
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        p.setFont(small)
        for t, title in self.chapters:
            x = self.x_of(t)
            if title.startswith(SEGMENT):
                p.setPen(QPen(QColor("#f2f2f2"), 2))
                p.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
                p.drawText(QPointF(x + 3, bar.bottom() - 4), title.split("｜", 1)[-1][:8])
            else:
                p.setPen(QPen(QColor("#6cb4ff"), 1))
                p.drawLine(QPointF(x, bar.top()), QPointF(x, bar.top() + bar.height() / 3))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#f0c040"))
        for t in self.notes:
            x = self.x_of(t)
            p.drawPolygon([QPointF(x - 5, 4), QPointF(x + 5, 4), QPointF(x, 14)])
        x = self.x_of(self.position)
        p.setPen(QPen(QColor("#ff8a3d"), 2))
        p.drawLine(QPointF(x, 2), QPointF(x, h - 2))
        p.setPen(QColor("#c9ccd3"))
        p.drawText(QPointF(8, h - 1), _mmss(0))
        end = _mmss(self.duration)
        p.drawText(QPointF(self.width() - 8 - p.fontMetrics().horizontalAdvance(end), h - 1), end)
        p.end()

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        self.seek_requested.emit(self.seconds_at(event.position().x()))

    def mouseMoveEvent(self, event: Any) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.seek_requested.emit(self.seconds_at(event.position().x()))


class ReviewWindow(QMainWindow):
    """One take under review. Edits are saved into the take's report on Save or Export."""

    saved = Signal(str)  # the report.json path

    def __init__(self, report_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.report_path = report_path
        self.report = load_report(report_path)
        self.review = Review.from_json(self.report.get("review"))
        self.dirty = False
        show = self.report["show"]
        self.setWindowTitle(
            self.tr("彩排回看")
            + f" · {show['title']} · "
            + self.tr("第 %n 次", "", self.report["take"])
            + "[*]"  # Qt marks unsaved notes here (setWindowModified)
        )
        self.duration = float(self.report["summary"].get("actual_seconds") or 0.0)

        self._closed = False
        self._last_ms = 0
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.video = QVideoWidget()
        self.video.setObjectName("takeVideo")
        self.video.setMinimumSize(480, 270)
        self.player.setVideoOutput(self.video)
        self.player.positionChanged.connect(self._position_changed)
        self.player.durationChanged.connect(self._duration_changed)
        self.player.playbackStateChanged.connect(self._state_changed)
        self.player.errorOccurred.connect(self._player_error)

        self.timeline = TakeTimeline()
        self.timeline.duration = self.duration
        self.timeline.chapters = [
            (float(c["start"]), self._chapter_title(str(c["title"])))
            for c in self.report["chapters"]
        ]
        self.timeline.dead_air = [
            (float(d["start"]), float(d["end"])) for d in self.report["dead_air"]
        ]
        self.timeline.seek_requested.connect(self.seek)

        self.play_button = QPushButton(self.tr("播放"))
        self.play_button.setObjectName("playPause")
        self.play_button.clicked.connect(self.toggle_play)
        prev = QPushButton(self.tr("◀ 上一提示"))
        prev.setObjectName("prevChapter")
        prev.clicked.connect(lambda: self.jump_chapter(-1))
        nxt = QPushButton(self.tr("下一提示 ▶"))
        nxt.setObjectName("nextChapter")
        nxt.clicked.connect(lambda: self.jump_chapter(1))
        self.clock = QLabel("00:00 / " + _mmss(self.duration))
        self.clock.setObjectName("reviewClock")
        controls = QHBoxLayout()
        for w in (self.play_button, prev, nxt):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.clock)

        s = self.report["summary"]
        self.summary = QLabel(
            self.tr("提示准时 %1/%2 · 提前 %3 · 延迟 %4 · 漏掉 %5 · 冷场 %6 次 · 说话占比 %7%")
            .replace("%1", str(s["on_time"]))
            .replace("%2", str(s["timed_cues"]))
            .replace("%3", str(s["early"]))
            .replace("%4", str(s["late"]))
            .replace("%5", str(s["missed"]))
            .replace("%6", str(s["dead_air_count"]))
            .replace("%7", f"{s['speaking_share'] * 100:.0f}")
        )
        self.summary.setObjectName("takeSummary")
        self.summary.setWordWrap(True)

        who = " · ".join(x for x in (show.get("guide"), show.get("store")) if x)
        self.header = QLabel(
            f"{show['title']} · " + self.tr("第 %n 次彩排", "", self.report["take"])
            + (f" · {who}" if who else "")
        )  # fmt: skip
        self.header.setObjectName("takeHeader")
        big = QFont(self.header.font())
        big.setPointSizeF(big.pointSizeF() + 3)
        big.setBold(True)
        self.header.setFont(big)
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.addWidget(self.header)
        left_lay.addWidget(self.summary)
        left_lay.addWidget(self.video, 1)
        left_lay.addWidget(self.timeline)
        left_lay.addLayout(controls)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self._side_panel())
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.setCentralWidget(split)
        self.statusBar().showMessage(str(report_path.parent))
        QShortcut(QKeySequence("Space"), self, activated=self.toggle_play)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        self.resize(1240, 720)

        recording = report_path.parent / str(self.report.get("recording") or "take.mkv")
        if not recording.exists():
            self.statusBar().showMessage(self.tr("找不到录像：") + str(recording))
        self._transport("setSource", Q_ARG(QUrl, QUrl.fromLocalFile(str(recording))))
        self._transport("pause")  # the first picture, ready to play
        self._refresh_notes()

    def _chapter_title(self, title: str) -> str:
        """A chapter as the window's language says it.

        The engine writes chapters in one machine form, ``讲解｜<name>｜<sku>``
        (``studio clips`` parses it); only its kind word is ours to translate,
        the rest is the script's and the catalogue's data.
        """
        kinds = {
            "段落": self.tr("段落"),
            "讲解": self.tr("讲解"),
            "收起": self.tr("收起"),
            "链接": self.tr("链接"),
            "优惠券": self.tr("优惠券"),
            "拼团": self.tr("拼团"),
            "抽奖": self.tr("抽奖"),
            "字幕": self.tr("字幕"),
            "榜单": self.tr("榜单"),
            "切换": self.tr("切换"),
            "收起链接": self.tr("收起链接"),
            "商品卡": self.tr("商品卡"),
        }
        scenes = {"全屏": self.tr("全屏"), "分屏": self.tr("分屏"), "画中画": self.tr("画中画")}
        parts = title.split("｜")
        return "｜".join(
            kinds.get(part, part)
            if i == 0 or part == "商品卡"
            else scenes.get(part, part)
            if parts[0] == "切换"
            else part
            for i, part in enumerate(parts)
        )

    # side panel -------------------------------------------------------------------
    def _side_panel(self) -> QWidget:
        self.chapter_list = QListWidget()
        self.chapter_list.setObjectName("chapterList")
        for c in self.report["chapters"]:
            title = self._chapter_title(str(c["title"]))
            item = QListWidgetItem(f"{fmt_time(float(c['start']))}  {title}")
            item.setData(Qt.ItemDataRole.UserRole, float(c["start"]))
            self.chapter_list.addItem(item)
        self.chapter_list.itemActivated.connect(self._item_seek)
        self.chapter_list.itemClicked.connect(self._item_seek)

        self.note_list = QListWidget()
        self.note_list.setObjectName("noteList")
        self.note_list.itemClicked.connect(self._item_seek)
        self.note_text = QLineEdit()
        self.note_text.setObjectName("noteText")
        self.note_text.setPlaceholderText(self.tr("在当前时间写一条点评，回车添加"))
        self.note_text.returnPressed.connect(self.add_note)
        add = QPushButton(self.tr("加点评"))
        add.setObjectName("addNote")
        add.clicked.connect(self.add_note)
        delete = QPushButton(self.tr("删除"))
        delete.setObjectName("deleteNote")
        delete.clicked.connect(self.delete_note)
        row = QHBoxLayout()
        row.addWidget(self.note_text, 1)
        row.addWidget(add)
        row.addWidget(delete)
        notes = QGroupBox(self.tr("点评（按时间）"))
        nl = QVBoxLayout(notes)
        nl.addWidget(self.note_list)
        nl.addLayout(row)

        rubric = QGroupBox(self.tr("评分（1–%1 分）").replace("%1", str(MAX_SCORE)))
        form = QFormLayout(rubric)
        self.reviewer = QLineEdit(self.review.reviewer)
        self.reviewer.setObjectName("reviewer")
        self.reviewer.setPlaceholderText(self.tr("培训师姓名"))
        self.reviewer.textChanged.connect(self._reviewer_edited)
        form.addRow(self.tr("点评人"), self.reviewer)
        self.scores: dict[str, QSpinBox] = {}
        names = {
            "timing": self.tr("节奏"),
            "product": self.tr("商品讲解"),
            "call_to_action": self.tr("引导下单"),
            "energy": self.tr("状态"),
            "interaction": self.tr("互动"),
        }
        for key, fallback in RUBRIC:
            label = names.get(key, fallback)
            box = QSpinBox()
            box.setObjectName(f"score_{key}")
            box.setRange(0, MAX_SCORE)
            box.setSpecialValueText(self.tr("未评"))
            box.setValue(self.review.scores.get(key) or 0)
            box.valueChanged.connect(lambda v, k=key: self._scored(k, v))
            self.scores[key] = box
            form.addRow(label, box)
        self.total = QLabel()
        self.total.setObjectName("rubricTotal")
        form.addRow(self.tr("总分"), self.total)
        self._refresh_total()

        save = QPushButton(self.tr("保存"))
        save.setObjectName("saveReview")
        save.clicked.connect(self.save)
        export = QPushButton(self.tr("导出报告…"))
        export.setObjectName("exportReview")
        export.clicked.connect(partial(self.export, None))
        open_html = QPushButton(self.tr("打开报告"))
        open_html.setObjectName("openReport")
        open_html.clicked.connect(self.open_report)
        compare = QPushButton(self.tr("与上一次对比"))
        compare.setObjectName("compareTakes")
        compare.setEnabled(self.previous_take() is not None)
        compare.clicked.connect(self.compare_previous)
        buttons = QHBoxLayout()
        for b in (save, export, open_html, compare):
            buttons.addWidget(b)

        side = QWidget()
        lay = QVBoxLayout(side)
        lay.addWidget(QLabel(self.tr("提示与段落（点击跳转）")))
        lay.addWidget(self.chapter_list, 2)
        lay.addWidget(notes, 2)
        lay.addWidget(rubric)
        lay.addLayout(buttons)
        return side

    # playback -----------------------------------------------------------------------
    @property
    def position(self) -> float:
        if self._closed:
            return self._last_ms / 1000.0
        return self.player.position() / 1000.0

    def _transport(self, method: str, *args: Any) -> None:
        """Call a QMediaPlayer slot from the event loop, never directly (module docstring)."""
        if self._closed:
            return
        QMetaObject.invokeMethod(self.player, method, Qt.ConnectionType.QueuedConnection, *args)

    def seek(self, seconds: float) -> None:
        self._transport("setPosition", Q_ARG("qint64", round(max(0.0, seconds) * 1000)))
        self.timeline.set_position(seconds)

    def toggle_play(self) -> None:
        if self._closed:
            return
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self._transport("pause")
        else:
            self._transport("play")

    def jump_chapter(self, direction: int) -> None:
        """To the next (or previous) cue mark from where the playhead is."""
        times = sorted({float(c["start"]) for c in self.report["chapters"]})
        here = self.position
        if direction > 0:
            later = [t for t in times if t > here + 0.05]
            if later:
                self.seek(later[0])
        else:
            earlier = [t for t in times if t < here - 0.5]
            self.seek(earlier[-1] if earlier else 0.0)

    def _item_seek(self, item: QListWidgetItem) -> None:
        self.seek(float(item.data(Qt.ItemDataRole.UserRole)))

    def _position_changed(self, ms: int) -> None:
        self._last_ms = ms
        self.timeline.set_position(ms / 1000.0)
        self.clock.setText(f"{_mmss(ms / 1000.0)} / {_mmss(self.duration)}")

    def _duration_changed(self, ms: int) -> None:
        if ms > 0 and not self.duration:
            self.duration = self.timeline.duration = ms / 1000.0

    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(self.tr("暂停") if playing else self.tr("播放"))

    def _player_error(self, _error: QMediaPlayer.Error, text: str) -> None:
        log.warning("take player: %s", text)
        self.statusBar().showMessage(self.tr("无法播放录像：") + text)

    # notes and scores ---------------------------------------------------------------
    def add_note(self) -> None:
        text = self.note_text.text().strip()
        if not text:
            return
        self.review.add_note(self.position, text)
        self.note_text.clear()
        self._changed()
        self._refresh_notes()

    def delete_note(self) -> None:
        row = self.note_list.currentRow()
        if 0 <= row < len(self.review.notes):
            del self.review.notes[row]
            self._changed()
            self._refresh_notes()

    def _refresh_notes(self) -> None:
        self.note_list.clear()
        for n in self.review.notes:
            item = QListWidgetItem(f"{fmt_time(n.at)}  {n.text}")
            item.setData(Qt.ItemDataRole.UserRole, n.at)
            self.note_list.addItem(item)
        self.timeline.notes = [n.at for n in self.review.notes]
        self.timeline.update()

    def _scored(self, key: str, value: int) -> None:
        self.review.score(key, value or None)
        self._changed()
        self._refresh_total()

    def _reviewer_edited(self, text: str) -> None:
        self.review.reviewer = text.strip()
        self._changed()

    def _refresh_total(self) -> None:
        total = self.review.total
        self.total.setText(f"{total if total is not None else '–'} / {MAX_SCORE * len(RUBRIC)}")

    def _changed(self) -> None:
        self.dirty = True
        self.setWindowModified(True)

    # saving, exporting, comparing -------------------------------------------------
    def save(self) -> bool:
        try:
            attach_review(self.report_path, self.review)
        except OSError as exc:
            self._warn(self.tr("无法保存点评"), f"{self.report_path}: {exc.strerror or exc}")
            return False
        self.report = load_report(self.report_path)
        self.dirty = False
        self.setWindowModified(False)
        self.statusBar().showMessage(self.tr("点评已保存到报告"), 5000)
        self.saved.emit(str(self.report_path))
        return True

    def export(self, target: Path | None = None) -> Path | None:
        """Save, then write the report (with notes and scores) as one HTML file."""
        if target is None:
            default = self.report_path.parent / (
                f"{self.report['show']['title']}-take-{self.report['take']:02d}-review.html"
            )
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("导出彩排报告"), str(default), self.tr("网页 (*.html)")
            )
            if not chosen:
                return None
            target = Path(chosen)
        if not self.save():
            return None
        try:
            shutil.copyfile(self.report_path.with_suffix(".html"), target)
        except OSError as exc:
            self._warn(self.tr("无法导出报告"), f"{target}: {exc.strerror or exc}")
            return None
        self.statusBar().showMessage(self.tr("报告已导出：") + str(target), 8000)
        return target

    def open_report(self) -> None:
        if self.dirty:
            self.save()
        open_report_page(self, self.report_path.with_suffix(".html"))

    def previous_take(self) -> Path | None:
        """The report of the take before this one of the same script, if it is there."""
        n = int(self.report["take"])
        for k in range(n - 1, 0, -1):
            p = self.report_path.parent.parent / f"take-{k:02d}" / "report.json"
            if p.exists():
                return p
        return None

    def compare_previous(self) -> dict[str, Any] | None:
        from studio.rehearsal.compare import write_comparison

        prev = self.previous_take()
        if prev is None:
            return None
        try:
            cmp, html = write_comparison(prev, self.report_path, self.report_path.parent.parent)
        except (UserError, OSError, ValueError, KeyError) as exc:
            self._warn(self.tr("无法对比"), f"{prev}: {exc}")
            return None
        sep = "、" if window_language() == "zh" else ", "
        better = sep.join(self._compared(cmp, "better")) or self.tr("无")
        worse = sep.join(self._compared(cmp, "worse")) or self.tr("无")
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("与上一次对比"),
            self.tr("进步：") + better + "\n" + self.tr("退步：") + worse,
            parent=self,
        )
        box.setObjectName("compareDialog")
        opener = box.addButton(self.tr("打开对比报告"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        opener.clicked.connect(lambda: open_report_page(self, html))
        box.open()
        return cmp

    @staticmethod
    def _compared(cmp: dict[str, Any], verdict: str) -> list[str]:
        """What got ``better``/``worse``: measures in the window's language (the comparison
        file keeps Chinese labels), then the script's segment titles and cue ids."""
        lang = window_language()
        names = [render(f"report.metric.{m['key']}", None, lang) for m in cmp["metrics"]
                 if m["verdict"] == verdict]  # fmt: skip
        names += [s["title"] for s in cmp["segments"] if s["verdict"] == verdict]
        return names + [c["id"] for c in cmp["cues"] if c["verdict"] == verdict]

    def _warn(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setObjectName("errorDialog")
        box.open()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self._closed:
            event.accept()
            return
        if self.dirty:
            answer = QMessageBox.question(
                self,
                self.tr("保存点评？"),
                self.tr("点评和评分还没有保存。保存到报告吗？"),
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save and not self.save():
                event.ignore()
                return
        # stop, then free the player and its sound output from the event loop: a closed
        # review keeps no decoder threads (and no lock the GIL could meet) behind it
        self._transport("stop")
        self._closed = True
        self.player.deleteLater()
        self.audio.deleteLater()
        event.accept()
