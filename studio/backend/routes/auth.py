"""``/api/auth/login``, ``/api/auth/logout``, ``/api/me``."""

from typing import Any

from fastapi import APIRouter, Request, Response

from studio.backend import models as m
from studio.backend.deps import ERR, Auth, Bearer, State, client_address
from studio.backend.services import auth as service

router = APIRouter(tags=["auth"])


@router.post(
    "/api/auth/login",
    response_model=m.LoginOut,
    responses={401: ERR, 422: ERR, 429: ERR, 503: ERR},
)
def login(body: m.LoginIn, request: Request, state: State) -> dict[str, Any]:
    """Exchange username + password for a bearer token (12 h).

    Repeated failures back off (429 with Retry-After; see docs/backend.md)."""
    return service.login(
        state.commerce, state.throttle, body.username, body.password, client_address(request)
    )


@router.post("/api/auth/logout", status_code=204, responses={401: ERR})
def logout(user: Auth, cred: Bearer, state: State) -> Response:
    """Revoke the calling token."""
    service.logout(state.db, state.tokens, cred.credentials if cred else "")
    return Response(status_code=204)


@router.get("/api/me", response_model=m.UserOut, responses={401: ERR})
async def get_me(user: Auth) -> dict[str, Any]:
    return user.__dict__
