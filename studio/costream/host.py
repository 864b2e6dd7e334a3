"""The host studio's 连麦 side: invites, answering guests, putting them on the program.

A :class:`CoHost` belongs to one running :class:`~studio.media.engine.Pipeline`.
Each guest is one aiortc peer connection on the rtc loop: the guest's tracks
become a :class:`GuestSource`; the host sends its PROGRAM (what viewers see) and a
mix-minus of the program's sound (without that guest). Nothing a guest sends
reaches the program (or the platforms) until :meth:`CoHost.put_on`; muting drops
the guest's ring from the mix, removing ends the connection. With a backend
(:class:`HostSignalling`) offers are long-polled and answered as they come; tests
and the bench hand offers over directly with :meth:`CoHost.answer_offer`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from aiortc import RTCPeerConnection

from studio.contract.costream import (
    MAX_GUESTS,
    TOPIC_GUEST,
    TOPIC_INVITE,
    Description,
    IceServer,
    Invite,
    InviteRequest,
)
from studio.costream import rtc_loop
from studio.costream.guest_source import GuestSource
from studio.costream.layouts import LAYOUTS, LayoutKind, Tile, arrange
from studio.costream.peer import close_quietly, description, feed_source, new_peer, remote
from studio.costream.program_tracks import MixMinusAudioTrack, ProgramFeed, ProgramVideoTrack
from studio.costream.signalling import HostSignalling
from studio.errors import UserError
from studio.media.audio import AudioRing
from studio.media.engine import Pipeline
from studio.overlays.layout import safe_area as find_safe_area
from studio.overlays.manager import OverlayManager
from studio.redact import register_secret

log = logging.getLogger(__name__)

OnAirMode = Literal["auto", "manual"]
LEFT_POLL_SECONDS = 2.0  # how often the backend's guest list is read for guests who left


@dataclass
class GuestPeer:
    guest_id: int
    name: str
    source: GuestSource
    pc: RTCPeerConnection | None = None
    video: ProgramVideoTrack | None = None
    audio: MixMinusAudioTrack | None = None
    on_air: bool = False
    muted: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class CoHost:
    """Guests of one pipeline's show."""

    def __init__(
        self,
        pipeline: Pipeline,
        signalling: HostSignalling | None = None,
        *,
        ice_servers: list[IceServer] | None = None,
        ice_policy: str = "all",
        on_air: OnAirMode = "auto",
        layout: LayoutKind = "side",
        safe_area: str | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.signalling = signalling
        self.ice_servers = ice_servers or []
        self.ice_policy = ice_policy
        self.on_air_mode: OnAirMode = on_air
        self.layout: LayoutKind = layout
        self.feed = ProgramFeed(pipeline)
        p = pipeline.profile
        # the platform's covered bands (studio/overlays/layout.py): insets and tags avoid them
        area = find_safe_area(safe_area) if safe_area else None
        self.insets = area.insets(p.width, p.height) if area is not None else None
        self.guests: dict[int, GuestPeer] = {}
        self._lock = threading.RLock()
        self._poll: concurrent.futures.Future[None] | None = None
        self._watch: concurrent.futures.Future[None] | None = None
        self._closed = False
        self._bound: OverlayManager | None = None  # whose 场景 switch picks our layout

    # -- invites (backend) -------------------------------------------------------
    def invite(self, request: InviteRequest | None = None) -> Invite:
        """A join link; its guest's camera is asked for the program's orientation unless
        ``request`` says otherwise (a 9:16 show wants an upright phone picture)."""
        sig = self._need_signalling()
        ask: InviteRequest = {**(request or {})}
        p = self.pipeline.profile
        if p.height > p.width:  # landscape is the default: an older backend knows no shape
            ask.setdefault("shape", "portrait")
        inv = rtc_loop.run(sig.invite(ask))
        register_secret(inv["token"])
        self.pipeline.bus.publish(
            TOPIC_INVITE, join_url=inv["join_url"], label=inv["label"], revoked=False
        )
        return inv

    def revoke(self, invite_id: int) -> None:
        rtc_loop.run(self._need_signalling().revoke(invite_id))
        self.pipeline.bus.publish(TOPIC_INVITE, invite_id=invite_id, revoked=True)

    def _need_signalling(self) -> HostSignalling:
        if self.signalling is None:
            raise UserError("连麦 needs the session's backend", "start with a commerce session")
        return self.signalling

    def start_polling(self) -> None:
        """Answer offers from the backend as they come (until :meth:`close`)."""
        if self.signalling is not None and self._poll is None:
            self._poll = rtc_loop.submit(self._poll_loop())
            self._watch = rtc_loop.submit(self._left_loop())

    async def _left_loop(self) -> None:
        """A guest who left on purpose (the page's 离开, ``studio live --join`` ending)
        goes off the program instead of showing the slate until the host removes them."""
        assert self.signalling is not None
        while not self._closed:
            await asyncio.sleep(LEFT_POLL_SECONDS)
            try:
                rows = await self.signalling.guests()
            except Exception as exc:
                log.debug("连麦: reading the guests failed (%s)", type(exc).__name__)
                continue
            for row in rows:
                if row["state"] in ("left", "ended") and row["guest_id"] in self.guests:
                    log.info("连麦 guest %s left", row["guest_id"])
                    await asyncio.to_thread(self._forget, row["guest_id"], row["state"])

    def _forget(self, guest_id: int, state: str) -> None:
        with self._arranging():
            peer = self.guests.pop(guest_id, None)
            if peer is None:
                return
            if peer.source.audio is not None:
                self.pipeline.mixer.remove(peer.source.audio)
            self.feed.hear(f"g{guest_id}", None)
            self._arrange()
        rtc_loop.run(self._drop_pc(peer), timeout=10)
        peer.source.stop(timeout=2)
        self._publish(peer, state)

    async def _poll_loop(self) -> None:
        assert self.signalling is not None
        while not self._closed:
            try:
                offers = await self.signalling.offers()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the backend restarting: wait and ask again
                log.warning("连麦: waiting for offers failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(2)
                continue
            for off in offers:
                try:
                    answer = await self.answer_offer(
                        off["guest_id"], off["name"], {"sdp": off["sdp"], "type": "offer"}
                    )
                    await self.signalling.answer(off["guest_id"], answer)
                except Exception:
                    log.exception("连麦: answering guest %s failed", off["guest_id"])

    # -- answering (rtc loop) ----------------------------------------------------
    async def answer_offer(self, guest_id: int, name: str, offer: Description) -> Description:
        """Answer a guest's offer (a rejoin re-uses the guest's source and tile)."""
        with self._lock:
            peer = self.guests.get(guest_id)
            if peer is None:
                live = [g for g in self.guests.values() if g.pc is not None]
                if len(live) >= MAX_GUESTS:
                    raise UserError("连麦 is full", f"at most {MAX_GUESTS} guests at once")
                p = self.pipeline.profile
                src = GuestSource(
                    f"guest-{guest_id}", name or f"嘉宾 {guest_id}", p.width, p.height, p.fps
                )
                peer = GuestPeer(guest_id, name or f"嘉宾 {guest_id}", src)
                src.on_state = lambda _s, p=peer: self._guest_state(p)
                src.on_resize = lambda _s, p=peer: self._reshape(p)
                self.guests[guest_id] = peer
                src.start()
                new = True
            else:
                new = False
        if peer.pc is not None:  # rejoin: the old connection is dead or dying
            await self._drop_pc(peer)
        pc = new_peer(self.ice_servers, self.ice_policy)
        peer.pc = pc
        src = peer.source
        feed_source(
            pc, src, f"guest {guest_id}", lambda: peer.pc is pc, lambda s: self._publish(peer, s)
        )

        await pc.setRemoteDescription(remote(offer))
        if not peer.muted:
            self.feed.hear(f"g{guest_id}", src.audio)  # the guide hears them from now on
        peer.video = self.feed.video_track()
        peer.audio = self.feed.audio_track(f"g{guest_id}", src.audio)
        pc.addTrack(peer.video)
        pc.addTrack(peer.audio)
        await pc.setLocalDescription(await pc.createAnswer())
        if new and self.on_air_mode == "auto":
            self.put_on(guest_id, True)
        self._publish(peer, "answered")
        return description(pc)

    async def _drop_pc(self, peer: GuestPeer) -> None:
        peer.source.detach()
        for track in (peer.video, peer.audio):
            if track is not None:
                track.stop()
        peer.video = peer.audio = None
        if peer.pc is not None:
            pc, peer.pc = peer.pc, None
            await close_quietly(pc)

    # -- the program -------------------------------------------------------------
    def put_on(self, guest_id: int, on: bool = True, *, tell_backend: bool = True) -> None:
        """The guest on the program (picture in the layout, voice in the mix) or off it."""
        with self._arranging():
            peer = self._peer(guest_id)
            peer.on_air = on
            ring = peer.source.audio
            assert ring is not None
            if on and not peer.muted:
                self.pipeline.mixer.add(ring)
            else:
                self.pipeline.mixer.remove(ring)
            self._arrange()
        if tell_backend and self.signalling is not None:
            rtc_loop.submit(self._tell_on_air(guest_id, on))
        self._publish(peer)

    async def _tell_on_air(self, guest_id: int, on: bool) -> None:
        assert self.signalling is not None
        try:
            await self.signalling.on_air(guest_id, on)
        except Exception as exc:
            log.warning(
                "连麦: telling the backend guest %s on_air=%s failed (%s)", guest_id, on, exc
            )

    def mute(self, guest_id: int, muted: bool = True) -> None:
        with self._lock:
            peer = self._peer(guest_id)
            peer.muted = muted
            ring = peer.source.audio
            assert ring is not None
            self.feed.hear(f"g{guest_id}", None if muted else ring)
            if muted or not peer.on_air:
                self.pipeline.mixer.remove(ring)
            else:
                self.pipeline.mixer.add(ring)
        self._publish(peer)

    def remove(self, guest_id: int) -> None:
        """End the guest's connection and take them off the program."""
        with self._arranging():
            peer = self._peer(guest_id)
            del self.guests[guest_id]
            ring = peer.source.audio
            assert ring is not None
            self.pipeline.mixer.remove(ring)
            self.feed.hear(f"g{guest_id}", None)
            self._arrange()
        rtc_loop.run(self._drop_pc(peer), timeout=10)
        peer.source.stop(timeout=2)
        if self.signalling is not None:
            try:
                rtc_loop.run(self.signalling.end(guest_id), timeout=10)
            except Exception as exc:
                log.warning("连麦: ending guest %s at the backend failed (%s)", guest_id, exc)
        self._publish(peer, "ended")

    def monitor(self) -> AudioRing:
        """The guests' voices (on air or not, unmuted) for the guide's headphones: what a
        conversation needs, without the program (the guide's own voice back, late)."""
        return self.feed.monitor_ring()

    def bind_overlays(self, overlays: OverlayManager) -> None:
        """The overlay manager's scene switch (scripts, the window's 场景) picks our layout."""
        overlays.layout_hook = self.set_layout
        self._bound = overlays

    def set_layout(self, kind: str) -> bool:
        """side / pip / grid; also the overlay manager's scene names (split, full)."""
        mapped = {"split": "side", "full": "grid"}.get(kind, kind)
        if mapped not in LAYOUTS:
            return False
        self.layout = mapped
        with self._arranging():
            on = any(g.on_air for g in self.guests.values())
            self._arrange()
        return on

    def _arrange(self) -> None:
        tiles = [Tile(str(g.guest_id), g.source, g.name) for g in self.guests.values() if g.on_air]
        kind: LayoutKind = self.layout
        if kind == "grid" and len(tiles) < 2:
            kind = "side"
        p = self.pipeline.profile
        with self.pipeline.compositor.lock:
            arrange(self.pipeline.scene, kind, tiles, p.width, p.height, self.insets)

    def _guest_state(self, peer: GuestPeer) -> None:
        """A guest's picture came (back): on air, the layout is made again for its shape
        (an upright phone picture fills a tall tile; its name tag goes to the foot)."""
        if peer.source.state == "live":
            self._reshape(peer)
        self._publish(peer)

    def _reshape(self, peer: GuestPeer) -> None:
        if peer.on_air:
            with self._arranging():
                self._arrange()

    @contextlib.contextmanager
    def _arranging(self) -> Iterator[None]:
        """The compositor's lock, then ours: the one order every thread takes them in. The
        output clock holds the compositor's around a scene switch, which calls
        :meth:`set_layout`; a thread holding ours first and then waiting for the
        compositor's would deadlock with it."""
        with self.pipeline.compositor.lock, self._lock:
            yield

    def _peer(self, guest_id: int) -> GuestPeer:
        peer = self.guests.get(guest_id)
        if peer is None:
            raise UserError(f"no 连麦 guest {guest_id}", "see the guests list")
        return peer

    def _publish(self, peer: GuestPeer, state: str | None = None) -> None:
        self.pipeline.bus.publish(
            TOPIC_GUEST,
            guest_id=peer.guest_id,
            name=peer.name,
            state=state or peer.source.state,
            on_air=peer.on_air,
            muted=peer.muted,
        )

    def close(self) -> None:
        """End every guest connection (the show ends)."""
        self._closed = True
        for task in (self._poll, self._watch):
            if task is not None:
                task.cancel()
        for peer in list(self.guests.values()):
            try:
                rtc_loop.run(self._drop_pc(peer), timeout=10)
            except Exception:
                log.debug("closing guest %s failed", peer.guest_id, exc_info=True)
            peer.source.stop(timeout=2)
            if peer.source.audio is not None:
                self.pipeline.mixer.remove(peer.source.audio)
            self.feed.hear(f"g{peer.guest_id}", None)
        self.guests.clear()
        with self._arranging():
            self._arrange()  # no guests left: their tiles leave the program
        bound, self._bound = self._bound, None
        if bound is not None and bound.layout_hook == self.set_layout:
            bound.layout_hook = None  # the window's 场景 switch is the scene's again
        if self.signalling is not None:
            try:
                rtc_loop.run(self.signalling.close(), timeout=5)
            except Exception:
                log.debug("closing signalling failed", exc_info=True)
