"""Thin async HTTP client for the backend contract (docs/backend.md), on httpx.

It only knows how to authenticate and how to sort a failure: *retry later*
(network errors, timeouts, 408/429/5xx, with the server's ``Retry-After``),
*log in again* (401; a refused password is :class:`LoginRefusedError`) or *never* (any
other 4xx: the request itself is wrong and resending it cannot help). Retrying is
the caller's business (outbox, feed). :class:`ConnectError` is what signing in or
joining a session tells the guide.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from studio.commerce.backoff import parse_retry_after
from studio.commerce.credentials import Credentials
from studio.errors import UserError
from studio.redact import redact

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the log


class RetryableError(Exception):
    """The request may succeed later (backend down, slow, overloaded).

    ``reason`` says which, for the guide (:attr:`SyncStatus.reason`): ``unreachable``
    (no answer: wrong address, network down, nothing listening) or ``unavailable``
    (the backend answered 5xx/408/429).
    """

    reason = "unavailable"

    def __init__(
        self, message: str, retry_after: float | None = None, *, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        if reason is not None:
            self.reason = reason


class PermanentError(Exception):
    """The backend refused the request itself (4xx other than 401/408/429)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail


class AuthError(RetryableError):
    """No valid token and no password to get one: the guide must log in again."""

    reason = "login_needed"


class LoginRefusedError(AuthError, PermanentError):
    """The backend answered and refused the user name or password: sign in again.

    An :class:`AuthError` to the outbox and the feed (rows wait for the next sign-in
    instead of failing; the password is dropped by :meth:`Credentials.refuse`, so
    nothing keeps knocking with it) and a 401 :class:`PermanentError` to a caller that
    signs in once (``studio sync login``: resending the same password cannot help).
    """

    reason = "login_refused"

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.retry_after = None
        self.status, self.detail = 401, "wrong username or password"


class SessionEndedError(PermanentError):
    """The session is over at the backend: its links are closed, nothing more sells on it."""

    def __init__(self, session_id: int) -> None:
        super().__init__(409, f"live session {session_id} has ended")
        self.session_id = session_id


class ConnectError(UserError):
    """Signing in to a backend or joining its session did not work; the window words it.

    ``problem`` is ``login_refused`` (wrong user name or password), ``unreachable`` or
    ``unavailable`` (no usable answer), ``session_missing``, ``session_refused`` (not
    this login's to run) or ``session_ended``; ``detail`` is the backend's own words.
    """

    def __init__(
        self,
        problem: str,
        url: str,
        *,
        user: str | None = None,
        session_id: int | None = None,
        detail: str = "",
    ) -> None:
        self.problem, self.url, self.user = problem, url, user
        self.session_id, self.detail = session_id, detail
        what, fix = {
            "login_refused": (
                f"{url} refused the login of {user!r}",
                "check the user name and password",
            ),
            "login_needed": (f"{url} needs a login", "sign in with a user name and password"),
            "unreachable": (f"{url} does not answer", "check the address and the network"),
            "unavailable": (f"{url} cannot serve now", "try again in a moment"),
            "session_missing": (
                f"{url} has no live session {session_id}",
                "check the session number",
            ),
            "session_refused": (
                f"{url} does not let {user!r} run live session {session_id}",
                "check the session number, or sign in as this store's guide",
            ),
            "session_ended": (
                f"live session {session_id} at {url} has ended",
                "pick the next session",
            ),
        }.get(problem, (f"{url}: {problem}", None))
        super().__init__(what + (f" ({detail})" if detail else ""), fix)


def classify(response: httpx.Response) -> None:
    """Raise the matching error for a non-2xx response."""
    status = response.status_code
    if status < 400:
        return
    try:
        detail = str(response.json().get("detail", ""))
    except Exception:
        detail = response.text[:200]
    if status in (408, 425, 429) or status >= 500:
        raise RetryableError(
            f"backend answered {status} {detail}".strip(),
            parse_retry_after(response.headers.get("Retry-After")),
        )
    if status == 401:
        raise AuthError(f"backend refused the token: {detail}")
    raise PermanentError(status, detail)


KEEPALIVE_EXPIRY = 2.0  # seconds an idle connection is kept for reuse


class BackendClient:
    """One ``httpx.AsyncClient`` per backend; created and closed on the running loop."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.credentials = credentials
        self.base_url = credentials.backend_url
        self.timeout = timeout
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._login_lock: asyncio.Lock | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self.timeout,
                transport=self._transport,
                headers={"User-Agent": "guide-studio"},
                # idle connections are dropped before servers' usual 5 s keep-alive timeout
                # closes them: a request sent on one the server was closing failed with a
                # ReadError and the guide saw "backend unreachable" for nothing
                limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY),
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        self._login_lock = None

    async def login(self) -> str:
        c = self.credentials
        if not c.can_login:
            if c.refused:
                raise LoginRefusedError(f"{self.base_url} refused the login of {c.username}")
            raise AuthError("no backend token and no password: log in with `studio sync login`")
        try:
            r = await self.http.post(
                "/api/auth/login", json={"username": c.username, "password": c.password}
            )
        except httpx.HTTPError as exc:
            raise RetryableError(
                f"cannot reach {self.base_url}: {redact(str(exc))}", reason="unreachable"
            ) from exc
        if r.status_code == 401:
            c.refuse()
            raise LoginRefusedError(
                f"{self.base_url} refused the login of {c.username}: wrong username or password"
            )
        classify(r)
        token = str(r.json()["token"])
        c.set_token(token)
        log.info("logged in to %s as %s", self.base_url, c.username)
        return token

    async def auth_headers(self) -> dict[str, str]:
        token = self.credentials.token()
        if token is None:
            if self._login_lock is None:
                self._login_lock = asyncio.Lock()
            async with self._login_lock:  # the outbox and the feeds share one login
                token = self.credentials.token() or await self.login()
        return {"Authorization": f"Bearer {token}"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotency_key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request (logging in again once on 401) and return its JSON."""
        for attempt in range(2):
            headers = await self.auth_headers()
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            try:
                r = await self.http.request(method, path, json=json, headers=headers, params=params)
            except httpx.HTTPError as exc:
                raise RetryableError(
                    f"{type(exc).__name__} talking to {self.base_url}: {redact(str(exc))}",
                    reason="unreachable",
                ) from exc
            if r.status_code == 401 and attempt == 0 and self.credentials.can_login:
                self.credentials.forget()
                continue
            classify(r)
            return r.json() if r.content else None
        raise AuthError("backend refused a fresh token")  # pragma: no cover - loop returns
