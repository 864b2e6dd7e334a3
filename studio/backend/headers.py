"""Security headers: on every response ``nosniff`` and ``Referrer-Policy``; on every
HTML page a Content-Security-Policy with ``frame-ancestors 'none'`` (and
``X-Frame-Options: DENY`` for older browsers).

Shopper pages (``/p/…``, ``/live/…``) may load only their own images and styles and
run only the checkout's one inline script (by hash). The API docs pages
(``/docs``, ``/redoc``) load FastAPI's viewer from its CDN and get a policy for that.
Referrers are never sent: a checkout URL carries its link token. Nothing under
``/join/`` is stored by a browser or a proxy (``no-store``): its config carries a TURN login.
"""

from __future__ import annotations

import logging

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studio.backend.joinpage import JOIN_CSP
from studio.backend.pages import SCRIPT_HASH

log = logging.getLogger(__name__)

SHOPPER_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    f"script-src '{SCRIPT_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src blob:; base-uri 'none'; frame-ancestors 'none'"
)
_DOCS = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if path.startswith("/join/"):  # TURN logins, the guest's own answer
                    headers["Cache-Control"] = "no-store"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = (
                        DOCS_CSP
                        if path.startswith(_DOCS)
                        else JOIN_CSP
                        if path.startswith("/join/")
                        else SHOPPER_CSP
                    )
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)
