"""The first-run flow of the guide's window: sign in (or demo), a test recording, auto-config.

Shown once on the first start and later from the toolbar's 连接后台…. Each
step runs through the window's :class:`ui.jobs.Jobs` with its own callbacks;
the steps the guide ticked run one after another. Window text keeps the
``MainWindow`` translation context it had before the window was split.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject

from studio.errors import UserError
from studio.media.devices import list_cameras
from ui.dialogs import ask_yes_no
from ui.first_run import FirstRunDialog

if TYPE_CHECKING:
    from ui.flow_host import FlowHost

log = logging.getLogger(__name__)
translate = QCoreApplication.translate


class FirstRunFlow(QObject):
    """Connect to the backend (or start the demo), then the guide's ticked first-run steps."""

    def __init__(self, win: FlowHost) -> None:
        super().__init__(win.window())
        self.win = win
        self._after_connect: list[Callable[[], None]] = []

    def first_run(self) -> FirstRunDialog:
        """Sign in or demo mode; shown once on the first start, later from the toolbar."""
        win = self.win
        cams = [
            (translate("MainWindow", "摄像头：") + c.name, f"camera:{c.index}")
            for c in list_cameras()
        ]
        dlg = FirstRunDialog(win.window(), cams)
        dlg.remember(  # the last sign-in (never its password): a typo is fixed, not retyped
            win.settings.value("backend/url", ""),
            win.settings.value("backend/user", ""),
            int(v) if (v := win.settings.value("backend/session", "")).isdigit() else 0,
        )
        dlg.accepted.connect(lambda: self._connect(dlg))
        dlg.open()
        return dlg

    def _connect(self, dlg: FirstRunDialog) -> None:
        win = self.win
        if win.jobs.busy:  # the dialog was open while something else started
            win.still_busy()
            return
        win.settings.set_value("first_run_done", "true")
        spec = dlg.camera.currentData()
        if spec and spec != win.app.source_spec:
            win.choose_source(spec)
        self._after_connect = [
            job
            for job, wanted in (
                (self.test_recording, dlg.test_recording.isChecked()),
                (self.autoconfigure, dlg.autoconfig.isChecked()),
            )
            if wanted
        ]
        if dlg.choice == "demo":
            work: Callable[[], object] = win.app.start_demo
        else:
            url, user, pw, sid = (
                dlg.url.text().strip(),
                dlg.user.text().strip(),
                dlg.password.text(),
                dlg.session.value(),
            )
            for key, value in (("url", url), ("user", user), ("session", sid)):
                win.settings.set_value(f"backend/{key}", str(value))

            def work() -> object:
                return win.app.connect_commerce(url, user, pw, sid)

        win.jobs.start("connect", work, self._connected, self._not_connected)
        win.sales.connecting()
        win.tabs.setCurrentWidget(win.sales)

    def _not_connected(self, error: Exception) -> None:
        win = self.win
        if not isinstance(error, UserError):
            log.error("connect failed: %r", error, exc_info=error)
        win.sales.disconnected()
        win.error(translate("MainWindow", "无法连接后台"), win.error_text(error))

    def _connected(self, _links: object) -> None:
        """Joined: "connected" only if the backend answered; otherwise say why, in a dialog."""
        from ui.sales import unreachable_text

        win = self.win
        win.shelf.rebuild(win.app.catalog)
        joined = win.app.joined
        if joined is None or joined.online:
            links = joined.links if joined else 0
            win.statusBar().showMessage(
                translate("MainWindow", "已连接后台，购买链接已备好：") + str(links), 8000
            )
        else:
            win.statusBar().showMessage(translate("MainWindow", "后台没有响应，正在重试"), 8000)
            win.error(
                translate("MainWindow", "后台没有响应"),
                unreachable_text(joined.url, joined.reason, joined.links),
            )
        self._next_step()

    def _next_step(self) -> None:
        if self._after_connect:
            self._after_connect.pop(0)()

    def test_recording(self, seconds: float = 5.0) -> None:
        """Record a few seconds locally so the guide can check picture and sound."""
        win = self.win
        folder = win.panel.record_dir

        def work() -> object:
            win.app.go_live([], folder / "guide-studio-test.mkv")
            time.sleep(seconds)
            return win.app.end()

        if not win.jobs.start("test_recording", work, self._recorded, self._not_recorded):
            win.still_busy()

    def _recorded(self, path: object) -> None:
        self.win.info(
            translate("MainWindow", "试录完成"),
            translate("MainWindow", "试录已保存，请打开看看画面和声音：") + f"\n{path}",
        )
        self._next_step()

    def _not_recorded(self, error: Exception) -> None:
        if not isinstance(error, UserError):
            log.error("test_recording failed: %r", error, exc_info=error)
        self.win.error(translate("MainWindow", "试录没有完成"), self.win.error_text(error))

    def autoconfigure(self) -> None:
        """OBS-style: measure this PC (and the uplink to a platform), recommend settings."""
        from studio.bench.autoconfig import autoconfigure

        win = self.win
        dests = [d.destination(win.settings.keys) for d in win.panel.checked()]
        server = dests[0].url if dests else None
        if not win.jobs.start(
            "autoconfig", lambda: autoconfigure(server), self._offer_profile, self._not_measured
        ):
            win.still_busy()
            return
        win.statusBar().showMessage(translate("MainWindow", "正在测量这台电脑…（约 1 分钟）"))

    def _not_measured(self, error: Exception) -> None:
        if not isinstance(error, UserError):
            log.error("autoconfig failed: %r", error, exc_info=error)
        self.win.error(translate("MainWindow", "出错了"), self.win.error_text(error))

    def _offer_profile(self, result: Any) -> None:
        from studio.config import config_dir, save_profile

        win = self.win
        p = result.profile
        text = (
            translate("MainWindow", "推荐：") + f"{p.width}x{p.height} {p.fps} fps, "
            f"{p.video_bitrate // 1000} kb/s, {p.preset}, {result.encoder}\n\n"
            + "\n".join(result.why)
            + "\n\n"
            + translate("MainWindow", "保存为默认画质？（下次启动生效）")
        )
        win.statusBar().clearMessage()
        if ask_yes_no(win.window(), translate("MainWindow", "画质推荐"), text):
            save_profile(p, config_dir() / "profile.toml")
            win.statusBar().showMessage(translate("MainWindow", "画质已保存"), 8000)
