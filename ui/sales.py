"""Sales while live: the order feed, session GMV and orders, my commission, sync state.

The figures (本场成交额, 订单, 我的佣金) are the session's as commerce counts them
(``commerce.totals``: the orders and commissions in the local store, refunds out), the
same numbers the guide-only panel on the preview shows. The list is the session's
orders, a refunded one marked. "Connected" is said only when the backend answered;
what went wrong signing in is worded here, in the window's language, with what to fix.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from studio.commerce.client import ConnectError

log = logging.getLogger(__name__)


def offline_reason_text(reason: str | None) -> str:
    """Why the backend is not online, in a few words (the Sales tab's state line)."""
    return {
        "unreachable": QCoreApplication.translate("SalesPanel", "后台没有响应"),
        "unavailable": QCoreApplication.translate("SalesPanel", "后台暂时不可用"),
        "login_refused": QCoreApplication.translate("SalesPanel", "后台拒绝了账号或密码"),
        "login_needed": QCoreApplication.translate("SalesPanel", "需要重新登录"),
    }.get(reason or "", QCoreApplication.translate("SalesPanel", "后台没有响应"))


def connect_error_text(exc: ConnectError) -> str:
    """What went wrong signing in or joining the session, and what to fix (window's language)."""
    url, user = exc.url, exc.user or ""
    sid = "" if exc.session_id is None else str(exc.session_id)
    if exc.problem == "login_refused":
        text = (
            QCoreApplication.translate(
                "SalesPanel", "后台 {url} 拒绝了登录：账号“{user}”或密码不对。"
            )
            + "\n"
            + QCoreApplication.translate("SalesPanel", "请点“连接后台…”，重新输入账号和密码。")
        )
    elif exc.problem == "login_needed":
        text = (
            QCoreApplication.translate("SalesPanel", "后台 {url} 需要重新登录。")
            + "\n"
            + QCoreApplication.translate("SalesPanel", "请点“连接后台…”，重新输入账号和密码。")
        )
    elif exc.problem == "session_missing":
        text = (
            QCoreApplication.translate("SalesPanel", "后台 {url} 上没有直播场次 {session}。")
            + "\n"
            + QCoreApplication.translate(
                "SalesPanel", "请核对直播场次号（在门店后台的场次列表里）。"
            )
        )
    elif exc.problem == "session_refused":
        text = (
            QCoreApplication.translate(
                "SalesPanel", "后台 {url} 不允许账号“{user}”使用直播场次 {session}。"
            )
            + "\n"
            + QCoreApplication.translate(
                "SalesPanel", "请核对直播场次号，或用这个场次所属门店的导购账号登录。"
            )
        )
    elif exc.problem == "session_ended":
        text = (
            QCoreApplication.translate(
                "SalesPanel", "直播场次 {session} 已经结束，它的购买链接已失效。"
            )
            + "\n"
            + QCoreApplication.translate("SalesPanel", "请点“连接后台…”，选择下一个直播场次。")
        )
    else:  # unreachable, unavailable
        return unreachable_text(url, exc.problem, 0)
    # the backend's own words (English) stay in the log: the dialog is in one language
    return text.replace("{url}", url).replace("{user}", user).replace("{session}", sid)


def unreachable_text(url: str, reason: str | None, links: int) -> str:
    """Joined offline: the backend did not answer; what works meanwhile and what to check."""
    if reason == "unavailable":
        text = QCoreApplication.translate("SalesPanel", "后台 {url} 暂时不可用。")
    else:
        text = (
            QCoreApplication.translate("SalesPanel", "后台 {url} 没有响应。")
            + "\n"
            + QCoreApplication.translate(
                "SalesPanel", "请检查后台地址是否写对、这台电脑能否上网，以及后台是否已经启动。"
            )
        )
    text += "\n" + QCoreApplication.translate(
        "SalesPanel", "工作室会自动重试，账号和密码要等后台响应后才能验证。"
    )
    if links:
        text += "\n" + QCoreApplication.translate(
            "SalesPanel", "已为这个后台备好的 {n} 个购买链接可以离线使用。"
        ).replace("{n}", str(links))
    else:
        text += "\n" + QCoreApplication.translate(
            "SalesPanel", "还没有这个后台的购买链接：在它响应之前，不会显示购买二维码。"
        )
    return text.replace("{url}", url)


class SalesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gmv = 0.0
        self.orders = 0
        self.commission = 0.0
        self.session_id: int | None = None  # the session whose figures are shown
        self._seen: set[str] = set()
        self._items: dict[str, QListWidgetItem] = {}  # order no -> its line in the list
        self._joined: dict[str, Any] = {}  # the last commerce.connected (url, user, online)
        self._told_refused = False  # the background refusal of the login was shown once
        self.state = QLabel(self.tr("未连接后台"))
        self.state.setObjectName("syncState")
        self.state.setWordWrap(True)
        self.gmv_label = QLabel("¥0")
        self.orders_label = QLabel("0")
        self.commission_label = QLabel("¥0")
        for w in (self.gmv_label, self.orders_label, self.commission_label):
            w.setStyleSheet("font-size: 22px; font-weight: bold;")
        self.commission_label.setStyleSheet("font-size: 22px; font-weight: bold; color: #2e9d5b;")
        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("本场成交额")), 0, 0)
        grid.addWidget(QLabel(self.tr("订单")), 0, 1)
        grid.addWidget(QLabel(self.tr("我的佣金")), 0, 2)
        grid.addWidget(self.gmv_label, 1, 0)
        grid.addWidget(self.orders_label, 1, 1)
        grid.addWidget(self.commission_label, 1, 2)
        self.feed = QListWidget()
        self.feed.setObjectName("orderFeed")
        lay = QVBoxLayout(self)
        lay.addWidget(self.state)
        lay.addLayout(grid)
        lay.addWidget(QLabel(self.tr("实时订单")))
        lay.addWidget(self.feed, 1)

    def connecting(self) -> None:
        """A sign-in starts: nothing is connected until the backend answers."""
        self._joined = {}
        self._told_refused = False
        self.state.setText(self.tr("正在连接后台…"))
        self.state.setStyleSheet("")

    def disconnected(self) -> None:
        self._joined = {}
        self.state.setText(self.tr("未连接后台"))
        self.state.setStyleSheet("")

    def on_event(self, topic: str, data: dict) -> None:
        if topic == "commerce.order":
            self._add_order(data)
        elif topic == "commerce.refund":
            self._refunded(data)
        elif topic == "commerce.totals":
            if data.get("session_id") == self.session_id:
                self.orders = int(data.get("orders") or 0)
                self.gmv = float(data.get("gmv") or 0)
                self.commission = float(data.get("commission") or 0)
        elif topic == "commerce.status":
            self._status(data)
        elif topic == "commerce.connected":
            self._connected(data)
        self.gmv_label.setText(f"¥{self.gmv:,.2f}")
        self.orders_label.setText(str(self.orders))
        self.commission_label.setText(f"¥{self.commission:,.2f}")

    # the session's orders ------------------------------------------------------------
    def _connected(self, d: dict) -> None:
        """A session joined: its orders so far (from the store), "connected" if it answered."""
        self._joined = dict(d)
        if d.get("session_id") != self.session_id:
            self.session_id = d.get("session_id")
            self.feed.clear()
            self._seen.clear()
            self._items.clear()
            self.gmv, self.orders, self.commission = 0.0, 0, 0.0
        for order in d.get("orders") or []:
            self._add_order(order)
            if order.get("status") == "refunded":
                self._refunded(order)
        if d.get("online"):
            self.state.setText(self.tr("已连接：") + str(d.get("url", "")))
            self.state.setStyleSheet("")
        else:
            self._status({"online": False, "reason": d.get("reason"), "pending": None})

    def _add_order(self, d: dict) -> None:
        key = str(d.get("order_no") or d.get("event_id"))
        if key in self._seen:  # an order is listed once, whatever the feed does
            return
        self._seen.add(key)
        who = (
            (self.tr("尾号 ") + d["phone_tail"]) if d.get("phone_tail") else (d.get("buyer") or "")
        )
        at = d.get("created_at")
        stamp = time.strftime("%H:%M:%S", time.localtime(float(at) if at else time.time()))
        item = QListWidgetItem(
            f"{stamp}  {who}  {d.get('name', '')}  ¥{float(d.get('amount') or 0):g}"
        )
        self._items[key] = item
        self.feed.insertItem(0, item)

    def _refunded(self, d: dict) -> None:
        item = self._items.get(str(d.get("order_no") or ""))
        mark = self.tr("（已退款）")
        if item is not None and not item.text().endswith(mark):
            item.setText(item.text() + mark)
            font = item.font()
            font.setStrikeOut(True)
            item.setFont(font)

    # sync state ----------------------------------------------------------------------
    def _status(self, d: dict) -> None:
        online = d.get("online")
        if online:
            text = self.tr("在线")
        elif online is False:
            text = self.tr("离线") + "（" + offline_reason_text(d.get("reason")) + "）"
        else:
            text = self.tr("连接中")
        if d.get("pending") is not None:
            text += "  ·  " + self.tr("待同步 ") + str(d.get("pending", 0))
        if d.get("last_sync_at"):
            text += (
                "  ·  "
                + self.tr("上次同步 ")
                + time.strftime("%H:%M:%S", time.localtime(float(d["last_sync_at"])))
            )
        self.state.setText(text)
        self.state.setStyleSheet("" if online else "color: #b07a1e;")
        if d.get("reason") == "login_refused" and self._joined and not self._told_refused:
            self._tell_login_refused()

    def _tell_login_refused(self) -> None:
        """Joined offline, the backend answered later and refused the login: say so once."""
        self._told_refused = True
        exc = ConnectError(
            "login_refused", str(self._joined.get("url", "")), user=self._joined.get("user")
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("无法登录后台"), connect_error_text(exc), parent=self
        )
        box.setObjectName("errorDialog")
        box.open()
