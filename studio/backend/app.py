"""The FastAPI application: JSON API for the studio, shopper pages, webhook, SSE feed.

Operation ids equal the handler names and are the contract the studio's commerce
client codes against (see docs/backend.md). Handlers are thin: access checks
here, rules in :mod:`studio.backend.service`.
"""

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path as FsPath
from typing import Annotated, Any
from urllib.parse import parse_qs

import anyio
from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sse_starlette import EventSourceResponse
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studio.backend import flash, images, inventory, lotteries, pages, promos, sse
from studio.backend import models as m
from studio.backend.access import (
    User,
    can_read_store,
    can_refund,
    can_write_session,
    require,
)
from studio.backend.db import SCHEMA_VERSION, Clock, Database
from studio.backend.errors import ApiError
from studio.backend.headers import SecurityHeaders
from studio.backend.security import (
    TOKEN_TTL_SECONDS,
    LinkSigner,
    check_webhook,
    check_webhook_headers,
    hash_password,
    new_bearer_token,
    token_hash,
    verify_password,
)
from studio.backend.service import Commerce, Settings, commission_out, user_from_row
from studio.backend.throttle import Limits, Throttle, too_many
from studio.backend.tokencache import TokenCache
from studio.redact import register_secret

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
IdPath = Annotated[int, Path(ge=1, le=2**62)]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Same key + same body: first result replayed; same key + other body: 409",
    ),
]
_ERR = {"model": m.ErrorOut}
_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: _ERR, 403: _ERR, 404: _ERR, 422: _ERR}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {**_AUTH_ERRORS, 409: _ERR, 413: _ERR}
_DUMMY_HASH = hash_password("not-a-real-password")


def client_address(request: Request) -> str:
    """The caller's address (uvicorn applies X-Forwarded-For from trusted proxies only)."""
    return request.client.host if request.client else "unknown"


class BodyLimit:
    """Reject request bodies over ``limit`` bytes with 413 before anything is parsed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._reject(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise _TooLargeError
            return msg

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body too large (max {self.limit} bytes)"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLargeError(Exception):
    pass


def _secret(db: Database, given: str | None, key: str) -> str:
    """An explicit secret wins; otherwise one generated once and kept in the database."""
    if given:
        return given
    stored = db.meta(key)
    if not stored:
        stored = secrets.token_urlsafe(32)
        db.set_meta(key, stored)
    return stored


def create_app(
    db_path: FsPath,
    *,
    public_url: str = "http://127.0.0.1:8700",
    link_secret: str | None = None,
    webhook_secret: str | None = None,
    clock: Clock | None = None,
    return_window_days: float = 7.0,
    max_body: int = MAX_BODY,
    sweep_seconds: float = 30.0,
    sse_poll_seconds: float = 0.2,
    on_startup: Callable[[Commerce], Awaitable[None]] | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """Build the app over the SQLite file at ``db_path`` (created and migrated if needed)."""
    db = Database(db_path)
    hook_secret = _secret(db, webhook_secret, "webhook_secret")
    register_secret(hook_secret)
    signer = LinkSigner(_secret(db, link_secret, "link_secret"))
    commerce = Commerce(
        db, signer, Settings(public_url.rstrip("/"), return_window_days, hook_secret), clock
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def sweeper() -> None:
            while True:
                try:
                    await anyio.to_thread.run_sync(commerce.settle_due)
                    await anyio.to_thread.run_sync(commerce.sweep_groupbuys)
                except Exception:
                    log.exception("background sweep failed")
                await asyncio.sleep(sweep_seconds)

        async def drawer() -> None:  # lotteries are drawn on time, not at the next sweep
            while True:
                try:
                    await anyio.to_thread.run_sync(commerce.draw_due_lotteries)
                except Exception:
                    log.exception("lottery draw failed")
                await asyncio.sleep(0.5)

        task = asyncio.create_task(sweeper(), name="backend-sweeper")
        draws = asyncio.create_task(drawer(), name="backend-lottery-draws")
        if on_startup:
            await on_startup(commerce)
        try:
            yield
        finally:
            for t in (task, draws):
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await t

    app = FastAPI(
        title="Guide Studio commerce backend",
        version="1.0.0",
        lifespan=lifespan,
        description="Reference backend for Guide Studio (导购直播台). Money is integer cents, "
        "times are unix seconds. See docs/backend.md for auth, idempotency and SSE.",
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.commerce = commerce
    throttle = app.state.throttle = Throttle(limits or Limits())
    app.add_middleware(BodyLimit, limit=max_body)
    app.add_middleware(SecurityHeaders)  # outermost: the 413 page gets them too
    bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/login")

    # ---- errors --------------------------------------------------------------------------
    def _shopper(request: Request) -> bool:
        return request.url.path.startswith(("/p/", "/live/"))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if _shopper(request):
            page = exc.page or ("busy" if exc.status == 429 else "bad_input")
            return HTMLResponse(pages.error(page, exc.detail), exc.status, headers=exc.headers)
        return JSONResponse({"detail": exc.detail}, exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors()[:5]:
            where = ".".join(str(p) for p in e.get("loc", ()))
            msg = "body is not valid JSON" if e.get("type") == "json_invalid" else e.get("msg")
            problems.append(f"{where}: {msg}")
        return JSONResponse({"detail": "invalid request: " + "; ".join(problems)}, 422)

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, exc: ClientDisconnect) -> Response:
        # the client hung up mid-request: nobody to answer and nothing to report (a log
        # line per hang-up would let anyone fill the log)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, 500)

    # ---- auth ----------------------------------------------------------------------------
    tokens = TokenCache()

    async def auth(
        cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> User:
        if cred is None or cred.scheme.lower() != "bearer":
            raise ApiError(401, "missing bearer token; log in with POST /api/auth/login")
        th = token_hash(cred.credentials)
        user = tokens.get(th, commerce.clock.now())
        if user is not None:
            return user
        found = await anyio.to_thread.run_sync(commerce.token_user, th)
        if found is None:
            raise ApiError(401, "bearer token is unknown or expired; log in again")
        tokens.put(th, *found)
        return found[0]

    Auth = Annotated[User, Depends(auth)]  # noqa: N806 - a type alias

    def read_store(user: User, store_id: int, what: str) -> None:
        require(can_read_store(user, commerce.store_ref(store_id)), what)

    def writable_session(user: User, session_id: int) -> Any:
        sess = commerce.session_row(session_id)
        require(
            can_write_session(user, commerce.store_ref(sess["store_id"]), bool(sess["rehearsal"])),
            f"change live session {session_id}",
        )
        return sess

    def idem(
        response: Response,
        user: User,
        key: str | None,
        endpoint: str,
        body: Any,
        *,
        fn: Callable[[Any], tuple[int, dict[str, Any]]],
    ) -> dict[str, Any]:
        status, result, replayed = commerce.idempotent(user.id, key, endpoint, body, fn)
        response.status_code = status
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return result

    @app.post(
        "/api/auth/login",
        response_model=m.LoginOut,
        tags=["auth"],
        responses={401: _ERR, 422: _ERR, 429: _ERR, 503: _ERR},
    )
    def login(body: m.LoginIn, request: Request) -> dict[str, Any]:
        """Exchange username + password for a bearer token (12 h).

        Repeated failures back off (429 with Retry-After; see docs/backend.md)."""
        address = client_address(request)
        wait = throttle.login_wait(body.username, address)
        if wait > 0:
            raise too_many("too many failed logins for this account", wait)
        row = db.one(
            "SELECT u.*, g.id AS guide_id FROM users u "
            "LEFT JOIN guides g ON g.user_id=u.id WHERE u.username=?",
            body.username,
        )
        stored = row["password_hash"] if row else _DUMMY_HASH
        ok = throttle.check_password(lambda: verify_password(stored, body.password))
        if row is None or not ok:
            throttle.failed(body.username, address)
            raise ApiError(401, "wrong username or password")
        throttle.succeeded(body.username, address)
        token, th = new_bearer_token()
        now = commerce.clock.now()
        with db.write() as conn:
            conn.execute(
                "INSERT INTO auth_tokens(token_hash, user_id, created_at, expires_at) "
                "VALUES(?,?,?,?)",
                (th, row["id"], now, now + TOKEN_TTL_SECONDS),
            )
        log.info("login: %s (%s)", row["username"], row["role"])
        return {
            "token": token,
            "expires_at": now + TOKEN_TTL_SECONDS,
            "user": user_from_row(row).__dict__,
        }

    @app.post("/api/auth/logout", status_code=204, tags=["auth"], responses={401: _ERR})
    def logout(
        user: Auth, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Response:
        """Revoke the calling token."""
        th = token_hash(cred.credentials if cred else "")
        with db.write() as conn:
            conn.execute("DELETE FROM auth_tokens WHERE token_hash=?", (th,))
        tokens.drop(th)
        return Response(status_code=204)

    @app.get("/api/me", response_model=m.UserOut, tags=["auth"], responses={401: _ERR})
    async def get_me(user: Auth) -> dict[str, Any]:
        return user.__dict__

    # ---- catalog & org -------------------------------------------------------------------
    def product_out(r: Any) -> dict[str, Any]:
        return {
            **{
                k: r[k]
                for k in (
                    "id",
                    "sku",
                    "name",
                    "category",
                    "price_cents",
                    "list_price_cents",
                    "stock",
                )
            },
            "image_url": f"{commerce.settings.public_url}/img/products/{r['id']}.png",
        }

    @app.get(
        "/api/products", response_model=list[m.ProductOut], tags=["catalog"], responses={401: _ERR}
    )
    def list_products(user: Auth) -> list[dict[str, Any]]:
        return [product_out(r) for r in db.all("SELECT * FROM products ORDER BY id")]

    @app.get(
        "/api/products/{product_id}",
        response_model=m.ProductOut,
        tags=["catalog"],
        responses=_AUTH_ERRORS,
    )
    def get_product(product_id: IdPath, user: Auth) -> dict[str, Any]:
        return product_out(commerce.product_row(product_id))

    @app.get(
        "/img/products/{product_id}.png",
        tags=["shopper"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}, 404: _ERR},
    )
    def product_image(product_id: IdPath) -> Response:
        """Public product picture (drawn on first use, cached)."""
        p = commerce.product_row(product_id)
        return Response(
            images.product_image(p["name"], p["category"], p["color"]),
            media_type="image/png",
            headers={"Cache-Control": "max-age=3600"},
        )

    @app.get("/api/stores", response_model=list[m.StoreOut], tags=["org"], responses={401: _ERR})
    def list_stores(user: Auth) -> list[dict[str, Any]]:
        rows = db.all("SELECT * FROM stores ORDER BY id")
        return [dict(r) for r in rows if can_read_store(user, commerce.store_ref(r["id"]))]

    @app.get("/api/guides", response_model=list[m.GuideOut], tags=["org"], responses={401: _ERR})
    def list_guides(user: Auth) -> list[dict[str, Any]]:
        rows = db.all("SELECT id, store_id, name FROM guides ORDER BY id")
        return [dict(r) for r in rows if can_read_store(user, commerce.store_ref(r["store_id"]))]

    # ---- sessions ------------------------------------------------------------------------
    @app.post(
        "/api/sessions",
        response_model=m.SessionOut,
        status_code=201,
        tags=["sessions"],
        responses=_WRITE_ERRORS,
    )
    def create_session(
        body: m.SessionIn, response: Response, user: Auth, idempotency_key: IdemKey = None
    ) -> dict[str, Any]:
        """Schedule a live session (or a rehearsal) for a guide."""
        guide_id = body.guide_id or user.guide_id
        if guide_id is None:
            raise ApiError(422, "guide_id is required unless a guide calls")
        g = db.one("SELECT * FROM guides WHERE id=?", guide_id)
        if g is None:
            raise ApiError(404, f"guide {guide_id} does not exist")
        store_id = body.store_id or g["store_id"]
        if store_id != g["store_id"]:
            raise ApiError(422, f"guide {guide_id} does not work at store {store_id}")
        require(
            can_write_session(user, commerce.store_ref(store_id), body.rehearsal),
            f"create sessions for store {store_id}",
        )

        def do(conn: Any) -> tuple[int, dict[str, Any]]:
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
            row = conn.execute(
                "SELECT * FROM live_sessions WHERE id=?", (cur.lastrowid,)
            ).fetchone()
            return 201, commerce.session_out(row)

        return idem(response, user, idempotency_key, "create_session", body.model_dump(), fn=do)

    @app.get(
        "/api/sessions", response_model=list[m.SessionOut], tags=["sessions"], responses={401: _ERR}
    )
    def list_sessions(
        user: Auth, state: Annotated[str | None, Query(max_length=20)] = None
    ) -> list[dict[str, Any]]:
        rows = db.all("SELECT * FROM live_sessions ORDER BY id")
        return [
            commerce.session_out(r)
            for r in rows
            if (state is None or r["state"] == state)
            and can_read_store(user, commerce.store_ref(r["store_id"]))
        ]

    @app.get(
        "/api/sessions/{session_id}",
        response_model=m.SessionOut,
        tags=["sessions"],
        responses=_AUTH_ERRORS,
    )
    def get_session(session_id: IdPath, user: Auth) -> dict[str, Any]:
        row = commerce.session_row(session_id)
        read_store(user, row["store_id"], f"read live session {session_id}")
        return commerce.session_out(row)

    transitions = {
        "session_prepared": ({"scheduled"}, "prepared"),
        "session_started": ({"scheduled", "prepared"}, "live"),
        "session_ended": ({"scheduled", "prepared", "live"}, "ended"),
    }

    @app.post(
        "/api/sessions/{session_id}/actions",
        response_model=m.ActionOut,
        status_code=201,
        tags=["sessions"],
        responses={**_WRITE_ERRORS, 400: _ERR},
    )
    def record_action(
        session_id: IdPath,
        body: m.ActionIn,
        response: Response,
        user: Auth,
        idempotency_key: IdemKey = None,
    ) -> dict[str, Any]:
        """Record a studio action (the outbox). Idempotency-Key is required here.

        session_* kinds move the session state forward only (a late, replayed
        'started' after 'ended' is recorded but changes nothing).
        """
        if not idempotency_key:
            raise ApiError(400, "Idempotency-Key header is required on studio actions")
        writable_session(user, session_id)

        def do(conn: Any) -> tuple[int, dict[str, Any]]:
            now = commerce.clock.now()
            sess = conn.execute("SELECT * FROM live_sessions WHERE id=?", (session_id,)).fetchone()
            state = sess["state"]
            if body.kind in transitions and state in transitions[body.kind][0]:
                state = transitions[body.kind][1]
                col = {"live": "started_at", "ended": "ended_at"}.get(state)
                conn.execute("UPDATE live_sessions SET state=? WHERE id=?", (state, session_id))
                if col:
                    conn.execute(f"UPDATE live_sessions SET {col}=? WHERE id=?", (now, session_id))
                commerce.emit(conn, session_id, "session.state", {"state": state, "at": now})
            cur = conn.execute(
                "INSERT INTO session_actions(session_id, kind, payload, client_time, created_by,"
                " created_at) VALUES(?,?,?,?,?,?)",
                (
                    session_id,
                    body.kind,
                    json.dumps(body.payload, ensure_ascii=False),
                    body.client_time,
                    user.id,
                    now,
                ),
            )
            return 201, {
                "id": cur.lastrowid,
                "session_id": session_id,
                "kind": body.kind,
                "payload": body.payload,
                "client_time": body.client_time,
                "created_at": now,
                "session_state": state,
            }

        return idem(
            response, user, idempotency_key, f"record_action:{session_id}", body.model_dump(), fn=do
        )

    @app.get(
        "/api/sessions/{session_id}/actions",
        response_model=list[m.ActionOut],
        tags=["sessions"],
        responses=_AUTH_ERRORS,
    )
    def list_actions(session_id: IdPath, user: Auth) -> list[dict[str, Any]]:
        sess = commerce.session_row(session_id)
        read_store(user, sess["store_id"], f"read live session {session_id}")
        return [
            {**dict(r), "payload": json.loads(r["payload"]), "session_state": sess["state"]}
            for r in db.all(
                "SELECT id, session_id, kind, payload, client_time, created_at "
                "FROM session_actions WHERE session_id=? ORDER BY id",
                session_id,
            )
        ]

    # ---- links ---------------------------------------------------------------------------
    @app.post(
        "/api/links",
        response_model=m.LinkOut,
        status_code=201,
        tags=["links"],
        responses=_WRITE_ERRORS,
    )
    def create_link(
        body: m.LinkIn, response: Response, user: Auth, idempotency_key: IdemKey = None
    ) -> dict[str, Any]:
        """Mint a purchase link bound to product + the session's guide + store + session."""
        sess = writable_session(user, body.session_id)
        return idem(
            response,
            user,
            idempotency_key,
            "create_link",
            body.model_dump(),
            fn=lambda conn: (
                201,
                commerce.create_link(
                    conn,
                    user,
                    sess,
                    product_id=body.product_id,
                    coupon_id=body.coupon_id,
                    ttl=body.ttl_seconds,
                ),
            ),
        )

    @app.get(
        "/api/sessions/{session_id}/links",
        response_model=list[m.LinkOut],
        tags=["links"],
        responses=_AUTH_ERRORS,
    )
    def list_links(session_id: IdPath, user: Auth) -> list[dict[str, Any]]:
        sess = commerce.session_row(session_id)
        read_store(user, sess["store_id"], f"read links of session {session_id}")
        return [
            commerce.link_out(r)
            for r in db.all("SELECT * FROM links WHERE session_id=? ORDER BY id", session_id)
        ]

    # ---- orders & commissions ------------------------------------------------------------
    @app.get(
        "/api/orders", response_model=list[m.OrderOut], tags=["orders"], responses=_AUTH_ERRORS
    )
    def list_orders(
        user: Auth,
        session_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[dict[str, Any]]:
        if session_id is not None:
            sess = commerce.session_row(session_id)
            read_store(user, sess["store_id"], f"read orders of session {session_id}")
            rows = db.all(
                "SELECT id, store_id FROM orders WHERE session_id=? ORDER BY id DESC LIMIT ?",
                session_id,
                limit,
            )
        else:
            rows = db.all("SELECT id, store_id FROM orders ORDER BY id DESC LIMIT ?", limit * 20)
            rows = [r for r in rows if can_read_store(user, commerce.store_ref(r["store_id"]))]
        return [commerce.order_out(r["id"]) for r in rows[:limit]]

    @app.get(
        "/api/orders/{order_id}", response_model=m.OrderOut, tags=["orders"], responses=_AUTH_ERRORS
    )
    def get_order(order_id: IdPath, user: Auth) -> dict[str, Any]:
        order = commerce.order_out(order_id)
        read_store(user, order["store_id"], f"read order {order_id}")
        return order

    @app.post(
        "/api/orders/{order_id}/refund",
        response_model=m.OrderOut,
        tags=["orders"],
        responses=_WRITE_ERRORS,
    )
    def refund_order(
        order_id: IdPath,
        body: m.RefundIn,
        response: Response,
        user: Auth,
        idempotency_key: IdemKey = None,
    ) -> dict[str, Any]:
        """Refund an order; its commission is reversed (even if already settled)."""
        order = commerce.order_out(order_id)
        require(can_refund(user, commerce.store_ref(order["store_id"])), f"refund order {order_id}")
        return idem(
            response,
            user,
            idempotency_key,
            f"refund_order:{order_id}",
            body.model_dump(),
            fn=lambda conn: (200, commerce.refund(order_id)),
        )

    @app.get(
        "/api/commissions",
        response_model=list[m.CommissionOut],
        tags=["orders"],
        responses={401: _ERR, 422: _ERR},
    )
    def list_commissions(
        user: Auth,
        state: Annotated[str | None, Query(pattern="^(pending|settled|reversed)$")] = None,
    ) -> list[dict[str, Any]]:
        """A guide sees their own commissions; managers see their scope."""
        rows = db.all(
            "SELECT c.*, o.store_id FROM commissions c JOIN orders o ON o.id=c.order_id "
            "ORDER BY c.id DESC LIMIT 2000"
        )
        out = []
        for r in rows:
            if state and r["state"] != state:
                continue
            if user.role == "guide" and r["guide_id"] != user.guide_id:
                continue
            if can_read_store(user, commerce.store_ref(r["store_id"])):
                out.append(commission_out(r))
        return out

    @app.post(
        "/api/commissions/settle",
        response_model=m.SettleOut,
        tags=["orders"],
        responses={401: _ERR, 403: _ERR},
    )
    def settle_commissions(user: Auth) -> dict[str, Any]:
        """Settle commissions whose return window has passed (also runs in the background)."""
        require(user.role == "admin", "settle commissions")
        return {"settled": commerce.settle_due()}

    # ---- promotions ----------------------------------------------------------------------
    @app.post(
        "/api/coupons",
        response_model=m.CouponOut,
        status_code=201,
        tags=["promotions"],
        responses=_WRITE_ERRORS,
    )
    def create_coupon(
        body: m.CouponIn, response: Response, user: Auth, idempotency_key: IdemKey = None
    ) -> dict[str, Any]:
        sess = writable_session(user, body.session_id)
        price = (
            commerce.product_row(body.product_id)["price_cents"]
            if body.product_id is not None
            else None
        )
        promos.check_coupon(
            promos.rules_for(db.conn, sess["store_id"]),
            discount=body.discount_cents,
            min_spend=body.min_spend_cents,
            product_price=price,
        )

        def do(conn: Any) -> tuple[int, dict[str, Any]]:
            now = commerce.clock.now()
            code = "C" + secrets.token_hex(4).upper()
            cur = conn.execute(
                "INSERT INTO coupons(session_id, product_id, code, title, discount_cents,"
                " min_spend_cents, total, expires_at, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
                (
                    body.session_id,
                    body.product_id,
                    code,
                    body.title,
                    body.discount_cents,
                    body.min_spend_cents,
                    body.total,
                    now + body.ttl_seconds if body.ttl_seconds else None,
                    now,
                ),
            )
            return 201, coupon_out(
                conn.execute("SELECT * FROM coupons WHERE id=?", (cur.lastrowid,)).fetchone()
            )

        return idem(response, user, idempotency_key, "create_coupon", body.model_dump(), fn=do)

    def coupon_out(r: Any) -> dict[str, Any]:
        return {
            k: r[k]
            for k in (
                "id",
                "session_id",
                "product_id",
                "code",
                "title",
                "discount_cents",
                "min_spend_cents",
                "total",
                "used",
                "expires_at",
            )
        }

    @app.get(
        "/api/sessions/{session_id}/coupons",
        response_model=list[m.CouponOut],
        tags=["promotions"],
        responses=_AUTH_ERRORS,
    )
    def list_coupons(session_id: IdPath, user: Auth) -> list[dict[str, Any]]:
        read_store(user, commerce.session_row(session_id)["store_id"], "read coupons")
        return [
            coupon_out(r) for r in db.all("SELECT * FROM coupons WHERE session_id=?", session_id)
        ]

    @app.post(
        "/api/groupbuys",
        response_model=m.GroupBuyOut,
        status_code=201,
        tags=["promotions"],
        responses=_WRITE_ERRORS,
    )
    def start_groupbuy(
        body: m.GroupBuyIn, response: Response, user: Auth, idempotency_key: IdemKey = None
    ) -> dict[str, Any]:
        """Start a 拼团: `size` buyers within `minutes` get `group_price_cents`."""
        sess = writable_session(user, body.session_id)
        promos.check_group_price(
            promos.rules_for(db.conn, sess["store_id"]),
            price=commerce.product_row(body.product_id)["price_cents"],
            group_price=body.group_price_cents,
        )

        def do(conn: Any) -> tuple[int, dict[str, Any]]:
            now = commerce.clock.now()
            cur = conn.execute(
                "INSERT INTO groupbuys(session_id, product_id, group_price_cents, size,"
                " created_at, ends_at) VALUES(?,?,?,?,?,?)",
                (
                    body.session_id,
                    body.product_id,
                    body.group_price_cents,
                    body.size,
                    now,
                    now + body.minutes * 60,
                ),
            )
            gb = commerce.groupbuy_out(
                conn.execute("SELECT * FROM groupbuys WHERE id=?", (cur.lastrowid,)).fetchone()
            )
            commerce.emit(conn, body.session_id, "groupbuy.progress", gb)
            return 201, gb

        return idem(response, user, idempotency_key, "start_groupbuy", body.model_dump(), fn=do)

    @app.get(
        "/api/sessions/{session_id}/groupbuys",
        response_model=list[m.GroupBuyOut],
        tags=["promotions"],
        responses=_AUTH_ERRORS,
    )
    def list_groupbuys(session_id: IdPath, user: Auth) -> list[dict[str, Any]]:
        read_store(user, commerce.session_row(session_id)["store_id"], "read group-buys")
        return [
            commerce.groupbuy_out(r)
            for r in db.all("SELECT * FROM groupbuys WHERE session_id=?", session_id)
        ]

    @app.post(
        "/api/flash-prices",
        response_model=m.FlashPriceOut,
        status_code=201,
        tags=["promotions"],
        responses=_WRITE_ERRORS,
    )
    def create_flash_price(
        body: m.FlashPriceIn, response: Response, user: Auth, idempotency_key: IdemKey = None
    ) -> dict[str, Any]:
        """A 限时秒杀 price for the session's product: checkout charges it inside
        [starts_at, ends_at) only, and the regular price outside."""
        sess = writable_session(user, body.session_id)
        flash.check(
            promos.rules_for(db.conn, sess["store_id"]),
            price=commerce.product_row(body.product_id)["price_cents"],
            flash=body.price_cents,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
        )

        def do(conn: Any) -> tuple[int, dict[str, Any]]:
            return 201, flash.create(
                conn,
                session_id=body.session_id,
                product_id=body.product_id,
                price_cents=body.price_cents,
                starts_at=body.starts_at,
                ends_at=body.ends_at,
                user_id=user.id,
                now=commerce.clock.now(),
            )

        return idem(response, user, idempotency_key, "create_flash_price", body.model_dump(), fn=do)

    @app.get(
        "/api/sessions/{session_id}/flash-prices",
        response_model=list[m.FlashPriceOut],
        tags=["promotions"],
        responses=_AUTH_ERRORS,
    )
    def list_flash_prices(session_id: IdPath, user: Auth) -> list[dict[str, Any]]:
        read_store(user, commerce.session_row(session_id)["store_id"], "read flash prices")
        return flash.for_session(db.conn, session_id)

    lottery_out = lotteries.out

    @app.post(
        "/api/lotteries",
        response_model=m.LotteryOut,
        status_code=201,
        tags=["promotions"],
        responses=_WRITE_ERRORS,
    )
    def start_lottery(
        body: m.LotteryIn, response: Response, user: Auth, idempotency_key: IdemKey = None
    ) -> dict[str, Any]:
        writable_session(user, body.session_id)

        def do(conn: Any) -> tuple[int, dict[str, Any]]:
            now = commerce.clock.now()
            draws_at = now + body.draw_in_seconds if body.draw_in_seconds else None
            cur = conn.execute(
                "INSERT INTO lotteries(session_id, prize, winners, created_at, draws_at) "
                "VALUES(?,?,?,?,?)",
                (body.session_id, body.prize, body.winners, now, draws_at),
            )
            return 201, lottery_out(
                conn.execute("SELECT * FROM lotteries WHERE id=?", (cur.lastrowid,)).fetchone()
            )

        return idem(response, user, idempotency_key, "start_lottery", body.model_dump(), fn=do)

    @app.post(
        "/api/lotteries/{lottery_id}/draw",
        response_model=m.LotteryOut,
        tags=["promotions"],
        responses=_WRITE_ERRORS,
    )
    def draw_lottery(lottery_id: IdPath, user: Auth) -> dict[str, Any]:
        """Draw winners among the session's paying buyers; drawing twice returns the result."""
        lot = db.one("SELECT * FROM lotteries WHERE id=?", lottery_id)
        if lot is None:
            raise ApiError(404, f"lottery {lottery_id} does not exist")
        writable_session(user, lot["session_id"])
        with db.write() as conn:
            lot = lotteries.draw(conn, lottery_id, commerce.clock.now(), commerce.emit)
            return lottery_out(lot)

    # ---- reports -------------------------------------------------------------------------
    @app.get(
        "/api/leaderboard",
        response_model=list[m.LeaderRow],
        tags=["reports"],
        responses=_AUTH_ERRORS,
    )
    def leaderboard(
        user: Auth,
        region_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
        hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
    ) -> list[dict[str, Any]]:
        """超级带单王: GMV and orders per guide per UTC hour in a region, ranked."""
        region = region_id or user.region_id
        if region is None:
            raise ApiError(422, "region_id is required for users without a region")
        if db.one("SELECT 1 FROM regions WHERE id=?", region) is None:
            raise ApiError(404, f"region {region} does not exist")
        require(user.role == "admin" or user.region_id == region, f"read region {region}")
        now = commerce.clock.now()
        since = (now // 3600 - hours + 1) * 3600
        return commerce.leaderboard(region, since, now + 1)

    @app.get(
        "/api/sessions/{session_id}/summary",
        response_model=m.SummaryOut,
        tags=["reports"],
        responses=_AUTH_ERRORS,
    )
    def session_summary(session_id: IdPath, user: Auth) -> dict[str, Any]:
        read_store(user, commerce.session_row(session_id)["store_id"], "read this summary")
        return commerce.summary(session_id)

    @app.get(
        "/api/sessions/{session_id}/poster.png",
        tags=["reports"],
        response_class=Response,
        responses={**_AUTH_ERRORS, 200: {"content": {"image/png": {}}}},
    )
    def session_poster(session_id: IdPath, user: Auth) -> Response:
        """Shareable poster with the guide's exclusive QR (专属码) to the booking page."""
        sess = commerce.session_row(session_id)
        read_store(user, sess["store_id"], "read this poster")
        g = db.one(
            "SELECT g.name, s.name AS store FROM guides g JOIN stores s "
            "ON s.id=g.store_id WHERE g.id=?",
            sess["guide_id"],
        )
        when = (
            time.strftime("%Y-%m-%d %H:%M", time.localtime(sess["scheduled_start"]))
            if sess["scheduled_start"]
            else "待定"
        )
        png = images.poster(
            sess["title"], g["name"], g["store"], when, commerce.session_out(sess)["share_url"]
        )
        return Response(png, media_type="image/png")

    # ---- live feed -----------------------------------------------------------------------
    @app.get(
        "/api/sessions/{session_id}/events",
        tags=["feed"],
        response_class=Response,
        responses={
            **_AUTH_ERRORS,
            200: {
                "content": {"text/event-stream": {}},
                "description": "SSE stream; see docs/backend.md",
            },
        },
    )
    async def session_events(
        session_id: IdPath,
        user: Auth,
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
        after: Annotated[
            int | None, Query(ge=0, le=2**62, description="Same as Last-Event-ID")
        ] = None,
        follow: Annotated[bool, Query(description="false: send the backlog, then close")] = True,
    ) -> Response:
        """Order feed: order.placed, order.refunded, stock.changed, groupbuy.progress,
        lottery.result, commission.settled, session.state. Resume with Last-Event-ID."""
        start = max(after or 0, sse.parse_event_id(last_event_id) or 0)
        sess = await anyio.to_thread.run_sync(commerce.session_row, session_id)
        read_store(user, sess["store_id"], f"read the feed of session {session_id}")

        async def stream() -> AsyncIterator[bytes]:
            last = start
            while True:
                rows = await anyio.to_thread.run_sync(
                    commerce.events_after, session_id, last, limiter=sse.feed_limiter()
                )
                if rows:
                    last = rows[-1]["id"]
                    yield sse.encode(rows)  # one chunk per page of the backlog
                if not rows:
                    if not follow:
                        return
                    await anyio.sleep(sse_poll_seconds)

        return EventSourceResponse(stream(), ping=15, headers={"Cache-Control": "no-store"})

    # ---- webhook -------------------------------------------------------------------------
    async def verified(
        request: Request,
        x_studio_timestamp: Annotated[str | None, Header(max_length=20)] = None,
        x_studio_signature: Annotated[str | None, Header(max_length=100)] = None,
    ) -> None:
        now = commerce.clock.now()
        reason = check_webhook_headers(x_studio_timestamp, x_studio_signature, now)
        if not reason:  # only a plausible delivery gets its body read
            body = await request.body()
            reason = check_webhook(hook_secret, x_studio_timestamp, x_studio_signature, body, now)
        if reason:
            log.warning("webhook rejected: %s", reason)
            raise ApiError(401, f"webhook rejected: {reason}")

    @app.post(
        "/api/webhooks/orders",
        response_model=m.WebhookOut,
        tags=["webhooks"],
        dependencies=[Depends(verified)],
        responses={401: _ERR, 413: _ERR, 422: _ERR},
    )
    def webhook_order(body: m.WebhookOrderIn) -> dict[str, Any]:
        """Order from a shop platform. Signed: X-Studio-Signature = sha256=HMAC(secret,
        "<X-Studio-Timestamp>.<raw body>"); ±300 s; idempotent by shop_order_id."""
        order, dup = commerce.webhook_order(body.model_dump())
        return {"order": order, "duplicate": dup}

    # ---- shopper pages -------------------------------------------------------------------
    def store_and_guide(link: Any) -> tuple[Any, str]:
        store = db.one("SELECT * FROM stores WHERE id=?", link["store_id"])
        guide = db.one("SELECT name FROM guides WHERE id=?", link["guide_id"])
        return store, guide["name"]

    @app.get(
        "/p/{token}",
        response_class=HTMLResponse,
        tags=["shopper"],
        responses={404: {"content": {"text/html": {}}}, 410: {"content": {"text/html": {}}}},
    )
    def checkout_page(token: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
        """The mobile checkout page a purchase-link QR opens (counts a click)."""
        link = commerce.resolve_link(token)
        commerce.count_click(link["id"])
        offer = commerce.offer(link)
        if offer["product"]["stock"] <= 0 and not offer["session"]["rehearsal"]:
            return HTMLResponse(pages.error("sold_out"), 409)
        store, guide = store_and_guide(link)
        return HTMLResponse(pages.checkout(token, offer, store, guide))

    @app.post(
        "/p/{token}/buy",
        response_class=HTMLResponse,
        tags=["shopper"],
        responses={
            409: {"content": {"text/html": {}}},
            422: {"content": {"text/html": {}}},
            429: {"content": {"text/html": {}}},
        },
    )
    async def checkout_buy(
        token: Annotated[str, Path(max_length=64)], request: Request
    ) -> HTMLResponse:
        """Place the order (simulated payment). Form fields: quantity, fulfilment, address,
        buyer_name, buyer_phone, use_coupon, join_group."""
        throttle.take("buy", client_address(request))
        # an unknown or closed link is refused before its body is read
        await anyio.to_thread.run_sync(commerce.resolve_link, token)
        raw = await request.body()
        try:
            form = {
                k: v[-1]
                for k, v in parse_qs(
                    raw.decode("utf-8"), strict_parsing=False, max_num_fields=20
                ).items()
            }
            quantity = int(form.get("quantity", "1"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(
                422, "the order form could not be read; quantity must be a whole number"
            ) from exc
        order = await anyio.to_thread.run_sync(
            lambda: commerce.checkout(
                token,
                quantity=quantity,
                fulfilment=form.get("fulfilment", "pickup"),
                address=form.get("address", ""),
                buyer_name=form.get("buyer_name", ""),
                buyer_phone=form.get("buyer_phone", ""),
                use_coupon=form.get("use_coupon") == "1",
                join_group=form.get("join_group") == "1",
            )
        )
        link = commerce.resolve_link(token)
        store, _ = store_and_guide(link)
        return HTMLResponse(pages.success(order, store), 201)

    def share_session(token: str) -> Any:
        pid = signer.verify(token)
        if not pid or not pid.startswith("s") or not pid[1:].isdigit():
            raise ApiError(404, "unknown share link", page="unknown")
        return commerce.session_row(int(pid[1:]))

    def booking_page(token: str, booked: bool) -> HTMLResponse:
        sess = share_session(token)
        g = db.one(
            "SELECT g.name, s.name AS store FROM guides g JOIN stores s "
            "ON s.id=g.store_id WHERE g.id=?",
            sess["guide_id"],
        )
        count = db.one("SELECT COUNT(*) FROM bookings WHERE session_id=?", sess["id"])[0]
        return HTMLResponse(
            pages.booking(sess, g["name"], g["store"], token, booked=booked, count=count)
        )

    @app.get("/live/{token}", response_class=HTMLResponse, tags=["shopper"])
    def share_page(token: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
        """Booking (预约) page the poster's QR opens."""
        return booking_page(token, False)

    @app.post(
        "/live/{token}/book",
        response_class=HTMLResponse,
        tags=["shopper"],
        responses={429: {"content": {"text/html": {}}}},
    )
    def book_session(token: Annotated[str, Path(max_length=64)], request: Request) -> HTMLResponse:
        """Book (预约) the show; a few per client address a minute."""
        throttle.take("book", client_address(request))
        sess = share_session(token)
        with db.write() as conn:
            conn.execute(
                "INSERT INTO bookings(session_id, created_at) VALUES(?,?)",
                (sess["id"], commerce.clock.now()),
            )
        return booking_page(token, True)

    @app.get("/healthz", response_model=m.HealthOut, tags=["ops"])
    def health() -> dict[str, Any]:
        return {"ok": True, "schema_version": SCHEMA_VERSION}

    from studio.backend import wall as wall_api  # the regional wall (docs/wall.md)

    wall_api.install(app, commerce, auth, sse_poll_seconds)
    inventory.install(app, commerce, auth)

    for route in app.routes:  # operation ids are the handler names: a stable contract
        if isinstance(route, APIRoute):
            route.operation_id = route.name
    return app
