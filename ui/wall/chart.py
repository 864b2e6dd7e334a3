"""Orders per hour as bars (GMV) with the order count on top: a plot, drawn with QPainter.

Twelve bars and two labels do not justify a plotting dependency.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from studio.wall.model import yuan


class HourlyChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buckets: list[tuple[str, int, int]] = []  # (label "14时", gmv cents, orders)
        self.setMinimumHeight(140)

    def set_buckets(self, buckets: list[tuple[str, int, int]]) -> None:
        self.buckets = buckets
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#1b1e25"))
        fm = p.fontMetrics()
        top, bottom, left = fm.height() * 2 + 4, fm.height() + 6, 8
        p.setPen(QColor("#c9ced8"))
        p.drawText(left, fm.ascent() + 2, self.tr("每小时销售额"))
        if not self.buckets:
            p.setPen(QColor("#6c7280"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("暂无订单"))
            p.end()
            return
        peak = max([1, *(b[1] for b in self.buckets)])
        area_h = self.height() - top - bottom
        slot = (self.width() - 2 * left) / len(self.buckets)
        for i, (label, gmv, orders) in enumerate(self.buckets):
            bh = area_h * gmv / peak
            x = left + i * slot
            bar = QRectF(x + slot * 0.15, top + area_h - bh, slot * 0.7, bh)
            p.fillRect(bar, QColor("#e8643c"))
            p.setPen(QColor("#c9ced8"))
            p.drawText(
                QRectF(x, self.height() - bottom + 2, slot, bottom),
                Qt.AlignmentFlag.AlignHCenter,
                label,
            )
            if orders:
                p.drawText(
                    QRectF(x, bar.top() - fm.height() - 1, slot, fm.height()),
                    Qt.AlignmentFlag.AlignHCenter,
                    self.tr("%1单").replace("%1", str(orders)),
                )
        p.setPen(QColor("#8a90a0"))
        p.drawText(
            QRectF(0, 2, self.width() - left, fm.height()),
            Qt.AlignmentFlag.AlignRight,
            self.tr("峰值 ") + yuan(peak),
        )
        p.end()
