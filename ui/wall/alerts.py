"""The side list of alerts: newest first, open ones in colour, closed ones greyed."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from studio.messages import wall_alert
from studio.wall.alerts import Alert
from ui.bridge import window_language


class AlertList(QListWidget):
    store_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alerts")
        self._items: dict[int, QListWidgetItem] = {}
        self.itemDoubleClicked.connect(
            lambda it: self.store_clicked.emit(it.data(Qt.ItemDataRole.UserRole))
        )

    def raised(self, alert: Alert) -> None:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, alert.key)
        self._items[id(alert)] = item
        self.insertItem(0, item)
        self.refresh(alert)

    def refresh(self, alert: Alert) -> None:
        item = self._items.get(id(alert))
        if item is None:
            return
        at = time.strftime("%H:%M:%S", time.localtime(alert.raised_at))
        text = wall_alert(alert.kind, alert.text, window_language())
        if alert.active:
            item.setText(f"⚠ {at} {alert.store}：{text}")
            item.setForeground(QColor("#ff8a65"))
        else:
            item.setText(f"{at} {alert.store}：{text}" + self.tr("（已恢复）"))
            item.setForeground(QColor("#8a90a0"))

    def texts(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]
