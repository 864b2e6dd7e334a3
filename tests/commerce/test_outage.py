"""The studio's backend is stopped for 20 s in the middle of a show.

Design: two ``studio backend`` processes share one SQLite file. A serves the
studio (API, feed); B serves the shoppers (checkout pages: the links' public
URL points at B). A is SIGKILLed and restarted on the same port and file 20 s
later, while the show keeps firing cues through the bus and shoppers keep
buying through the QR links the studio prepared ahead of time. Afterwards every
studio action is at the backend once and every order is in the studio once.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from studio.commerce.side import CommerceSide
from studio.events import EventBus, EventQueue
from tests.commerce.backend import Backend, free_port
from tests.commerce.conftest import make_commerce

OUTAGE = 20.0


def test_backend_down_20s_mid_show(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    pa, pb = free_port(), free_port()
    public = ("--public-url", f"http://127.0.0.1:{pb}")
    a = Backend(db, pa, tmp_path / "a.log", public).start()
    b = Backend(db, pb, tmp_path / "b.log", public).start()
    bus = EventBus()
    feed = EventQueue(bus, "commerce.", maxsize=100_000)
    statuses: list[tuple[bool, int]] = []
    bus.subscribe(
        "commerce.status", lambda e: statuses.append((e.data["online"], e.data["pending"]))
    )
    try:
        sid = a.new_session("断网不停播")
        commerce = make_commerce(tmp_path / "studio.sqlite3", a.url, sid, bus=bus, timeout=2, cap=2)
        commerce.attach()
        side = CommerceSide(commerce)
        links = side.call(commerce.prepare_session(sid, [3, 4, 8], wait=20), 30)
        assert all(u and u.startswith(b.url) for u in links.values()), links
        bus.publish(
            "show.action", type="session_started", session_id=sid, payload={}, action_id="o-start"
        )

        stop = threading.Event()
        fired: list[str] = []
        bought: list[float] = []

        def show() -> None:
            i = 0
            while not stop.wait(0.15):
                kind = "link_shown" if i % 3 == 0 else "cue_fired"
                aid = f"o-{i}"
                bus.publish(
                    "show.action",
                    type=kind,
                    session_id=sid,
                    payload={"product_id": (3, 4, 8)[i % 3], "cue": i},
                    action_id=aid,
                )
                fired.append(aid)
                i += 1

        def shoppers() -> None:
            i = 0
            with httpx.Client(timeout=10) as http:
                while not stop.wait(0.4):
                    url = commerce.link_for((3, 4, 8)[i % 3])  # the local link: works offline
                    assert url
                    if http.post(f"{url}/buy", data={"quantity": "1"}).status_code == 201:
                        bought.append(time.time())
                    i += 1

        threads = [threading.Thread(target=f, name=f.__name__) for f in (show, shoppers)]
        for t in threads:
            t.start()
        time.sleep(3)
        a.stop(signal.SIGKILL)
        down_at = time.time()
        time.sleep(OUTAGE)
        pending_at_restart = commerce.status().pending
        a.start()
        up_at = time.time()
        time.sleep(4)
        stop.set()
        for t in threads:
            t.join()
        bus.publish(
            "show.action", type="session_ended", session_id=sid, payload={}, action_id="o-end"
        )
        assert side.call(commerce.flush(60), 70), commerce.status()
        last = a.events(sid)[-1][0]
        deadline = time.monotonic() + 60
        while commerce.store.cursor(sid) < last:
            assert time.monotonic() < deadline, "feed did not catch up"
            time.sleep(0.1)
        side.stop()
        check(
            a, b, commerce, sid, feed, statuses, fired, bought, down_at, up_at, pending_at_restart
        )
    finally:
        a.stop()
        b.stop()


def check(
    a, b, commerce, sid, feed, statuses, fired, bought, down_at, up_at, pending_at_restart
) -> None:  # type: ignore[no-untyped-def]
    """The final state, read from the restarted backend and the studio's store."""

    # the outage was real: the studio saw itself offline with work waiting
    assert pending_at_restart > 20
    assert (False, pending_at_restart) in statuses or any(not o and p > 0 for o, p in statuses)
    assert sum(down_at < t < up_at for t in bought) >= 20  # checkout kept selling
    # every studio action at the backend exactly once
    at_backend = Counter(x["payload"].get("action_id") for x in b.actions(sid))
    ours = {"o-start", "o-end", *fired}
    assert ours <= set(at_backend)
    assert max(at_backend.values()) == 1
    assert len(at_backend) == len(ours) + 1  # + session_prepared
    assert b.get(f"/api/sessions/{sid}")["state"] == "ended"
    # every order in the studio exactly once, and the feed published each event once
    orders = sorted(o["id"] for o in b.get("/api/orders", session_id=sid, limit=500))
    assert len(orders) == len(bought)
    assert [o["id"] for o in commerce.store.orders(sid)] == orders
    published = [e.data["event_id"] for e in feed.drain() if "event_id" in e.data]
    assert published == [e[0] for e in b.events(sid)]
