"""The FastAPI application: JSON API for the studio, shopper pages, webhook, SSE feed.

Operation ids equal the handler names and are the contract the studio's commerce
client codes against (see docs/backend.md). This module only composes the app:
the routes are :mod:`studio.backend.routes` (one router per area), their rules
and SQL :mod:`studio.backend.services` and :mod:`studio.backend.service`, the
role checks :mod:`studio.backend.access`, the shared state and the idempotency
helper :mod:`studio.backend.deps`, the body limit and error answers
:mod:`studio.backend.middleware`, the background work :mod:`studio.backend.background`.
"""

import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path as FsPath

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from studio.backend import background, inventory, routes
from studio.backend.costream import Costream, IceSettings
from studio.backend.db import Clock, Database
from studio.backend.deps import Backend, auth
from studio.backend.fanout import Hub
from studio.backend.headers import SecurityHeaders
from studio.backend.middleware import MAX_BODY, BodyLimit, install_error_handlers
from studio.backend.routes import costream as costream_routes
from studio.backend.security import LinkSigner
from studio.backend.service import CommerceService, Settings
from studio.backend.throttle import Limits, Throttle
from studio.backend.tokencache import TokenCache
from studio.redact import register_secret

log = logging.getLogger(__name__)

__all__ = ["MAX_BODY", "create_app"]


def _secret(db: Database, given: str | None, key: str) -> str:
    """An explicit secret wins; otherwise one generated once and kept in the database."""
    if given:
        return given
    stored = db.meta(key)
    if not stored:  # several workers starting at once keep the first one stored
        stored = db.set_meta_once(key, secrets.token_urlsafe(32))
    return stored


def create_app(
    db_path: FsPath | str,
    *,
    public_url: str = "http://127.0.0.1:8700",
    link_secret: str | None = None,
    webhook_secret: str | None = None,
    clock: Clock | None = None,
    return_window_days: float = 7.0,
    max_body: int = MAX_BODY,
    sweep_seconds: float = 30.0,
    sse_poll_seconds: float = 0.2,
    on_startup: Callable[[CommerceService], Awaitable[None]] | None = None,
    limits: Limits | None = None,
    ice: IceSettings | None = None,
) -> FastAPI:
    """Build the app over ``db_path``: an SQLite file or a ``postgresql://`` URL (created
    or migrated as needed)."""
    db = Database(db_path)
    hook_secret = _secret(db, webhook_secret, "webhook_secret")
    register_secret(hook_secret)
    signer = LinkSigner(_secret(db, link_secret, "link_secret"))
    commerce = CommerceService(
        db, signer, Settings(public_url.rstrip("/"), return_window_days, hook_secret), clock
    )
    hub = Hub(db, sse_poll_seconds)
    state = Backend(
        commerce=commerce,
        signer=signer,
        throttle=Throttle(limits or Limits()),
        tokens=TokenCache(),
        hook_secret=hook_secret,
        sse_poll_seconds=sse_poll_seconds,
        hub=hub,
    )

    app = FastAPI(
        title="Guide Studio commerce backend",
        version="1.0.0",
        lifespan=background.lifespan(commerce, sweep_seconds, on_startup, hub),
        description="Reference backend for Guide Studio (导购直播台). Money is integer cents, "
        "times are unix seconds. See docs/backend.md for auth, idempotency and SSE.",
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.backend = state
    app.state.commerce = commerce
    app.state.throttle = state.throttle
    app.state.costream = Costream(commerce, ice)  # 连麦 (docs/costream.md)
    app.add_middleware(BodyLimit, limit=max_body)
    app.add_middleware(SecurityHeaders)  # outermost: the 413 page gets them too
    install_error_handlers(app)

    for router in routes.ROUTERS:
        _name_operations(router.routes)
        app.include_router(router)
    _name_operations(costream_routes.router.routes)
    app.include_router(costream_routes.router)
    inventory.install(app, commerce, auth)  # still wired by closures (not this module's)
    _name_operations(app.routes)
    return app


def _name_operations(routes: list[BaseRoute]) -> None:
    """Operation ids are the handler names: a stable contract."""
    for route in routes:
        if isinstance(route, APIRoute):
            route.operation_id = route.name
