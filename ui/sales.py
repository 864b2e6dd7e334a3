"""Sales while live: the order feed, session GMV and orders, my commission, sync state."""

from __future__ import annotations

import logging
import time

from PySide6.QtWidgets import QGridLayout, QLabel, QListWidget, QVBoxLayout, QWidget

log = logging.getLogger(__name__)


class SalesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gmv = 0.0
        self.orders = 0
        self.commission = 0.0
        self._seen: set[str] = set()
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

    def on_event(self, topic: str, data: dict) -> None:
        if topic == "commerce.order":
            key = str(data.get("order_no") or data.get("event_id"))
            if key in self._seen:  # an order is counted once, whatever the feed does
                return
            self._seen.add(key)
            self.orders += 1
            self.gmv += float(data.get("amount") or 0)
            self.commission += float(data.get("commission") or 0)
            who = (
                (self.tr("尾号 ") + data["phone_tail"])
                if data.get("phone_tail")
                else (data.get("buyer") or "")
            )
            stamp = time.strftime("%H:%M:%S")
            self.feed.insertItem(
                0, f"{stamp}  {who}  {data.get('name', '')}  ¥{float(data.get('amount') or 0):g}"
            )
        elif topic == "commerce.refund":
            self.gmv -= float(data.get("amount") or 0)
            self.commission -= float(data.get("commission") or 0)
        elif topic == "commerce.status":
            self._status(data)
        elif topic == "commerce.connected":
            self.state.setText(self.tr("已连接：") + str(data.get("url", "")))
        self.gmv_label.setText(f"¥{self.gmv:,.2f}")
        self.orders_label.setText(str(self.orders))
        self.commission_label.setText(f"¥{self.commission:,.2f}")

    def _status(self, d: dict) -> None:
        online = d.get("online")
        text = (
            self.tr("在线")
            if online
            else (self.tr("离线") if online is False else self.tr("连接中"))
        )
        text += "  ·  " + self.tr("待同步 ") + str(d.get("pending", 0))
        if d.get("last_sync_at"):
            text += (
                "  ·  "
                + self.tr("上次同步 ")
                + time.strftime("%H:%M:%S", time.localtime(float(d["last_sync_at"])))
            )
        self.state.setText(text)
        self.state.setStyleSheet("" if online else "color: #b07a1e;")
