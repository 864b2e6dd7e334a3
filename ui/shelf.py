"""The product shelf: search, price, live stock; one click shows the card, two pop the link."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from studio.show.catalog import Catalog

log = logging.getLogger(__name__)


class ProductShelf(QWidget):
    product_clicked = Signal(str)  # sku

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("shelfSearch")
        self.search.setPlaceholderText(self.tr("搜索商品名称或货号"))
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget()
        self.list.setObjectName("shelf")
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setSpacing(6)
        self.list.setGridSize(QSize(190, 64))
        self.list.setFixedHeight(92)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.itemClicked.connect(
            lambda it: self.product_clicked.emit(it.data(Qt.ItemDataRole.UserRole))
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.search)
        lay.addWidget(self.list)
        self.rebuild(catalog)

    def rebuild(self, catalog: Catalog) -> None:
        """Show another catalog (the backend's, once connected)."""
        self.catalog = catalog
        self.stock = {p.sku: p.stock for p in catalog}
        self.list.clear()
        for i, p in enumerate(catalog):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, p.sku)
            item.setSizeHint(QSize(182, 56))
            item.setToolTip(f"{p.sku}  {i + 1 if i < 9 else ''}")
            self.list.addItem(item)
            self._paint(item)

    def _paint(self, item: QListWidgetItem) -> None:
        p = self.catalog[item.data(Qt.ItemDataRole.UserRole)]
        stock = self.stock.get(p.sku, p.stock)
        if stock <= 0:
            state = self.tr("已售罄")
        elif stock <= 10:
            state = self.tr("仅剩 %n 件", "", stock)
        else:
            state = self.tr("库存 %n", "", stock)
        item.setText(f"{p.name}\n¥{p.price:g}   {state}")
        sold_out = stock <= 0
        item.setForeground(QBrush(QColor("#999999" if sold_out else "#1d1f24")))
        item.setBackground(QBrush(QColor("#eeeeee" if sold_out else "#fff7ec")))

    def set_stock(self, sku: str, stock: int) -> None:
        self.stock[sku] = stock
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == sku:
                self._paint(item)

    def _filter(self, text: str) -> None:
        t = text.strip().casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            p = self.catalog[item.data(Qt.ItemDataRole.UserRole)]
            item.setHidden(bool(t) and t not in p.name.casefold() and t not in p.sku.casefold())

    def visible_skus(self) -> list[str]:
        return [
            self.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.list.count())
            if not self.list.item(i).isHidden()
        ]
