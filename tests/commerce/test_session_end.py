"""Ending a live or a rehearsal ends its backend session, through the outbox, once.

A new user's report: after 结束直播 (and 结束彩排) the backend still had the session
``state='live', ended_at=NULL`` and no ``session_ended`` action, so the manager's
wall showed the store 直播中 for good. Real backend processes, the app as the
window drives it (go_live / end, start_rehearsal / finish_rehearsal).
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from studio.app import Destination, StudioApp
from studio.config import Profile
from tests.commerce.backend import PASSWORD, Backend, free_port
from tests.nginx_rtmp import NginxRtmp

TAKE = textwrap.dedent(
    """
    [show]
    title = "结束彩排"
    duration = 30

    [[segments]]
    title = "咖啡"
    length = 30
    talking_points = ["中度烘焙"]
      [[segments.cues]]
      id = "card"
      at = "start"
      action = "show_card"
      product = "GS-1011"
    """
)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """A backend of its own (its wall is this test's) and the studio's own data folder."""
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    b = Backend(tmp_path / "shop.sqlite3", free_port(), tmp_path / "shop.log").start()
    yield b
    b.stop()


def wait_for(what: Callable[[], bool], seconds: float, why: str) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, why
        time.sleep(0.2)


def session(shop: Backend, sid: int) -> dict:
    return dict(shop.get(f"/api/sessions/{sid}"))


def ends(shop: Backend, sid: int) -> int:
    return sum(a["kind"] == "session_ended" for a in shop.actions(sid))


def wall_state(shop: Backend, store_id: int = 1) -> str:
    wall = shop.get("/api/wall", user="manager")
    return str(next(s for s in wall["stores"] if s["store_id"] == store_id)["state"])


def test_ending_the_live_ends_its_backend_session_once_and_the_wall_says_so(
    shop: Backend, nginx_rtmp: NginxRtmp
) -> None:
    app = StudioApp(Profile(width=640, height=360, fps=15))
    app.open("test")
    try:
        app.connect_commerce(shop.url, "guide1", PASSWORD, 1)  # the store's live show
        platform = Destination("视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live/end1")
        app.go_live([platform], None)
        wait_for(lambda: session(shop, 1)["state"] == "live", 10, "not live at the backend")
        assert wall_state(shop) == "live"
        app.end()
        app.end()  # a second end (the window closing after 结束直播) ends nothing again
        wait_for(lambda: session(shop, 1)["state"] == "ended", 15, "the session was not ended")
        assert session(shop, 1)["ended_at"] is not None
        assert app.commerce.commerce.status().pending == 0
        assert ends(shop, 1) == 1
        assert wall_state(shop) != "live"  # the manager's wall no longer says 直播中
    finally:
        app.close()
    assert ends(shop, 1) == 1  # closing the window sends no second one


def test_an_end_while_the_backend_is_down_is_delivered_when_it_is_back(
    shop: Backend, nginx_rtmp: NginxRtmp
) -> None:
    sid = shop.new_session("断网下播")
    app = StudioApp(Profile(width=640, height=360, fps=15))
    app.open("test")
    try:
        app.connect_commerce(shop.url, "guide1", PASSWORD, sid)
        assert session(shop, sid)["state"] == "prepared"  # connecting is not going live
        app.go_live([Destination("视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live/e2")], None)
        wait_for(lambda: session(shop, sid)["state"] == "live", 10, "not live at the backend")
        shop.stop()
        app.end()  # the shop's Wi-Fi is down when the guide ends the show
        core = app.commerce.commerce
        waiting = core.store.query(
            "SELECT body FROM outbox WHERE state='pending' AND body LIKE '%session_ended%'"
        )
        assert len(waiting) == 1  # kept in the outbox, not lost
        shop.start()
        wait_for(lambda: session(shop, sid)["state"] == "ended", 45, "not delivered after")
        wait_for(lambda: core.status().pending == 0, 20, "the outbox did not drain")
        assert ends(shop, sid) == 1
    finally:
        app.close()


def test_ending_a_take_ends_its_rehearsal_session_and_not_the_real_one(
    shop: Backend, tmp_path: Path
) -> None:
    show = tmp_path / "take.toml"
    show.write_text(TAKE, encoding="utf-8")
    real = shop.new_session("正式场")
    app = StudioApp(Profile(width=640, height=360, fps=15))
    app.open("test")
    try:
        app.connect_commerce(shop.url, "guide1", PASSWORD, real)
        app.load_show(show)
        app.start_rehearsal(tmp_path / "takes")
        take = app.session_id
        assert take != real and session(shop, take)["rehearsal"] is True
        wait_for(lambda: session(shop, take)["state"] == "live", 10, "the take is not 彩排中")
        time.sleep(1.0)
        app.finish_rehearsal()
        assert app.session_id == real  # back on the real session
        wait_for(lambda: session(shop, take)["state"] == "ended", 15, "the take's session lives")
        assert ends(shop, take) == 1
        assert session(shop, real)["state"] == "prepared" and ends(shop, real) == 0
    finally:
        app.close()
    assert ends(shop, take) == 1 and ends(shop, real) == 0
