"""Through a fault-injecting proxy (503s, slow replies, replies dropped after the
backend committed, SSE streams cut): the final state is exactly what it would be
on a perfect network. Also: Retry-After is honoured, and the feed never skips or
repeats an event across reconnects and a studio restart."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.commerce.side import CommerceSide
from studio.events import EventBus, EventQueue
from tests.commerce.backend import Backend
from tests.commerce.conftest import make_commerce, running
from tests.commerce.faultproxy import FaultProxy, Faults


@pytest.fixture
def proxy(backend: Backend, request: pytest.FixtureRequest) -> Iterator[FaultProxy]:
    p = FaultProxy(backend.port, request.param, seed=4)
    p.start()
    yield p
    p.stop()


def wait_for(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def feed_ids(q: EventQueue) -> list[int]:
    return [e.data["event_id"] for e in q.drain() if "event_id" in e.data]


NASTY = Faults(
    p503=0.2, pslow=0.15, pdrop=0.15, slow_seconds=(0.2, 2.5), sse_cut_seconds=(0.3, 1.5)
)


@pytest.mark.parametrize("proxy", [NASTY], indirect=True)
def test_faults_change_nothing_in_the_final_state(
    backend: Backend, proxy: FaultProxy, tmp_path: Path
) -> None:
    sid = backend.new_session("故障代理专场")
    bus = EventBus()
    q = EventQueue(bus, "commerce.", maxsize=100_000)
    with running(
        tmp_path / "c.sqlite3",
        proxy.url,
        sid,
        bus=bus,
        attach=False,
        flush_timeout=5,
        close=False,
        timeout=1.5,
        cap=1.0,
    ) as (commerce, side):
        side.call(commerce.prepare_session(sid, [5, 6, 7], wait=60), 70)
        # a fault on the very first request reads as offline (prepare does not wait then):
        # the links still come, through the outbox
        wait_for(lambda: all(commerce.link_for(p, sid) for p in (5, 6, 7)), 60, "the links")
        links = {p: commerce.link_for(p, sid) for p in (5, 6, 7)}
        ids = [commerce.start_session()]
        for i in range(40):
            ids.append(commerce.record_action("cue_fired", {"cue": i}, action_id=f"f-cue-{i}"))
            if i % 4 == 0:  # shoppers buy through the QR links while the show goes on
                assert backend.buy(links[5 + i % 3].rsplit("/", 1)[1]) == 201
            time.sleep(0.03)
        ids.append(
            commerce.record_action(
                "coupon_issued", {"title": "满200减20", "discount_cents": 2000, "total": 50}
            )
        )
        ids.append(
            commerce.record_action(
                "groupbuy_started",
                {"product_id": 6, "group_price_cents": 9900, "size": 3, "minutes": 10},
            )
        )
        ids.append(commerce.end_session())
        assert side.call(commerce.flush(90), 100), commerce.status()
        last = backend.events(sid)[-1][0]
        wait_for(lambda: commerce.store.cursor(sid) >= last, 60, "the feed to catch up")

    # every fault kind really happened
    assert proxy.counts["503"] and proxy.counts["slow"] and proxy.counts["dropped_after_commit"]
    assert proxy.counts["sse_cut"]
    # actions: each exactly once
    seen = Counter(a["payload"].get("action_id") for a in backend.actions(sid))
    prepared = [k for k in seen if k not in ids]
    assert len(prepared) == 1  # the session_prepared action
    assert set(seen) == {*ids, *prepared}
    assert max(seen.values()) == 1
    # links, coupon, group-buy: one each, the studio holds the backend's links
    blinks = backend.get(f"/api/sessions/{sid}/links")
    assert sorted(lk["product_id"] for lk in blinks) == [5, 6, 7]
    assert {lk["product_id"]: lk["url"] for lk in blinks} == links
    assert len(backend.get(f"/api/sessions/{sid}/coupons")) == 1
    assert len(backend.get(f"/api/sessions/{sid}/groupbuys")) == 1
    assert backend.get(f"/api/sessions/{sid}")["state"] == "ended"
    # orders: every one in the studio once; the feed neither skipped nor repeated
    borders = sorted(o["id"] for o in backend.get("/api/orders", session_id=sid, limit=500))
    assert len(borders) == 10
    assert [o["id"] for o in commerce.store.orders(sid)] == borders
    assert feed_ids(q) == [e[0] for e in backend.events(sid)]
    assert commerce.feed_repeats_dropped == 0
    assert commerce.status().failed == 0


@pytest.mark.parametrize("proxy", [Faults(first_503=2, first_retry_after="2")], indirect=True)
def test_retry_after_is_honoured(backend: Backend, proxy: FaultProxy, tmp_path: Path) -> None:
    sid = backend.new_session("Retry-After")
    commerce = make_commerce(tmp_path / "c.sqlite3", proxy.url, cap=0.5)  # jitter alone < 0.5 s
    commerce.record_action("cue_fired", {"n": 1}, session_id=sid)  # no feed: outbox only
    side = CommerceSide(commerce)
    try:
        assert side.call(commerce.flush(30), 40)
    finally:
        side.stop()
    times = [t for t, line in proxy.request_times if "/actions" in line]
    assert len(times) == 3  # answered 503 twice (Retry-After: 2), then delivered
    assert times[1] - times[0] >= 1.9
    assert times[2] - times[1] >= 1.9
    assert (
        Counter(a["payload"]["action_id"] for a in backend.actions(sid)).most_common(1)[0][1] == 1
    )


@pytest.mark.parametrize("proxy", [Faults(sse_cut_seconds=(0.2, 0.6))], indirect=True)
def test_feed_reconnects_and_restarts_never_skip_or_repeat(
    backend: Backend, proxy: FaultProxy, tmp_path: Path
) -> None:
    sid = backend.new_session("断线重连")
    seed = make_commerce(tmp_path / "seed.sqlite3", backend.url, sid)
    side = CommerceSide(seed)
    links = side.call(seed.prepare_session(sid, [1, 2], wait=20), 30)
    seed.start_session()
    assert side.call(seed.flush(20), 30)
    side.stop()
    tokens = [u.rsplit("/", 1)[1] for u in links.values()]

    bus = EventBus()
    q = EventQueue(bus, "commerce.", maxsize=100_000)
    store = tmp_path / "studio.sqlite3"
    published: list[int] = []
    connects = 0
    for run in range(2):  # the studio restarts between the runs: resume from the stored cursor
        with running(
            store, proxy.url, sid, bus=bus, attach=False, flush_timeout=5, close=False, cap=0.3
        ) as (
            c,
            _side,
        ):
            for i in range(12):
                assert backend.buy(tokens[i % 2]) == 201
                time.sleep(0.12)
            last = backend.events(sid)[-1][0]
            wait_for(lambda c=c, last=last: c.store.cursor(sid) >= last, 30, f"run {run} feed")
        published += feed_ids(q)
        connects += c.feed_connects
        assert c.feed_repeats_dropped == 0
    assert proxy.counts["sse_cut"] >= 3 and connects >= 4
    assert published == [e[0] for e in backend.events(sid)]  # in order, none twice, none missed
    assert len([o for o in c.store.orders(sid)]) == 24
