"""The guide's window: the program preview, the source and microphone, going live."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from studio.app import StudioApp
from studio.commerce.client import ConnectError
from studio.config import FolderError
from studio.errors import UserError
from studio.media.devices import advertised_sizes, list_cameras, list_microphones
from studio.redact import redact
from studio.show.script import ShowError, fmt_time
from ui.bridge import EngineBridge, window_language
from ui.dialogs import ask_yes_no
from ui.first_run import FirstRunDialog
from ui.folders import choose_folder, folder_error_text
from ui.golive import GoLivePanel
from ui.language import LanguageDialog
from ui.preview import PreviewWidget
from ui.review import ReviewWindow
from ui.sales import SalesPanel
from ui.settings import AppSettings, SavedDestination
from ui.shelf import ProductShelf
from ui.show_runner import ShowRunner

log = logging.getLogger(__name__)


class _Job(QObject):
    """Runs a blocking engine call on a worker thread and reports back on the GUI thread."""

    done = Signal(object, object)  # result, error

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.busy = False  # one job at a time: the receiver knows which one by ``_pending``
        self.done.connect(self._finished)

    def _finished(self, _result: object, _error: object) -> None:
        self.busy = False

    def run(self, fn: Callable[[], Any]) -> None:
        self.busy = True

        def work() -> None:
            try:
                self.done.emit(fn(), None)
            except Exception as exc:  # reported in a dialog by the receiver
                self.done.emit(None, exc)

        threading.Thread(target=work, name="ui-job", daemon=True).start()


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
        self.panel.go_live_requested.connect(self.go_live)
        self.panel.end_requested.connect(self.end_live)
        self.panel.reconnect_requested.connect(lambda name: app.reconnect_now(name or None))
        # overlays (and the preview's guide boxes) keep clear of the ticked platforms' own UI
        self.panel.safe_area_changed.connect(app.overlays.set_platform)
        app.overlays.set_platform(self.panel.safe_area())
        # the guide-only panel on the preview speaks the window's language (viewers: Chinese)
        app.overlays.set_language(window_language())
        self.bridge.stats.connect(self._on_stats)

        self.shelf = ProductShelf(app.catalog)
        self.shelf.product_clicked.connect(self.product_clicked)
        self.runner = ShowRunner()
        self.runner.load_requested.connect(self._load_show_dialog)
        self.runner.start_requested.connect(self.start_show)
        self.runner.next_requested.connect(self.next_cue)
        self.runner.cue_fire_requested.connect(self.fire_cue)
        self._cue_keys: list[QShortcut] = []  # the loaded script's manual cues ([F2] ...)
        self.runner.rehearse_requested.connect(self.rehearse_clicked)
        self.runner.review_requested.connect(self._open_review_dialog)
        self.runner.preview_url_requested.connect(self._ask_preview_url)
        self.runner.rehearsal_dir_requested.connect(self.choose_rehearsal_dir)
        self.panel.record_dir_changed.connect(lambda _: self._show_rehearsal_dir())
        self.rehearsal_previews: tuple[str, ...] = ()  # this run only: may carry a key
        self.reviews: list[ReviewWindow] = []
        self.bridge.event.connect(self._on_event)

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
        self._install_hotkeys()
        self._build_toolbar()

        self.live_label = QLabel(self.tr("未开播"))
        self.live_label.setObjectName("liveLabel")
        self.fps_label = QLabel("")
        self.statusBar().addWidget(self.live_label)
        self.statusBar().addPermanentWidget(self.fps_label)
        self._live_since: float | None = None
        self._meter_timer = QTimer(self)
        self._meter_timer.timeout.connect(self._tick)
        self._meter_timer.start(100)
        self._job = _Job(self)
        self._job.done.connect(self._job_done)
        self._pending: str = ""
        self._after_connect: list[Callable[[], None]] = []
        self._show_rehearsal_dir()
        self._restore()

    # toolbar ------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("画面"))
        bar.setObjectName("sourcesBar")
        bar.setMovable(False)
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("sourcePicker")
        self.source_combo.setMinimumWidth(220)
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
        self.mic_combo = QComboBox()
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
        connect.triggered.connect(self.first_run)
        self.language_action = bar.addAction(self.tr("语言"))
        self.language_action.setObjectName("languageAction")
        self.language_action.setToolTip(self.tr("界面语言，下次启动时生效"))
        self.language_action.triggered.connect(self.choose_language)
        self.addToolBar(bar)

    def choose_language(self) -> LanguageDialog:
        """The 语言 / Language dialog; the choice is used at the next start."""
        dlg = LanguageDialog(self.settings, self)
        dlg.open()
        return dlg

    def _build_scene_controls(self, bar: QToolBar) -> None:
        """Scene layout and the overlays a guide turns on and off by hand."""
        ov = self.app.overlays
        self.scene_combo = QComboBox()
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

    # selling ----------------------------------------------------------------------
    def _install_hotkeys(self) -> None:
        """Space = next cue, 1–9 = the first nine products on the shelf; set in the INI.

        The Next button's label is made from the bound key, so it cannot promise
        another one.
        """
        nxt = QKeySequence(self.settings.value("hotkeys/next_cue", "Space"))
        self._fixed_keys = [nxt]
        QShortcut(nxt, self, activated=self.next_cue)
        space = nxt == QKeySequence(Qt.Key.Key_Space)
        self.runner.set_next_key(
            self.tr("空格") if space else nxt.toString(QKeySequence.SequenceFormat.NativeText)
        )
        for i in range(9):
            key = QKeySequence(self.settings.value(f"hotkeys/product_{i + 1}", str(i + 1)))
            self._fixed_keys.append(key)
            QShortcut(key, self, activated=lambda i=i: self._product_hotkey(i))

    def _bind_cue_keys(self, cues: list[Any]) -> None:
        """Each manual cue's key (the guide layer's "下一条：[F2] …") fires that cue."""
        for sc in self._cue_keys:
            sc.setEnabled(False)
            sc.deleteLater()
        self._cue_keys = []
        for cue in cues:
            if not cue.hotkey:
                continue
            seq = QKeySequence(cue.hotkey)
            if seq.isEmpty() or seq in self._fixed_keys:
                # two shortcuts on one key: Qt fires neither; the shelf's key wins
                log.warning("cue %s: key %s is taken by the window", cue.id, cue.hotkey)
                self.statusBar().showMessage(
                    self.tr("提示的快捷键已被占用：") + f"{cue.hotkey} ({cue.id})", 8000
                )
                continue
            key = str(cue.hotkey)
            self._cue_keys.append(
                QShortcut(seq, self, activated=lambda key=key: self.cue_hotkey(key))
            )

    def cue_hotkey(self, key: str) -> None:
        if not self.app.cue_hotkey(key):
            self.statusBar().showMessage(self.tr("脚本还没有开始：先点“开始脚本”"), 4000)

    def fire_cue(self, cue_id: str) -> None:
        """A double-clicked cue fires now (once the script is running)."""
        if self.app.trigger_cue(cue_id):
            self.statusBar().showMessage(
                self.tr("已执行提示：") + self.runner.cue_text(cue_id), 4000
            )
        else:
            self.statusBar().showMessage(self.tr("脚本还没有开始：先点“开始脚本”"), 4000)

    def _product_hotkey(self, index: int) -> None:
        skus = self.shelf.visible_skus()
        if index < len(skus):
            self.shelf.select(skus[index])
            self.product_clicked(skus[index])

    def product_clicked(self, sku: str) -> None:
        what = self.app.product_clicked(sku)
        name = self.app.catalog[sku].name
        msg = self.tr("已弹出购买链接：") if what == "link" else self.tr("已展示商品卡：")
        self.statusBar().showMessage(msg + name, 4000)

    def _load_show_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("载入直播脚本"),
            str(Path(__file__).parent.parent / "assets" / "shows"),
            self.tr("直播脚本 (*.toml)"),
        )
        if path:
            self.load_show(Path(path))

    def load_show(self, path: Path) -> bool:
        try:
            show = self.app.load_show(path)
        except ShowError as exc:
            self.error(self.tr("脚本有错误"), str(exc))
            return False
        except UserError as exc:
            self.error(self.tr("无法载入脚本"), str(exc))
            return False
        self.runner.set_show(show, lambda sku: self.app.catalog[sku].name)
        self._bind_cue_keys(show.cues)
        self.tabs.setCurrentWidget(self.runner)
        return True

    def start_show(self) -> None:
        try:
            self.app.start_show()
        except UserError as exc:
            self.error(self.tr("无法开始脚本"), str(exc))
            return
        self.runner.set_running(True)

    # rehearsal ------------------------------------------------------------------------
    @property
    def rehearsal_root(self) -> Path:
        """``rehearsal_dir`` in the settings, else ``rehearsals`` in the recording folder."""
        default = self.panel.record_dir / "rehearsals"
        return Path(self.settings.value("rehearsal_dir", str(default)))

    def _show_rehearsal_dir(self) -> None:
        self.runner.rehearsal_dir.set_path(self.rehearsal_root)

    def choose_rehearsal_dir(self) -> Path | None:
        chosen = choose_folder(self, "rehearsal_dir", self.rehearsal_root)
        if chosen is not None:
            self.settings.set_value("rehearsal_dir", str(chosen))
            self._show_rehearsal_dir()
        return chosen

    def rehearse_clicked(self) -> None:
        """Rehearse starts a take of the loaded script; pressed again, it ends the take."""
        if self.app.rehearsing:
            self.end_rehearsal()
        else:
            self.start_rehearsal()

    def start_rehearsal(self) -> None:
        if self.app.is_live:
            self.error(self.tr("正在直播"), self.tr("直播中不能彩排。请先结束直播。"))
            return
        if self._job.busy:
            self.statusBar().showMessage(self.tr("请稍候，上一步还没有完成"), 4000)
            return
        root = self.rehearsal_root
        self.runner.rehearse.setEnabled(False)
        self.panel.setEnabled(False)  # nothing goes on air from now on
        self.statusBar().showMessage(self.tr("正在开始彩排…"))
        self._pending = "rehearse"
        previews = self.rehearsal_previews
        self._job.run(lambda: self.app.start_rehearsal(root, previews))

    def end_rehearsal(self) -> None:
        if self._job.busy or not self.app.rehearsing:
            return  # starting, or already ending (the planned end and a click may meet)
        self.runner.rehearse.setEnabled(False)
        self.statusBar().showMessage(self.tr("彩排结束，正在生成报告和片段…"))
        self._pending = "rehearsal_done"
        self._job.run(self.app.finish_rehearsal)

    def _rehearsal_job_done(self, result: object, error: object) -> None:
        self.runner.rehearse.setEnabled(True)
        if error is not None and not isinstance(error, UserError):
            log.error("%s failed: %r", self._pending, error, exc_info=error)  # type: ignore[arg-type]
        if self._pending == "rehearse":
            if error is not None:
                self.runner.set_rehearsing(None)
                self.panel.setEnabled(True)
                self.error(self.tr("无法开始彩排"), self._error_text(error))
                self._after_take()
                return
            take = self.app.take
            self.runner.set_rehearsing(take.number if take else 0)
            self.panel.setEnabled(False)  # nothing goes on air during a take
            self.statusBar().showMessage(self.tr("彩排中：不推流，订单都是模拟的"), 8000)
            return
        self.runner.set_rehearsing(None)
        self._show_cleared()
        self.panel.setEnabled(True)
        self._after_take()
        if error is not None:
            self.error(self.tr("彩排报告没有生成"), str(error))
            return
        from studio.messages import report_summary
        from studio.rehearsal.report import load_report

        path = Path(str(result))
        summary = report_summary(load_report(path)["summary"], window_language())
        self.statusBar().showMessage(self.tr("彩排报告：") + summary, 15000)
        self.open_review(path)

    def _after_take(self) -> None:
        """Back from a take's rehearsal session; if that failed, say so (links are placeholders)."""
        if self.app.rejoin_error:
            self.error(
                self.tr("已断开后台"),
                self.tr("彩排后没能回到正式场次，已断开后台，请重新连接：") + self.app.rejoin_error,
            )
            self.app.rejoin_error = None
            self.sales.state.setText(self.tr("未连接后台"))

    def _ask_preview_url(self) -> None:
        """A private RTMP preview for takes (a manager watching); kept for this run only."""
        from studio.media.sources import check_push_url
        from studio.redact import mask_url, register_secret
        from ui.destinations import push_url_words

        url, ok = QInputDialog.getText(
            self,
            self.tr("彩排预览地址"),
            self.tr("彩排时也推到这个 RTMP 地址（留空则不推）："),
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        url = url.strip()
        if not url:
            self.rehearsal_previews = ()
            self.runner.preview_url.setText(self.tr("预览地址…"))
            return
        try:
            check_push_url(url, mask_url(url))
        except UserError:
            self.error(self.tr("预览地址不对"), push_url_words(url))  # not the engine's English
            return
        register_secret(url.rstrip("/").rsplit("/", 1)[-1])  # the key part never reaches a log
        self.rehearsal_previews = (url,)
        self.runner.preview_url.setText(self.tr("预览：") + mask_url(url))

    def _open_review_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择一次彩排的报告"), str(self.rehearsal_root),
            self.tr("彩排报告 (report.json)"),
        )  # fmt: skip
        if path:
            self.open_review(Path(path))

    def open_review(self, report: Path) -> ReviewWindow | None:
        try:
            win = ReviewWindow(report, self)
        except (OSError, ValueError, KeyError, UserError) as exc:
            self.error(self.tr("无法打开彩排报告"), f"{report}: {exc}")
            return None
        self.reviews = [w for w in self.reviews if w.isVisible()] + [win]
        win.show()
        return win

    def next_cue(self) -> None:
        if self.app.cues is not None and self.app.next_cue() is None:
            self.statusBar().showMessage(self.tr("脚本里没有下一条了"), 4000)

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

    # commerce -------------------------------------------------------------------------
    def first_run(self) -> FirstRunDialog:
        """Sign in or demo mode; shown once on the first start, later from the toolbar."""
        cams = [(self.tr("摄像头：") + c.name, f"camera:{c.index}") for c in list_cameras()]
        dlg = FirstRunDialog(self, cams)
        dlg.remember(  # the last sign-in (never its password): a typo is fixed, not retyped
            self.settings.value("backend/url", ""),
            self.settings.value("backend/user", ""),
            int(v) if (v := self.settings.value("backend/session", "")).isdigit() else 0,
        )
        dlg.accepted.connect(lambda: self._connect(dlg))
        dlg.open()
        return dlg

    def _connect(self, dlg: FirstRunDialog) -> None:
        self.settings.set_value("first_run_done", "true")
        spec = dlg.camera.currentData()
        if spec and spec != self.app.source_spec:
            self.choose_source(spec)
        self._after_connect = [
            job
            for job, wanted in (
                (self.test_recording, dlg.test_recording.isChecked()),
                (self.autoconfigure, dlg.autoconfig.isChecked()),
            )
            if wanted
        ]
        self.sales.connecting()
        self.tabs.setCurrentWidget(self.sales)
        self._pending = "connect"
        if dlg.choice == "demo":
            self._job.run(self.app.start_demo)
        else:
            url, user, pw, sid = (
                dlg.url.text().strip(),
                dlg.user.text().strip(),
                dlg.password.text(),
                dlg.session.value(),
            )
            for key, value in (("url", url), ("user", user), ("session", sid)):
                self.settings.set_value(f"backend/{key}", str(value))
            self._job.run(lambda: self.app.connect_commerce(url, user, pw, sid))

    # live -------------------------------------------------------------------------
    def go_live(self, dests: list[SavedDestination], record: Path | None) -> None:
        if not dests and record is None:
            self.error(
                self.tr("无法开播"),
                self.tr(
                    "没有可推流的平台，也没有勾选录制。请勾选一个平台，或勾选“同时录制到本地”。"
                ),
            )
            return
        destinations = [d.destination(self.settings.keys) for d in dests]
        if not self.panel.confirm_budget(self.app.profile, len(destinations)):
            return  # the guide chose to lower the bitrate or push to fewer platforms first
        self.panel.set_busy(True)
        self._pending = "go_live"
        self._job.run(lambda: self.app.go_live(destinations, record))

    def end_live(self) -> None:
        self.panel.set_busy(True)
        self._pending = "end"
        self._job.run(self.app.end)

    def _job_done(self, result: object, error: object) -> None:
        self.panel.set_busy(False)
        if self._pending in ("rehearse", "rehearsal_done"):
            self._rehearsal_job_done(result, error)
            return
        if error is not None:
            if not isinstance(error, UserError):
                log.error("%s failed: %r", self._pending, error, exc_info=error)  # type: ignore[arg-type]
            if self._pending == "connect":
                self.sales.disconnected()
                self.error(self.tr("无法连接后台"), self._error_text(error))
            elif self._pending == "test_recording":
                self.error(self.tr("试录没有完成"), self._error_text(error))
            elif isinstance(error, UserError):
                self.error(self.tr("无法开播"), self._error_text(error))
            else:
                self.error(self.tr("出错了"), self._error_text(error))
            return
        if self._pending == "connect":
            self._connected()
            self._next_first_run_step()
            return
        if self._pending == "test_recording":
            self.info(
                self.tr("试录完成"), self.tr("试录已保存，请打开看看画面和声音：") + f"\n{result}"
            )
            self._next_first_run_step()
            return
        if self._pending == "autoconfig":
            self._offer_profile(result)
            return
        if self._pending == "go_live":
            self._live_since = time.monotonic()
            self.panel.set_live(True)
            recorder = self.app.recorder
            if recorder is not None:
                self.statusBar().showMessage(self.tr("正在录制到：") + str(recorder.path), 15000)
        else:
            self._live_since = None
            self.panel.set_live(False)
            self._show_cleared()
            if result:
                self.statusBar().showMessage(self.tr("录像已保存：") + str(result), 15000)

    def _connected(self) -> None:
        """Joined: "connected" only if the backend answered; otherwise say why, in a dialog."""
        from ui.sales import unreachable_text

        self.shelf.rebuild(self.app.catalog)
        joined = self.app.joined
        if joined is None or joined.online:
            links = joined.links if joined else 0
            self.statusBar().showMessage(self.tr("已连接后台，购买链接已备好：") + str(links), 8000)
            return
        self.statusBar().showMessage(self.tr("后台没有响应，正在重试"), 8000)
        self.error(
            self.tr("后台没有响应"), unreachable_text(joined.url, joined.reason, joined.links)
        )

    def _show_cleared(self) -> None:
        """The live or take ended: the script stopped, its overlays left the preview."""
        self.runner.set_running(False)
        self.runner.update_progress(None, set(), None)  # the prompter back to the start
        for key in ("lower", "board"):  # taken down with the show's overlays
            act = self.toggles[key]
            act.blockSignals(True)
            act.setChecked(False)
            act.blockSignals(False)

    def _next_first_run_step(self) -> None:
        if self._after_connect:
            self._after_connect.pop(0)()

    def test_recording(self, seconds: float = 5.0) -> None:
        """Record a few seconds locally so the guide can check picture and sound."""
        folder = self.panel.record_dir

        def work() -> object:
            self.app.go_live([], folder / "guide-studio-test.mkv")
            time.sleep(seconds)
            return self.app.end()

        self.panel.set_busy(True)
        self._pending = "test_recording"
        self._job.run(work)

    def autoconfigure(self) -> None:
        """OBS-style: measure this PC (and the uplink to a platform), recommend settings."""
        from studio.bench.autoconfig import autoconfigure

        dests = [d.destination(self.settings.keys) for d in self.panel.checked()]
        server = dests[0].url if dests else None
        self.statusBar().showMessage(self.tr("正在测量这台电脑…（约 1 分钟）"))
        self._pending = "autoconfig"
        self._job.run(lambda: autoconfigure(server))

    def _offer_profile(self, result: Any) -> None:
        from studio.config import config_dir, save_profile

        p = result.profile
        text = (
            self.tr("推荐：") + f"{p.width}x{p.height} {p.fps} fps, "
            f"{p.video_bitrate // 1000} kb/s, {p.preset}, {result.encoder}\n\n"
            + "\n".join(result.why)
            + "\n\n"
            + self.tr("保存为默认画质？（下次启动生效）")
        )
        if ask_yes_no(self, self.tr("画质推荐"), text):
            save_profile(p, config_dir() / "profile.toml")
            self.statusBar().showMessage(self.tr("画质已保存"), 8000)

    def _error_text(self, error: object) -> str:
        """A folder problem in the window's language; other errors as the engine words them."""
        if isinstance(error, FolderError):
            return folder_error_text(error)
        if isinstance(error, ConnectError):
            from ui.sales import connect_error_text

            return connect_error_text(error)
        if isinstance(error, UserError):
            return str(error)
        return redact(f"{type(error).__name__}: {error}")

    def info(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self)
        box.setObjectName("infoDialog")
        box.open()

    def error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, redact(text), parent=self)
        box.setObjectName("errorDialog")
        box.open()

    # status -------------------------------------------------------------------------
    def _on_stats(self, stats: dict) -> None:
        self.panel.show_stats(stats)
        self.fps_label.setText(
            f"{stats.get('render_fps', 0):.0f} fps · CPU {stats.get('cpu_percent', 0):.0f}% · "
            f"{stats.get('encoder', '')}"
        )

    def _tick(self) -> None:
        # the engine's state changes on other threads: read each thing once
        show, seconds, cues = self.app.show, self.app.show_seconds, self.app.cues
        rehearsing = self.app.rehearsing
        if rehearsing and show and seconds is not None and seconds >= show.duration:
            self.end_rehearsal()  # the planned end: the take is complete
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
        elif self._live_since is not None:
            s = int(time.monotonic() - self._live_since)
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
        self.preview.shutdown()
        self.bridge.close()
        self.app.close()
        event.accept()

    def live_state(self) -> dict[str, Any]:
        return {"live": self.app.is_live, "outputs": [o.describe() for o in self.app.live_outputs]}
