"""The guide's window: the program preview, the source and microphone, going live."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.app import StudioApp
from studio.commerce.client import ConnectError
from studio.config import FolderError
from studio.errors import UserError
from studio.media.devices import advertised_sizes, list_cameras, list_microphones
from studio.media.stats import StatsSnapshot
from studio.redact import redact
from studio.show.script import fmt_time
from ui.bridge import EngineBridge, window_language
from ui.compact_combo import CompactCombo
from ui.costream import CostreamDialog
from ui.dialogs import ask_yes_no
from ui.first_run_flow import FirstRunFlow
from ui.folders import folder_error_text
from ui.golive import GoLivePanel
from ui.jobs import Jobs
from ui.language import LanguageDialog
from ui.live_flow import LiveFlow
from ui.preview import PreviewWidget
from ui.rehearsal_flow import RehearsalFlow
from ui.review import ReviewWindow
from ui.sales import SalesPanel
from ui.script_flow import ScriptFlow
from ui.settings import AppSettings
from ui.shelf import ProductShelf
from ui.show_runner import ShowRunner

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    camera_sizes_found = Signal(int, str, list)  # camera index, name, [(w, h)], from a worker

    def __init__(self, app: StudioApp, settings: AppSettings | None = None) -> None:
        super().__init__()
        self.app = app
        self.settings = settings or AppSettings()
        self.setWindowTitle(self.tr("导购直播台 Guide Studio"))
        self.bridge = EngineBridge(app.bus, self)
        self.preview = PreviewWidget(app.pipeline.preview)
        self.panel = GoLivePanel(self.settings)
        self.panel.setMinimumWidth(340)
        self.panel.reconnect_requested.connect(lambda name: app.reconnect_now(name or None))
        # overlays (and the preview's guide boxes) keep clear of the ticked platforms' own UI
        self.panel.safe_area_changed.connect(app.overlays.set_platform)
        app.overlays.set_platform(self.panel.safe_area())
        # the guide-only panel on the preview speaks the window's language (viewers: Chinese)
        app.overlays.set_language(window_language())
        self.bridge.stats.connect(self._on_stats)

        self.shelf = ProductShelf(app.catalog)
        self.runner = ShowRunner()
        self.reviews: list[ReviewWindow] = []
        self.costream: CostreamDialog | None = None
        self.bridge.engine_event.connect(self._on_event)

        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addWidget(self.preview, 1)
        left_lay.addWidget(self.shelf)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sideTabs")
        self.tabs.addTab(self.panel, self.tr("开播"))
        self.tabs.addTab(self.runner, self.tr("脚本"))
        self.sales = SalesPanel()
        self.tabs.addTab(self.sales, self.tr("销售"))
        self.tabs.setMinimumWidth(360)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        central = QWidget()
        central_lay = QVBoxLayout(central)
        central_lay.setContentsMargins(0, 0, 0, 0)
        central_lay.addWidget(self.panel.banner)  # an output that cannot connect says so here
        central_lay.addWidget(split, 1)
        self.setCentralWidget(central)
        self._build_toolbar()

        self.live_label = QLabel(self.tr("未开播"))
        self.live_label.setObjectName("liveLabel")
        self.fps_label = QLabel("")
        self.statusBar().addWidget(self.live_label)
        self.statusBar().addPermanentWidget(self.fps_label)
        self.language_button = QToolButton()
        self.language_button.setObjectName("languageButton")
        self.language_button.setDefaultAction(self.language_action)
        self.language_button.setAutoRaise(True)
        self.statusBar().addPermanentWidget(self.language_button)
        # the window's engine actions, one at a time; the flows each own some of them
        self.jobs = Jobs(self)
        self.jobs.busy_changed.connect(self._busy)
        self.live = LiveFlow(self)
        self.takes = RehearsalFlow(self)
        self.setup = FirstRunFlow(self)
        self.script = ScriptFlow(self)
        self.connect_action.triggered.connect(self.setup.first_run)
        self._meter_timer = QTimer(self)
        self._meter_timer.timeout.connect(self._tick)
        self._meter_timer.start(100)
        self._restore()

    # toolbar ------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("画面"))
        bar.setObjectName("sourcesBar")
        bar.setMovable(False)
        self.source_combo = CompactCombo(14)
        self.source_combo.setObjectName("sourcePicker")
        self.source_combo.addItem(self.tr("测试画面"), "test")
        cams = list_cameras()
        for cam in cams:
            self.source_combo.addItem(self.tr("摄像头：") + cam.name, f"camera:{cam.index}")
        if cams:  # each camera's sizes, asked of its driver off the GUI thread
            self.camera_sizes_found.connect(self._add_camera_sizes)
            threading.Thread(
                target=self._list_camera_sizes, args=(cams,), name="camera-sizes", daemon=True
            ).start()
        self.source_combo.addItem(self.tr("视频文件…"), "file:")
        self.source_combo.addItem(self.tr("远程流（连麦）…"), "url:")
        self.source_combo.activated.connect(self._source_chosen)
        self.mic_combo = CompactCombo(16)
        self.mic_combo.setObjectName("micPicker")
        self.mic_combo.addItem(self.tr("画面自带声音"), "auto")
        mics = list_microphones()
        for m in mics:
            self.mic_combo.addItem(m.name, f"mic:{m.index}")
        if not mics:
            self.mic_combo.addItem(self.tr("未发现麦克风"), "")
            self.mic_combo.model().item(self.mic_combo.count() - 1).setEnabled(False)
        self.meter = QProgressBar()
        self.meter.setObjectName("levelMeter")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedSize(120, 10)
        self.meter.setToolTip(self.tr("音量"))
        self.meter.setStyleSheet(
            "QProgressBar { background: #2a2d35; border: 1px solid #444; border-radius: 3px; }"
            "QProgressBar::chunk { background: #2e9d5b; border-radius: 3px; }"
        )
        bar.addWidget(QLabel(self.tr(" 画面来源 ")))
        bar.addWidget(self.source_combo)
        bar.addWidget(QLabel(self.tr("  声音 ")))
        bar.addWidget(self.mic_combo)
        bar.addWidget(self.meter)
        bar.addSeparator()
        self._build_scene_controls(bar)
        bar.addSeparator()
        connect = bar.addAction(self.tr("连接后台…"))
        self.connect_action = connect  # opens the first-run flow (connected in __init__)
        self.costream_action = bar.addAction(self.tr("连麦"))
        self.costream_action.setObjectName("costreamAction")
        self.costream_action.setToolTip(
            self.tr("连麦邀请：请别的导购、品牌或顾客上麦；或加入别人的连麦")
        )
        self.costream_action.triggered.connect(self.open_costream)
        # the language switch sits in the status bar, where it is never pushed behind the
        # toolbar's » menu by a longer translation (``_build_status_bar``)
        self.language_action = QAction(self.tr("语言"), self)
        self.language_action.setObjectName("languageAction")
        self.language_action.setToolTip(self.tr("界面语言，下次启动时生效"))
        self.language_action.triggered.connect(self.choose_language)
        self.addToolBar(bar)

    def open_costream(self) -> CostreamDialog:
        """The 连麦 window (one, non-modal: the guide keeps working in this one)."""
        if self.costream is None:
            self.costream = CostreamDialog(self, self.bridge)
        self.costream.show()
        self.costream.raise_()
        return self.costream

    def choose_language(self) -> LanguageDialog:
        """The 语言 / Language dialog; the choice is used at the next start."""
        dlg = LanguageDialog(self.settings, self)
        dlg.open()
        return dlg

    def _build_scene_controls(self, bar: QToolBar) -> None:
        """Scene layout and the overlays a guide turns on and off by hand."""
        ov = self.app.overlays
        self.scene_combo = CompactCombo(6)
        self.scene_combo.setObjectName("scenePicker")
        for label, name in (
            (self.tr("全屏"), "full"),
            (self.tr("分屏"), "split"),
            (self.tr("画中画"), "pip"),
        ):
            self.scene_combo.addItem(label, name)
        self.scene_combo.activated.connect(self._scene_chosen)
        self._scene = "full"
        self._offer_pip()
        bar.addWidget(QLabel(self.tr(" 场景 ")))
        bar.addWidget(self.scene_combo)
        self.toggles: dict[str, QAction] = {}
        for key, label, on, off in (
            (
                "lower",
                self.tr("字幕条"),
                lambda: ov.lower_third(duration=None),
                lambda: ov.hide("lower"),
            ),
            ("clock", self.tr("时钟"), lambda: ov.show_clock(True), lambda: ov.show_clock(False)),
            (
                "board",
                self.tr("排行榜"),
                lambda: ov.leaderboard(duration=None),
                lambda: ov.hide("board"),
            ),
        ):
            act = bar.addAction(label)
            act.setCheckable(True)
            act.setChecked(key == "clock")
            act.toggled.connect(lambda checked, on=on, off=off: on() if checked else off())
            self.toggles[key] = act
        clear = bar.addAction(self.tr("收起商品"))
        clear.triggered.connect(self.app.hide_products)

    def _offer_pip(self) -> None:
        """画中画 only with two pictures: with one, viewers would see black and a small inset."""
        i = self.scene_combo.findData("pip")
        two = self.app.video_sources >= 2
        self.scene_combo.model().item(i).setEnabled(two)
        self.scene_combo.setItemData(
            i,
            None if two else self.tr("画中画需要两个画面来源（比如摄像头加连麦），现在只有一个"),
            Qt.ItemDataRole.ToolTipRole,
        )

    def _scene_chosen(self, index: int) -> None:
        name = self.scene_combo.itemData(index)
        if self.app.set_scene(name):
            self._scene = name
            return
        self.scene_combo.setCurrentIndex(self.scene_combo.findData(self._scene))
        self.statusBar().showMessage(self.tr("画中画需要两个画面来源"), 4000)

    def _list_camera_sizes(self, cams: list[Any]) -> None:
        for cam in cams:
            try:
                sizes = advertised_sizes(cam)
            except Exception as exc:  # a driver that will not list: the camera keeps its default
                log.warning("sizes of camera %s unknown: %s", cam.name, exc)
                continue
            try:
                self.camera_sizes_found.emit(cam.index, cam.name, sizes)
            except RuntimeError:  # the window closed meanwhile
                return

    def _add_camera_sizes(self, index: int, name: str, sizes: list[tuple[int, int]]) -> None:
        """One picker entry per size under the camera's own (which uses the output size)."""
        base = self.source_combo.findData(f"camera:{index}")
        if base < 0:
            return
        for k, (w, h) in enumerate(sizes):
            self.source_combo.insertItem(
                base + 1 + k, self.tr("摄像头：") + f"{name} · {w}×{h}", f"camera:{index}@{w}x{h}"
            )

    def _source_chosen(self, index: int) -> None:
        spec = self.source_combo.itemData(index)
        if spec == "file:":
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("选择视频文件"), "", self.tr("视频 (*.mp4 *.mkv *.mov *.flv)")
            )
            if not path:
                return
            spec = f"file:{path}"
        elif spec == "url:":
            url, ok = QInputDialog.getText(
                self, self.tr("远程流"), self.tr("RTMP / FLV / HLS 地址")
            )
            if not ok or not url.strip():
                return
            spec = f"url:{url.strip()}"
        self.choose_source(spec)

    def choose_source(self, spec: str) -> bool:
        try:
            self.app.set_source(spec)
        except UserError as exc:
            self.error(self.tr("无法打开画面来源"), str(exc))
            return False
        if not spec.startswith("url:"):  # remote URLs may carry keys: never saved
            self.settings.set_value("source", spec)
        return True

    def _on_event(self, topic: str, data: dict) -> None:
        if topic.startswith("commerce."):
            self.sales.on_event(topic, data)
        if topic == "commerce.stock" and data.get("sku") and data.get("stock") is not None:
            self.shelf.set_stock(str(data["sku"]), int(data["stock"]))
        elif topic == "catalog.images":
            self.shelf.set_images(dict(data.get("images") or {}))
        elif topic == "source.changed":
            self._offer_pip()
        elif topic == "overlays.scene":  # F3/F4 or a scripted cue: the picker shows it
            i = self.scene_combo.findData(data.get("name"))
            if i >= 0:
                self._scene = str(data["name"])
                self.scene_combo.setCurrentIndex(i)

    def show_cleared(self) -> None:
        """The live or take ended: the script stopped, its overlays left the preview."""
        self.runner.set_running(False)
        self.runner.update_progress(None, set(), None)  # the prompter back to the start
        for key in ("lower", "board"):  # taken down with the show's overlays
            act = self.toggles[key]
            act.blockSignals(True)
            act.setChecked(False)
            act.blockSignals(False)

    def error_text(self, error: object) -> str:
        """A folder problem in the window's language; other errors as the engine words them."""
        if isinstance(error, FolderError):
            return folder_error_text(error)
        if isinstance(error, ConnectError):
            from ui.sales import connect_error_text

            return connect_error_text(error)
        if isinstance(error, UserError):
            return str(error)
        return redact(f"{type(error).__name__}: {error}")

    def _busy(self, busy: bool) -> None:
        """While an engine action runs, the actions that would conflict with it are off."""
        self.panel.set_busy(busy)
        self.runner.rehearse.setEnabled(not busy and self.runner.script is not None)
        self.connect_action.setEnabled(not busy)

    def still_busy(self) -> None:
        """An action asked for while another runs: refused, and the guide is told why."""
        self.statusBar().showMessage(self.tr("请稍候，上一步还没有完成"), 4000)

    def info(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self)
        box.setObjectName("infoDialog")
        box.open()

    def error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, redact(text), parent=self)
        box.setObjectName("errorDialog")
        box.open()

    # status -------------------------------------------------------------------------
    def _on_stats(self, stats: StatsSnapshot) -> None:
        self.panel.show_stats(stats)
        self.fps_label.setText(
            f"{stats.render_fps:.0f} fps · CPU {stats.cpu_percent:.0f}% · {stats.encoder}"
        )

    def _tick(self) -> None:
        # the engine's state changes on other threads: read each thing once
        show, seconds, cues = self.app.show, self.app.show_seconds, self.app.cues
        rehearsing = self.app.rehearsing
        if rehearsing and show and seconds is not None and seconds >= show.duration:
            self.takes.end_rehearsal()  # the planned end: the take is complete
        if cues is not None:
            upcoming = cues.upcoming()
            self.runner.update_progress(
                seconds,
                {f.cue_id for f in list(cues.fired)},
                upcoming.id if upcoming else None,
                cues.segment,
            )
        levels = [r.level for r in self.app.pipeline.mixer.rings]
        self.meter.setValue(int(100 * max(levels, default=0.0)))
        if rehearsing and seconds is not None:
            s = int(seconds)
            self.live_label.setText(
                self.tr("● 彩排中 ") + f"{s // 60:02d}:{s % 60:02d} / " + fmt_time(show.duration)
                if show
                else self.tr("● 彩排中")
            )
            self.live_label.setStyleSheet("color: #7b4fd1; font-weight: bold")
        elif self.live.live_since is not None:
            s = int(time.monotonic() - self.live.live_since)
            self.live_label.setText(
                self.tr("● 直播中 ") + f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
            )
            self.live_label.setStyleSheet("color: #d9534f; font-weight: bold")
        else:
            self.live_label.setText(self.tr("未开播"))
            self.live_label.setStyleSheet("")

    # window state ----------------------------------------------------------------------
    def _restore(self) -> None:
        geo = self.settings.qs.value("window/geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 760)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        unattended = getattr(self, "closing_for_signal", False)  # logout, shutdown, kill
        if unattended:  # no one to ask: the live ends, the trainer's notes are kept
            for win in self.reviews:
                if win.isVisible() and win.dirty:
                    win.save()
        if (
            not unattended
            and self.app.is_live
            and not ask_yes_no(
                self, self.tr("正在直播"), self.tr("正在直播，关闭窗口将结束直播。确定吗？")
            )
        ):
            event.ignore()
            return
        if (
            not unattended
            and self.app.rehearsing
            and not ask_yes_no(
                self,
                self.tr("正在彩排"),
                self.tr("正在彩排，关闭窗口将结束这次彩排（录像保留，不生成报告）。确定吗？"),
            )
        ):
            event.ignore()
            return
        for win in self.reviews:
            if win.isVisible() and not win.close():  # Cancel on "save the notes?"
                event.ignore()
                return
        self.settings.qs.setValue("window/geometry", self.saveGeometry())
        self.settings.qs.sync()
        self.jobs.shutdown()
        self.preview.shutdown()
        self.bridge.close()
        self.app.close()
        event.accept()

    def live_state(self) -> dict[str, Any]:
        return {"live": self.app.is_live, "outputs": [o.describe() for o in self.app.live_outputs]}
