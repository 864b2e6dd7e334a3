"""The focused store: a large picture with sound, its order feed, hourly plot, leaderboard."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.wall.model import StoreInfo, hourly, yuan
from ui.wall.chart import HourlyChart
from ui.wall.tile import TileWidget


class FocusView(QWidget):
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tile: TileWidget | None = None
        self.key: str | None = None
        self._video_box = QVBoxLayout()
        self.title = QLabel("")
        self.title.setObjectName("focusTitle")
        self.audio_note = QLabel("")
        self.audio_note.setObjectName("audioNote")
        back = QPushButton(self.tr("返回总览 (Esc)"))
        back.clicked.connect(self.back.emit)
        head = QHBoxLayout()
        head.addWidget(back)
        head.addWidget(self.title, 1)
        head.addWidget(self.audio_note)
        self.orders = QListWidget()
        self.orders.setObjectName("orderFeed")
        self.chart = HourlyChart()
        self.leaders = QTableWidget(0, 4)
        self.leaders.setObjectName("leaderboard")
        self.leaders.setHorizontalHeaderLabels(
            [self.tr("名次"), self.tr("导购"), self.tr("门店"), self.tr("销售额")]
        )
        self.leaders.verticalHeader().setVisible(False)
        self.leaders.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.leaders.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        side = QVBoxLayout()
        side.addWidget(QLabel(self.tr("实时订单")))
        side.addWidget(self.orders, 2)
        side.addWidget(self.chart, 1)
        side.addWidget(QLabel(self.tr("区域导购榜（今日）")))
        side.addWidget(self.leaders, 2)
        body = QHBoxLayout()
        body.addLayout(self._video_box, 3)
        body.addLayout(side, 1)
        root = QVBoxLayout(self)
        root.addLayout(head)
        root.addLayout(body, 1)

    def show_store(self, info: StoreInfo, tile: TileWidget) -> None:
        if self.tile is not None:
            self._video_box.removeWidget(self.tile)
            self.tile.deleteLater()
        self.key, self.tile = info.key, tile
        self._video_box.addWidget(tile, 1)
        self.title.setText(f"{info.name}  {info.guide}")
        self.orders.clear()
        self.chart.set_buckets([])

    def set_orders(self, orders: Iterable[dict[str, Any]]) -> None:
        """Newest first: time, product, amount."""
        rows = sorted(orders, key=lambda o: o.get("created_at", 0), reverse=True)
        self.orders.clear()
        for o in rows[:200]:
            at = time.strftime("%H:%M:%S", time.localtime(o.get("created_at", 0)))
            name = o.get("product_name") or self.tr("商品") + str(o.get("product_id", ""))
            status = self.tr("（已退款）") if o.get("status") == "refunded" else ""
            self.orders.addItem(
                f"{at}  {name} ×{o.get('quantity', 1)}  {yuan(o.get('amount_cents', 0))}{status}"
            )
        paid = [(o["created_at"], o["amount_cents"]) for o in rows if o.get("status") != "refunded"]
        self.chart.set_buckets(hourly(paid, time.time()))

    def set_leaderboard(self, rows: list[dict[str, Any]]) -> None:
        self.leaders.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, v in enumerate(
                (
                    str(i + 1),
                    r.get("guide_name", ""),
                    r.get("store_name", ""),
                    yuan(int(r.get("gmv_cents", 0))),
                )
            ):
                item = QTableWidgetItem(v)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.leaders.setItem(i, j, item)
