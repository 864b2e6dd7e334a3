"""The studio and the backend move a session through one state machine (the contract's).

The backend said ``prepared`` while the studio's copy stayed ``scheduled`` until the
feed caught up; now the studio applies the same :func:`studio.contract.sessions.advance`
when it records the action, so both read the same state at every step, a late
replay included.
"""

from __future__ import annotations

from pathlib import Path

from tests.commerce.backend import Backend
from tests.commerce.conftest import running

STEPS = [
    ("session_prepared", "prepared"),
    ("session_started", "live"),
    ("session_prepared", "live"),  # a step back changes nothing
    ("session_ended", "ended"),
    ("session_started", "ended"),  # a late, replayed start after the end
]


def test_studio_and_backend_agree_on_the_session_state_at_every_step(
    backend: Backend, tmp_path: Path
) -> None:
    sid = backend.new_session("状态机")
    with running(tmp_path / "studio.sqlite3", backend.url, sid) as (commerce, side):
        for kind, state in STEPS:
            commerce.record_action(kind, {}, session_id=sid)
            local = commerce.store.session_state(sid)  # before the backend heard of it
            assert side.call(commerce.flush(20), 30)
            assert (local, backend.get(f"/api/sessions/{sid}")["state"]) == (state, state), kind
            assert commerce.store.session_state(sid) == state  # and after its answer
