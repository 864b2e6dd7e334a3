"""What wraps every route: the request-body limit and the error answers.

Errors are JSON ``{"detail": ...}`` under ``/api`` and HTML pages on the shopper's
routes (``/p/``, ``/live/``); an unexpected exception is logged once and answered
with a bare 500 that says nothing of its cause.
"""

from __future__ import annotations

import json
import logging
import re

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studio.backend import pages
from studio.backend.errors import ApiError

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


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


def _shopper(request: Request) -> bool:
    return request.url.path.startswith(("/p/", "/live/"))


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if _shopper(request):
        page = exc.page or ("busy" if exc.status == 429 else "bad_input")
        return HTMLResponse(pages.error(page, exc.detail), exc.status, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, exc.status, headers=exc.headers)


async def invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for e in exc.errors()[:5]:
        where = ".".join(str(p) for p in e.get("loc", ()))
        msg = "body is not valid JSON" if e.get("type") == "json_invalid" else e.get("msg")
        problems.append(f"{where}: {msg}")
    return JSONResponse({"detail": "invalid request: " + "; ".join(problems)}, 422)


async def gone(request: Request, exc: Exception) -> Response:
    # the client hung up mid-request: nobody to answer and nothing to report (a log
    # line per hang-up would let anyone fill the log)
    return Response(status_code=400)


async def crash(request: Request, exc: Exception) -> Response:
    path = re.sub(r"^/join/[^/]+", "/join/****", request.url.path)  # a 连麦 token: a secret
    log.error("unhandled error on %s %s", request.method, path, exc_info=exc)
    return JSONResponse({"detail": "internal error"}, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(ClientDisconnect, gone)
    app.add_exception_handler(Exception, crash)
