"""Links cached from an earlier run are refreshed from the backend, the truth for their URL."""

from __future__ import annotations

from pathlib import Path

from tests.commerce.backend import Backend
from tests.commerce.conftest import running


def test_a_stale_cached_link_is_replaced_when_the_session_is_prepared(
    backend: Backend, tmp_path: Path
) -> None:
    """The demo backend restarts on another port each time; old QR URLs would sell nothing."""
    sid = backend.new_session("旧链接")
    with running(tmp_path / "studio.sqlite3", backend.url, sid, flush_timeout=0) as (
        commerce,
        side,
    ):
        first = side.call(commerce.prepare_session(sid, [3, 4], wait=10), 20)
        assert first[3] and first[3].startswith(backend.url + "/p/")
        with commerce.store.tx() as db:
            # the same link at the last run's port, and a row left by another backend
            db.execute("UPDATE links SET url='http://127.0.0.1:9/p/old' WHERE product_id=3")
            db.execute("DELETE FROM links WHERE product_id=4")
            db.execute(
                "INSERT INTO links(id, session_id, product_id, token, url, created_at)"
                " VALUES(999999, ?, 4, 'x', 'http://127.0.0.1:9/p/x', 0)",
                [sid],
            )
        again = side.call(commerce.prepare_session(sid, [3, 4], wait=10), 20)
        assert again == first
        assert commerce.link_for(3) == first[3] and commerce.link_for(4) == first[4]
