"""连麦 (co-streaming) on the backend: invites, guests, offer/answer relay, on-air time,
and the co-host share of orders placed while a guest guide is on the program.

The contract is :mod:`studio.contract.costream`. All state is in the database (no
process memory), so any worker serves any step, and a long poll is repeated reads.

- An invite's token is ``<public id>.<mac>`` (:class:`~studio.backend.security.LinkSigner`):
  the random public id (``secrets.token_urlsafe``) is stored, the MAC needs the server
  secret, so a copy of the database holds no working link. Tokens are never logged.
- A guest's secret is random and only its SHA-256 is stored.
- A refused link says why: ``expired``, ``revoked``, ``used_up``, ``ended`` (410).
- A session that ended ends its guests (checked on every read, so no hook in the
  session code is needed; their on-air time stops at the session's end).

Size (~515 lines): invites, guests and the offer/answer relay share one row lock on
the session (the guest limit); the co-host share is apart (``cohost.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from studio.backend import cohost
from studio.backend.access import User
from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError
from studio.backend.security import token_hash
from studio.backend.service import CommerceService
from studio.contract import costream as c
from studio.errors import UserError
from studio.redact import register_secret

log = logging.getLogger(__name__)

NAME_MAX = 20
MAX_TTL_MINUTES = 24 * 60
MAX_SHARE = 0.5
_LIVE_GUESTS = ("answered", "connected")  # what MAX_GUESTS counts
_GONE = ("left", "ended")

# why a link is refused (410), in both page languages: (title, what to do)
REFUSALS: dict[str, dict[str, tuple[str, str]]] = {
    "expired": {
        "zh": ("连麦链接已过期", "请向导购索取新的连麦链接。"),
        "en": ("This co-stream link has expired", "Ask the guide for a new link."),
    },
    "revoked": {
        "zh": ("连麦链接已撤销", "导购已收回这个链接，请向导购索取新的连麦链接。"),
        "en": ("This co-stream link was revoked", "Ask the guide for a new link."),
    },
    "used_up": {
        "zh": ("连麦名额已满", "这个链接的名额已用完，请向导购索取新的连麦链接。"),
        "en": ("This link has been used up", "Ask the guide for a new link."),
    },
    "ended": {
        "zh": ("直播已结束", "这场直播已经结束，无法再加入连麦。"),
        "en": ("The live show has ended", "You can no longer join; ask the guide for a new link."),
    },
    "removed": {
        "zh": ("你已离开连麦", "主播已结束你的连麦，如需再次加入请向导购索取新的链接。"),
        "en": ("You have left the co-stream", "To join again, ask the guide for a new link."),
    },
}


class RefusedError(ApiError):
    """A join link that no longer works: 410 and which of :data:`REFUSALS` it is."""

    def __init__(self, reason: str) -> None:
        title, todo = REFUSALS[reason]["en"]
        super().__init__(410, f"{title}: {todo}", headers={"X-Costream-Refused": reason})
        self.reason = reason


# how long a minted TURN login works: coturn checks it on every refresh of the relay, and
# a page keeps the login it got when the guest pressed 加入连麦 through its rejoins, so it
# outlasts the longest-lived link (MAX_TTL_MINUTES) by an hour
TURN_LOGIN_SECONDS = 25 * 3600


@dataclass(frozen=True)
class IceSettings:
    """STUN/TURN servers handed to guests and hosts.

    The TURN login is either one static user (``username``/``credential``, coturn's
    ``user=``) or, with ``auth_secret`` (coturn's ``use-auth-secret`` +
    ``static-auth-secret``), a login minted per request that stops working after
    ``login_seconds``: what a guest's browser was handed is no lasting key to the relay.
    Both secrets are kept out of ``repr`` and registered for redaction.
    """

    urls: tuple[str, ...] = ()
    relay_only: bool = False
    username: str = field(default="", repr=False)
    credential: str = field(default="", repr=False)
    auth_secret: str = field(default="", repr=False)
    login_seconds: int = TURN_LOGIN_SECONDS

    @classmethod
    def from_env(
        cls, urls: tuple[str, ...], relay_only: bool, env: Mapping[str, str] = os.environ
    ) -> IceSettings:
        """The servers with the TURN login of ``$STUDIO_TURN_SECRET`` (time-limited logins)
        or ``$STUDIO_TURN_USERNAME`` / ``$STUDIO_TURN_PASSWORD`` (one static user)."""
        secret = env.get("STUDIO_TURN_SECRET", "")
        username = env.get("STUDIO_TURN_USERNAME", "")
        password = env.get("STUDIO_TURN_PASSWORD", "")
        register_secret(secret)
        register_secret(password)
        if secret and (username or password):
            raise UserError(
                "both $STUDIO_TURN_SECRET and a static TURN login are set",
                "keep one: STUDIO_TURN_SECRET (coturn's static-auth-secret, logins that "
                "expire) or STUDIO_TURN_USERNAME / STUDIO_TURN_PASSWORD (one static user)",
            )
        return cls(urls, relay_only, username, password, secret)

    def login(self, now: float | None = None) -> tuple[str, str]:
        """(username, credential) for a TURN server; empty when there is no login.

        Minted as the TURN REST API draft and coturn have it: the username is the expiry
        (Unix seconds) and a name, the credential base64(HMAC-SHA1(secret, username))."""
        if self.auth_secret:
            name = f"{int(time.time() if now is None else now) + self.login_seconds}:studio"
            mac = hmac.new(self.auth_secret.encode(), name.encode(), hashlib.sha1).digest()
            return name, base64.b64encode(mac).decode()
        return self.username, self.credential

    def servers(self, now: float | None = None) -> list[c.IceServer]:
        out: list[c.IceServer] = []
        username, credential = self.login(now)
        for url in self.urls:
            server: c.IceServer = {"urls": [url]}
            if url.startswith(("turn:", "turns:")) and username:
                server["username"] = username
                server["credential"] = credential
            out.append(server)
        return out


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def clean_name(raw: str) -> str:
    """The guest's name tag: control and format characters dropped, 1..20 characters."""
    name = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise ApiError(422, f"name must be 1-{NAME_MAX} visible characters (got {len(name)})")
    return name


def check_sdp(sdp: str, kind: str, want: str) -> None:
    if kind != want:
        raise ApiError(422, f"type must be {want!r}, not {kind!r}")
    if len(sdp.encode("utf-8", "replace")) > c.SDP_MAX_BYTES:
        raise ApiError(413, f"the session description is over {c.SDP_MAX_BYTES} bytes")
    if not sdp.startswith("v=0"):
        raise ApiError(422, "sdp is not a session description (it must start with v=0)")


def may_host(user: User, sess: Row) -> bool:
    """Only the session's own guide (or an admin) invites, answers and removes guests."""
    return user.role == "admin" or (user.guide_id is not None and user.guide_id == sess["guide_id"])


class Costream:
    """The co-streaming service over the commerce service's database and clock."""

    def __init__(self, commerce: CommerceService, ice: IceSettings | None = None) -> None:
        self.commerce = commerce
        self.db = commerce.db
        self.ice = ice or IceSettings()

    # ---- lookups ---------------------------------------------------------------------
    def host_session(self, user: User, session_id: int) -> Row:
        sess = self.commerce.session_row(session_id)
        if not may_host(user, sess):
            raise ApiError(403, f"only the guide of live session {session_id} may host 连麦 in it")
        return sess

    def _invite(self, invite_id: int) -> Row:
        row = self.db.one("SELECT * FROM costream_invites WHERE id=?", invite_id)
        if row is None:
            raise ApiError(404, f"co-stream invite {invite_id} does not exist")
        return row

    def _guest(self, guest_id: int) -> Row:
        row = self.db.one("SELECT * FROM costream_guests WHERE id=?", guest_id)
        if row is None:
            raise ApiError(404, f"co-stream guest {guest_id} does not exist")
        return row

    def host_guest(self, user: User, guest_id: int) -> Row:
        guest = self._guest(guest_id)
        self.host_session(user, guest["session_id"])
        return guest

    def invite_by_token(self, token: str) -> Row:
        public_id = self.commerce.signer.verify(token)
        row = (
            self.db.one("SELECT * FROM costream_invites WHERE public_id=?", public_id)
            if public_id and public_id.startswith("j")
            else None
        )
        if row is None or public_id is None:
            raise ApiError(404, "no such co-stream link; check that the link is complete")
        return row

    def refusal(self, invite: Row, sess: Row, *, joining: bool = True) -> str | None:
        """Why the link cannot be used now (None: it can). A rejoin ignores expiry and uses."""
        if sess["state"] == "ended":
            return "ended"
        if invite["revoked_at"] is not None:
            return "revoked"
        if joining and invite["expires_at"] <= self.commerce.clock.now():
            return "expired"
        if joining and invite["used"] >= invite["uses"]:
            return "used_up"
        return None

    def open_invite(self, token: str) -> tuple[Row, Row]:
        """The invite and its session, or :class:`RefusedError` (the page and the API both)."""
        invite = self.invite_by_token(token)
        sess = self.commerce.session_row(invite["session_id"])
        reason = self.refusal(invite, sess)
        if reason:
            raise RefusedError(reason)
        return invite, sess

    # ---- invites ---------------------------------------------------------------------
    def create_invite(
        self, user: User, session_id: int, body: c.InviteRequest, key: str | None = None
    ) -> tuple[c.Invite, bool]:
        """(a new join link, whether it is a replay). With ``key`` (Idempotency-Key) a retry
        gets the same link, not a second one. What is kept for the retry is the invite's id,
        never its token (a copy of the database must hold no working link): the answer is
        made again from the row."""
        sess = self.host_session(user, session_id)
        if sess["state"] == "ended":
            raise ApiError(409, f"live session {session_id} has ended; invite to a new one")
        uses = int(body.get("uses", c.INVITE_DEFAULT_USES))
        ttl = int(body.get("ttl_minutes", c.INVITE_DEFAULT_TTL_MINUTES))
        share = float(body.get("co_host_share", 0.0))
        shape = body.get("shape", "landscape")
        guide_id = body.get("guest_guide_id")
        label = "".join(ch for ch in body.get("label", "") if unicodedata.category(ch)[0] != "C")
        if not 1 <= uses <= c.INVITE_MAX_USES:
            raise ApiError(422, f"uses must be 1-{c.INVITE_MAX_USES}")
        if not 1 <= ttl <= MAX_TTL_MINUTES:
            raise ApiError(422, f"ttl_minutes must be 1-{MAX_TTL_MINUTES}")
        if not 0 <= share <= MAX_SHARE:
            raise ApiError(422, f"co_host_share must be 0-{MAX_SHARE}")
        if shape not in c.GUEST_VIDEO:
            raise ApiError(422, f"shape must be one of {sorted(c.GUEST_VIDEO)}")
        if share > 0 and guide_id is None:
            raise ApiError(422, "co_host_share needs guest_guide_id (the guide who shares)")
        if guide_id is not None:
            if self.db.one("SELECT id FROM guides WHERE id=?", guide_id) is None:
                raise ApiError(422, f"guest_guide_id {guide_id} is not a guide of this chain")
            if guide_id == sess["guide_id"]:
                raise ApiError(422, "guest_guide_id is the host guide; name the guest's guide")
        now = self.commerce.clock.now()

        def insert(conn: Conn) -> tuple[int, dict[str, Any]]:
            public_id = "j" + secrets.token_urlsafe(16)
            invite_id = conn.execute(
                "INSERT INTO costream_invites(public_id, session_id, label, uses, expires_at,"
                " guest_guide_id, co_host_share, created_by, created_at, shape)"
                " VALUES(?,?,?,?,?,?,?,?,?,?)",
                (
                    public_id,
                    session_id,
                    label.strip()[:60],
                    uses,
                    now + ttl * 60,
                    guide_id,
                    share,
                    user.id,
                    now,
                    shape,
                ),
            ).lastrowid
            log.info("co-stream invite %s for session %s (%d uses)", invite_id, session_id, uses)
            return 201, {"invite_id": int(invite_id or 0)}

        asked = {"session_id": session_id, **body}
        _status, made, replayed = self.commerce.idempotent(
            user.id, key, "create_costream_invite", asked, insert
        )
        return self.invite_out(self._invite(int(made["invite_id"]))), replayed

    def invite_out(self, row: Row) -> c.Invite:
        token = self.commerce.signer.token_for(row["public_id"])
        return {
            "id": row["id"],
            "session_id": row["session_id"],
            "token": token,
            "join_url": f"{self.commerce.settings.public_url}/join/{token}",
            "label": row["label"],
            "uses": row["uses"],
            "uses_left": max(0, row["uses"] - row["used"]),
            "expires_at": iso(row["expires_at"]) or "",
            "revoked": row["revoked_at"] is not None,
            "guest_guide_id": row["guest_guide_id"],
            "co_host_share": float(row["co_host_share"]),
            "shape": "portrait" if row["shape"] == "portrait" else "landscape",
        }

    def list_invites(self, user: User, session_id: int) -> list[c.Invite]:
        self.host_session(user, session_id)
        rows = self.db.all(
            "SELECT * FROM costream_invites WHERE session_id=? ORDER BY id", session_id
        )
        return [self.invite_out(r) for r in rows]

    def revoke(self, user: User, invite_id: int) -> None:
        invite = self._invite(invite_id)
        self.host_session(user, invite["session_id"])
        with self.db.write() as conn:
            conn.execute(
                "UPDATE costream_invites SET revoked_at=? WHERE id=? AND revoked_at IS NULL",
                (self.commerce.clock.now(), invite_id),
            )
        log.info("co-stream invite %s revoked", invite_id)

    # ---- guests ----------------------------------------------------------------------
    def host_names(self, sess: Row) -> tuple[str, str]:
        """The host guide's name and store name."""
        g = self.db.one(
            "SELECT g.name, s.name AS store FROM guides g JOIN stores s ON s.id=g.store_id"
            " WHERE g.id=?",
            sess["guide_id"],
        )
        return (g["name"], g["store"]) if g else ("", "")

    def join_config(self, token: str) -> c.JoinConfig:
        invite, sess = self.open_invite(token)
        host, store = self.host_names(sess)
        width, height = c.GUEST_VIDEO.get(invite["shape"], c.GUEST_VIDEO["landscape"])
        return {
            "session_title": sess["title"],
            "host_name": host,
            "store_name": store,
            "label": invite["label"],
            "ice_servers": self.ice.servers(),
            "ice_transport_policy": "relay" if self.ice.relay_only else "all",
            "video": {"width": width, "height": height},
        }

    def offer(self, token: str, body: c.OfferRequest) -> c.OfferAccepted:
        """A guest's offer: a new guest (one use of the invite) or a rejoin (none)."""
        check_sdp(body.get("sdp", ""), body.get("type", ""), "offer")
        invite = self.invite_by_token(token)
        now = self.commerce.clock.now()
        rejoin = body.get("rejoin")
        with self.db.write() as conn:
            # the session row first: offers, answers and the guest count of one session
            # are decided one at a time
            sess = conn.execute(
                "SELECT * FROM live_sessions WHERE id=?" + conn.for_update(),
                (invite["session_id"],),
            ).one()
            invite = conn.execute(
                "SELECT * FROM costream_invites WHERE id=?", (invite["id"],)
            ).one()
            if rejoin is not None:
                guest = self._own_guest(conn, invite, int(rejoin), body.get("secret", ""))
                reason = self.refusal(invite, sess, joining=False)
                if reason:
                    raise RefusedError(reason)
                if guest["state"] == "ended":
                    raise RefusedError("removed")
                self._check_room(conn, sess["id"], guest["id"])
                conn.execute(
                    "UPDATE costream_guests SET state='offered', offer_sdp=?, answer_sdp=NULL,"
                    " rejoin=1, offer_at=?, left_at=NULL WHERE id=?",
                    (body["sdp"], now, guest["id"]),
                )
                log.info("co-stream guest %s re-offered", guest["id"])
                return {"guest_id": guest["id"], "secret": body.get("secret", "")}
            name = clean_name(body.get("name", ""))
            reason = self.refusal(invite, sess)
            if reason:
                raise RefusedError(reason)
            self._check_room(conn, sess["id"], None)
            took = conn.execute(
                "UPDATE costream_invites SET used=used+1 WHERE id=? AND used<uses",
                (invite["id"],),
            ).rowcount
            if took != 1:
                raise RefusedError("used_up")
            secret = secrets.token_urlsafe(24)
            guest_id = conn.execute(
                "INSERT INTO costream_guests(invite_id, session_id, name, secret_hash, state,"
                " offer_sdp, offer_at, joined_at) VALUES(?,?,?,?,'offered',?,?,?)",
                (invite["id"], sess["id"], name, token_hash(secret), body["sdp"], now, now),
            ).lastrowid
        log.info("co-stream guest %s offered to session %s", guest_id, sess["id"])
        return {"guest_id": int(guest_id or 0), "secret": secret}

    def _own_guest(self, conn: Conn, invite: Row, guest_id: int, secret: str) -> Row:
        guest = conn.execute(
            "SELECT * FROM costream_guests WHERE id=? AND invite_id=?", (guest_id, invite["id"])
        ).fetchone()
        if guest is None or not hmac.compare_digest(
            guest["secret_hash"].encode(), token_hash(secret or "").encode()
        ):
            raise ApiError(403, "guest id and secret do not match this link")
        return guest

    def _check_room(self, conn: Conn, session_id: int, but: int | None) -> None:
        on = conn.execute(
            "SELECT COUNT(*) FROM costream_guests WHERE session_id=? AND state IN (?,?) AND id!=?",
            (session_id, *_LIVE_GUESTS, but or 0),
        ).one()[0]
        if on >= c.MAX_GUESTS:
            raise ApiError(
                409, f"the co-stream is full ({c.MAX_GUESTS} guests); wait until one leaves"
            )

    def guest_answer(self, token: str, guest_id: int, secret: str) -> c.Description | None:
        """The host's answer once there is one (the guest is then 'connected')."""
        invite = self.invite_by_token(token)
        sess = self.commerce.session_row(invite["session_id"])
        guest = self._own_guest(self.db.conn, invite, guest_id, secret)
        self.end_if_over(sess)
        if sess["state"] == "ended":
            raise RefusedError("ended")
        if guest["state"] in _GONE:
            raise RefusedError("removed")
        if guest["answer_sdp"] is None:
            return None
        if guest["state"] == "answered":
            with self.db.write() as conn:
                conn.execute(
                    "UPDATE costream_guests SET state='connected' WHERE id=? AND state='answered'",
                    (guest_id,),
                )
        return {"sdp": guest["answer_sdp"], "type": "answer"}

    def leave(self, token: str, guest_id: int, secret: str) -> None:
        invite = self.invite_by_token(token)
        with self.db.write() as conn:
            guest = self._own_guest(conn, invite, guest_id, secret)
            if guest["state"] not in _GONE:
                self._gone(conn, guest_id, "left", self.commerce.clock.now())
        log.info("co-stream guest %s left", guest_id)

    def _gone(self, conn: Conn, guest_id: int, state: str, when: float) -> None:
        conn.execute(
            "UPDATE costream_guests SET state=?, on_air=0, left_at=? WHERE id=?",
            (state, when, guest_id),
        )
        conn.execute(
            "UPDATE costream_on_air SET ended_at=? WHERE guest_id=? AND ended_at IS NULL",
            (when, guest_id),
        )

    def end_if_over(self, sess: Row) -> None:
        """A session that ended ends its guests (their on-air time stops at its end)."""
        if sess["state"] != "ended":
            return
        when = sess["ended_at"] or self.commerce.clock.now()
        open_ = self.db.all(
            "SELECT id FROM costream_guests WHERE session_id=? AND state NOT IN (?,?)",
            sess["id"],
            *_GONE,
        )
        if open_:
            with self.db.write() as conn:
                for r in open_:
                    self._gone(conn, r["id"], "ended", when)

    # ---- the host --------------------------------------------------------------------
    def pending_offers(self, session_id: int) -> list[c.PendingOffer]:
        sess = self.commerce.session_row(session_id)
        self.end_if_over(sess)
        rows = self.db.all(
            "SELECT * FROM costream_guests WHERE session_id=? AND state='offered' ORDER BY id",
            session_id,
        )
        return [
            {
                "guest_id": r["id"],
                "name": r["name"],
                "sdp": r["offer_sdp"],
                "type": "offer",
                "rejoin": bool(r["rejoin"]),
                "created_at": iso(r["offer_at"]) or "",
            }
            for r in rows
        ]

    def answer(self, user: User, guest_id: int, body: c.Description) -> None:
        check_sdp(body.get("sdp", ""), body.get("type", ""), "answer")
        guest = self.host_guest(user, guest_id)
        with self.db.write() as conn:
            sess = conn.execute(
                "SELECT * FROM live_sessions WHERE id=?" + conn.for_update(),
                (guest["session_id"],),
            ).one()
            if sess["state"] == "ended":
                raise ApiError(409, f"live session {sess['id']} has ended")
            guest = conn.execute("SELECT * FROM costream_guests WHERE id=?", (guest_id,)).one()
            if guest["state"] != "offered":
                raise ApiError(
                    409, f"guest {guest_id} is {guest['state']}, not waiting for an answer"
                )
            self._check_room(conn, sess["id"], guest_id)
            conn.execute(
                "UPDATE costream_guests SET state='answered', answer_sdp=? WHERE id=?",
                (body["sdp"], guest_id),
            )
        log.info("co-stream guest %s answered", guest_id)

    def set_on_air(self, user: User, guest_id: int, on: bool) -> None:
        """On the program or not; each stretch on air is recorded (the co-host share)."""
        guest = self.host_guest(user, guest_id)
        sess = self.commerce.session_row(guest["session_id"])
        self.end_if_over(sess)
        now = self.commerce.clock.now()
        with self.db.write() as conn:
            guest = conn.execute(
                "SELECT * FROM costream_guests WHERE id=?" + conn.for_update(), (guest_id,)
            ).one()
            if on and guest["state"] in _GONE:
                raise ApiError(409, f"guest {guest_id} has {guest['state']}; it cannot go on air")
            if bool(guest["on_air"]) == on:
                return
            conn.execute("UPDATE costream_guests SET on_air=? WHERE id=?", (on, guest_id))
            if on:
                conn.execute(
                    "INSERT INTO costream_on_air(guest_id, session_id, started_at) VALUES(?,?,?)",
                    (guest_id, guest["session_id"], now),
                )
            else:
                conn.execute(
                    "UPDATE costream_on_air SET ended_at=? WHERE guest_id=? AND ended_at IS NULL",
                    (now, guest_id),
                )

    def end_guest(self, user: User, guest_id: int) -> None:
        guest = self.host_guest(user, guest_id)
        with self.db.write() as conn:
            if guest["state"] != "ended":
                self._gone(conn, guest_id, "ended", self.commerce.clock.now())
        log.info("co-stream guest %s removed by the host", guest_id)

    def guests(self, user: User, session_id: int) -> list[c.Guest]:
        sess = self.host_session(user, session_id)
        self.end_if_over(sess)
        rows = self.db.all(
            "SELECT g.*, i.guest_guide_id FROM costream_guests g"
            " JOIN costream_invites i ON i.id=g.invite_id WHERE g.session_id=? ORDER BY g.id",
            session_id,
        )
        return [guest_out(r) for r in rows]

    def co_host_shares(self, user: User, state: str | None) -> list[dict[str, Any]]:
        if user.role == "admin":
            return cohost.listed(self.db.conn, None, state)
        if user.role != "guide" or user.guide_id is None:
            raise ApiError(403, "co-host shares are listed for guides and admins")
        return cohost.listed(self.db.conn, user.guide_id, state)


def guest_out(r: Row) -> c.Guest:
    return {
        "guest_id": r["id"],
        "invite_id": r["invite_id"],
        "name": r["name"],
        "state": r["state"],
        "on_air": bool(r["on_air"]),
        "guest_guide_id": r["guest_guide_id"],
        "joined_at": iso(r["joined_at"]) or "",
        "left_at": iso(r["left_at"]),
    }
