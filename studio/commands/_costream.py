"""``studio live --costream`` (host) and ``studio live --join URL`` (a studio guest).

Not a command of its own (the leading underscore): ``studio live`` adds these
options and calls :func:`start_host` / :func:`open_guest`. The host makes an
invite on the session's backend (``--backend``/``--session`` with a login, or,
without ``--backend``, the embedded demo backend, which needs no account),
prints the join link, answers guests and puts them on air (``auto``) or leaves
that to the guide (``manual``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

from studio.commerce.side import PASSWORD_ENV, TOKEN_ENV
from studio.contract.costream import INVITE_MAX_USES, TOPIC_GUEST, InviteRequest, JoinConfig
from studio.costream import rtc_loop
from studio.costream.guest import StudioGuest
from studio.costream.host import CoHost
from studio.costream.layouts import LAYOUTS
from studio.costream.signalling import HostSignalling, JoinSignalling, split_join_url
from studio.errors import UserError
from studio.media.audio import AudioRing
from studio.media.engine import Pipeline
from studio.media.playback import RingPlayer
from studio.platforms import platform as find_platform
from studio.redact import redact, register_secret

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("连麦 (co-streaming)")
    g.add_argument(
        "--costream",
        action="store_true",
        help="host guests: make a join link on the session's backend (the embedded demo "
        "backend without --backend), answer guests, put them on the program",
    )
    g.add_argument(
        "--costream-on-air",
        choices=["auto", "manual"],
        default="auto",
        help="auto: a guest is on the program once connected; manual: the guide types "
        "`on ID` (stdin takes on/off/mute/unmute/remove/layout/invite/revoke/guests)",
    )
    g.add_argument("--costream-layout", choices=LAYOUTS, default="side", help="default: side")
    g.add_argument(
        "--costream-label",
        default="",
        metavar="LABEL",
        help="who the link is for (shown to the host)",
    )
    g.add_argument(
        "--costream-uses",
        type=int,
        default=1,
        metavar="N",
        help=f"guests per link (1..{INVITE_MAX_USES})",
    )
    g.add_argument(
        "--costream-guest-guide",
        type=int,
        metavar="ID",
        help="the guest is this chain's guide: orders while they are on air record a co-host "
        "share of the host's commission (docs/costream.md)",
    )
    g.add_argument(
        "--costream-share",
        type=float,
        default=0.0,
        metavar="0..0.5",
        help="that guide's share of the host's commission while on air (0..0.5)",
    )
    g.add_argument("--join", metavar="URL", help="join another studio's 连麦 by its link")
    g.add_argument(
        "--costream-name", default="", metavar="NAME", help="your name tag on the host's program"
    )


def check(args: argparse.Namespace) -> None:
    """Option problems before anything starts (one message each)."""
    if args.costream and args.join:
        raise UserError("--costream and --join exclude each other", "host or join, not both")
    if args.join:
        split_join_url(args.join)
        register_secret(args.join.rstrip("/").rsplit("/", 1)[-1])
    if args.costream_share and (
        args.costream_guest_guide is None or not 0 < args.costream_share <= 0.5
    ):
        raise UserError(
            f"--costream-share {args.costream_share:g} needs --costream-guest-guide and 0..0.5",
            "e.g. --costream-guest-guide 2 --costream-share 0.2",
        )
    if args.costream and not 1 <= args.costream_uses <= INVITE_MAX_USES:
        raise UserError(
            f"--costream-uses {args.costream_uses} is out of range",
            f"give 1..{INVITE_MAX_USES}",
        )


@dataclass
class HostRun:
    cohost: CoHost
    join_url: str
    embedded: Any = None
    extras: list[Any] = field(default_factory=list)

    player: RingPlayer | None = None

    def close(self) -> None:
        self.cohost.close()
        if self.player is not None:
            self.player.close()
        if self.embedded is not None:
            self.embedded.stop()


def monitor(ring: AudioRing, who: str) -> RingPlayer:
    """连麦 sound on this computer's output, or one line saying there is none."""
    player = RingPlayer(what="连麦 monitor")
    if player.available:
        player.play(ring)
    else:
        print(f"studio: 连麦: no sound output device: {who} cannot be heard here", flush=True)
    return player


def _login(base: str, user: str, password: str) -> str:
    try:
        r = httpx.post(
            f"{base}/api/auth/login", json={"username": user, "password": password}, timeout=10
        )
    except httpx.HTTPError as exc:
        raise UserError(
            f"cannot reach the backend {base} ({type(exc).__name__})", "check --backend"
        ) from None
    if r.status_code == 401:
        raise UserError(f"{base} refused the login of {user!r}", f"check ${PASSWORD_ENV}")
    if r.status_code >= 400:
        raise UserError(f"{base} login failed ({r.status_code})", "try again")
    token = str(r.json()["token"])
    register_secret(token)
    return token


async def _join_config(url: str) -> JoinConfig:
    sig = JoinSignalling(url)
    try:
        return await sig.config()
    finally:
        await sig.close()


def start_host(args: argparse.Namespace, pipeline: Pipeline) -> HostRun:
    """Invite, print the link, answer guests (call after the pipeline started)."""
    embedded = None
    if args.backend:
        base = args.backend.rstrip("/")
        if args.session is None:
            raise UserError("--costream with --backend needs --session ID", "add the session id")
        session = int(args.session)
        token = os.environ.get(TOKEN_ENV) or ""
        if not token:
            password = os.environ.get(PASSWORD_ENV) or ""
            if not (args.backend_user and password):
                raise UserError(
                    f"--costream needs a login for {base}",
                    f"pass --backend-user NAME with ${PASSWORD_ENV}, or ${TOKEN_ENV}",
                )
            token = _login(base, args.backend_user, password)
        register_secret(token)
    else:
        from studio.demo.data import DEMO_PASSWORD, DEMO_SESSION, DEMO_USER
        from studio.demo.embedded import EmbeddedBackend

        embedded = EmbeddedBackend.start(shoppers=0)
        base = embedded.url
        session = args.session or DEMO_SESSION
        token = _login(base, DEMO_USER, DEMO_PASSWORD)
    sig = HostSignalling(base, token, session)
    preset = find_platform(args.platform) if getattr(args, "platform", None) else None
    cohost = CoHost(
        pipeline,
        sig,
        on_air=args.costream_on_air,
        layout=args.costream_layout,
        safe_area=preset.safe_area if preset else None,
    )
    try:
        request: InviteRequest = {
            "label": args.costream_label or "连麦嘉宾",
            "uses": args.costream_uses,
        }
        if args.costream_guest_guide is not None:
            request["guest_guide_id"] = args.costream_guest_guide
            request["co_host_share"] = args.costream_share
        invite = cohost.invite(request)
        # the host's ICE settings are the ones the backend gives its guests
        cfg = rtc_loop.run(_join_config(invite["join_url"]))
        cohost.ice_servers = cfg["ice_servers"]
        cohost.ice_policy = cfg["ice_transport_policy"]
    except BaseException:
        cohost.close()
        if embedded is not None:
            embedded.stop()
        raise
    cohost.start_polling()

    def tell(event: Any) -> None:  # the guide running headless reads who came and went
        d = event.data
        air = "on air" if d["on_air"] else "off air"
        print(f"studio: 连麦 guest {d['guest_id']} {d['name']}: {d['state']} ({air})", flush=True)

    pipeline.bus.subscribe(TOPIC_GUEST, tell)
    threading.Thread(
        target=control, args=(cohost, sys.stdin), name="costream-control", daemon=True
    ).start()
    print(f"studio: 连麦 join link: {invite['join_url']}", flush=True)
    player = monitor(cohost.monitor(), "the guests")  # the guide hears them, not the program
    return HostRun(cohost, invite["join_url"], embedded, player=player)


CONTROL_HELP = (
    "连麦 commands: on ID, off ID, mute ID, unmute ID, remove ID, layout side|pip|grid, "
    "invite [LABEL], revoke INVITE_ID, guests"
)


def control(cohost: CoHost, lines: TextIO) -> None:
    """The headless host's hands: one command a line on stdin (``CONTROL_HELP``)."""
    for raw in lines:
        words = raw.split()
        if not words:
            continue
        try:
            print(f"studio: {run_control(cohost, words)}", flush=True)
        except UserError as exc:
            print(f"studio: 连麦: {redact(str(exc))}", flush=True)
        except Exception as exc:  # the show goes on whatever a command did
            log.exception("连麦 command %r failed", words[0])
            print(f"studio: 连麦: {words[0]} failed ({type(exc).__name__})", flush=True)


def run_control(cohost: CoHost, words: list[str]) -> str:
    verb, rest = words[0].lower(), words[1:]
    actions = {
        "on": lambda g: cohost.put_on(g, True),
        "off": lambda g: cohost.put_on(g, False),
        "mute": lambda g: cohost.mute(g, True),
        "unmute": lambda g: cohost.mute(g, False),
        "remove": cohost.remove,
        "revoke": cohost.revoke,
    }
    if verb in actions:
        if len(rest) != 1 or not rest[0].isdigit():
            raise UserError(f"{verb} needs a number", CONTROL_HELP)
        actions[verb](int(rest[0]))
        return f"连麦: {verb} {rest[0]} done"
    if verb == "layout" and rest and rest[0] in LAYOUTS:
        cohost.set_layout(rest[0])
        return f"连麦: layout {rest[0]}"
    if verb == "invite":
        inv = cohost.invite({"label": " ".join(rest) or "连麦嘉宾"})
        return f"连麦 join link: {inv['join_url']}"
    if verb == "guests":
        rows = [
            f"{g.guest_id} {g.name} {g.source.state}{' on air' if g.on_air else ''}"
            f"{' muted' if g.muted else ''}"
            for g in cohost.guests.values()
        ]
        return "连麦 guests: " + ("; ".join(rows) or "none")
    raise UserError(f"unknown command {verb!r}", CONTROL_HELP)


def open_guest(args: argparse.Namespace, pipeline: Pipeline) -> StudioGuest:
    """Open the link (refused links raise UserError before anything starts)."""
    guest = StudioGuest(pipeline, args.costream_name or "嘉宾")
    guest.open(args.join)
    guest.show_host_in_preview()  # the guide's preview (the window): never the guest's program
    return guest
