"""Go live: the platforms to push to, the recording, one big button, health per output."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio import upload_budget
from studio.config import Profile, default_recordings_dir
from studio.media.stats import OutputHealth, StatsSnapshot
from studio.messages import Message, render
from studio.overlays.layout import SafeArea
from studio.platforms import PLATFORMS, Platform, combined_area, guess
from studio.redact import MASK, mask_url
from ui.bridge import message_text, window_language
from ui.destinations import DestinationDialog
from ui.dialogs import ask_yes_no
from ui.folders import PathLabel, choose_folder
from ui.settings import AppSettings, SavedDestination

log = logging.getLogger(__name__)

AMBER, RED, GREEN = QColor("#f0ad4e"), QColor("#d9534f"), QColor("#2e9d5b")
TRIES_BEFORE_BANNER = 3  # failed connection attempts before the banner speaks up
FIX_FOR = {  # which fix a reason points at
    "output.unreachable": "fix.unreachable",
    "output.refused": "fix.refused",
    "output.closed_on_publish": "fix.refused",
    "output.certificate": "fix.certificate",
}


def health_colour(state: str, dropped_pct: float) -> QColor:
    """Red over 5 % dropped or failed, amber over 1 % or reconnecting, else green."""
    if state == "failed" or dropped_pct > 5:
        return RED
    if state in ("reconnecting", "connecting") or dropped_pct > 1:
        return AMBER
    return GREEN


class OutputBanner(QLabel):
    """A banner over the window while an output cannot connect: the reason and the fix.

    It speaks after a few failed tries (or at once when the output gave up) and
    goes away as soon as the output is live again.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outputBanner")
        self.setWordWrap(True)
        self.setStyleSheet(
            "background: #d9534f; color: white; font-size: 15px; font-weight: bold; padding: 8px;"
        )
        self._live_at: dict[str, int] = {}  # output -> its reconnect count when last live
        self.hide()

    def show_outputs(self, outputs: Sequence[OutputHealth]) -> None:
        lang = window_language()
        lines = []
        for o in outputs:
            name, state, tries = o.name, o.state, o.reconnects
            if state == "live":
                self._live_at[name] = tries
                continue
            tries -= self._live_at.get(name, 0)
            if state != "failed" and (
                state not in ("connecting", "reconnecting") or tries < TRIES_BEFORE_BANNER
            ):
                continue
            msg = Message.from_dict(o.message)
            reason = msg.text(lang) if msg else str(o.reason or "")
            fix = render(FIX_FOR.get(msg.id if msg else "", "fix.any"), None, lang)
            kind = "banner.failed" if state == "failed" else "banner.retrying"
            lines.append(
                render(kind, {"name": name, "reason": reason, "fix": fix, "tries": tries}, lang)
            )
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))

    def clear(self) -> None:
        self._live_at.clear()
        self.setText("")
        self.hide()


class GoLivePanel(QWidget):
    go_live_requested = Signal(list, object)  # [SavedDestination], Path | None
    end_requested = Signal()
    reconnect_requested = Signal(str)
    record_dir_changed = Signal(object)  # Path: the guide picked another recording folder
    # SafeArea | None: the ticked platforms' covered bands, for the overlays and the preview
    safe_area_changed = Signal(object)

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.live = False
        self.dest_list = QListWidget()
        self.dest_list.setObjectName("destinations")
        self._area_key: str | None = ""  # the safe area last announced ("": none yet)
        self.dest_list.itemChanged.connect(lambda _item: self._announce_area())
        add = QPushButton(self.tr("添加平台"))
        edit = QPushButton(self.tr("编辑"))
        remove = QPushButton(self.tr("删除"))
        add.setObjectName("addDestination")
        add.clicked.connect(self.add_destination)
        edit.clicked.connect(self.edit_destination)
        remove.clicked.connect(self.remove_destination)
        self.record = QCheckBox(self.tr("同时录制到本地"))
        self.record.setObjectName("record")
        self.record.setChecked(settings.value("record", "true") == "true")
        self.record.toggled.connect(
            lambda on: settings.set_value("record", "true" if on else "false")
        )
        self.record_dir_label = PathLabel()
        self.record_dir_label.setObjectName("recordDir")
        self.choose_record_dir_button = QPushButton(self.tr("选择…"))
        self.choose_record_dir_button.setObjectName("chooseRecordDir")
        self.choose_record_dir_button.setToolTip(self.tr("选择录像保存到哪个文件夹"))
        self.choose_record_dir_button.clicked.connect(self.choose_record_dir)
        self._record_dir = Path()
        self.record_dir = Path(settings.value("record_dir", str(default_recordings_dir())))
        self.button = QPushButton(self.tr("开始直播"))
        self.button.setObjectName("goLive")
        self.button.setMinimumHeight(56)
        self.button.clicked.connect(self._clicked)
        self._style_button()
        memory_only = not settings.keys.secure
        self.key_note = QLabel(
            render("keys.memory_only", None, window_language()) if memory_only else ""
        )
        self.key_note.setObjectName("keyNote")
        self.key_note.setWordWrap(True)
        self.key_note.setStyleSheet("color: #b07a1e")
        self.key_note.setVisible(memory_only)
        self.banner = OutputBanner()  # the window places it over everything
        self.health = QTableWidget(0, 5)
        self.health.setObjectName("health")
        self.health.setHorizontalHeaderLabels(
            [self.tr("输出"), self.tr("状态"), self.tr("码率"), self.tr("丢帧"), self.tr("重连")]
        )
        header = self.health.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(36)
        self.health.verticalHeader().setVisible(False)
        self.health.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.reconnect = QPushButton(self.tr("立即重连"))
        self.reconnect.clicked.connect(lambda: self.reconnect_requested.emit(""))

        row = QHBoxLayout()
        for b in (add, edit, remove):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("推流平台")))
        lay.addWidget(self.dest_list, 1)
        lay.addLayout(row)
        lay.addWidget(self.key_note)
        lay.addWidget(self.record)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel(self.tr("录制文件夹")))
        folder_row.addWidget(self.record_dir_label, 1)
        folder_row.addWidget(self.choose_record_dir_button)
        lay.addLayout(folder_row)
        lay.addWidget(self.button)
        lay.addWidget(QLabel(self.tr("推流状态")))
        lay.addWidget(self.health, 1)
        lay.addWidget(self.reconnect)
        self.reload()

    # the recording folder ---------------------------------------------------------
    @property
    def record_dir(self) -> Path:
        """Where recordings go (made on Go Live if missing); ``record_dir`` in the settings."""
        return self._record_dir

    @record_dir.setter
    def record_dir(self, folder: Path) -> None:
        self._record_dir = Path(folder)
        self.record_dir_label.set_path(self._record_dir)

    def choose_record_dir(self) -> Path | None:
        chosen = choose_folder(self, "record_dir", self.record_dir)
        if chosen is not None:
            self.record_dir = chosen
            self.settings.set_value("record_dir", str(chosen))
            self.record_dir_changed.emit(chosen)
        return chosen

    # destinations ---------------------------------------------------------------
    def reload(self) -> None:
        self.dest_list.blockSignals(True)
        self.dest_list.clear()
        not_saved = render("keys.not_saved", None, window_language())
        for d in self.settings.destinations():
            key = f"/{MASK}" if self.settings.keys.get(d.id) else f"  ({not_saved})"
            # mask_url: a server saved before push URLs were split may still hold a key
            item = QListWidgetItem(f"{d.name}  —  {mask_url(d.server)}{key}")
            item.setData(Qt.ItemDataRole.UserRole, d.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if d.enabled else Qt.CheckState.Unchecked)
            p = self.platform_of(d)
            if p is not None:
                item.setToolTip(p.name + " · " + p.settings_text(window_language()))
            self.dest_list.addItem(item)
        self.dest_list.blockSignals(False)
        self._announce_area()

    # platforms ------------------------------------------------------------------
    def platform_of(self, d: SavedDestination) -> Platform | None:
        """The platform picked for ``d`` (kept beside it in the settings), else its server's."""
        return PLATFORMS.get(self.settings.value(f"platforms/{d.id}", "")) or guess(d.server)

    def _set_platform(self, d: SavedDestination, p: Platform | None) -> None:
        if p is None:
            self.settings.qs.remove(f"platforms/{d.id}")
            self.settings.qs.sync()
        else:
            self.settings.set_value(f"platforms/{d.id}", p.key)

    def safe_area(self) -> SafeArea | None:
        """Every ticked platform's covered bands: one program goes to all of them."""
        keys = [p.safe_area for p in map(self.platform_of, self.checked()) if p is not None]
        return combined_area(keys)

    def _announce_area(self) -> None:
        area = self.safe_area()
        key = area.key if area else None
        if key != self._area_key:
            self._area_key = key
            self.safe_area_changed.emit(area)

    def confirm_budget(self, profile: Profile, destinations: int) -> bool:
        """Warn when N destinations x the bitrate exceed the measured upload; True: go on."""
        over = upload_budget.check(profile, destinations, upload_budget.measured_upload())
        if over is None:
            return True
        text = over.message().text(window_language()) + "\n\n" + self.tr("仍要开播吗？")
        return ask_yes_no(self, self.tr("上行带宽可能不够"), text)

    def _selected(self) -> SavedDestination | None:
        item = self.dest_list.currentItem()
        if item is None:
            return None
        wanted = item.data(Qt.ItemDataRole.UserRole)
        return next((d for d in self.settings.destinations() if d.id == wanted), None)

    def add_destination(self) -> DestinationDialog:
        dlg = DestinationDialog(self)

        def save() -> None:
            self._set_platform(self.settings.add_destination(*dlg.values()), dlg.platform())
            self.reload()

        dlg.accepted.connect(save)
        dlg.open()
        return dlg

    def edit_destination(self) -> None:
        d = self._selected()
        if d is None:
            return
        p = self.platform_of(d)
        dlg = DestinationDialog(
            self, d.name, d.server, bool(self.settings.keys.get(d.id)), p.key if p else ""
        )

        def save() -> None:
            name, server, key = dlg.values()
            saved = SavedDestination(d.id, name, server, d.enabled)
            self.settings.update_destination(saved, key or None)
            self._set_platform(saved, dlg.platform())
            self.reload()

        dlg.accepted.connect(save)
        dlg.open()

    def remove_destination(self) -> None:
        d = self._selected()
        if d is not None:
            self._set_platform(d, None)
            self.settings.remove_destination(d)
            self.reload()

    def checked(self) -> list[SavedDestination]:
        ids = {
            self.dest_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.dest_list.count())
            if self.dest_list.item(i).checkState() == Qt.CheckState.Checked
        }
        return [d for d in self.settings.destinations() if d.id in ids]

    # live -----------------------------------------------------------------------
    def _clicked(self) -> None:
        if not self.live:
            rec = self.record_dir / "guide-studio.mkv" if self.record.isChecked() else None
            dests = self.checked()
            if self.ask_missing_keys(dests):
                self.go_live_requested.emit(dests, rec)
            return
        if ask_yes_no(self, self.tr("结束直播"), self.tr("确定要结束直播吗？观众将看不到画面。")):
            self.end_requested.emit()

    def ask_missing_keys(self, dests: list[SavedDestination]) -> bool:
        """Ask for each key that was not saved (no secure keyring); False when the guide cancels.

        A key typed here is kept for this run, like every key without a keyring.
        """
        lang = window_language()
        asked = False
        for d in dests:
            if self.settings.keys.get(d.id):
                continue
            dlg = QInputDialog(self)
            dlg.setObjectName("askKey")
            dlg.setWindowTitle(render("keys.ask_title", None, lang))
            # no key typed when it was added, or none kept (no secure keyring): say which
            ask = "keys.ask_missing" if self.settings.keys.secure else "keys.ask"
            dlg.setLabelText(render(ask, {"name": d.name}, lang))
            dlg.setTextEchoMode(QLineEdit.EchoMode.Password)
            if not dlg.exec():
                return False
            if not dlg.textValue().strip():  # OK with nothing typed: say what is missing
                box = QMessageBox(
                    QMessageBox.Icon.Warning,
                    render("keys.ask_title", None, lang),
                    render("keys.missing", {"name": d.name}, lang),
                    QMessageBox.StandardButton.Ok,
                    self,
                )
                box.setObjectName("missingKey")
                box.exec()
                return False
            self.settings.keys.set(d.id, dlg.textValue().strip())
            asked = True
        if asked:
            self.reload()
        return True

    def set_live(self, live: bool) -> None:
        self.live = live
        self.button.setText(self.tr("结束直播") if live else self.tr("开始直播"))
        self.dest_list.setEnabled(not live)
        self.record.setEnabled(not live)
        self.choose_record_dir_button.setEnabled(not live)
        self._style_button()
        if not live:
            self.health.setRowCount(0)
            self.banner.clear()

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)

    def _style_button(self) -> None:
        colour = "#d9534f" if self.live else "#2e9d5b"
        self.button.setStyleSheet(
            f"QPushButton {{ background: {colour}; color: white; font-size: 20px; "
            "font-weight: bold; border-radius: 6px; } QPushButton:disabled { background: #888; }"
        )

    def state_text(self, state: str) -> str:
        return {
            "connecting": self.tr("连接中"),
            "live": self.tr("直播中"),
            "reconnecting": self.tr("重连中"),
            "failed": self.tr("失败"),
            "stopped": self.tr("已停止"),
            "idle": self.tr("待机"),
        }.get(state, state)

    def show_stats(self, stats: StatsSnapshot) -> None:
        outputs = stats.outputs
        if self.live:
            self.banner.show_outputs(outputs)
        self.health.setRowCount(len(outputs))
        for r, o in enumerate(outputs):
            colour = health_colour(o.state, o.dropped_pct)
            cells = [
                o.name,
                self.state_text(o.state),
                f"{o.bitrate_kbps:.0f} kb/s",
                f"{o.dropped_pct:.1f}%",
                str(o.reconnects),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (1, 3):
                    item.setForeground(QBrush(colour))
                if c == 1 and o.reason:
                    item.setToolTip(message_text(o.message, str(o.reason)))
                self.health.setItem(r, c, item)
