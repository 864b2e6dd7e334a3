"""The leaderboard, a session's summary and its shareable poster."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from studio.backend import models as m
from studio.backend.access import readable_session
from studio.backend.deps import AUTH_ERRORS, Auth, IdPath, State
from studio.backend.services import reports

router = APIRouter(tags=["reports"])


@router.get("/api/leaderboard", response_model=list[m.LeaderRow], responses=AUTH_ERRORS)
def leaderboard(
    user: Auth,
    state: State,
    region_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
) -> list[dict[str, Any]]:
    """超级带单王: GMV and orders per guide per UTC hour in a region, ranked."""
    return reports.leaderboard(state.commerce, user, region_id, hours)


@router.get(
    "/api/sessions/{session_id}/summary", response_model=m.SummaryOut, responses=AUTH_ERRORS
)
def session_summary(session_id: IdPath, user: Auth, state: State) -> dict[str, Any]:
    readable_session(state.commerce, user, session_id, "read this summary")
    return state.commerce.summary(session_id)


@router.get(
    "/api/sessions/{session_id}/poster.png",
    response_class=Response,
    responses={**AUTH_ERRORS, 200: {"content": {"image/png": {}}}},
)
def session_poster(session_id: IdPath, user: Auth, state: State) -> Response:
    """Shareable poster with the guide's exclusive QR (专属码) to the booking page."""
    sess = readable_session(state.commerce, user, session_id, "read this poster")
    return Response(reports.poster(state.commerce, sess), media_type="image/png")
