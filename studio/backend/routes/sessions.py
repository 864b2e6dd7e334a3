"""Live sessions and their studio actions (the outbox that drives the state)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from studio.backend import models as m
from studio.backend.access import (
    can_write_session,
    readable_session,
    require,
    writable_session,
)
from studio.backend.deps import AUTH_ERRORS, ERR, WRITE_ERRORS, Auth, Idem, IdemKey, IdPath, State
from studio.backend.errors import ApiError
from studio.backend.services import sessions

router = APIRouter(tags=["sessions"])


@router.post("/api/sessions", response_model=m.SessionOut, status_code=201, responses=WRITE_ERRORS)
def create_session(
    body: m.SessionIn, user: Auth, state: State, idem: Idem, idempotency_key: IdemKey = None
) -> dict[str, Any]:
    """Schedule a live session (or a rehearsal) for a guide."""
    commerce = state.commerce
    guide_id, store_id = sessions.placement(commerce, user, body.guide_id, body.store_id)
    require(
        can_write_session(user, commerce.store_ref(store_id), body.rehearsal),
        f"create sessions for store {store_id}",
    )
    return idem.run(
        idempotency_key,
        "create_session",
        body,
        lambda conn: (
            201,
            sessions.create(conn, commerce, user, body, store_id=store_id, guide_id=guide_id),
        ),
    )


@router.get("/api/sessions", response_model=list[m.SessionOut], responses={401: ERR})
def list_sessions(
    user: Auth, app_state: State, state: Annotated[str | None, Query(max_length=20)] = None
) -> list[dict[str, Any]]:
    return sessions.listed(app_state.commerce, user, state)


@router.get("/api/sessions/{session_id}", response_model=m.SessionOut, responses=AUTH_ERRORS)
def get_session(session_id: IdPath, user: Auth, state: State) -> dict[str, Any]:
    row = readable_session(state.commerce, user, session_id, f"read live session {session_id}")
    return state.commerce.session_out(row)


@router.post(
    "/api/sessions/{session_id}/actions",
    response_model=m.ActionOut,
    status_code=201,
    responses={**WRITE_ERRORS, 400: ERR},
)
def record_action(
    session_id: IdPath,
    body: m.ActionIn,
    user: Auth,
    state: State,
    idem: Idem,
    idempotency_key: IdemKey = None,
) -> dict[str, Any]:
    """Record a studio action (the outbox). Idempotency-Key is required here.

    session_* kinds move the session state forward only (a late, replayed
    'started' after 'ended' is recorded but changes nothing).
    """
    if not idempotency_key:
        raise ApiError(400, "Idempotency-Key header is required on studio actions")
    writable_session(state.commerce, user, session_id)
    return idem.run(
        idempotency_key,
        f"record_action:{session_id}",
        body,
        lambda conn: (201, sessions.record_action(conn, state.commerce, user, session_id, body)),
    )


@router.get(
    "/api/sessions/{session_id}/actions", response_model=list[m.ActionOut], responses=AUTH_ERRORS
)
def list_actions(session_id: IdPath, user: Auth, state: State) -> list[dict[str, Any]]:
    sess = readable_session(state.commerce, user, session_id, f"read live session {session_id}")
    return sessions.actions(state.commerce, sess)
