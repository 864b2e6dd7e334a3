"""Live sessions: scheduling, the state machine driven by studio actions, the outbox.

A session moves forward only: ``scheduled → prepared → live → ended`` (any step may
be skipped, none undone), so a late, replayed 'started' after 'ended' is recorded
but changes nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from studio.backend import models as m
from studio.backend.access import User, readable
from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError
from studio.backend.service import CommerceService
from studio.contract.sessions import TRANSITIONS

log = logging.getLogger(__name__)

_STAMP = {"live": "started_at", "ended": "ended_at"}


def placement(
    commerce: CommerceService, user: User, guide_id: int | None, store_id: int | None
) -> tuple[int, int]:
    """(guide, store) of a new session: the caller's guide by default, the guide's store."""
    guide_id = guide_id or user.guide_id
    if guide_id is None:
        raise ApiError(422, "guide_id is required unless a guide calls")
    g = commerce.db.one("SELECT * FROM guides WHERE id=?", guide_id)
    if g is None:
        raise ApiError(404, f"guide {guide_id} does not exist")
    store_id = store_id or g["store_id"]
    if store_id != g["store_id"]:
        raise ApiError(422, f"guide {guide_id} does not work at store {store_id}")
    return guide_id, store_id


def create(
    conn: Conn,
    commerce: CommerceService,
    user: User,
    body: m.SessionIn,
    *,
    store_id: int,
    guide_id: int,
) -> dict[str, Any]:
    cur = conn.execute(
        "INSERT INTO live_sessions(store_id, guide_id, title, scheduled_start, rehearsal,"
        " created_by, created_at) VALUES(?,?,?,?,?,?,?)",
        (
            store_id,
            guide_id,
            body.title,
            body.scheduled_start,
            int(body.rehearsal),
            user.id,
            commerce.clock.now(),
        ),
    )
    row = conn.execute("SELECT * FROM live_sessions WHERE id=?", (cur.lastrowid,)).one()
    return commerce.session_out(row)


def listed(commerce: CommerceService, user: User, state: str | None) -> list[dict[str, Any]]:
    rows = commerce.db.all("SELECT * FROM live_sessions ORDER BY id")
    return [
        commerce.session_out(r)
        for r in rows
        if (state is None or r["state"] == state) and readable(commerce, user, r["store_id"])
    ]


def record_action(
    conn: Conn,
    commerce: CommerceService,
    user: User,
    session_id: int,
    body: m.ActionIn,
) -> dict[str, Any]:
    """Append a studio action; a session_* kind moves the state forward (and says so)."""
    kind, payload, client_time = body.kind, body.payload, body.client_time
    now = commerce.clock.now()
    sess = conn.execute(
        "SELECT * FROM live_sessions WHERE id=?" + conn.for_update(), (session_id,)
    ).one()
    state = sess["state"]
    if kind in TRANSITIONS and state in TRANSITIONS[kind][0]:
        state = TRANSITIONS[kind][1]
        col = _STAMP.get(state)
        conn.execute("UPDATE live_sessions SET state=? WHERE id=?", (state, session_id))
        if col:
            conn.execute(f"UPDATE live_sessions SET {col}=? WHERE id=?", (now, session_id))
        commerce.emit(conn, session_id, "session.state", {"state": state, "at": now})
    cur = conn.execute(
        "INSERT INTO session_actions(session_id, kind, payload, client_time, created_by,"
        " created_at) VALUES(?,?,?,?,?,?)",
        (
            session_id,
            kind,
            json.dumps(payload, ensure_ascii=False),
            client_time,
            user.id,
            now,
        ),
    )
    return {
        "id": cur.lastrowid,
        "session_id": session_id,
        "kind": kind,
        "payload": payload,
        "client_time": client_time,
        "created_at": now,
        "session_state": state,
    }


def actions(commerce: CommerceService, sess: Row) -> list[dict[str, Any]]:
    return [
        {**dict(r), "payload": json.loads(r["payload"]), "session_state": sess["state"]}
        for r in commerce.db.all(
            "SELECT id, session_id, kind, payload, client_time, created_at "
            "FROM session_actions WHERE session_id=? ORDER BY id",
            sess["id"],
        )
    ]
