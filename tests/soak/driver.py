"""The real window, driven the way its user drives it, for a soak: ``python -m tests.soak.driver``.

The process is the real entry point (``studio.cli.main(["gui"])`` or ``["wall", ...]``:
logging, crash handler, translator, the one qasync loop of ``ui.app.run_window``).
Before it starts, a QApplication and a poll timer are set up here; the timer finds
the window once it is shown and clicks what a person would click (first-run demo
mode, add a platform, go live, start the script again when it ends, rehearse,
review, close). Dialogs that ask are answered like a person would (Yes, Save);
error dialogs are reported. Status goes to stdout as ``SOAK {json}`` lines,
commands (``close``) come on stdin.

Modes::

    guide    --server rtmp://host/app --key KEY --show quick-demo.toml
             (stdin: ``costream invite|on|remove`` click the 连麦 panel's buttons)
    rehearse --show show.toml --preview rtmp://host/app/key --review-seconds 10
    wall     STUDIO-WALL-ARGS...
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import json
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QWidget,
)

PREFIX = "SOAK "
STATUS_EVERY = 5.0  # seconds between status lines
ANSWERS = (
    QMessageBox.StandardButton.Save,
    QMessageBox.StandardButton.Yes,
    QMessageBox.StandardButton.Ok,
)


def click(button: QAbstractButton) -> None:
    """A real left click in the middle of the button (press and release events)."""
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


class Driver(QObject):
    """Two timers: the next step every 250 ms; dialogs answered and status every 150 ms."""

    window_type: type[QWidget]

    def __init__(self, opts: argparse.Namespace) -> None:
        super().__init__()
        self.opts = opts
        self.t0 = time.monotonic()
        self.win: Any = None
        self.phase = "starting"
        self.commands: queue.Queue[str] = queue.Queue()
        self.dialogs: list[dict[str, str]] = []  # every question/message seen, answered
        self.error_dialogs: list[str] = []
        self.driver_errors: list[str] = []
        self.input_text: str | None = None  # what to type into the next QInputDialog
        self._in_step = False
        self._last_status = 0.0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.timer.start(250)
        self.watcher = QTimer(self)
        self.watcher.timeout.connect(self._watch)
        self.watcher.start(150)
        threading.Thread(target=self._read_stdin, name="soak-stdin", daemon=True).start()

    # ---- plumbing ----------------------------------------------------------------------
    def _read_stdin(self) -> None:
        for line in sys.stdin:
            self.commands.put(line.strip())

    def emit(self, **extra: Any) -> None:
        status = {"t": round(time.monotonic() - self.t0, 1), "phase": self.phase}
        try:
            status.update(self.status())
        except Exception as exc:  # the window may be half gone while closing
            status["status_error"] = repr(exc)
        status.update(
            error_dialogs=self.error_dialogs,
            driver_errors=self.driver_errors,
            dialogs=len(self.dialogs),
            **extra,
        )
        print(PREFIX + json.dumps(status, ensure_ascii=False), flush=True)

    def _tick(self) -> None:
        """Steps and commands. A step may open a modal dialog (a nested event loop): Qt does
        not fire this timer again inside its own slot, so dialogs are answered by the other."""
        try:
            if self.win is None:
                self.win = next(
                    (w for w in QApplication.topLevelWidgets() if isinstance(w, self.window_type)),
                    None,
                )
                if self.win is not None:
                    self.phase = "window"
                    self.emit()
            if self.win is not None and not self._in_step:
                self._in_step = True
                try:
                    command = self.commands.get_nowait() if not self.commands.empty() else None
                    if command:
                        self.command(command)
                    self.step()
                finally:
                    self._in_step = False
        except Exception:
            self.driver_errors.append(traceback.format_exc(limit=6))
            self.emit()

    def _watch(self) -> None:
        """Dialogs answered and status reported, also while a modal dialog runs."""
        try:
            self._answer_dialogs()
            now = time.monotonic()
            if now - self._last_status >= STATUS_EVERY:
                self._last_status = now
                self.emit()
        except Exception:
            self.driver_errors.append(traceback.format_exc(limit=6))

    def _answer_dialogs(self) -> None:
        """Questions get the answer a person gives (Save, Yes, OK); errors are recorded."""
        for w in QApplication.topLevelWidgets():
            if not w.isVisible() or w.property("soakAnswered"):
                continue
            if isinstance(w, QInputDialog):
                w.setProperty("soakAnswered", True)  # on the Qt object: ids of wrappers recur
                self.dialogs.append({"input": w.labelText()})
                if self.input_text is None:
                    w.reject()
                else:
                    w.setTextValue(self.input_text)
                    w.accept()
            elif isinstance(w, QMessageBox):
                w.setProperty("soakAnswered", True)
                seen = {"name": w.objectName(), "title": w.windowTitle(), "text": w.text()}
                self.dialogs.append(seen)
                error = f"{w.windowTitle()}: {w.text()}"[:400]
                is_error = w.objectName() == "errorDialog" or w.icon() == QMessageBox.Icon.Critical
                if is_error and error not in self.error_dialogs:
                    self.error_dialogs.append(error)
                for answer in ANSWERS:
                    b = w.button(answer)
                    if b is not None:
                        b.click()
                        break
                else:
                    w.close()

    def command(self, command: str) -> None:
        if command == "close":
            self.phase = "closing"
            self.emit()
            self.close()

    # ---- per mode ----------------------------------------------------------------------
    def step(self) -> None:
        raise NotImplementedError

    def status(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        self.win.close()

    def cli_args(self) -> list[str]:
        return ["gui"]


class _StudioWindowDriver(Driver):
    """The guide's window: shared steps of demo mode and loading a script."""

    def __init__(self, opts: argparse.Namespace) -> None:
        from ui.main_window import MainWindow

        self.window_type = MainWindow
        super().__init__(opts)
        self.loops = 0

    def _first_run_demo(self) -> None:
        from ui.first_run import FirstRunDialog

        dlg = self.win.findChild(FirstRunDialog)
        if dlg is not None and dlg.isVisible():
            click(dlg.demo_button)
            self.phase = "connecting"
            self.emit()

    def _connected(self) -> bool:
        return self.win.app.commerce is not None and not self.win.jobs.busy

    def _base_status(self) -> dict[str, Any]:
        win = self.win
        if win is None:
            return {}
        app = win.app
        cues = app.cues
        return {
            "frames_painted": win.preview.frames_painted,
            "orders": win.sales.orders,
            "gmv": round(win.sales.gmv, 2),
            "loops": self.loops,
            "cues_fired": len(list(cues.fired)) if cues is not None else None,
            "show_seconds": round(app.show_seconds, 1) if app.show_seconds is not None else None,
            "connected": app.commerce is not None,
            "fps_label": win.fps_label.text(),
            "live_label": win.live_label.text(),
            "status_bar": win.statusBar().currentMessage(),
            "visible": win.isVisible(),
            # start-up's objects out of the collector's passes (studio.gc_pauses), and what
            # a full pass walks now
            "gc_frozen": gc.get_freeze_count(),
            "gc_tracked": len(gc.get_objects()),
        }


class GuideDriver(_StudioWindowDriver):
    """Demo mode, a platform on nginx-rtmp, live with the sample show looping; end; close."""

    def step(self) -> None:
        win = self.win
        if self.phase == "window":
            self._first_run_demo()
        elif self.phase == "connecting" and self._connected():
            self.phase = "platform"
            click(win.panel.findChild(QPushButton, "addDestination"))
        elif self.phase == "platform":
            from ui.destinations import DestinationDialog

            dlg = win.panel.findChild(DestinationDialog)
            if dlg is not None and dlg.isVisible():
                dlg.name_edit.insert("视频号")  # Chinese arrives as an input-method commit
                QTest.keyClicks(dlg.server_edit, self.opts.server)
                QTest.keyClicks(dlg.key_edit, self.opts.key)
                box = dlg.findChild(QDialogButtonBox)
                click(box.button(QDialogButtonBox.StandardButton.Save))
                self.phase = "platform_saved"
        elif self.phase == "platform_saved" and win.panel.dest_list.count() >= 1:
            click(win.panel.button)  # 开始直播
            self.phase = "going_live"
        elif self.phase == "going_live" and win.panel.live:
            # the script as the 载入脚本 file dialog would hand it over, then 开始脚本
            if not win.script.load_show(Path(self.opts.show)):
                self.phase = "failed: script not loaded"
                return
            click(win.runner.start)
            self.phase = "live"
            self.emit()
        elif self.phase == "live":
            show, seconds = win.app.show, win.app.show_seconds
            if show is not None and seconds is not None and seconds >= show.duration + 1.0:
                click(win.runner.start)  # the show looped: 重新开始
                self.loops += 1
        elif self.phase == "ending" and not win.panel.live and not win.jobs.busy:
            self.phase = "ended"
            self.emit(recording=win.statusBar().currentMessage())
            win.close()

    def command(self, command: str) -> None:
        """``costream invite|on|remove``: the 连麦 panel's buttons, clicked as the guide would."""
        what = command.removeprefix("costream ").strip()
        if not command.startswith("costream "):
            super().command(command)
        elif what == "invite":
            click(self.win.open_costream().invite_button)  # the toolbar's 连麦, then 连麦邀请
        elif what in ("on", "remove"):
            dlg = self.win.costream
            row = dlg.rows[min(dlg.rows)]  # the first guest's row
            click(row.air if what == "on" else row.remove)
        else:
            self.driver_errors.append(f"unknown command {command!r}")

    def close(self) -> None:
        if self.win.panel.live:
            self.phase = "ending"
            click(self.win.panel.button)  # 结束直播 -> "确定要结束直播吗？" -> Yes
        else:
            self.win.close()

    def status(self) -> dict[str, Any]:
        out = self._base_status()
        if self.win is not None:
            out["live"] = self.win.panel.live
            out["outputs"] = [
                [self.win.panel.health.item(r, c).text() for c in range(5)]
                for r in range(self.win.panel.health.rowCount())
                if self.win.panel.health.item(r, 4) is not None
            ]
            dlg = self.win.costream
            if dlg is not None:
                out["costream"] = {
                    "link": dlg.link_edit.text(),
                    "guests": {
                        str(gid): {
                            "on_air": bool(d.get("on_air")),
                            "state": dlg.rows[gid].state.text(),
                        }
                        for gid, d in dlg.guests.items()
                        if gid in dlg.rows
                    },
                }
        return out


class RehearseDriver(_StudioWindowDriver):
    """Demo mode, a script, a private preview address, 彩排, the take's review, a note, close."""

    def __init__(self, opts: argparse.Namespace) -> None:
        super().__init__(opts)
        self.review_since: float | None = None
        self.take_started_at: float | None = None
        self.take_off_said = False
        self.take_seconds: float | None = None

    def step(self) -> None:
        win = self.win
        if self.phase == "window":
            self._first_run_demo()
        elif self.phase == "connecting" and self._connected():
            if not win.script.load_show(Path(self.opts.show)):
                self.phase = "failed: script not loaded"
                return
            self.input_text = self.opts.preview
            click(win.findChild(QPushButton, "rehearsalPreview"))  # a modal QInputDialog
            self.phase = "preview_set"
        elif self.phase == "preview_set" and "****" in win.runner.preview_url.text():
            click(win.runner.rehearse)  # 彩排
            self.phase = "starting_take"
        elif self.phase == "starting_take" and win.app.rehearsing:
            self.take_started_at = time.monotonic()
            self.phase = "take"
            self.emit()
        elif self.phase == "take" and not win.app.rehearsing and not self.take_off_said:
            # the moment the take ends, said at once: the soak's take-growth window ends
            # here, not at the next 5 s status (ci13 counted the review's +90 MB in the take)
            self.take_off_said = True
            self.emit()
        elif self.phase == "take" and win.reviews and win.reviews[-1].isVisible():
            assert self.take_started_at is not None
            self.take_seconds = round(time.monotonic() - self.take_started_at, 1)
            self.phase = "review_opened"
            self.emit()
        elif self.phase == "review_opened":
            review = win.reviews[-1]
            if review.player.duration() > 0:
                click(review.findChild(QPushButton, "playPause"))
                self.review_since = time.monotonic()
                self.phase = "reviewing"
        elif self.phase == "reviewing":
            assert self.review_since is not None
            if time.monotonic() - self.review_since >= self.opts.review_seconds:
                review = win.reviews[-1]
                review.note_text.setText("讲咖啡前停顿太久，可以先举起商品")  # an IME commit
                click(review.findChild(QPushButton, "addNote"))
                review.scores["timing"].setValue(4)
                review.reviewer.setText("王老师")
                self.phase = "reviewed"
                self.emit()

    def status(self) -> dict[str, Any]:
        out = self._base_status()
        win = self.win
        if win is None:
            return out
        take = win.app.take
        out.update(
            rehearsing=win.app.rehearsing,
            take=take.number if take is not None else None,
            take_seconds=self.take_seconds,
            rehearse_button=win.runner.rehearse.text(),
            preview_button=win.runner.preview_url.text(),
        )
        if win.reviews:
            review = win.reviews[-1]
            frame = review.video.videoSink().videoFrame()
            out.update(
                review_visible=review.isVisible(),
                review_report=str(review.report_path),
                review_position=round(review.position, 2),
                review_duration_ms=review.player.duration(),
                review_frame_s=frame.startTime() / 1e6 if frame.isValid() else None,
                review_notes=review.note_list.count(),
                review_dirty=review.dirty,
            )
        return out


class WallDriver(Driver):
    """``studio wall ARGS``: only watched (tiles, badges, alerts) and closed at the end."""

    def __init__(self, opts: argparse.Namespace) -> None:
        from ui.wall.window import WallWindow

        self.window_type = WallWindow
        super().__init__(opts)

    def step(self) -> None:
        if self.phase == "window" and self.win.tiles:
            self.phase = "running"

    def status(self) -> dict[str, Any]:
        win = self.win
        if win is None:
            return {}
        tiles = {}
        for key, tile in win.tiles.items():
            r = tile.rect()
            top_left = tile.mapTo(win, r.topLeft())
            g = win.geometry()
            tiles[tile.info.name] = {
                "badge": tile.badge,
                "alerting": tile.alerting,
                "pictures": tile.pictures_shown,
                "decoder": getattr(win.pool.get(key), "state", None),
                "rect": [g.x() + top_left.x(), g.y() + top_left.y(), r.width(), r.height()],
            }
        return {
            "tiles": tiles,
            "alerts": win.alert_list.texts(),
            "summary": win.summary.text(),
            "threads": win.pool.threads_alive(),
        }

    def cli_args(self) -> list[str]:
        return ["wall", *self.opts.wall_args]


DRIVERS: dict[str, Callable[[argparse.Namespace], Driver]] = {
    "guide": GuideDriver,
    "rehearse": RehearseDriver,
    "wall": WallDriver,
}


def parse(argv: list[str]) -> tuple[str, argparse.Namespace]:
    if argv[:1] == ["wall"]:  # everything after it is `studio wall`'s own
        return "wall", argparse.Namespace(wall_args=argv[1:])
    ap = argparse.ArgumentParser(prog="python -m tests.soak.driver")
    sub = ap.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("guide")
    g.add_argument("--server", required=True)
    g.add_argument("--key", required=True)
    g.add_argument("--show", required=True)
    r = sub.add_parser("rehearse")
    r.add_argument("--show", required=True)
    r.add_argument("--preview", required=True)
    r.add_argument("--review-seconds", type=float, default=10.0)
    sub.add_parser("wall", help="then the arguments of `studio wall`")
    opts = ap.parse_args(argv)
    return opts.mode, opts


def main(argv: list[str] | None = None) -> int:
    mode, opts = parse(sys.argv[1:] if argv is None else argv)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # a hang: the soak asks for stacks
    from studio.cli import main as studio_main

    # made before the studio's own entry point, which reuses it (run_window), so the
    # driver's timer exists before the window does
    app = QApplication(sys.argv[:1])
    driver = DRIVERS[mode](opts)
    rc = studio_main(driver.cli_args())
    driver.timer.stop()
    driver.watcher.stop()
    driver.phase = "exited"
    driver.emit(exit_code=rc)
    del app
    return rc


if __name__ == "__main__":
    sys.exit(main())
