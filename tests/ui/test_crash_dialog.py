"""Unhandled errors from the GUI thread, a worker thread and asyncio all end in one place."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from studio.crash import CrashGuard, RecordingCheck, UncleanEnd
from ui.crash import CrashNotifier, notice_text


def dialog(qtbot) -> QMessageBox:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    def find() -> QMessageBox | None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.objectName() == "crashDialog" and w.isVisible():
                return w
        return None

    qtbot.waitUntil(lambda: find() is not None, timeout=5000)
    box = find()
    assert box is not None
    return box


@pytest.fixture
def guard(tmp_path: Path):  # type: ignore[no-untyped-def]
    g = CrashGuard("gui", data=tmp_path / "data", logs=tmp_path / "log")
    g.start(fault_handler=False)  # pytest keeps its own faulthandler
    g.install()
    yield g
    g.stop()
    assert not g.marker.exists()  # a clean exit leaves nothing to report


def last_error(guard: CrashGuard) -> dict:
    return json.loads(guard.marker.read_text(encoding="utf-8"))["last_error"]


def test_every_hook_reports_to_the_guard_and_one_dialog(qtbot, guard: CrashGuard) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    guard.add_listener(lambda r: seen.append(r.where))
    notifier = CrashNotifier(guard)

    def worker() -> None:
        raise RuntimeError("rtmp://push.example.com/live/sk-9e1f7c3b2a84 refused")

    t = threading.Thread(target=worker, name="capture-0")
    t.start()
    t.join()
    box = dialog(qtbot)
    assert box.windowTitle() == "导购直播台出错了"
    assert "RuntimeError" in box.text() and "还在运行" in box.text()
    assert "sk-9e1f7c3b2a84" not in box.text()  # redacted, in the dialog and the marker
    err = last_error(guard)
    assert err["where"] == "thread capture-0" and "sk-9e1f7c3b2a84" not in err["summary"]
    box.close()

    try:
        raise ValueError("bad value on the GUI thread")
    except ValueError:
        sys.excepthook(*sys.exc_info())  # what PySide6 calls for an exception in a slot
    box = dialog(qtbot)
    assert "ValueError: bad value on the GUI thread" in box.text()
    box.close()

    loop = asyncio.new_event_loop()
    loop.set_exception_handler(guard.asyncio_handler)
    try:
        loop.call_soon(lambda: 1 / 0)
        loop.run_until_complete(asyncio.sleep(0.05))
    finally:
        loop.close()
    box = dialog(qtbot)
    assert "ZeroDivisionError" in box.text()
    box.close()
    assert seen == ["thread capture-0", "main thread", "asyncio"]
    assert last_error(guard)["where"] == "asyncio"
    notifier.deleteLater()


def test_an_error_storm_shows_one_dialog(qtbot, guard: CrashGuard) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    notifier = CrashNotifier(guard)  # noqa: F841  # kept alive for the test
    for i in range(20):
        guard.report(RuntimeError(f"again {i}"), "main thread")
    dialog(qtbot)
    boxes = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "crashDialog" and w.isVisible()
    ]
    assert len(boxes) == 1
    boxes[0].close()


def test_notice_for_a_take_whose_file_is_missing_and_english(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from ui.app import install_translator

    end = UncleanEnd(1, "gui", "", "2025-03-01T19:30:00+08:00", "", {"take": tmp_path / "t.mkv"})
    checks = {"take": RecordingCheck(tmp_path / "t.mkv")}
    text = notice_text(end, checks)
    assert "2025-03-01 19:30" in text and "录像文件没有找到" in text, text
    app = QApplication.instance()
    tr = install_translator(app, "en")
    try:
        ok = {"live": RecordingCheck(tmp_path / "a.mkv", True, 10, 900, 30.0)}
        text = notice_text(end, ok)
        assert "did not close properly" in text and "plays" in text, text
        assert "about 0 min 30 s" in text, text
    finally:
        app.removeTranslator(tr)
    survived = UncleanEnd(2, "gui", "", "2025-03-01T19:30:00+08:00", "ValueError: x", {})
    text = notice_text(survived, {})
    assert "关闭前最后一个错误：ValueError: x" in text and "原因" not in text, text
    assert "当时没有在录像" in text, text
