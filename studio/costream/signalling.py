"""HTTP client of the 连麦 signalling contract (studio/contract/costream.py).

Two sides: :class:`HostSignalling` (the guide's token, the session's routes) and
:class:`JoinSignalling` (a join link's token and the guest's secret). Tokens and
secrets travel in headers or bodies only; log lines name the route, never a URL
with a token in it (:func:`studio.redact.redact` for anything echoed).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, cast
from urllib.parse import urlsplit

import httpx

from studio.contract.costream import (
    GUEST_SECRET_HEADER,
    LONG_POLL_MAX_SECONDS,
    Description,
    Guest,
    Invite,
    InviteRequest,
    JoinConfig,
    OfferAccepted,
    OfferRequest,
    PendingOffer,
)
from studio.errors import UserError

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, read=LONG_POLL_MAX_SECONDS + 10.0)
INVITE_TIMEOUT = httpx.Timeout(10.0)  # no long poll: an answer is due at once
INVITE_ATTEMPTS = 2


class LinkRefusedError(UserError):
    """The join link no longer works (expired, revoked, used up, session ended)."""


def _check(resp: httpx.Response, what: str) -> httpx.Response:
    if resp.status_code == 410:
        detail = _detail(resp) or "the link no longer works"
        raise LinkRefusedError(
            f"连麦 link refused: {detail}", "ask the host for a new invite link (连麦邀请)"
        )
    if resp.status_code in (401, 403):
        raise UserError(
            f"{what}: not allowed ({resp.status_code})", "sign in again as this session's guide"
        )
    if resp.status_code == 404:
        raise UserError(f"{what}: not found", "check the link or the session")
    if resp.status_code >= 400:
        raise UserError(f"{what} failed ({resp.status_code}): {_detail(resp)}", "try again")
    return resp


def _detail(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        d = body.get("detail") or body.get("error") or body.get("message") or ""
        if isinstance(d, dict):
            d = d.get("message") or d.get("detail") or ""
        return str(d)[:200]
    return ""


class HostSignalling:
    """The host studio's side: invites, pending offers, answers, on-air, end."""

    def __init__(self, base_url: str, token: str, session_id: int) -> None:
        self.session_id = session_id
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )

    async def close(self) -> None:
        await self._http.aclose()

    def _s(self, tail: str) -> str:
        return f"/api/sessions/{self.session_id}/costream/{tail}"

    async def invite(self, request: InviteRequest) -> Invite:
        """A new join link. Asked once more, with the same Idempotency-Key, when the first
        request got no answer (a store's network): the link the server may have made
        already comes back, instead of a second live link nobody knows about."""
        headers = {"Idempotency-Key": f"costream-invite-{uuid.uuid4()}"}
        for attempt in range(INVITE_ATTEMPTS):
            try:
                resp = await self._http.post(
                    self._s("invites"), json=dict(request), headers=headers, timeout=INVITE_TIMEOUT
                )
                break
            except httpx.TransportError:
                if attempt + 1 == INVITE_ATTEMPTS:
                    raise
                log.info("making the invite: no answer, asking again")
        return cast(Invite, _check(resp, "making the invite").json())

    async def invites(self) -> list[Invite]:
        resp = await self._http.get(self._s("invites"))
        return cast(list[Invite], _check(resp, "listing invites").json())

    async def revoke(self, invite_id: int) -> None:
        _check(await self._http.delete(f"/api/costream/invites/{invite_id}"), "revoking the invite")

    async def offers(self, wait: float = LONG_POLL_MAX_SECONDS) -> list[PendingOffer]:
        resp = await self._http.get(self._s("offers"), params={"wait": wait})
        return cast(list[PendingOffer], _check(resp, "waiting for guests").json())

    async def answer(self, guest_id: int, desc: Description) -> None:
        resp = await self._http.post(f"/api/costream/guests/{guest_id}/answer", json=dict(desc))
        _check(resp, "answering the guest")

    async def on_air(self, guest_id: int, on: bool) -> None:
        resp = await self._http.post(f"/api/costream/guests/{guest_id}/on-air", json={"on": on})
        _check(resp, "putting the guest on air")

    async def end(self, guest_id: int) -> None:
        _check(await self._http.post(f"/api/costream/guests/{guest_id}/end"), "removing the guest")

    async def guests(self) -> list[Guest]:
        resp = await self._http.get(self._s("guests"))
        return cast(list[Guest], _check(resp, "listing guests").json())


def split_join_url(url: str) -> tuple[str, str]:
    """``https://host/join/TOKEN`` -> (base URL, token); UserError for anything else."""
    parts = urlsplit(url.strip())
    segs = [s for s in parts.path.split("/") if s]
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(segs) < 2
        or segs[-2] != "join"
    ):
        raise UserError(
            "--join needs a 连麦 link like https://host/join/TOKEN",
            "copy the whole link from the host's 连麦邀请",
        )
    base = f"{parts.scheme}://{parts.netloc}" + "/".join(["", *segs[:-2]])
    return base, segs[-1]


class JoinSignalling:
    """A guest's side of one join link."""

    def __init__(self, join_url: str) -> None:
        base, self._token = split_join_url(join_url)
        self._http = httpx.AsyncClient(base_url=base, timeout=TIMEOUT)
        self.guest_id = 0
        self._secret = ""

    async def close(self) -> None:
        await self._http.aclose()

    def _j(self, tail: str) -> str:
        return f"/join/{self._token}/{tail}"

    async def config(self) -> JoinConfig:
        try:
            resp = await self._http.get(self._j("config"))
        except httpx.HTTPError as exc:
            raise UserError(
                f"cannot reach the host's backend ({type(exc).__name__})",
                "check the link and the network",
            ) from None
        return cast(JoinConfig, _check(resp, "opening the link").json())

    async def offer(self, desc: Description, name: str) -> OfferAccepted:
        body: dict[str, Any] = {"sdp": desc["sdp"], "type": "offer", "name": name}
        if self.guest_id:  # a rejoin: same guest, no extra use of the invite
            body.update(rejoin=self.guest_id, secret=self._secret)
        req = cast(OfferRequest, body)
        resp = await self._http.post(self._j("offer"), json=dict(req))
        got = cast(OfferAccepted, _check(resp, "joining").json())
        self.guest_id, self._secret = got["guest_id"], got["secret"]
        return got

    async def answer(self, wait: float = LONG_POLL_MAX_SECONDS) -> Description | None:
        resp = await self._http.get(
            self._j("answer"),
            params={"guest_id": self.guest_id, "wait": wait},
            headers={GUEST_SECRET_HEADER: self._secret},  # a secret never goes in a URL
        )
        if resp.status_code == 204:
            return None
        return cast(Description, _check(resp, "waiting for the host").json())

    async def leave(self) -> None:
        if self.guest_id:
            body = {"guest_id": self.guest_id, "secret": self._secret}
            _check(await self._http.post(self._j("leave"), json=body), "leaving")
