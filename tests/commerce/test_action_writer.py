"""Show actions are written off the output clock's thread, in firing order, exactly once.

A fired cue publishes ``show.action`` on the clock thread; a SQLite write there can
wait behind another writer for seconds and stall the picture. The commerce side
queues the action and its writer thread records it. Every statement the store runs
is traced with the thread that ran it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from studio.events import EventBus
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show
from tests.commerce.backend import Backend
from tests.commerce.conftest import make_commerce, prepared_link, running
from tests.commerce.test_flash_price import collect, rig

BURST = 60  # cues in under a second: several fire on the same frame


def burst_show() -> str:
    cues = "".join(
        f'  [[segments.cues]]\n  id = "c{i:02d}"\n  at = {i * 0.015:.3f}\n'
        f'  action = "chapter"\n  title = "第{i}段"\n'
        for i in range(BURST)
    )
    pop = '  [[segments.cues]]\n  id = "pop"\n  at = 0.5\n  action = "pop_link"\n'
    pop += '  product = "GS-1011"\n  duration = 2\n'
    head = '[show]\ntitle = "连发"\nduration = 10\n\n[[segments]]\ntitle = "一"\nlength = 10\n'
    return head + cues + pop


def trace(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(thread name, SQL) of every statement run on ``conn`` from now on."""
    seen: list[tuple[str, str]] = []
    conn.set_trace_callback(lambda sql: seen.append((threading.current_thread().name, sql)))
    return seen


def test_cues_fired_on_the_clock_thread_are_recorded_by_the_writer_in_order_once(
    backend: Backend, tmp_path: Path
) -> None:
    sid = backend.new_session("连发演练")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        prepared_link(side, commerce, sid, "GS-1011")
        mgr = rig(commerce, bus, sid)
        engine = CueEngine(parse_show(burst_show(), demo_catalog()), mgr, bus, session_id=str(sid))
        statements = trace(commerce.store.db.conn)

        def clock() -> None:  # the pipeline's clock: one tick per frame at 25 fps
            for frame in range(30):
                engine.tick(frame, frame / 25)
                mgr.tick(frame, frame / 25)

        t = threading.Thread(target=clock, name="output-clock")
        t.start()
        t.join(30)
        assert not t.is_alive()
        assert commerce.drain_actions(30)
        fired = [f.action_id for f in engine.fired]
        assert len(fired) == BURST + 1
        on_clock = [sql for name, sql in statements if name == "output-clock"]
        assert on_clock == [], on_clock[:5]
        assert any(name == "commerce-writer" for name, _ in statements)  # the trace works
        # in the outbox in firing order, each once (show_started first)
        keys = [r["key"][4:] for r in commerce.store.outbox_rows("action")]
        recorded = [k for k in keys if not k.endswith(":show:start")]
        assert recorded[-len(fired) :] == fired
        assert len(set(keys)) == len(keys)
        assert side.call(commerce.flush(60), 70)
        at_backend = [
            a["payload"]["action_id"]
            for a in backend.actions(sid)
            if a["payload"]["action_id"] in set(fired)
        ]
        assert at_backend == fired  # delivered once each, in order


def test_detach_writes_everything_queued_before_it_returns(tmp_path: Path) -> None:
    bus = EventBus()
    commerce = make_commerce(tmp_path / "studio.sqlite3", "http://127.0.0.1:9", 7, bus=bus)
    commerce.attach()
    ids = [f"burst-{i}" for i in range(300)]

    def publish() -> None:
        for a in ids:
            bus.publish("show.action", type="cue_fired", payload={}, action_id=a)

    t = threading.Thread(target=publish, name="output-clock")
    t.start()
    t.join(30)
    assert commerce.detach(30)
    keys = [r["key"][4:] for r in commerce.store.outbox_rows("action")]
    assert keys == ids
    bus.publish("show.action", type="cue_fired", payload={}, action_id="after-detach")
    assert commerce.detach(5)
    assert [r["key"][4:] for r in commerce.store.outbox_rows("action")] == ids
    commerce.store.close()


def test_a_failed_write_is_logged_and_published_not_swallowed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bus = EventBus()
    commerce = make_commerce(tmp_path / "studio.sqlite3", "http://127.0.0.1:9", 7, bus=bus)
    commerce.attach()
    failed = collect(bus, "commerce.writer_failed")
    commerce.store.close()  # the disk is gone under the show
    caplog.set_level(logging.ERROR, logger="studio.commerce")
    bus.publish("show.action", type="cue_fired", payload={}, action_id="lost-1")
    assert commerce.drain_actions(10)
    assert commerce.writer.failures == 1
    assert [f["action_id"] for f in failed] == ["lost-1"]
    assert "closed database" in failed[0]["error"]
    assert any("lost-1" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    commerce.detach()


def test_ending_the_session_comes_after_the_cues_fired_before_it(tmp_path: Path) -> None:
    bus = EventBus()
    commerce = make_commerce(tmp_path / "studio.sqlite3", "http://127.0.0.1:9", 7, bus=bus)
    commerce.attach()
    ids = [f"last-cue-{i}" for i in range(50)]
    for a in ids:  # on the clock thread in the studio; queued, not yet written
        bus.publish("show.action", type="cue_fired", payload={}, action_id=a)
    commerce.end_session(action_id="the-end")
    keys = [r["key"][4:] for r in commerce.store.outbox_rows("action")]
    assert keys == [*ids, "the-end"]
    assert commerce.detach(5)
    commerce.store.close()
