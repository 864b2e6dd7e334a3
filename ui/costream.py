"""The 连麦 window: invite a guest by link (and QR), run the guests, or join another's.

Non-modal, opened from the toolbar. The host half drives the app's
:class:`~studio.costream.host.CoHost` (guests stay off the program until 上麦);
the guest half joins another studio's 连麦 by its link. Calls that wait on the
network (an invite, removing a guest, joining) run on the window's
:class:`~ui.jobs.Jobs`; guests' comings and goings arrive as bus events
(``costream.guest``) through the window's bridge.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import segno
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.contract.costream import (
    INVITE_MAX_USES,
    TOPIC_GUEST,
    TOPIC_INVITE,
    TOPIC_MONITOR,
    Invite,
    InviteRequest,
)
from studio.costream.signalling import LinkRefusedError
from studio.errors import UserError
from studio.messages import render
from studio.redact import redact
from ui.bridge import window_language

if TYPE_CHECKING:
    from ui.bridge import EngineBridge
    from ui.flow_host import FlowHost

log = logging.getLogger(__name__)

QR_SIZE = 180  # px: a phone reads it from the guide's screen


@dataclass
class GuestRow:
    """One guest's cells and buttons in the guest table."""

    name: QTableWidgetItem
    state: QTableWidgetItem
    air: QPushButton
    mute: QPushButton
    remove: QPushButton


class CostreamDialog(QDialog):
    """连麦: the invite link and its QR, the guest list with its buttons, joining another's."""

    def __init__(self, win: FlowHost, bridge: EngineBridge) -> None:
        super().__init__(win.window())
        self.win = win
        self.app = win.app
        self.setObjectName("costreamDialog")
        self.setWindowTitle(self.tr("连麦"))
        self.setModal(False)
        self.invite: Invite | None = None
        self.rows: dict[int, GuestRow] = {}  # guest id -> its row's cells and buttons
        self.guests: dict[int, dict[str, Any]] = {}  # guest id -> its last event
        self._gone: set[int] = set()  # guests removed or left: ids are not used again

        lay = QVBoxLayout(self)
        lay.addWidget(self._build_invite())
        lay.addWidget(self._build_guests(), 1)
        lay.addWidget(self._build_join())
        bridge.engine_event.connect(self._on_event)
        win.jobs.busy_changed.connect(self._busy)
        self._guest_timer = QTimer(self)  # while joined: did the host end our 连麦?
        self._guest_timer.setInterval(1000)
        self._guest_timer.timeout.connect(self._watch_guest)
        self.resize(560, 720)

    # -- building ------------------------------------------------------------------
    def _build_invite(self) -> QGroupBox:
        box = QGroupBox(self.tr("邀请嘉宾"))
        form = QFormLayout(box)
        self.label_edit = QLineEdit()
        self.label_edit.setPlaceholderText(self.tr("比如：东门店 小李"))
        form.addRow(self.tr("邀请谁"), self.label_edit)
        self.uses_spin = QSpinBox()
        self.uses_spin.setRange(1, INVITE_MAX_USES)
        self.expiry_combo = QComboBox()
        for label, minutes in (
            (self.tr("15 分钟"), 15),
            (self.tr("1 小时"), 60),
            (self.tr("4 小时"), 240),
            (self.tr("24 小时"), 24 * 60),
        ):
            self.expiry_combo.addItem(label, minutes)
        self.expiry_combo.setCurrentIndex(1)
        limits = QHBoxLayout()
        limits.addWidget(QLabel(self.tr("可加入人数")))
        limits.addWidget(self.uses_spin)
        limits.addSpacing(12)
        limits.addWidget(QLabel(self.tr("有效期")))
        limits.addWidget(self.expiry_combo)
        limits.addStretch(1)
        form.addRow(limits)
        self.invite_button = QPushButton(self.tr("连麦邀请"))
        self.invite_button.setObjectName("costreamInvite")
        self.invite_button.clicked.connect(self.make_invite)
        form.addRow(self.invite_button)

        self.link_edit = QLineEdit()
        self.link_edit.setObjectName("costreamLink")
        self.link_edit.setReadOnly(True)
        self.link_edit.setPlaceholderText(self.tr("按“连麦邀请”生成加入链接"))
        self.copy_button = QPushButton(self.tr("复制链接"))
        self.copy_button.clicked.connect(self.copy_link)
        self.revoke_button = QPushButton(self.tr("撤销链接"))
        self.revoke_button.setObjectName("costreamRevoke")
        self.revoke_button.clicked.connect(self.revoke)
        row = QHBoxLayout()
        row.addWidget(self.link_edit, 1)
        row.addWidget(self.copy_button)
        row.addWidget(self.revoke_button)
        form.addRow(self.tr("加入链接"), row)
        self.qr_label = QLabel()
        self.qr_label.setObjectName("costreamQr")
        self.qr_label.setFixedSize(QR_SIZE, QR_SIZE)
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.link_note = QLabel()
        self.link_note.setWordWrap(True)
        qr_row = QHBoxLayout()
        qr_row.addWidget(self.qr_label)
        qr_row.addWidget(self.link_note, 1)
        form.addRow(qr_row)
        self._show_invite(None)
        return box

    def _build_guests(self) -> QGroupBox:
        box = QGroupBox(self.tr("嘉宾名单"))
        lay = QVBoxLayout(box)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("布局")))
        self.layout_combo = QComboBox()
        self.layout_combo.setObjectName("costreamLayout")
        for label, kind in (
            (self.tr("并排"), "side"),
            (self.tr("画中画"), "pip"),
            (self.tr("四宫格"), "grid"),
        ):
            self.layout_combo.addItem(label, kind)
        self.layout_combo.activated.connect(self._layout_chosen)
        top.addWidget(self.layout_combo)
        top.addStretch(1)
        lay.addLayout(top)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("costreamGuests")
        self.table.setHorizontalHeaderLabels([self.tr("嘉宾"), self.tr("状态"), self.tr("操作")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        lay.addWidget(self.table, 1)
        self.empty_label = QLabel(self.tr("还没有嘉宾。把加入链接或二维码发给对方。"))
        lay.addWidget(self.empty_label)
        return box

    def _build_join(self) -> QGroupBox:
        box = QGroupBox(self.tr("加入别人的连麦"))
        form = QFormLayout(box)
        self.join_edit = QLineEdit()
        self.join_edit.setObjectName("costreamJoinLink")
        self.join_edit.setPlaceholderText(self.tr("粘贴主播发来的连麦链接"))
        form.addRow(self.tr("连麦链接"), self.join_edit)
        self.name_edit = QLineEdit(self.app.people[0])
        self.name_edit.setPlaceholderText(self.tr("你在对方画面上的名字"))
        form.addRow(self.tr("我的名字"), self.name_edit)
        self.join_button = QPushButton(self.tr("加入连麦"))
        self.join_button.setObjectName("costreamJoin")
        self.join_button.clicked.connect(self.join)
        self.leave_button = QPushButton(self.tr("离开连麦"))
        self.leave_button.clicked.connect(self._leave_clicked)
        self.leave_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.join_button)
        row.addWidget(self.leave_button)
        row.addStretch(1)
        form.addRow(row)
        self.join_state = QLabel(self.tr("未加入"))
        self.join_state.setObjectName("costreamJoinState")
        form.addRow(self.tr("状态"), self.join_state)
        return box

    # -- the invite ----------------------------------------------------------------
    def make_invite(self) -> None:
        request: InviteRequest = {
            "label": self.label_edit.text().strip() or self.tr("连麦嘉宾"),
            "uses": self.uses_spin.value(),
            "ttl_minutes": int(self.expiry_combo.currentData()),
        }
        if not self.win.jobs.start(
            "costream-invite",
            lambda: self.app.costreaming.invite(request),
            self._show_invite,
            lambda exc: self._failed(self.tr("无法生成连麦邀请"), exc),
        ):
            self.win.still_busy()

    def _show_invite(self, invite: Invite | None) -> None:
        self.invite = invite
        have = invite is not None
        self.link_edit.setText(invite["join_url"] if invite else "")
        self.link_edit.setCursorPosition(0)  # the backend's address first, the token after
        self.copy_button.setEnabled(have)
        self.revoke_button.setEnabled(have)
        if invite is None:
            self.qr_label.clear()
            self.link_note.setText(
                self.tr("对方用手机或电脑浏览器打开链接，或在导购直播台里“加入连麦”。")
            )
            return
        self.qr_label.setPixmap(qr_pixmap(invite["join_url"], QR_SIZE))
        self.link_note.setText(
            self.tr("“{label}”：可加入 {uses} 人，{expires} 前有效。手机扫码即可加入。").format(
                label=invite["label"],
                uses=invite["uses"],
                expires=_local_time(invite["expires_at"]),
            )
        )

    def copy_link(self) -> None:
        if self.invite is not None:
            QGuiApplication.clipboard().setText(self.invite["join_url"])
            self.win.statusBar().showMessage(self.tr("连麦链接已复制"), 3000)

    def revoke(self) -> None:
        invite = self.invite
        if invite is None:
            return
        cohost = self.app.costreaming.cohost()
        if not self.win.jobs.start(
            "costream-revoke",
            lambda: cohost.revoke(invite["id"]),
            lambda _r: self._revoked(),
            lambda exc: self._failed(self.tr("无法撤销连麦链接"), exc),
        ):
            self.win.still_busy()

    def _revoked(self) -> None:
        self._show_invite(None)
        self.link_note.setText(self.tr("链接已撤销：再用它加入会被拒绝。已在连麦的嘉宾不受影响。"))

    # -- the guests ----------------------------------------------------------------
    def _on_event(self, topic: str, data: dict) -> None:
        if topic == TOPIC_MONITOR:  # no sound output: say so once, in the window's language
            text = render(str(data.get("note")), None, window_language())
            self.win.statusBar().showMessage(text, 10000)
            return
        if topic == TOPIC_INVITE and data.get("revoked"):
            if data.get("closed"):  # the session changed or the backend was left
                self._gone.clear()  # the next backend numbers its guests afresh
                self._show_invite(None)
                self.link_note.setText(
                    self.tr("连麦已结束（换了场次或断开了后台）：需要时重新邀请。")
                )
            elif self.invite is not None and data.get("invite_id") == self.invite["id"]:
                self._revoked()
            return
        if topic != TOPIC_GUEST:
            return
        gid = int(data["guest_id"])
        if gid in self._gone:  # a late word about a guest removed (their line closing)
            return
        if data.get("state") in ("ended", "left"):
            self._gone.add(gid)
            if data.get("state") == "left" and gid in self.rows:
                name = str(data.get("name") or gid)
                self.win.statusBar().showMessage(
                    self.tr("{name} 离开了连麦").format(name=name), 5000
                )
            self._drop_row(gid)
            return
        self.guests[gid] = dict(data)
        if gid not in self.rows:
            self._add_row(gid)
        self._fill_row(gid)

    def _add_row(self, gid: int) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        buttons = QWidget()
        bl = QHBoxLayout(buttons)
        bl.setContentsMargins(2, 0, 2, 0)
        air = QPushButton()
        air.setObjectName(f"onAir{gid}")
        air.clicked.connect(lambda: self.put_on(gid, not self.guests[gid]["on_air"]))
        mute = QPushButton()
        mute.setObjectName(f"mute{gid}")
        mute.clicked.connect(lambda: self.mute(gid, not self.guests[gid]["muted"]))
        remove = QPushButton(self.tr("移除"))
        remove.setObjectName(f"remove{gid}")
        remove.clicked.connect(lambda: self.remove(gid))
        for b in (air, mute, remove):
            bl.addWidget(b)
        name, state = QTableWidgetItem(), QTableWidgetItem()
        self.table.setItem(row, 0, name)
        self.table.setItem(row, 1, state)
        self.table.setCellWidget(row, 2, buttons)
        self.rows[gid] = GuestRow(name, state, air, mute, remove)
        self.empty_label.setVisible(False)

    def _fill_row(self, gid: int) -> None:
        d, r = self.guests[gid], self.rows[gid]
        r.name.setText(str(d.get("name") or gid))
        r.state.setText(self.state_text(d, self._source_state(gid)))
        r.air.setText(self.tr("下麦") if d["on_air"] else self.tr("上麦"))
        r.mute.setText(self.tr("取消静音") if d["muted"] else self.tr("静音"))
        self.table.resizeRowToContents(self.table.row(r.name))

    def _drop_row(self, gid: int) -> None:
        self._gone.add(gid)
        r = self.rows.pop(gid, None)
        self.guests.pop(gid, None)
        if r is not None:
            self.table.removeRow(self.table.row(r.name))
        self.empty_label.setVisible(not self.rows)

    def _source_state(self, gid: int) -> str:
        """The guest picture's own state (live/lost) when the app has it."""
        cohost = self.app.costreaming.host
        peer = cohost.guests.get(gid) if cohost is not None else None
        return peer.source.state if peer is not None else ""

    def state_text(self, d: dict, picture: str = "") -> str:
        """What a guest is doing, in words: their line, then on air / muted."""
        state = str(d.get("state") or "")
        if picture in ("live", "lost") and state not in ("failed", "closed"):
            state = picture
        line = {
            "live": self.tr("画面正常"),
            "lost": self.tr("连接中断，正在等待重连（观众看到占位画面）"),
            "failed": self.tr("连接失败，正在等待重连"),
            "closed": self.tr("已断开"),
        }.get(state, self.tr("正在连接…"))
        air = (
            self.tr("在直播画面上") if d.get("on_air") else self.tr("未上麦（观众看不到也听不到）")
        )
        parts = [line, air] + ([self.tr("已静音")] if d.get("muted") else [])
        return self.tr("，").join(parts)

    def put_on(self, gid: int, on: bool) -> None:
        self._quick(lambda: self.app.costreaming.cohost().put_on(gid, on))

    def mute(self, gid: int, muted: bool) -> None:
        self._quick(lambda: self.app.costreaming.cohost().mute(gid, muted))

    def _quick(self, call: Any) -> None:
        """Engine-only calls (the backend is told in the background): on the GUI thread."""
        try:
            call()
        except UserError as exc:
            self._failed(self.tr("连麦操作没有完成"), exc)

    def remove(self, gid: int) -> None:
        cohost = self.app.costreaming.cohost()
        if not self.win.jobs.start(
            "costream-remove",
            lambda: cohost.remove(gid),
            lambda _r: self._drop_row(gid),
            lambda exc: self._failed(self.tr("无法移除嘉宾"), exc),
        ):
            self.win.still_busy()

    def _layout_chosen(self, index: int) -> None:
        kind = str(self.layout_combo.itemData(index))
        try:
            self.app.costreaming.cohost().set_layout(kind)
        except UserError as exc:
            self._failed(self.tr("无法切换布局"), exc)

    # -- joining another studio's 连麦 -------------------------------------------------
    def join(self) -> None:
        url, name = self.join_edit.text().strip(), self.name_edit.text().strip()
        if not url:
            self.win.error(self.tr("无法加入连麦"), self.tr("请先粘贴主播发来的连麦链接。"))
            return
        self.join_state.setText(self.tr("正在加入…"))
        if not self.win.jobs.start(
            "costream-join",
            lambda: self.app.costreaming.join(url, name),
            lambda _g: self._joined(True),
            self._join_failed,
        ):
            self.join_state.setText(self.tr("未加入"))
            self.win.still_busy()

    def _join_failed(self, exc: Exception) -> None:
        self._joined(False)
        self._failed(self.tr("无法加入连麦"), exc)

    def _watch_guest(self) -> None:
        """The host removed us or ended the show: the 连麦 is over, say so."""
        guest = self.app.costreaming.guest
        if guest is None or not guest.ended or self.win.jobs.busy:
            return
        self._guest_timer.stop()
        self.leave(self.tr("主播已结束你的连麦"))

    def _joined(self, joined: bool) -> None:
        self.join_state.setText(
            self.tr("已加入：对方的画面在预览右上角（只有你看得到）")
            if joined
            else self.tr("未加入")
        )
        self.leave_button.setEnabled(joined)
        self.join_button.setEnabled(not joined and not self.win.jobs.busy)
        if joined:
            self._guest_timer.start()
        else:
            self._guest_timer.stop()

    def _leave_clicked(self) -> None:
        self.leave()

    def leave(self, why: str = "") -> None:
        def done(_r: object) -> None:
            self._joined(False)
            if why:
                self.join_state.setText(why)

        if not self.win.jobs.start(
            "costream-leave",
            self.app.costreaming.leave,
            done,
            lambda exc: self._failed(self.tr("离开连麦时出错"), exc),
        ):
            self.win.still_busy()

    # -- errors and busy -------------------------------------------------------------
    def _busy(self, busy: bool) -> None:
        self.invite_button.setEnabled(not busy)
        self.join_button.setEnabled(not busy and self.app.costreaming.guest is None)

    def _failed(self, title: str, exc: Exception) -> None:
        log.warning("%s: %s", title, redact(str(exc)))
        self.win.error(title, self.error_text(exc))

    def error_text(self, exc: Exception) -> str:
        """The engine's and backend's refusals in the window's language."""
        text = str(exc)
        low = text.lower()
        if isinstance(exc, LinkRefusedError):
            why = next(
                (words for key, words in self._refusals() if key in low),
                self.tr("这个连麦链接已失效。"),
            )
            return why + self.tr("请向主播要一个新的连麦邀请链接。")
        if isinstance(exc, TimeoutError):
            return self.tr("对方没有应答。请确认主播的直播台开着，然后再试。")
        for key, words in self._problems():
            if key in low:
                return words
        return self.tr("连麦没有成功：") + redact(text)

    def _refusals(self) -> list[tuple[str, str]]:
        """Why a link was refused (the backend's words) -> ours."""
        return [
            ("expired", self.tr("这个连麦链接已过期。")),
            ("revoked", self.tr("这个连麦链接已被主播撤销。")),
            ("used up", self.tr("这个连麦链接的名额已用完。")),
            ("ended", self.tr("这场直播已经结束。")),
            ("left", self.tr("主播已结束你的连麦。")),
        ]

    def _problems(self) -> list[tuple[str, str]]:
        """The engine's and backend's other refusals (their words) -> ours."""
        return [
            ("full", self.tr("连麦人数已满（最多 3 位嘉宾）。请等一位嘉宾离开后再试。")),
            (
                "needs the session's backend",
                self.tr("连麦需要先连接后台（或打开演示模式）：按工具栏的“连接后台…”。"),
            ),
            (
                "needs a 连麦 link",
                self.tr("这不是连麦链接。请复制主播发来的完整链接（…/join/…）。"),
            ),
            ("did not answer", self.tr("对方没有应答。请确认主播的直播台开着，然后再试。")),
            ("cannot reach", self.tr("连不上后台，请检查网络后再试。")),
            ("does not answer", self.tr("连不上后台，请检查网络后再试。")),
            (
                "guests are on this studio",
                self.tr("你的直播间里还有连麦嘉宾：先移除他们，再加入别人的连麦。"),
            ),
            ("guest of another", self.tr("你正在别人的连麦里：先离开，再邀请嘉宾。")),
            ("no 连麦 guest", self.tr("这位嘉宾已经不在连麦里了。")),
        ]


def qr_pixmap(url: str, size: int) -> QPixmap:
    """The link's QR code, drawn crisp (whole pixels per module) at about ``size``."""
    code = segno.make(url, error="m", micro=False)
    modules = code.symbol_size(scale=1, border=2)[0]
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=max(1, size // modules), border=2)
    pix = QPixmap()
    pix.loadFromData(buf.getvalue(), "PNG")
    return pix


def _local_time(iso: str) -> str:
    """``2026-06-16T12:00:00Z`` as this computer's local HH:MM (the guide's clock)."""
    from datetime import datetime

    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return when.strftime("%H:%M")
