"""What every router shares: the app state as a typed dependency, bearer auth, the one
idempotency helper, and the parameter and error-response declarations of the contract.

Routers take the state with ``state: State`` (never from a closure), so a route module
is importable and testable on its own. No ``from __future__ import annotations``:
FastAPI must see the Annotated aliases.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Header, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from studio.backend import models as m
from studio.backend.access import User
from studio.backend.db import Database
from studio.backend.errors import ApiError
from studio.backend.fanout import Hub
from studio.backend.security import LinkSigner, token_hash
from studio.backend.service import CommerceService
from studio.backend.throttle import Throttle
from studio.backend.tokencache import TokenCache

log = logging.getLogger(__name__)

IdPath = Annotated[int, Path(ge=1, le=2**62)]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Same key + same body: first result replayed; same key + other body: 409",
    ),
]
ERR = {"model": m.ErrorOut}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: ERR, 403: ERR, 404: ERR, 422: ERR}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {**AUTH_ERRORS, 409: ERR, 413: ERR}
bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/login")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass
class Backend:
    """One backend's shared parts, built once by ``create_app`` (``app.state.backend``)."""

    commerce: CommerceService
    signer: LinkSigner
    throttle: Throttle
    tokens: TokenCache
    hook_secret: str
    sse_poll_seconds: float
    hub: Hub

    @property
    def db(self) -> Database:
        return self.commerce.db


async def backend(request: Request) -> Backend:
    state: Backend = request.app.state.backend
    return state


State = Annotated[Backend, Depends(backend)]


def client_address(request: Request) -> str:
    """The caller's address (uvicorn applies X-Forwarded-For from trusted proxies only)."""
    return request.client.host if request.client else "unknown"


async def auth(cred: Bearer, state: State) -> User:
    """The caller of a bearer token: 401 when missing, unknown or expired."""
    if cred is None or cred.scheme.lower() != "bearer":
        raise ApiError(401, "missing bearer token; log in with POST /api/auth/login")
    th = token_hash(cred.credentials)
    user = state.tokens.get(th, state.commerce.clock.now())
    if user is not None:
        return user
    found = await anyio.to_thread.run_sync(state.commerce.token_user, th)
    if found is None:
        raise ApiError(401, "bearer token is unknown or expired; log in again")
    state.tokens.put(th, *found)
    return found[0]


Auth = Annotated[User, Depends(auth)]
Write = Callable[[Any], tuple[int, dict[str, Any]]]


@dataclass
class Idempotency:
    """Runs a write once per (caller, Idempotency-Key): a retry with the same body gets
    the first answer (status and JSON) with ``Idempotent-Replayed: true``, another
    body a 409. Without a key the write simply runs. ``write`` gets the open
    transaction and returns (status, result)."""

    commerce: CommerceService
    response: Response
    user: User

    def run(self, key: str | None, endpoint: str, body: BaseModel, write: Write) -> dict[str, Any]:
        status, result, replayed = self.commerce.idempotent(
            self.user.id, key, endpoint, body.model_dump(), write
        )
        self.response.status_code = status
        if replayed:
            self.response.headers["Idempotent-Replayed"] = "true"
        return result


async def idempotency(response: Response, user: Auth, state: State) -> Idempotency:
    return Idempotency(state.commerce, response, user)


Idem = Annotated[Idempotency, Depends(idempotency)]
