"""连麦 (co-streaming) signalling: what the host studio, the backend and a guest exchange.

WebRTC media flows peer to peer (or through TURN); the backend only relays the
session descriptions, authorises who may join and records who was on. ICE is
gathered completely before a description is sent (no trickle): one offer, one
answer, each a plain HTTP request, so any backend worker can serve any step.

The flow (paths relative to the backend's base URL):

1. Host (guide token, owns the session)::

     POST /api/sessions/{sid}/costream/invites  InviteRequest -> 201 Invite
     GET  /api/sessions/{sid}/costream/invites  -> [Invite]     (revoked/expired included)
     DELETE /api/costream/invites/{invite_id}   -> 204          (revoke: the link stops working)

2. Guest opens ``join_url`` (``/join/{token}``): an HTML page (zh, ``?lang=en``) that
   asks for camera and microphone; a refused link (expired, revoked, used up, session
   ended) answers 410 with a page that says which and what to do. A studio guest uses
   the same endpoints from Python::

     GET  /join/{token}/config                    -> JoinConfig
     POST /join/{token}/offer   OfferRequest     -> 201 OfferAccepted  (one use, unless rejoin)
     GET  /join/{token}/answer?guest_id=&secret=&wait=25  -> 200 Description | 204 (not yet)
     POST /join/{token}/leave   {"guest_id", "secret"} -> 204

3. Host collects offers and answers them (long poll: the server re-reads the table
   every 0.25 s until ``wait`` seconds pass)::

     GET  /api/sessions/{sid}/costream/offers?wait=25 -> [PendingOffer]  (unanswered only)
     POST /api/costream/guests/{guest_id}/answer  Description -> 204
     POST /api/costream/guests/{guest_id}/on-air  {"on": bool} -> 204  (on the program or not)
     POST /api/costream/guests/{guest_id}/end     -> 204  (host removes the guest)
     GET  /api/sessions/{sid}/costream/guests     -> [Guest]

   A guest becomes ``connected`` when it has fetched the host's answer. Refused join
   endpoints answer 410 with the reason in the ``X-Costream-Refused`` header
   (``expired``, ``revoked``, ``used_up``, ``ended``, ``removed``).

4. Co-host shares (a guide sees those earned as guest and given as host)::

     GET  /api/commissions/co-host[?state=]       -> [CoHostShare]

A guest whose connection drops re-offers with ``rejoin`` = its guest_id and its
secret: same guest, no extra use of the invite. Commerce: orders keep the host's
session and guide; an invite may name ``guest_guide_id`` and ``co_host_share``, and
while that guest is on air their share of the host's commission is recorded as a
co-host share (docs/costream.md).
"""

from __future__ import annotations

from typing import Literal, TypedDict

GuestState = Literal["offered", "answered", "connected", "left", "ended"]
INVITE_DEFAULT_USES = 1
INVITE_DEFAULT_TTL_MINUTES = 60
INVITE_MAX_USES = 10
# the header a guest's secret travels in on its answer poll: never in a URL, where a
# query string lands in proxies' access logs, the browser's history and Referers
GUEST_SECRET_HEADER = "X-Guest-Secret"
Shape = Literal["landscape", "portrait"]
# what a guest's camera is asked for: the program's orientation, so that a guest on a
# 9:16 show (a phone held upright) fills its tall tile instead of a letterboxed strip
GUEST_VIDEO: dict[str, tuple[int, int]] = {"landscape": (640, 360), "portrait": (360, 640)}
MAX_GUESTS = 3  # the host plus three: layouts go up to a 2 x 2 grid
LONG_POLL_MAX_SECONDS = 25.0
SDP_MAX_BYTES = 64_000  # an offer with every codec and candidate is ~6-10 KB


class InviteRequest(TypedDict, total=False):
    label: str  # who it is for, shown to the host ("东门店 小李")
    uses: int  # how many guests may join with it (1..INVITE_MAX_USES)
    ttl_minutes: int  # how long the link works (1..24*60)
    guest_guide_id: int  # the guest is a guide of this chain: a co-host share
    co_host_share: float  # 0..0.5 of the host's commission while the guest is on air
    shape: Shape  # the program's orientation: what the guest's camera is asked for


class Invite(TypedDict):
    id: int
    session_id: int
    token: str
    join_url: str  # absolute, on the backend's public base URL
    label: str
    uses: int
    uses_left: int
    expires_at: str  # ISO 8601 UTC
    revoked: bool
    guest_guide_id: int | None
    co_host_share: float
    shape: Shape


class IceServer(TypedDict, total=False):
    urls: list[str]
    username: str
    credential: str


class VideoSize(TypedDict):
    width: int
    height: int


class JoinConfig(TypedDict):
    session_title: str
    host_name: str  # the host guide's display name
    store_name: str
    label: str
    ice_servers: list[IceServer]
    ice_transport_policy: Literal["all", "relay"]
    video: VideoSize  # the camera size the page asks for (GUEST_VIDEO of the invite's shape)


class Description(TypedDict):
    sdp: str
    type: Literal["offer", "answer"]


class OfferRequest(TypedDict, total=False):
    sdp: str
    type: Literal["offer"]
    name: str  # the guest's name tag on the program
    rejoin: int  # guest_id of an earlier connection (with secret)
    secret: str


class OfferAccepted(TypedDict):
    guest_id: int
    secret: str  # the guest's own credential for answer/leave; never logged


class PendingOffer(TypedDict):
    guest_id: int
    name: str
    sdp: str
    type: Literal["offer"]
    rejoin: bool
    created_at: str


class Guest(TypedDict):
    guest_id: int
    invite_id: int
    name: str
    state: GuestState
    on_air: bool
    guest_guide_id: int | None
    joined_at: str
    left_at: str | None


class CoHostShare(TypedDict):
    id: int
    order_id: int
    commission_id: int
    session_id: int
    host_guide_id: int
    guide_id: int  # the guest guide who earns it
    share: float
    amount_cents: int
    state: Literal["pending", "settled", "reversed"]
    created_at: float
    settled_at: float | None
    reversed_at: float | None


# bus topics of the studio's co-streaming host (studio/costream)
TOPIC_GUEST = "costream.guest"  # guest_id, name, state, on_air, muted
TOPIC_INVITE = "costream.invite"  # an invite made or revoked: join_url, label
TOPIC_MONITOR = "costream.monitor"  # note: why the guide hears no one (no sound output)
