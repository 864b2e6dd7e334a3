"""The script flow of the guide's window: load and start a show script, fire its cues, sell.

The cue list's buttons and double-clicks, the Next key, each manual cue's own
key ([F2] …) and the shelf's 1–9 all come here. Window text keeps the
``MainWindow`` translation context it had before the window was split.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog

from studio.errors import UserError
from studio.show.script import ShowError

if TYPE_CHECKING:
    from ui.flow_host import FlowHost

log = logging.getLogger(__name__)
translate = QCoreApplication.translate


class ScriptFlow(QObject):
    """The loaded script on the 脚本 tab, its keys, and the shelf's products on the program."""

    def __init__(self, win: FlowHost) -> None:
        super().__init__(win.window())
        self.win = win
        self._cue_keys: list[QShortcut] = []  # the loaded script's manual cues ([F2] ...)
        self._fixed_keys: list[QKeySequence] = []
        win.shelf.product_clicked.connect(self.product_clicked)
        runner = win.runner
        runner.load_requested.connect(self._load_show_dialog)
        runner.start_requested.connect(self.start_show)
        runner.next_requested.connect(self.next_cue)
        runner.cue_fire_requested.connect(self.fire_cue)
        self.install_hotkeys()

    def install_hotkeys(self) -> None:
        """Space = next cue, 1–9 = the first nine products on the shelf; set in the INI.

        The Next button's label is made from the bound key, so it cannot promise
        another one.
        """
        nxt = QKeySequence(self.win.settings.value("hotkeys/next_cue", "Space"))
        self._fixed_keys = [nxt]
        QShortcut(nxt, self.win.window(), activated=self.next_cue)
        space = nxt == QKeySequence(Qt.Key.Key_Space)
        self.win.runner.set_next_key(
            translate("MainWindow", "空格")
            if space
            else nxt.toString(QKeySequence.SequenceFormat.NativeText)
        )
        for i in range(9):
            key = QKeySequence(self.win.settings.value(f"hotkeys/product_{i + 1}", str(i + 1)))
            self._fixed_keys.append(key)
            QShortcut(key, self.win.window(), activated=lambda i=i: self._product_hotkey(i))

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
                self.win.statusBar().showMessage(
                    translate("MainWindow", "提示的快捷键已被占用：") + f"{cue.hotkey} ({cue.id})",
                    8000,
                )
                continue
            key = str(cue.hotkey)
            self._cue_keys.append(
                QShortcut(seq, self.win.window(), activated=lambda key=key: self.cue_hotkey(key))
            )

    def cue_hotkey(self, key: str) -> None:
        if not self.win.app.cue_hotkey(key):
            self.win.statusBar().showMessage(
                translate("MainWindow", "脚本还没有开始：先点“开始脚本”"), 4000
            )

    def fire_cue(self, cue_id: str) -> None:
        """A double-clicked cue fires now (once the script is running)."""
        if self.win.app.trigger_cue(cue_id):
            self.win.statusBar().showMessage(
                translate("MainWindow", "已执行提示：") + self.win.runner.cue_text(cue_id), 4000
            )
        else:
            self.win.statusBar().showMessage(
                translate("MainWindow", "脚本还没有开始：先点“开始脚本”"), 4000
            )

    def _product_hotkey(self, index: int) -> None:
        skus = self.win.shelf.visible_skus()
        if index < len(skus):
            self.win.shelf.select(skus[index])
            self.product_clicked(skus[index])

    def product_clicked(self, sku: str) -> None:
        what = self.win.app.product_clicked(sku)
        name = self.win.app.catalog[sku].name
        msg = (
            translate("MainWindow", "已弹出购买链接：")
            if what == "link"
            else translate("MainWindow", "已展示商品卡：")
        )
        self.win.statusBar().showMessage(msg + name, 4000)

    def _load_show_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.win.window(),
            translate("MainWindow", "载入直播脚本"),
            str(Path(__file__).parent.parent / "assets" / "shows"),
            translate("MainWindow", "直播脚本 (*.toml)"),
        )
        if path:
            self.load_show(Path(path))

    def load_show(self, path: Path) -> bool:
        try:
            show = self.win.app.load_show(path)
        except ShowError as exc:
            self.win.error(translate("MainWindow", "脚本有错误"), str(exc))
            return False
        except UserError as exc:
            self.win.error(translate("MainWindow", "无法载入脚本"), str(exc))
            return False
        self.win.runner.set_show(show, lambda sku: self.win.app.catalog[sku].name)
        self._bind_cue_keys(show.cues)
        self.win.tabs.setCurrentWidget(self.win.runner)
        return True

    def start_show(self) -> None:
        try:
            self.win.app.start_show()
        except UserError as exc:
            self.win.error(translate("MainWindow", "无法开始脚本"), str(exc))
            return
        self.win.runner.set_running(True)

    def next_cue(self) -> None:
        if self.win.app.cues is not None and self.win.app.next_cue() is None:
            self.win.statusBar().showMessage(translate("MainWindow", "脚本里没有下一条了"), 4000)
