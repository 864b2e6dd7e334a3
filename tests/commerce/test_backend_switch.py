"""What the studio cached from one backend never serves another (a new user's report).

Run 1 in demo mode (the embedded backend on a random port, session 1), closed; run 2
signs in to another backend (nothing listens there) for session 1 and pops up a
purchase link: its QR read run 1's host and token, a server that is gone. The local
store's links, catalog, sessions, orders and feed cursor belong to one backend now;
offline with no link made for this backend, no QR is drawn and the guide panel says why.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from studio.app import StudioApp
from studio.commerce.store import Store
from studio.config import Profile
from studio.media.frame import planes
from tests.commerce.backend import free_port
from tests.qr import read_qr

SHOW = textwrap.dedent(
    """
    [show]
    title = "换后台"
    duration = 20

    [[segments]]
    title = "咖啡"
    length = 20
      [[segments.cues]]
      id = "qr"
      at = 0.3
      action = "pop_link"
      product = "GS-1011"
      duration = 15
    """
)


def qr_on_preview(app: StudioApp, seconds: float) -> set[str]:
    """Every QR text decoded off the preview (program + guide layers) for ``seconds``."""
    found: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frame = app.pipeline.preview.peek()
        if frame is not None:
            y, _, _ = planes(frame.data, frame.width, frame.height)
            found.update(read_qr(y))
        time.sleep(0.1)
    return found


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own store and demo backend database (the session-wide ones stay as they are)."""
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_run_two_on_another_backend_shows_no_qr_of_run_ones_demo(
    data_dir: Path, tmp_path: Path
) -> None:
    show = tmp_path / "switch.toml"
    show.write_text(SHOW, encoding="utf-8")
    profile = Profile(width=1280, height=720, fps=15)

    app = StudioApp(profile)  # run 1: demo mode
    app.open("test")
    try:
        app.start_demo(shoppers=0)
        assert app.session_id == 1
        demo = app.embedded.url
        app.load_show(show)
        app.start_show()
        seen = qr_on_preview(app, 3.0)
        assert seen and all(u.startswith(demo + "/p/") for u in seen), seen  # the method works
    finally:
        app.close()

    dead = f"http://127.0.0.1:{free_port()}"  # run 2: another backend, not answering
    app = StudioApp(profile)
    app.open("test")
    try:
        app.connect_commerce(dead, "guide1", "wrongpw", 1)
        app.load_show(show)
        app.start_show()
        assert qr_on_preview(app, 2.5) == set()  # no QR at all, least of all run 1's
        popup = app.overlays.slots["popup"]
        assert popup.state is None and not popup.layer.visible
        assert app.overlays.info.alert.startswith("未上屏 购买码")  # the guide sees why
        assert "购买链接" in app.overlays.info.alert
        assert app.overlays.link_for("GS-1011") == ""
        store = app.commerce.commerce.store
        assert store.query("SELECT url FROM links") == []  # run 1's links are gone
        assert store.query("SELECT id FROM products") == []  # and its catalog
        joined = app.joined
        assert joined is not None and not joined.online and joined.reason == "unreachable"
        assert joined.links == 0
    finally:
        app.close()


def test_a_store_belongs_to_one_backend_and_keeps_another_ones_outbox_apart(
    tmp_path: Path,
) -> None:
    s = Store(tmp_path / "c.sqlite3")
    assert s.bind_backend("http://a:8700/") is False  # the first backend: nothing to drop
    with s.tx() as db:
        db["products"].insert({"id": 3, "sku": "GS-1011", "name": "咖啡豆", "stock": 5})
        db["sessions"].insert({"id": 1, "state": "live", "store_id": 1})
        db["links"].insert(
            {"id": 7, "session_id": 1, "product_id": 3, "url": "http://a:8700/p/x", "token": "x"}
        )
        db["orders"].insert({"id": 9, "session_id": 1, "amount_cents": 100, "status": "paid"})
        db["feed_cursor"].insert({"session_id": 1, "last_event_id": 41, "updated_at": 0.0})
        assert s.enqueue(db, "link:1:3", "link", "/api/links", {"session_id": 1}, 1)
    s.set_meta(**{"promo_rules:1": "{}", "last_sync_at": 1.0, "online": "1"})
    s.images_dir.mkdir()
    (s.images_dir / "3.png").write_bytes(b"a's picture of product 3")

    assert s.bind_backend("http://b:8700") is True
    for table in ("products", "sessions", "links", "orders", "commissions", "feed_cursor"):
        assert s.query(f"SELECT * FROM {table}") == [], table
    assert s.meta("promo_rules:1") is None and s.meta("online") is None
    assert not (s.images_dir / "3.png").exists()
    # a's waiting link is neither sent to b nor counted as b's; it waits for a
    assert s.next_pending() is None and s.counts()["pending"] == 0
    assert s.waiting_elsewhere() == 1
    with s.tx() as db:  # the same key at b is b's own row, not "already known"
        assert s.enqueue(db, "link:1:3", "link", "/api/links", {"session_id": 1}, 1)
        assert not s.enqueue(db, "link:1:3", "link", "/api/links", {"session_id": 1}, 1)
    assert s.bind_backend("http://b:8700") is False  # the same backend again: kept

    assert s.bind_backend("http://a:8700") is True
    row = s.next_pending()
    assert row is not None and row["backend"] == "http://a:8700" and row["key"] == "link:1:3"
    assert s.waiting_elsewhere() == 1  # b's


def test_what_waits_for_an_address_that_never_answered_goes_to_the_next(tmp_path: Path) -> None:
    """A typo in the address, fixed: the actions recorded meanwhile were meant for this one."""
    s = Store(tmp_path / "c.sqlite3")
    s.bind_backend("http://typo:8701")
    with s.tx() as db:
        s.enqueue(db, "act:1", "action", "/api/sessions/1/actions", {"kind": "note"}, 1)
    s.bind_backend("http://shop:8700")
    row = s.next_pending()
    assert row is not None and row["key"] == "act:1" and row["backend"] == "http://shop:8700"
