"""One RTCPeerConnection with the studio's ICE settings (STUN/TURN, relay-only policy)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from studio.contract.costream import Description, IceServer
from studio.costream.guest_source import GuestSource

log = logging.getLogger(__name__)
# aiortc closes its Opus encoder with a frame still queued: a warning per connection, no harm
logging.getLogger("libav.libopus").setLevel(logging.ERROR)


def configuration(ice_servers: list[IceServer], policy: str = "all") -> RTCConfiguration:
    """aiortc's configuration from the contract's ICE list (``relay``: TURN candidates only)."""
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers
    ]
    return RTCConfiguration(
        iceServers=servers,
        iceTransportPolicy=RTCIceTransportPolicy.RELAY
        if policy == "relay"
        else RTCIceTransportPolicy.ALL,
    )


def new_peer(ice_servers: list[IceServer], policy: str = "all") -> RTCPeerConnection:
    return RTCPeerConnection(configuration(ice_servers, policy))


def description(pc: RTCPeerConnection) -> Description:
    local = pc.localDescription
    if local.type == "answer":
        return {"sdp": local.sdp, "type": "answer"}
    return {"sdp": local.sdp, "type": "offer"}


def remote(desc: Description) -> RTCSessionDescription:
    return RTCSessionDescription(sdp=desc["sdp"], type=desc["type"])


async def close_quietly(pc: RTCPeerConnection) -> None:
    try:
        await asyncio.wait_for(pc.close(), 5)
    except Exception:  # closing a half-dead connection: nothing to tell the guide
        log.debug("closing a peer connection failed", exc_info=True)


def feed_source(
    pc: RTCPeerConnection,
    source: GuestSource,
    label: str,
    current: Callable[[], bool],
    on_state: Callable[[str], None] | None = None,
) -> None:
    """The remote side's tracks feed ``source``; a failed connection that is still the
    ``current`` one shows its slate (a rejoin's new connection replaces the old)."""

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        source.attach(track)

    @pc.on("connectionstatechange")
    async def on_change() -> None:
        state = pc.connectionState
        log.info("连麦 %s: %s", label, state)
        if state == "failed" and current():
            source.connection_failed("connection failed")
        if on_state is not None:
            on_state(state)
