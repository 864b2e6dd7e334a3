"""A rehearsal take started from the running studio (what the GUI's Rehearse button does)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from studio.app import StudioApp
from studio.config import Profile
from studio.errors import UserError
from studio.rehearsal.report import load_report
from tests.media_probe import read_media

DRILL = Path(__file__).with_name("drill.toml")
FPS = 30


def _run_to_end(app: StudioApp, limit: float = 60.0) -> None:
    assert app.show is not None
    deadline = time.monotonic() + limit
    while (app.show_seconds or 0.0) < app.show.duration:
        assert time.monotonic() < deadline, "the take never reached its planned end"
        time.sleep(0.05)


def test_a_take_from_the_running_preview_measures_within_a_frame(tmp_path: Path) -> None:
    app = StudioApp(Profile(width=640, height=360, fps=FPS))
    app.open("test")
    try:
        deadline = time.monotonic() + 30  # the preview ran a while: the take starts mid-timeline
        while app.pipeline.counters.rendered < 1.2 * FPS:
            assert time.monotonic() < deadline, "the preview never ran"
            time.sleep(0.05)
        app.load_show(DRILL)
        folder = app.start_rehearsal(tmp_path / "takes")
        assert folder == tmp_path / "takes" / "drill" / "take-01"
        with pytest.raises(UserError, match="rehearsal"):
            app.go_live([], tmp_path / "live.mkv")  # nothing airs during a take
        _run_to_end(app)
        path = app.finish_rehearsal()
        assert not app.rehearsing and app.cues is None
    finally:
        app.close()
    report = load_report(path)
    assert report["take"] == 1 and report["meta"]["from"] == "desktop"
    for seg in report["segments"]:
        assert seg["actual_length"] == pytest.approx(seg["planned_length"], abs=1 / FPS), seg
        assert seg["actual_start"] == pytest.approx(seg["planned_start"], abs=1 / FPS), seg
    s = report["summary"]
    assert s["timed_cues"] > 0 and s["on_time"] == s["timed_cues"], s
    assert report["chapters"][0]["start"] == 0.0  # the opening cue, at the recording's start
    played = read_media(str(folder / "take.mkv"))
    assert not played.error
    assert played.video_times[-1] - played.video_times[0] >= 15.5
    assert (folder / "report.html").stat().st_size > 10_000
    assert (folder / "timeline.png").exists()


def test_a_take_while_connected_to_a_real_session_sells_nothing_real(tmp_path: Path) -> None:
    """Demo mode joins the demo's real session; the take runs on a rehearsal session."""
    app = StudioApp(Profile(width=640, height=360, fps=FPS))
    app.open("test")
    try:
        app.start_demo(shoppers=0)
        # the demo's open real session (session 1, or the next one once an earlier run in
        # the same data folder has ended it)
        real = app.session_id
        assert real is not None
        base = app.embedded.url
        app.load_show(DRILL)
        app.start_rehearsal(tmp_path / "takes")
        sid = app.session_id
        assert sid != real
        with pytest.raises(UserError, match="rehearsal"):
            app.start_demo(shoppers=0)  # no switching to a real session mid-take
        token = app.overlays.link_for("GS-1011").rsplit("/", 1)[-1]
        assert token, "no purchase link for the rehearsal session"
        login = httpx.post(
            f"{base}/api/auth/login", json={"username": "guide1", "password": "demo1234"}
        )
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        sess = httpx.get(f"{base}/api/sessions/{sid}", headers=auth).json()
        assert sess["rehearsal"] is True and sess["title"].startswith("彩排")
        buy = httpx.post(
            f"{base}/p/{token}/buy",
            data={"quantity": "1", "fulfilment": "pickup", "buyer_name": "练习"},
            timeout=15,
        )
        assert buy.status_code == 201
        app.finish_rehearsal()
        assert app.session_id == real  # back on the real session
        orders = httpx.get(f"{base}/api/orders", params={"session_id": sid}, headers=auth).json()
        assert len(orders) == 1
        assert orders[0]["rehearsal"] is True and orders[0]["commission"] is None
    finally:
        app.close()


def test_a_take_that_cannot_start_leaves_nothing_behind(tmp_path: Path) -> None:
    app = StudioApp(Profile(width=320, height=180, fps=FPS))
    app.open("test")
    try:
        app.load_show(DRILL)
        blocked = tmp_path / "not-a-folder"
        blocked.write_text("a file where the takes folder should be")
        with pytest.raises(UserError):
            app.start_rehearsal(blocked)
        assert app.take is None and not app.rehearsing and app.cues is None
        assert app.pipeline.recorder is None
        with pytest.raises(UserError, match="rtmp"):
            app.start_rehearsal(tmp_path / "takes", preview_urls=("rtmp://bad host/x",))
        assert not (tmp_path / "takes").exists()  # checked before any folder is made
        app.start_show()  # the studio is usable as before
        assert app.cues is not None
    finally:
        app.close()
