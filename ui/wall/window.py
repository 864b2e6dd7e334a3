"""The wall window: a page of store tiles, sort and filter, a focus view, an alert list.

Timers on the GUI thread only move finished pictures into tiles (33 ms) and
sample decoder health for badges and alerts (500 ms); decoding and scaling
happen on each tile's decoder thread (``studio.wall.decoder``). Which tiles
decode, and how hard, is ``studio.wall.scheduler``'s call, re-made whenever the
page, the tile sizes or the focus change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from studio.messages import render
from studio.wall.alerts import AlertRules, AlertTracker
from studio.wall.audio import FocusAudio
from studio.wall.feed import backend_problem
from studio.wall.model import (
    PAGE_SIZE,
    SORTS,
    StoreInfo,
    VideoHealth,
    View,
    badge,
    grid_for,
    page_of,
    pages,
    yuan,
)
from studio.wall.scheduler import CostPolicy, DecoderPool, Placement
from ui.bridge import window_language
from ui.wall.alerts import AlertList
from ui.wall.focus import FocusView
from ui.wall.tile import TileWidget

log = logging.getLogger(__name__)


class Backend(Protocol):
    """What the focus view asks the commerce backend (``studio.wall.feed.WallClient``)."""

    async def session_orders(self, session_id: int) -> list[dict[str, Any]]: ...
    async def leaderboard(self) -> list[dict[str, Any]]: ...


class WallWindow(QMainWindow):
    def __init__(
        self,
        stores: list[StoreInfo],
        *,
        rules: AlertRules | None = None,
        policy: CostPolicy | None = None,
        pool: DecoderPool | None = None,
        audio: bool = True,
        alert_sound: bool = False,
        stale_after: float = 5.0,
        offline_after: float = 30.0,
        backend: Backend | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导购直播台 · 区域大屏"))
        self.stores: dict[str, StoreInfo] = {s.key: s for s in stores}
        self.view = View()
        self.page = 0
        self.policy = policy or CostPolicy()
        self.pool = pool or DecoderPool()
        self.alerts = AlertTracker(rules or AlertRules())
        self.alert_sound = alert_sound
        self.stale_after, self.offline_after = stale_after, offline_after
        self.backend = backend
        self.audio = FocusAudio(enabled=audio)
        self.orders: dict[str, deque[dict[str, Any]]] = {}
        self.tiles: dict[str, TileWidget] = {}
        self.focused: str | None = None
        self._order: list[str] = []
        self._tasks: set[asyncio.Future[None]] = set()
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.timeout.connect(self._replan)
        self._build()
        self._relayout()
        self._frames = QTimer(self)
        self._frames.timeout.connect(self._pull_pictures)
        self._frames.start(33)
        self._health = QTimer(self)
        self._health.timeout.connect(self._check_health)
        self._health.start(500)

    # ---- building --------------------------------------------------------------------
    def _build(self) -> None:
        bar = QWidget()
        bar.setObjectName("wallBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 4, 8, 4)
        self.sort_box = QComboBox()
        labels = {
            "gmv": self.tr("按销售额"),
            "trouble": self.tr("按异常"),
            "name": self.tr("按店名"),
        }
        for key in SORTS:
            self.sort_box.addItem(labels[key], key)
        self.sort_box.currentIndexChanged.connect(self._on_sort)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("筛选门店或导购"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter)
        self.trouble_box = QCheckBox(self.tr("只看异常"))
        self.trouble_box.toggled.connect(self._on_trouble)
        self.prev_btn = QPushButton(self.tr("上一页"))
        self.next_btn = QPushButton(self.tr("下一页"))
        self.prev_btn.clicked.connect(lambda: self.set_page(self.page - 1))
        self.next_btn.clicked.connect(lambda: self.set_page(self.page + 1))
        self.page_label = QLabel()
        self.summary = QLabel()
        self.summary.setObjectName("wallSummary")
        row.addWidget(QLabel(self.tr("排序")))
        row.addWidget(self.sort_box)
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.trouble_box)
        row.addWidget(self.summary)
        row.addWidget(self.prev_btn)
        row.addWidget(self.page_label)
        row.addWidget(self.next_btn)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(4)
        self.grid.setContentsMargins(4, 4, 4, 4)
        self.focus_view = FocusView()
        self.focus_view.back.connect(self.unfocus)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid_host)
        self.stack.addWidget(self.focus_view)
        self.banner = QLabel()  # what stops the wall and how to fix it (show_access_error)
        self.banner.setObjectName("wallBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#b3261e;color:white;padding:8px;font-weight:bold")
        self.banner.hide()
        central = QWidget()
        col = QGridLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.banner, 0, 0)
        col.addWidget(bar, 1, 0)
        col.addWidget(self.stack, 2, 0)
        col.setRowStretch(2, 1)
        self.setCentralWidget(central)
        self.alert_list = AlertList()
        self.alert_list.store_clicked.connect(self.focus)
        dock = QDockWidget(self.tr("告警"), self)
        dock.setObjectName("alertDock")
        dock.setWidget(self.alert_list)
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.resizeDocks([dock], [260], Qt.Orientation.Horizontal)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.unfocus)
        if self.audio.note:
            self.statusBar().showMessage(render(self.audio.note, None, window_language()))

    def show_access_error(self, reason: str, user: str) -> None:
        """The backend refused the wall (``studio.wall.feed.WallAccessError.reason``):
        say so over the tiles, with what the manager must change; it stays up."""
        texts = {
            "password": self.tr(
                "后台拒绝登录：账号 %1 的密码不对。请检查 STUDIO_WALL_PASSWORD（或 --user），"
                "然后重新打开大屏。"
            ),
            "token": self.tr("后台不再接受账号 %1 的登录（可能已过期）。请重新打开大屏再登录。"),
            "forbidden": self.tr(
                "账号 %1 无权查看这个区域的大屏。请用本区域的区域经理账号（--user）登录，"
                "或用 --region 选择自己的区域。"
            ),
            "region": self.tr(
                "后台没有账号 %1 可看的这个区域。请用 --region 指定一个存在的区域编号。"
            ),
        }
        text = texts.get(reason, texts["token"]).replace("%1", user)
        self.banner.setText(text)
        self.banner.show()

    def show_backend_problem(self, exc: BaseException, url: str) -> None:
        """The backend could not be used (not a refusal): plain words and the fix, over the
        tiles and in the status bar, in the window's language (never httpx's own text)."""
        kind, params = backend_problem(exc)
        text = render(f"wall.backend.{kind}", {"url": url, **params}, window_language())
        self.banner.setText(text)
        self.banner.show()
        self.statusBar().showMessage(text)

    # ---- store data --------------------------------------------------------------------
    def set_stores(self, stores: list[StoreInfo]) -> None:
        """Replace the store list (backend snapshot); tiles of vanished stores go."""
        now = time.time()
        for key in set(self.stores) - {s.key for s in stores}:
            self.alerts.forget(key, now)
        self.stores = {s.key: s for s in stores}
        self._relayout()

    def update_store(self, info: StoreInfo) -> None:
        old = self.stores.get(info.key)
        self.stores[info.key] = info
        if old is None or old.url != info.url or self.view.sort == "gmv":
            self._relayout()
        elif info.key in self.tiles:
            self.tiles[info.key].set_state(info, self.tiles[info.key].badge, False)

    def add_order(self, key: str, order: dict[str, Any]) -> None:
        self.orders.setdefault(key, deque(maxlen=500)).append(order)
        if key == self.focused:
            self.focus_view.set_orders(self.orders[key])

    # ---- layout ----------------------------------------------------------------------
    def ordered(self) -> list[StoreInfo]:
        return self.view.apply(self.stores.values())

    def set_page(self, page: int) -> None:
        page = max(0, min(page, pages(len(self._order)) - 1))
        if page != self.page:
            self.page = page
            self._relayout()

    def _relayout(self) -> None:
        items = self.ordered()
        order = [s.key for s in items]
        self.page = max(0, min(self.page, pages(len(order)) - 1))
        visible = page_of(items, self.page)
        keys = [s.key for s in visible]
        if order == self._order and list(self.tiles) == keys:
            self._replan_timer.start(50)
            return
        self._order = order
        for key in list(self.tiles):
            if key not in keys:
                tile = self.tiles.pop(key)
                self.grid.removeWidget(tile)
                tile.deleteLater()
        while self.grid.count():
            self.grid.takeAt(0)
        cols, rows = grid_for(len(visible))
        for i in range(max(cols, rows)):
            self.grid.setColumnStretch(i, 1 if i < cols else 0)
            self.grid.setRowStretch(i, 1 if i < rows else 0)
        new: dict[str, TileWidget] = {}
        for i, info in enumerate(visible):
            tile = self.tiles.get(info.key) or self._make_tile(info)
            new[info.key] = tile
            self.grid.addWidget(tile, i // cols, i % cols)
        self.tiles = new
        n = len(order)
        self.page_label.setText(f"{self.page + 1}/{pages(n)}")
        self.prev_btn.setEnabled(self.page > 0)
        self.next_btn.setEnabled((self.page + 1) * PAGE_SIZE < n)
        self._replan_timer.start(50)

    def _make_tile(self, info: StoreInfo) -> TileWidget:
        tile = TileWidget(info)
        tile.focus_requested.connect(self.focus)
        return tile

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(event)
        self._replan_timer.start(150)

    def _placements(self) -> list[Placement]:
        out = []
        for key, tile in self.tiles.items():
            info = self.stores.get(key)
            if info is None or not info.url:
                continue
            if key == self.focused and self.focus_view.tile is not None:
                size = self.focus_view.tile.video_size()
            else:
                size = tile.video_size()
            out.append(Placement(key, info.url, size.width(), size.height()))
        if self.focused and self.focused not in self.tiles:  # focused from the alert list
            info = self.stores.get(self.focused)
            if info and info.url and self.focus_view.tile is not None:
                size = self.focus_view.tile.video_size()
                out.append(Placement(info.key, info.url, size.width(), size.height()))
        return out

    def _replan(self) -> None:
        self.pool.apply(self._placements(), self.focused, self.policy)
        self.pool.reap_in_background()
        for key, tile in self.tiles.items():
            if self.pool.get(key) is None:
                tile.clear_picture()
        dec = self.pool.get(self.focused) if self.focused else None
        self.audio.play(dec.audio if dec is not None else None)

    # ---- focus -----------------------------------------------------------------------
    def focus(self, key: str) -> None:
        info = self.stores.get(key)
        if info is None:
            return
        self.focused = key
        big = TileWidget(info)
        self.focus_view.show_store(info, big)
        self.focus_view.audio_note.setText(
            render(self.audio.note, None, window_language()) if self.audio.note else ""
        )
        if key in self.orders:
            self.focus_view.set_orders(self.orders[key])
        self.stack.setCurrentWidget(self.focus_view)
        self._replan_timer.start(100)
        if self.backend is not None:
            task = asyncio.ensure_future(self._load_focus(info))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _load_focus(self, info: StoreInfo) -> None:
        assert self.backend is not None
        try:
            if info.session_id is not None:
                orders = await self.backend.session_orders(info.session_id)
                self.orders[info.key] = deque(orders, maxlen=500)
                if self.focused == info.key:
                    self.focus_view.set_orders(orders)
            self.focus_view.set_leaderboard(await self.backend.leaderboard())
        except Exception as exc:
            log.warning("focus data for %s unavailable: %s", info.name, exc)
            kind, params = backend_problem(exc)
            lang = window_language()
            why = render(f"wall.why.{kind}", params, lang)
            text = render("wall.focus_failed", {"store": info.name, "why": why}, lang)
            self.statusBar().showMessage(text, 8000)

    def unfocus(self) -> None:
        if self.focused is None:
            return
        self.focused = None
        self.stack.setCurrentWidget(self.grid_host)
        self._replan_timer.start(50)

    # ---- ticks -----------------------------------------------------------------------
    def _pull_pictures(self) -> None:
        for key, tile in self.tiles.items():
            dec = self.pool.get(key)
            if dec is not None:
                tile.set_picture(dec.take())
        if self.focused and self.focus_view.tile is not None:
            dec = self.pool.get(self.focused)
            if dec is not None:
                self.focus_view.tile.set_picture(dec.take())

    def health_of(self, key: str) -> VideoHealth | None:
        dec = self.pool.get(key)
        return dec.health() if dec is not None else None

    def _check_health(self) -> None:
        now = time.time()
        trouble = 0
        gmv = 0
        live = 0
        for key, info in self.stores.items():
            video = self.health_of(key)
            b = badge(video, info, self.stale_after, self.offline_after)
            self.view.badges[key] = b
            raised, cleared = self.alerts.update(info, video, now)
            for a in raised:
                self.alert_list.raised(a)
                if self.alert_sound:
                    QApplication.beep()
            for a in cleared:
                self.alert_list.refresh(a)
            active = any(a.key == key for a in self.alerts.active())
            for a in self.alerts.active():
                if a.key == key:
                    self.alert_list.refresh(a)
            tile = self.tiles.get(key)
            if tile is not None:
                tile.set_state(info, b, active)
            if key == self.focused and self.focus_view.tile is not None:
                self.focus_view.tile.set_state(info, b, active)
            trouble += b in ("stale", "reconnecting", "offline")
            live += b == "live"
            gmv += info.gmv_cents
        self.summary.setText(
            self.tr("门店 %1 · 直播 %2 · 异常 %3 · ")
            .replace("%1", str(len(self.stores)))
            .replace("%2", str(live))
            .replace("%3", str(trouble))
            + yuan(gmv)
        )
        if self.view.sort == "trouble" or self.view.trouble_only:
            self._relayout()

    # ---- controls --------------------------------------------------------------------
    def _on_sort(self) -> None:
        self.view.sort = self.sort_box.currentData()
        self._relayout()

    def _on_filter(self, text: str) -> None:
        self.view.text = text
        self.page = 0
        self._relayout()

    def _on_trouble(self, on: bool) -> None:
        self.view.trouble_only = on
        self.page = 0
        self._relayout()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self._frames.stop()
        self._health.stop()
        self._replan_timer.stop()
        self.audio.close()
        self.pool.shutdown(timeout=5.0)
