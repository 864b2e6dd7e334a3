"""Purchase links: minted for a session's product, listed per session."""

from typing import Any

from fastapi import APIRouter

from studio.backend import models as m
from studio.backend.access import readable_session, writable_session
from studio.backend.deps import AUTH_ERRORS, WRITE_ERRORS, Auth, Idem, IdemKey, IdPath, State
from studio.backend.services import links

router = APIRouter(tags=["links"])


@router.post("/api/links", response_model=m.LinkOut, status_code=201, responses=WRITE_ERRORS)
def create_link(
    body: m.LinkIn, user: Auth, state: State, idem: Idem, idempotency_key: IdemKey = None
) -> dict[str, Any]:
    """Mint a purchase link bound to product + the session's guide + store + session."""
    sess = writable_session(state.commerce, user, body.session_id)
    return idem.run(
        idempotency_key,
        "create_link",
        body,
        lambda conn: (201, links.create(conn, state.commerce, user, sess, body)),
    )


@router.get(
    "/api/sessions/{session_id}/links", response_model=list[m.LinkOut], responses=AUTH_ERRORS
)
def list_links(session_id: IdPath, user: Auth, state: State) -> list[dict[str, Any]]:
    readable_session(state.commerce, user, session_id, f"read links of session {session_id}")
    return links.listed(state.commerce, session_id)
