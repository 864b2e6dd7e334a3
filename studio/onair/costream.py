"""连麦 on the running studio: this studio as the host of guests, or as another's guest.

One part of the composed :class:`studio.app.StudioApp` (docs/costream-studio.md). It
owns the :class:`~studio.costream.host.CoHost` (made on first use, so a studio that
never co-streams starts no WebRTC), the :class:`~studio.costream.guest.StudioGuest`
when this studio joins someone else, and the guide's monitor: the guide hears the
guests (never the program back), a guest hears the host's mix-minus. It sees the
commerce connection only through :class:`SessionLogin`, a narrow protocol.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from studio.contract.costream import TOPIC_GUEST, TOPIC_INVITE, TOPIC_MONITOR
from studio.errors import UserError

if TYPE_CHECKING:
    from studio.config import Profile
    from studio.contract.costream import Invite, InviteRequest
    from studio.costream.guest import StudioGuest
    from studio.costream.host import CoHost
    from studio.events import EventBus
    from studio.media.audio import AudioRing
    from studio.media.engine import Pipeline
    from studio.media.playback import RingPlayer
    from studio.overlays.manager import OverlayManager

log = logging.getLogger(__name__)

__all__ = ["CoStreaming", "SessionLogin"]

HOST_INSET = "costream:host"  # the guide-only layer a studio guest shows the host in


class SessionLogin(Protocol):
    """What 连麦 needs of the commerce connection: the joined session and its login."""

    @property
    def people(self) -> tuple[str, str]: ...

    def session_login(self) -> tuple[str, str, int]:
        """(backend URL, bearer token, session id); UserError when not connected."""
        ...


class CoStreaming:
    def __init__(
        self,
        pipeline: Pipeline,
        overlays: OverlayManager,
        bus: EventBus,
        profile: Profile,
        session: SessionLogin,
    ) -> None:
        self.pipeline = pipeline
        self.overlays = overlays
        self.bus = bus
        self.profile = profile
        self.session = session
        self.host: CoHost | None = None  # guests on our session (made on first use)
        self.guest: StudioGuest | None = None  # this studio in another's 连麦
        self.monitor: RingPlayer | None = None  # 连麦 sound for the guide's headphones

    # -- host ------------------------------------------------------------------------
    def cohost(self) -> CoHost:
        """The 连麦 host of the joined session (made on first use, answering guests).

        Guests stay off the program until the guide puts them on (``manual``).
        """
        if self.host is not None:
            return self.host
        from studio.costream.host import CoHost
        from studio.costream.signalling import HostSignalling

        if self.guest is not None:
            raise UserError("this studio is a guest of another 连麦", "leave it first")
        url, token, sid = self.session.session_login()
        host = CoHost(self.pipeline, HostSignalling(url, token, sid), on_air="manual")
        area = self.overlays.layout.platform  # the ticked platforms' covered bands, as now
        p = self.profile
        host.insets = area.insets(p.width, p.height) if area is not None else None
        host.bind_overlays(self.overlays)
        host.start_polling()
        self.host = host
        self._hear(host.monitor())  # the guide hears the guests (not the program back)
        return host

    def invite(self, request: InviteRequest) -> Invite:
        """A join link; the host uses the ICE servers the backend gives its guests."""
        from studio.costream import rtc_loop
        from studio.costream.signalling import JoinSignalling

        host = self.cohost()
        invite = host.invite(request)
        sig = JoinSignalling(invite["join_url"])
        try:
            cfg = rtc_loop.run(sig.config(), timeout=15)
        finally:
            rtc_loop.run(sig.close(), timeout=5)
        host.ice_servers = cfg["ice_servers"]
        host.ice_policy = cfg["ice_transport_policy"]
        return invite

    # -- guest -----------------------------------------------------------------------
    def join(self, join_url: str, name: str) -> StudioGuest:
        """Join another studio's 连麦 by its link: its program in the preview, ours to it."""
        from studio.costream.guest import StudioGuest

        if self.host is not None and self.host.guests:
            raise UserError(
                "guests are on this studio's 连麦", "remove them before joining another"
            )
        self.leave()
        guest = StudioGuest(self.pipeline, name or self.session.people[0] or "嘉宾")
        try:
            guest.open(join_url)  # a refused link: LinkRefusedError, nothing started
            guest.show_host_in_preview()
            guest.connect()
        except BaseException:
            self._drop_guest(guest)
            raise
        self.guest = guest
        self._hear(guest.host.audio)  # the host's program (less our own voice): the talk
        return guest

    def leave(self) -> None:
        guest, self.guest = self.guest, None
        if guest is not None:
            self._drop_guest(guest)
            self._hear(self.host.monitor() if self.host is not None else None)

    def _drop_guest(self, guest: StudioGuest) -> None:
        guest.close()
        scene = self.pipeline.scene
        with self.pipeline.compositor.lock:
            scene.guide[:] = [ly for ly in scene.guide if ly.name != HOST_INSET]

    # -- both ------------------------------------------------------------------------
    def close(self) -> None:
        """Every 连麦 ended: guests removed, our guest connection left, the monitor off."""
        host, self.host = self.host, None
        if host is not None:
            gone = [(g.guest_id, g.name) for g in host.guests.values()]
            host.close()  # its tiles leave the program, the 场景 switch is the scene's again
            for gid, name in gone:  # the window's guest list hears they are gone
                self.bus.publish(
                    TOPIC_GUEST, guest_id=gid, name=name, state="ended", on_air=False, muted=False
                )
            self.bus.publish(TOPIC_INVITE, revoked=True, closed=True)  # no one answers its links
        self.leave()
        self._hear(None)

    def _hear(self, ring: AudioRing | None) -> None:
        """连麦 sound on this computer's output; without a device, one note on the bus."""
        from studio.media.playback import RingPlayer

        if ring is None:
            if self.monitor is not None:
                self.monitor.close()
                self.monitor = None
            return
        if self.monitor is None:
            self.monitor = RingPlayer(what="连麦 monitor")
            if not self.monitor.available:
                self.bus.publish(TOPIC_MONITOR, note=self.monitor.note)
        self.monitor.play(ring)
