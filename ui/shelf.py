"""The product shelf: search, price, live stock; one click shows the card, two pop the link.

Each card has the product's picture: read from the commerce cache on a pool
thread (a disk read never holds up the window), scaled once and kept; a tile
in the product's colour with its first character stands in until then, or
for good when there is no picture.
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from studio.show.catalog import Catalog, Product

log = logging.getLogger(__name__)

PICTURE = 44  # px: the square picture at the left of a shelf card


class _Loaded(QObject):
    """Carries a picture read on a pool thread back to the GUI thread (queued)."""

    picture = Signal(str, QImage)  # path, scaled image (null when unreadable)


# Python threads, not QThreadPool: Qt's global pool is joined by ~QCoreApplication with the GIL
# held, and a picture task still running Python then waits for the GIL forever (a hung exit).
_READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="shelf-pictures")


def _read_picture(path: str, done: _Loaded) -> None:
    """On a reader thread: QImage (unlike QPixmap) may be made off the GUI thread."""
    img = QImage(path)
    if not img.isNull():
        img = img.scaled(
            PICTURE,
            PICTURE,
            Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation,
        )
    with contextlib.suppress(RuntimeError):  # the shelf is gone
        done.picture.emit(path, img)


def placeholder(product: Product) -> QPixmap:
    """A rounded tile in the product's colour with the first character of its name."""
    pm = QPixmap(PICTURE, PICTURE)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, PICTURE, PICTURE), 6, 6)
    p.fillPath(path, QColor(product.color))
    f = QFont(p.font())
    f.setPixelSize(PICTURE // 2)
    f.setBold(True)
    p.setFont(f)
    p.setPen(QColor("white"))
    p.drawText(pm.rect(), Qt.AlignmentFlag.AlignCenter, product.name[:1])
    p.end()
    return pm


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
        self.list.setIconSize(QSize(PICTURE, PICTURE))
        self.list.setFixedHeight(92)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.itemClicked.connect(
            lambda it: self.product_clicked.emit(it.data(Qt.ItemDataRole.UserRole))
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.search)
        lay.addWidget(self.list)
        self.images: dict[str, str] = {}  # sku -> picture path, from the catalog or the cache
        self.pictures: dict[str, QPixmap] = {}  # path -> scaled picture, read once
        self._reading: set[str] = set()
        self._loaded = _Loaded(self)
        self._loaded.picture.connect(self._picture_read)
        self.rebuild(catalog)

    def rebuild(self, catalog: Catalog) -> None:
        """Show another catalog (the backend's, once connected)."""
        self.catalog = catalog
        self.stock = {p.sku: p.stock for p in catalog}
        self.images.update({p.sku: p.image for p in catalog if p.image})
        self.list.clear()
        for i, p in enumerate(catalog):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, p.sku)
            item.setSizeHint(QSize(182, 56))
            item.setToolTip(f"{p.sku}  {i + 1 if i < 9 else ''}")
            self.list.addItem(item)
            self._paint(item)
            self._picture(item)

    def set_images(self, images: dict[str, str]) -> None:
        """Pictures the commerce cache fetched after connecting: {sku: path}."""
        self.images.update(images)
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in images:
                self._picture(item)

    def _picture(self, item: QListWidgetItem) -> None:
        sku = item.data(Qt.ItemDataRole.UserRole)
        path = self.images.get(sku, "")
        cached = self.pictures.get(path) if path else None
        if cached is not None:
            item.setIcon(QIcon(cached))
            item.setData(Qt.ItemDataRole.UserRole + 1, "picture")
            return
        item.setIcon(QIcon(placeholder(self.catalog[sku])))
        item.setData(Qt.ItemDataRole.UserRole + 1, "placeholder")
        if path and path not in self._reading and Path(path).is_file():
            self._reading.add(path)
            done = self._loaded
            _READER.submit(_read_picture, path, done)

    def _picture_read(self, path: str, img: QImage) -> None:
        self._reading.discard(path)
        if img.isNull():
            log.warning("product picture %s is unreadable: placeholder kept", path)
            self.images = {k: v for k, v in self.images.items() if v != path}
            return
        self.pictures[path] = QPixmap.fromImage(img)
        for i in range(self.list.count()):
            item = self.list.item(i)
            if self.images.get(item.data(Qt.ItemDataRole.UserRole)) == path:
                self._picture(item)

    def picture_state(self, sku: str) -> str:
        """Either "picture" or "placeholder": what the card of ``sku`` shows (for tests)."""
        item = self.item(sku)
        return str(item.data(Qt.ItemDataRole.UserRole + 1)) if item else ""

    def item(self, sku: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == sku:
                return item
        return None

    def select(self, sku: str) -> None:
        """Highlight the product a hotkey (or the script) put on screen, as a click would."""
        item = self.item(sku)
        if item is not None:
            self.list.setCurrentItem(item)
            self.list.scrollToItem(item)

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
