"""The studio window dies mid-show (kill -9, a fatal error); the next start says where the
recording is and that it plays, and the demo backend did not outlive it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QMessageBox

from studio.app import StudioApp
from studio.config import Profile
from studio.crash import CrashGuard, check_recording
from tests.integration.test_crash_orphans import port_open, wait_gone
from ui.crash import show_unclean_ends
from ui.main_window import MainWindow
from ui.settings import AppSettings

DRIVER = """
import asyncio, json, sys
from studio.logsetup import setup_logging
setup_logging()
from ui import app as ui_app
from ui.settings import AppSettings

s = AppSettings()
s.set_value("first_run_done", "true")
s.set_value("record_dir", sys.argv[1])

async def drive(win):
    dlg = win.setup.first_run()
    dlg.demo_button.click()          # demo mode: the embedded backend, a child process
    while win.app.commerce is None or win.jobs.busy:  # Go Live is off while connecting
        await asyncio.sleep(0.1)
    win.panel.button.click()         # Go Live, recording ticked, no platform
    while not win.panel.live:
        await asyncio.sleep(0.1)
    print("LIVE " + json.dumps({"record": str(win.app.recorder.path),
                      "backend_pid": win.app.embedded.proc.pid,
                      "backend_url": win.app.embedded.url}), flush=True)

sys.exit(ui_app.run_gui("test", start=drive))
"""


def run_window_until_it_dies(tmp_path: Path, how: str) -> tuple[dict, int]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "STUDIO_CONFIG_DIR": str(tmp_path / "config"),
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_LOG_DIR": str(tmp_path / "log"),
        "STUDIO_LANG": "zh",
    }
    if how == "segv":
        env["STUDIO_CRASH_DRILL"] = "segv:3"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(tmp_path / "videos")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        line = ""
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("LIVE "):
                break
        if not line.startswith("LIVE "):
            proc.wait(30)
            pytest.fail(f"the window never went live: {proc.stderr.read()[-3000:]}")  # type: ignore[union-attr]
        live = json.loads(line[5:])
        if how in ("kill", "term"):
            went_live, rec = time.monotonic(), Path(live["record"])
            while time.monotonic() < went_live + 20 and (  # about 3 s of show on disk
                time.monotonic() < went_live + 3 or not rec.exists() or rec.stat().st_size < 300_000
            ):
                time.sleep(0.2)
            os.kill(proc.pid, signal.SIGKILL if how == "kill" else signal.SIGTERM)
        rc = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    return live, rc


@pytest.mark.parametrize("how", ["kill", "segv"])
def test_next_start_names_the_recording_of_the_show_that_died_and_says_it_plays(
    qtbot, tmp_path: Path, how: str
) -> None:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    live, rc = run_window_until_it_dies(tmp_path, how)
    assert rc == (-signal.SIGKILL if how == "kill" else -signal.SIGSEGV), rc
    record = Path(live["record"])
    assert record.parent == tmp_path / "videos"  # made on this first Go Live

    # the demo backend ended with the window (no orphan placing orders)
    took = wait_gone(live["backend_pid"], live["backend_url"], 8.0)
    assert not port_open(live["backend_url"]), f"demo backend still up {took:.1f} s later"
    alive = psutil.pid_exists(live["backend_pid"])
    assert not alive or psutil.Process(live["backend_pid"]).status() == psutil.STATUS_ZOMBIE

    checked = check_recording(record)
    assert checked.plays and checked.video_frames > 30, checked

    # the next start of the window
    guard = CrashGuard("gui", data=tmp_path / "data", logs=tmp_path / "log")
    ends = guard.previous()
    assert len(ends) == 1, ends
    end = ends[0]
    assert end.recordings == {"live": record}
    if how == "segv":
        assert "Fatal Python error: Segmentation fault" in end.summary
        assert (
            end.fatal_log is not None and "in die" in end.fatal_log.read_text()
        )  # the drill thread
    else:
        assert end.summary == ""  # kill -9 leaves no word, only the marker
    assert guard.previous() == []  # told once

    win = MainWindow(
        StudioApp(Profile(width=640, height=360, fps=30)), AppSettings(tmp_path / "again.ini")
    )
    qtbot.addWidget(win)
    win.show()
    show_unclean_ends(win, ends)
    qtbot.waitUntil(lambda: win.findChild(QMessageBox, "crashNotice") is not None, timeout=15000)
    box = win.findChild(QMessageBox, "crashNotice")
    text = box.text()
    assert box.windowTitle() == "导购直播台上次意外关闭"
    assert "没有正常关闭" in text and str(record) in text, text
    assert "录像可以正常播放" in text, text
    if how == "segv":
        assert "原因：Fatal Python error: Segmentation fault" in text, text
    print(f"{how}: died and reported in {time.monotonic() - t0:.1f} s; {checked}")
    box.close()
    win.close()


CLEAN = """
import sys
from PySide6.QtCore import QTimer
from studio.logsetup import setup_logging
setup_logging()
from ui import app as ui_app
from ui.settings import AppSettings

AppSettings().set_value("first_run_done", "true")
sys.exit(ui_app.run_gui("test", start=lambda win: QTimer.singleShot(1500, win.close)))
"""


def test_a_window_closed_normally_leaves_nothing_to_report(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "STUDIO_CONFIG_DIR": str(tmp_path / "config"),
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_LOG_DIR": str(tmp_path / "log"),
    }
    driver = tmp_path / "clean.py"
    driver.write_text(CLEAN, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, str(driver)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert list((tmp_path / "data" / "sessions").glob("*.json")) == []
    assert list((tmp_path / "log").glob("fatal-*.log")) == []
    assert CrashGuard("gui", data=tmp_path / "data", logs=tmp_path / "log").previous() == []


def test_sigterm_while_live_closes_the_window_cleanly(tmp_path: Path) -> None:
    """Logout, shutdown or ``kill``: the live ends, the recording is whole, no crash is told."""
    live, rc = run_window_until_it_dies(tmp_path, "term")
    assert rc == 0, rc
    took = wait_gone(live["backend_pid"], live["backend_url"], 8.0)
    assert not port_open(live["backend_url"]), f"demo backend still up {took:.1f} s later"
    checked = check_recording(Path(live["record"]))
    assert checked.plays and checked.video_frames > 60, checked
    assert list((tmp_path / "data" / "sessions").glob("*.json")) == []
    assert list((tmp_path / "log").glob("fatal-*.log")) == []
    assert CrashGuard("gui", data=tmp_path / "data", logs=tmp_path / "log").previous() == []
    log = (tmp_path / "log" / "studio.log").read_text("utf-8")
    assert "signal SIGTERM: closing the window cleanly" in log
