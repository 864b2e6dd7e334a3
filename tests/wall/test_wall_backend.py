"""The wall window against a real backend over HTTP: it connects, or it says why not.

A refused wall (wrong password, a user who may not see the region, a region
that does not exist) must stop trying and tell the manager in the window what
to fix; before, the feed's 403/404 were retried forever at INFO level.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from studio.wall.feed import WallClient
from studio.wall.options import WallOptions
from tests.backend.conftest import DEMO_PASSWORD, Live, start_backend, stop_backend
from ui.app import install_qt_translation, install_translator
from ui.wall.app import build_wall, follow_backend
from ui.wall.window import WallWindow

WRONG = "not-the-password-42"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_backend(tmp_path_factory.mktemp("wall-backend"))
    yield server
    stop_backend(server)


def open_wall(qtbot, live: Live, region: int | None = None) -> tuple[WallWindow, WallClient]:  # type: ignore[no-untyped-def]
    opts = WallOptions(backend=live.url, region=region, audio=False)
    client = WallClient(live.url, region_id=opts.region)
    win = build_wall(opts, client)
    qtbot.addWidget(win)
    win.show()
    return win, client


def run_until_refused(win: WallWindow, client: WallClient, user: str, pw: str) -> None:
    """Run the wall's backend task on the window's qasync loop; it must end by itself."""
    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(asyncio.wait_for(follow_backend(win, client, user, pw), 20))


@pytest.mark.parametrize(
    ("user", "password", "region", "words"),
    [
        ("manager", WRONG, None, ["manager", "密码不对", "STUDIO_WALL_PASSWORD"]),
        ("guide1", DEMO_PASSWORD, None, ["guide1", "无权查看", "--user"]),
        ("manager", DEMO_PASSWORD, 99, ["manager", "--region"]),
    ],
    ids=["wrong-password", "not-a-manager", "no-such-region"],
)
def test_a_refused_wall_stops_and_the_window_says_what_to_fix(
    qtbot, backend: Live, caplog, user: str, password: str, region: int | None, words: list[str]
) -> None:
    win, client = open_wall(qtbot, backend, region)
    assert win.banner.isHidden()
    with caplog.at_level(logging.INFO):
        run_until_refused(win, client, user, password)  # returns: no retry loop
    assert win.banner.isVisible()
    for word in words:
        assert word in win.banner.text(), (word, win.banner.text())
    assert not win.tiles  # nothing from the backend
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert [r.levelno for r in refused] == [logging.ERROR]
    assert not any("wall feed lost" in r.getMessage() for r in caplog.records)  # no retry
    assert not any(password in r.getMessage() for r in caplog.records)
    win.shutdown()


def test_the_refusal_is_in_the_windows_language(qtbot, backend: Live) -> None:
    app = QApplication.instance()
    tr = install_translator(app, "en")
    assert tr is not None
    try:
        win, client = open_wall(qtbot, backend)
        run_until_refused(win, client, "manager", WRONG)
        text = win.banner.text()
        assert "wrong password" in text and "manager" in text and "STUDIO_WALL_PASSWORD" in text
        win.shutdown()
    finally:
        app.removeTranslator(tr)


def test_the_right_password_fills_the_wall_with_the_regions_stores(
    qtbot, backend: Live, tmp_path: Path
) -> None:
    streams = tmp_path / "streams.txt"
    streams.write_text("加盟店 rtmp://127.0.0.1:1/live/x\n", encoding="utf-8")
    opts = WallOptions(backend=backend.url, streams=streams, audio=False)
    client = WallClient(backend.url)
    win = build_wall(opts, client)
    qtbot.addWidget(win)
    win.show()
    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    with loop:
        task = loop.create_task(follow_backend(win, client, "manager", DEMO_PASSWORD))

        want = {"上海南京西路店", "杭州湖滨店", "加盟店"}

        async def until_filled() -> None:
            while {s.name for s in win.stores.values()} != want:
                await asyncio.sleep(0.05)

        loop.run_until_complete(asyncio.wait_for(until_filled(), 20))
        assert win.banner.isHidden() and not task.done()
        task.cancel()
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
    win.shutdown()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unreachable_backend_is_said_in_plain_words_with_the_fix(qtbot, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Not httpx's "All connection attempts failed": what is wrong and what to check."""
    app = QApplication.instance()
    tr = install_translator(app, lang)
    try:
        dead = Live(db="unused", port=1, logfile=Path("/dev/null"))  # nothing listens on port 1
        win, client = open_wall(qtbot, dead)
        run_until_refused(win, client, "manager", WRONG)  # ends: login failed, no retry loop
        shown = [win.banner.text(), win.statusBar().currentMessage()]
        assert win.banner.isVisible()
        for text in shown:
            assert "All connection attempts failed" not in text
            assert "http://127.0.0.1:1" in text and "--backend" in text
            if lang == "zh":
                assert "连不上后台" in text and "网络" in text
            else:
                assert "Cannot reach the backend" in text and "network" in text
                assert not re.search(r"[\u4e00-\u9fff]", text)
        win.shutdown()
    finally:
        if tr is not None:
            app.removeTranslator(tr)
        install_qt_translation(app, "en")  # no qtbase translation, as before the test
