"""Open the main window on the current display, let it run, report its layout as JSON.

Used by the screenshot test under Xvfb and by developers:
``DISPLAY=:99 python -m ui.screenshot --seconds 3``. It checks what a user
would notice: the window fits the screen and no label or button is cut off.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from studio.app import StudioApp
from studio.config import Profile
from ui.app import install_translator, ui_language, use_cjk_font, widen_input_dialogs
from ui.main_window import MainWindow


def clipped_widgets(root: QWidget) -> list[str]:
    """Visible labels/buttons whose text needs more room than they were given."""
    bad = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QLabel | QAbstractButton):
            continue
        text = w.text() if hasattr(w, "text") else ""
        if not text:
            continue
        hint = w.minimumSizeHint()
        if w.width() + 1 < hint.width() or w.height() + 1 < hint.height():
            bad.append(
                f"{type(w).__name__} {text!r}: {w.width()}x{w.height()} < "
                f"{hint.width()}x{hint.height()}"
            )
    return bad


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--demo", action="store_true", help="demo mode: embedded backend, a show")
    ap.add_argument("--review", metavar="REPORT_JSON", help="the review window of a take instead")
    ap.add_argument(
        "--dialog",
        choices=sorted(DIALOGS),
        help="open this dialog over the window (as a user would) and report it instead",
    )
    ap.add_argument("--shot", metavar="PNG", help="save the screen (import -window root) here")
    ap.add_argument("--show", metavar="TOML", help="load this show script first")
    args = ap.parse_args()
    app = QApplication(sys.argv)
    use_cjk_font(app)
    widen_input_dialogs(app)
    install_translator(app, ui_language())
    if args.review:
        return _review(app, args)
    if args.dialog:
        return _dialog(app, args)
    studio = StudioApp(Profile(width=1280, height=720, fps=30))
    win = MainWindow(studio)
    studio.open("test")
    if args.demo:
        from studio.fonts import ASSETS

        studio.start_demo(shoppers=120)
        win.shelf.rebuild(studio.catalog)
        win.script.load_show(ASSETS / "shows" / "quick-demo.toml")
        win.script.start_show()
    elif args.show:
        from pathlib import Path

        win.script.load_show(Path(args.show))
    win.setGeometry(app.primaryScreen().availableGeometry())  # no window manager under Xvfb
    win.showMaximized()
    report: dict = {}

    def done() -> None:
        screen = app.primaryScreen().geometry()
        frame = win.frameGeometry()
        report.update(
            screen=[screen.width(), screen.height()],
            window=[frame.x(), frame.y(), frame.width(), frame.height()],
            fits=screen.contains(frame)
            or (frame.width() <= screen.width() and frame.height() <= screen.height()),
            clipped=clipped_widgets(win),
            preview_frames=win.preview.frames_painted,
            font=app.font().family(),
            orders=win.sales.orders,
            live_button=win.panel.button.text(),  # which language the window speaks
        )
        _shoot(args.shot)
        print(json.dumps(report, ensure_ascii=False), flush=True)
        # stay up a moment so an outside `import -window root` sees the window
        QTimer.singleShot(1500, win.close)

    QTimer.singleShot(int(args.seconds * 1000), done)
    app.exec()
    return 0 if report.get("fits") and not report.get("clipped") else 1


def _review(app: QApplication, args: argparse.Namespace) -> int:
    """The take review window, a note added and the playhead at 3 s, as a trainer sees it."""
    from pathlib import Path

    from ui.review import ReviewWindow

    win = ReviewWindow(Path(args.review))
    win.setGeometry(app.primaryScreen().availableGeometry())
    win.show()
    report: dict = {}

    def seek() -> None:
        win.seek(3.0)
        win.note_text.setText("讲咖啡前停顿太久，可以先举起商品")
        win.add_note()
        win.scores["timing"].setValue(3)
        win.reviewer.setText("王老师")

    def done() -> None:
        screen = app.primaryScreen().geometry()
        frame = win.frameGeometry()
        shown = win.video.videoSink().videoFrame()
        report.update(
            screen=[screen.width(), screen.height()],
            window=[frame.x(), frame.y(), frame.width(), frame.height()],
            fits=frame.width() <= screen.width() and frame.height() <= screen.height(),
            clipped=clipped_widgets(win),
            frame_seconds=shown.startTime() / 1e6 if shown.isValid() else None,
            chapters=win.chapter_list.count(),
            font=app.font().family(),
        )
        print(json.dumps(report, ensure_ascii=False), flush=True)
        win.dirty = False  # a screenshot run keeps nothing
        QTimer.singleShot(1500, win.close)

    QTimer.singleShot(1000, seek)
    QTimer.singleShot(int(args.seconds * 1000), done)
    app.exec()
    return 0 if report.get("fits") and not report.get("clipped") else 1


def _shoot(path: str | None) -> None:
    """The whole screen as X shows it now (the pixels are on the server already)."""
    if path:
        subprocess.run(["import", "-window", "root", path], check=False, timeout=30)


def _open_destination(win: MainWindow) -> None:
    from ui.destinations import DestinationDialog

    dlg = DestinationDialog(win, "视频号", "rtmp://push.example.com/live", platform="channels")
    dlg.exec()


def _open_end_live(win: MainWindow) -> None:
    win.panel.live = True
    win.panel._clicked()  # live: asks before it ends
    win.panel.live = False


def _open_file(win: MainWindow) -> None:
    win.script._load_show_dialog()


def _open_remote(win: MainWindow) -> None:
    win._source_chosen(win.source_combo.findData("url:"))


DIALOGS = {
    "destination": _open_destination,
    "end-live": _open_end_live,
    "file": _open_file,
    "remote": _open_remote,
}


def _dialog(app: QApplication, args: argparse.Namespace) -> int:
    """The main window with one of its dialogs open, as the guide meets it."""
    from pathlib import Path

    studio = StudioApp(Profile(width=1280, height=720, fps=30))
    win = MainWindow(studio)
    studio.open("test")
    if args.show:
        win.script.load_show(Path(args.show))
    win.setGeometry(app.primaryScreen().availableGeometry())
    win.showMaximized()
    report: dict = {}

    def look() -> None:
        dlg = app.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(200, look)
            return
        frame = dlg.frameGeometry()
        report.update(
            dialog=type(dlg).__name__,
            title=dlg.windowTitle(),
            size=[frame.width(), frame.height()],
            clipped=clipped_widgets(dlg),
        )
        _shoot(args.shot)
        print(json.dumps(report, ensure_ascii=False), flush=True)
        dlg.close()  # Cancel / No: nothing changes
        QTimer.singleShot(300, win.close)

    def open_it() -> None:
        QTimer.singleShot(int(args.seconds * 1000), look)
        DIALOGS[args.dialog](win)  # modal: returns once look() closed it

    QTimer.singleShot(500, open_it)
    app.exec()
    return 0 if report and not report.get("clipped") else 1


if __name__ == "__main__":
    sys.exit(main())
