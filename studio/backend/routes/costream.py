"""连麦 routes (studio.contract.costream): the host's invites and guests, the guest's join
link. Thin: validation by the models here, rules in :mod:`studio.backend.costream`.

The long polls re-read the database every 0.25 s on a worker thread and sleep on the
event loop in between, so they hold no thread and work on any backend worker.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from studio.backend import joinpage
from studio.backend.costream import Costream, RefusedError
from studio.backend.deps import AUTH_ERRORS, ERR, WRITE_ERRORS, Auth, IdemKey, IdPath
from studio.backend.errors import ApiError
from studio.contract import costream as c

router = APIRouter(tags=["costream"])
T = TypeVar("T")
POLL_SECONDS = 0.25
log = logging.getLogger(__name__)

Token = Annotated[str, Path(max_length=64)]
Wait = Annotated[float, Query(ge=0, le=c.LONG_POLL_MAX_SECONDS)]
SECRET_HEADER = c.GUEST_SECRET_HEADER  # never in a URL (see the contract)
Secret = Annotated[str | None, Header(alias=SECRET_HEADER, max_length=64)]
# what join pages and studios before 2026-12-04 send: taken, with a warning, for one
# release (a chain updates its stores one by one), then refused
LegacySecret = Annotated[str | None, Query(alias="secret", max_length=64, deprecated=True)]
_HTML: dict[str, Any] = {"content": {"text/html": {}}}
JOIN_ERRORS: dict[int | str, dict[str, Any]] = {403: ERR, 404: ERR, 410: ERR, 422: ERR}


async def costream(request: Request) -> Costream:
    service: Costream = request.app.state.costream
    return service


Service = Annotated[Costream, Depends(costream)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InviteIn(_In):
    label: str = Field("", max_length=60, description="who it is for, shown to the host")
    uses: int = Field(c.INVITE_DEFAULT_USES, ge=1, le=c.INVITE_MAX_USES)
    ttl_minutes: int = Field(c.INVITE_DEFAULT_TTL_MINUTES, ge=1, le=24 * 60)
    guest_guide_id: int | None = Field(None, ge=1, le=2**62)
    co_host_share: float = Field(0.0, ge=0, le=0.5)
    shape: c.Shape = Field("landscape", description="the program's orientation")


class InviteOut(BaseModel):
    id: int
    session_id: int
    token: str
    join_url: str
    label: str
    uses: int
    uses_left: int
    expires_at: str
    revoked: bool
    guest_guide_id: int | None
    co_host_share: float
    shape: c.Shape


class IceServerOut(BaseModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class VideoSizeOut(BaseModel):
    width: int
    height: int


class JoinConfigOut(BaseModel):
    session_title: str
    host_name: str
    store_name: str
    label: str
    ice_servers: list[IceServerOut]
    ice_transport_policy: Literal["all", "relay"]
    video: VideoSizeOut


class OfferIn(_In):
    sdp: str = Field(min_length=1, max_length=c.SDP_MAX_BYTES)
    type: Literal["offer"]
    name: str = Field("", max_length=100, description="the guest's name tag (1-20 characters)")
    rejoin: int | None = Field(None, ge=1, le=2**62, description="guest_id of a dropped guest")
    secret: str = Field("", max_length=64)


class AnswerIn(_In):
    sdp: str = Field(min_length=1, max_length=c.SDP_MAX_BYTES)
    type: Literal["answer"]


class DescriptionOut(BaseModel):
    sdp: str
    type: Literal["offer", "answer"]


class OfferAcceptedOut(BaseModel):
    guest_id: int
    secret: str


class LeaveIn(_In):
    guest_id: int = Field(ge=1, le=2**62)
    secret: str = Field(max_length=64)


class OnAirIn(_In):
    on: bool


class PendingOfferOut(BaseModel):
    guest_id: int
    name: str
    sdp: str
    type: Literal["offer"]
    rejoin: bool
    created_at: str


class GuestOut(BaseModel):
    guest_id: int
    invite_id: int
    name: str
    state: c.GuestState
    on_air: bool
    guest_guide_id: int | None
    joined_at: str
    left_at: str | None


async def _poll(
    request: Request, read: Callable[[], T | None], wait: float, empty: Callable[[T], bool]
) -> T | None:
    """``read`` (on a thread) until it finds something, ``wait`` seconds pass or the peer goes.

    A peer that hung up (a studio closing its 连麦, a guest's browser gone) ends the poll at
    once: otherwise it runs to its deadline and a backend stopping meanwhile has to cancel it.
    """
    deadline = time.monotonic() + wait
    while True:
        found = await anyio.to_thread.run_sync(read)
        if (found is not None and not empty(found)) or time.monotonic() >= deadline:
            return found
        try:
            await asyncio.sleep(POLL_SECONDS)
            if await request.is_disconnected():
                return found
        except asyncio.CancelledError:
            # uvicorn cancels what still runs once its graceful shutdown times out: answer
            # with what there is (nothing yet), so the peer simply polls again, instead
            # of a traceback in the log for every guest waiting at a restart
            return found


# ---- the host ----------------------------------------------------------------------------
@router.post(
    "/api/sessions/{session_id}/costream/invites",
    response_model=InviteOut,
    status_code=201,
    responses=WRITE_ERRORS,
)
def create_costream_invite(
    session_id: IdPath,
    body: InviteIn,
    user: Auth,
    service: Service,
    response: Response,
    idempotency_key: IdemKey = None,
) -> c.Invite:
    """连麦邀请: a join link for this session (the session's guide or an admin). With an
    Idempotency-Key a retry (a request that timed out after the server made the link) gets
    the same link back, marked ``Idempotent-Replayed: true``, not a second one."""
    request: c.InviteRequest = {
        "label": body.label,
        "uses": body.uses,
        "ttl_minutes": body.ttl_minutes,
        "co_host_share": body.co_host_share,
        "shape": body.shape,
    }
    if body.guest_guide_id is not None:
        request["guest_guide_id"] = body.guest_guide_id
    invite, replayed = service.create_invite(user, session_id, request, idempotency_key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return invite


@router.get(
    "/api/sessions/{session_id}/costream/invites",
    response_model=list[InviteOut],
    responses=AUTH_ERRORS,
)
def list_costream_invites(session_id: IdPath, user: Auth, service: Service) -> list[c.Invite]:
    """Every invite of the session, revoked and expired ones included."""
    return service.list_invites(user, session_id)


@router.delete("/api/costream/invites/{invite_id}", status_code=204, responses=AUTH_ERRORS)
def revoke_costream_invite(invite_id: IdPath, user: Auth, service: Service) -> Response:
    """Revoke: the link stops working (guests already on stay until removed)."""
    service.revoke(user, invite_id)
    return Response(status_code=204)


@router.get(
    "/api/sessions/{session_id}/costream/offers",
    response_model=list[PendingOfferOut],
    responses=AUTH_ERRORS,
)
async def costream_offers(
    request: Request, session_id: IdPath, user: Auth, service: Service, wait: Wait = 0
) -> list[c.PendingOffer]:
    """Unanswered offers; waits up to ``wait`` seconds for one (long poll)."""
    await anyio.to_thread.run_sync(service.host_session, user, session_id)
    found = await _poll(request, lambda: service.pending_offers(session_id), wait, lambda v: not v)
    return found or []


@router.post(
    "/api/costream/guests/{guest_id}/answer",
    status_code=204,
    responses={**WRITE_ERRORS, 413: ERR},
)
def answer_costream_guest(
    guest_id: IdPath, body: AnswerIn, user: Auth, service: Service
) -> Response:
    """The host's answer to a guest's offer."""
    service.answer(user, guest_id, {"sdp": body.sdp, "type": body.type})
    return Response(status_code=204)


@router.post("/api/costream/guests/{guest_id}/on-air", status_code=204, responses=WRITE_ERRORS)
def set_costream_guest_on_air(
    guest_id: IdPath, body: OnAirIn, user: Auth, service: Service
) -> Response:
    """Put the guest on the program or take them off (on-air time is recorded)."""
    service.set_on_air(user, guest_id, body.on)
    return Response(status_code=204)


@router.post("/api/costream/guests/{guest_id}/end", status_code=204, responses=AUTH_ERRORS)
def end_costream_guest(guest_id: IdPath, user: Auth, service: Service) -> Response:
    """The host removes the guest (their link cannot bring them back)."""
    service.end_guest(user, guest_id)
    return Response(status_code=204)


@router.get(
    "/api/sessions/{session_id}/costream/guests",
    response_model=list[GuestOut],
    responses=AUTH_ERRORS,
)
def list_costream_guests(session_id: IdPath, user: Auth, service: Service) -> list[c.Guest]:
    return service.guests(user, session_id)


class CoHostShareOut(BaseModel):
    id: int
    order_id: int
    commission_id: int
    session_id: int
    host_guide_id: int = Field(description="whose commission the share is part of")
    guide_id: int = Field(description="the guest guide who earns the share")
    share: float
    amount_cents: int
    state: Literal["pending", "settled", "reversed"]
    created_at: float
    settled_at: float | None
    reversed_at: float | None


@router.get(
    "/api/commissions/co-host",
    response_model=list[CoHostShareOut],
    responses={401: ERR, 403: ERR, 422: ERR},
)
def list_co_host_shares(
    user: Auth,
    service: Service,
    state: Annotated[str | None, Query(pattern="^(pending|settled|reversed)$")] = None,
) -> list[dict[str, Any]]:
    """连麦 co-host shares: a guide sees those they earn as guest and give as host; an
    admin all (docs/costream.md)."""
    return service.co_host_shares(user, state)


# ---- the guest ---------------------------------------------------------------------------
@router.get("/join/{token}", response_class=HTMLResponse, responses={404: _HTML, 410: _HTML})
def join_page(
    token: Token, service: Service, lang: Annotated[str, Query(max_length=8)] = "zh"
) -> HTMLResponse:
    """The guest's page: camera and microphone, the host's program, mute, leave."""
    language = "en" if lang == "en" else "zh"
    try:
        _, sess = service.open_invite(token)
    except RefusedError as exc:
        return HTMLResponse(joinpage.refused(exc.reason, language), 410)
    except ApiError as exc:
        return HTMLResponse(joinpage.refused("unknown", language), exc.status)
    host, store = service.host_names(sess)
    return HTMLResponse(joinpage.page(language, sess["title"], host, store))


@router.get("/join/{token}/config", response_model=JoinConfigOut, responses=JOIN_ERRORS)
def join_config(token: Token, service: Service) -> c.JoinConfig:
    """What the guest's WebRTC needs: ICE servers and policy, who invites."""
    return service.join_config(token)


@router.post(
    "/join/{token}/offer",
    response_model=OfferAcceptedOut,
    status_code=201,
    responses={**JOIN_ERRORS, 409: ERR, 413: ERR},
)
def join_offer(token: Token, body: OfferIn, service: Service) -> c.OfferAccepted:
    """The guest's offer (complete ICE): a new guest, or a rejoin with guest id + secret."""
    offer: c.OfferRequest = {"sdp": body.sdp, "type": body.type, "name": body.name}
    if body.rejoin is not None:
        offer["rejoin"] = body.rejoin
        offer["secret"] = body.secret
    return service.offer(token, offer)


@router.get(
    "/join/{token}/answer",
    response_model=DescriptionOut,
    responses={**JOIN_ERRORS, 204: {"description": "no answer yet"}},
)
async def join_answer(
    request: Request,
    token: Token,
    guest_id: Annotated[int, Query(ge=1, le=2**62)],
    service: Service,
    wait: Wait = 0,
    secret: Secret = None,
    legacy_secret: LegacySecret = None,
) -> Any:
    """The host's answer; waits up to ``wait`` seconds for it (long poll); 204: not yet.
    The guest's secret comes in the ``X-Guest-Secret`` header."""
    if secret is None:
        if legacy_secret is None:
            raise ApiError(422, f"the guest's secret is missing: send it in {SECRET_HEADER}")
        log.warning(
            "连麦 guest %s polls with its secret in the URL (a join page or studio older than "
            "2026-12-04): update it; URLs end up in proxies' logs",
            guest_id,
        )
        secret = legacy_secret
    given: str = secret
    found = await _poll(
        request, lambda: service.guest_answer(token, guest_id, given), wait, lambda v: False
    )
    return found if found is not None else Response(status_code=204)


@router.post("/join/{token}/leave", status_code=204, responses=JOIN_ERRORS)
def join_leave(token: Token, body: LeaveIn, service: Service) -> Response:
    service.leave(token, body.guest_id, body.secret)
    return Response(status_code=204)
