"""One store's tile: its newest picture and a few words, all painted in one paintEvent.

No child widgets: a page of 64 tiles is 64 widgets, not 64 x 8. The picture is
the decoder's RGB array at the tile's size, wrapped (not converted) here.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.wall.decoder import Picture
from studio.wall.model import BADGES, StoreInfo, duration, yuan

BADGE_COLOURS = {
    "live": "#2fb86e",
    "stale": "#f0a020",
    "reconnecting": "#e8643c",
    "offline": "#8a8f9c",
    "connecting": "#4a8fe0",
    "idle": "#5a606e",
}


class TileWidget(QWidget):
    focus_requested = Signal(str)

    def __init__(self, info: StoreInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.badge = "connecting" if info.url else "idle"
        self.alerting = False
        self._picture: Picture | None = None
        self._image: QImage | None = None
        self.pictures_shown = 0
        self.setMinimumSize(96, 54)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip(info.name)

    @property
    def key(self) -> str:
        return self.info.key

    def video_size(self) -> QSize:
        """The picture area (16:9 inside the tile) the decoder should scale to."""
        r = self._video_rect()
        return QSize(r.width(), r.height())

    def video_rect(self) -> QRect:
        return self._video_rect()

    def _video_rect(self) -> QRect:
        w, h = self.width(), self.height()
        vw, vh = (int(h * 16 / 9), h) if w / max(1, h) > 16 / 9 else (w, int(w * 9 / 16))
        return QRect((w - vw) // 2, (h - vh) // 2, vw, vh)

    def set_picture(self, pic: Picture | None) -> None:
        if pic is None or (self._picture is not None and pic.seq == self._picture.seq):
            return
        h, w, _ = pic.rgb.shape
        # wraps the decoder's array; keep a reference to it for as long as the image lives
        self._picture = pic
        self._image = QImage(pic.rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self.pictures_shown += 1
        self.update()

    def clear_picture(self) -> None:
        self._picture, self._image = None, None
        self.update()

    def current_image(self) -> QImage | None:
        return self._image

    def set_state(self, info: StoreInfo, badge: str, alerting: bool) -> None:
        changed = (badge, alerting) != (self.badge, self.alerting) or info != self.info
        self.info, self.badge, self.alerting = info, badge, alerting
        if changed:
            self.update()

    def _placeholder(self) -> str:
        if not self.info.url:
            return self.tr("无画面")
        return {"offline": self.tr("暂无信号"), "reconnecting": self.tr("重连中…")}.get(
            self.badge, self.tr("连接中…")
        )

    def badge_label(self) -> str:
        """The badge's words, translated (the engine's table holds the Chinese)."""
        return {
            "offline": self.tr("离线"),
            "reconnecting": self.tr("重连中"),
            "stale": self.tr("画面卡顿"),
            "connecting": self.tr("连接中"),
            "idle": self.tr("未开播"),
            "live": self.tr("直播中"),
        }.get(self.badge, BADGES[self.badge][0])

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.focus_requested.emit(self.info.key)
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.fillRect(self.rect(), QColor("#15171c"))
        vr = self._video_rect()
        if self._image is not None:
            p.drawImage(vr, self._image)
        else:
            p.setPen(QColor("#6c7280"))
            p.drawText(vr, Qt.AlignmentFlag.AlignCenter, self._placeholder())
        self._paint_text(p)
        if self.alerting or self.badge in ("reconnecting", "offline"):
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QColor(BADGE_COLOURS["reconnecting"] if self.alerting else "#8a8f9c"))
            p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        p.end()

    def _paint_text(self, p: QPainter) -> None:
        info = self.info
        w, h = self.width(), self.height()
        small = h < 150
        f = QFont(self.font())
        f.setPointSizeF(8.5 if small else 10)
        p.setFont(f)
        fm = p.fontMetrics()
        line = fm.height() + 2
        # top band: name + badge
        p.fillRect(QRect(0, 0, w, line + 4), QColor(0, 0, 0, 150))
        label = self.badge_label()
        bw = fm.horizontalAdvance(label) + 12
        badge_rect = QRect(w - bw - 4, 2, bw, line)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(QColor(BADGE_COLOURS[self.badge]))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(badge_rect, 6, 6)
        p.setPen(QColor("white"))
        p.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, label)
        name = fm.elidedText(info.name, Qt.TextElideMode.ElideRight, w - bw - 14)
        p.drawText(QRect(6, 2, w - bw - 12, line), Qt.AlignmentFlag.AlignVCenter, name)
        # bottom band: guide, live time, GMV, orders, viewers
        parts = []
        if info.guide:
            parts.append(info.guide)
        if info.live_since and info.session_state == "live":
            parts.append(self.tr("已播 ") + duration(time.time() - info.live_since))
        money = f"{yuan(info.gmv_cents)} · " + self.tr("%1单").replace("%1", str(info.orders))
        if info.viewers is not None:
            money += " · " + self.tr("%1人在看").replace("%1", str(info.viewers))
        if info.store_id is None and not info.orders:  # a --streams store: no sales known
            money = ""
        rows = [r for r in ([money] if small else [" · ".join(parts), money]) if r]
        if not rows:
            return
        band = QRect(0, h - line * len(rows) - 4, w, line * len(rows) + 4)
        p.fillRect(band, QColor(0, 0, 0, 150))
        for i, text in enumerate(rows):
            r = QRect(6, band.y() + 2 + i * line, w - 12, line)
            elided = fm.elidedText(text, Qt.TextElideMode.ElideRight, r.width())
            p.drawText(r, Qt.AlignmentFlag.AlignVCenter, elided)
