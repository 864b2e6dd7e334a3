"""A studio joining someone's 连麦: sends its own program and voice, shows the host's.

The guest's pipeline keeps its program (its camera and overlays); that program and
its mix are what the host receives. The host's program arrives as a
:class:`GuestSource` shown only on the guide-only layer set (the local preview, a
picture-in-picture), never on the guest's own program, and its sound is not in
the guest's mix: nothing loops back to the host. When the connection drops the
guest re-offers with its guest id and secret (automatic rejoin).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

from aiortc import RTCPeerConnection

from studio.contract.costream import Description, IceServer, JoinConfig
from studio.costream import rtc_loop
from studio.costream.guest_source import GuestSource
from studio.costream.peer import close_quietly, description, feed_source, new_peer, remote
from studio.costream.program_tracks import MixMinusAudioTrack, ProgramFeed, ProgramVideoTrack
from studio.costream.signalling import JoinSignalling
from studio.errors import UserError
from studio.media.compositor import VideoLayer
from studio.media.engine import Pipeline
from studio.redact import redact, register_secret

log = logging.getLogger(__name__)

REJOIN_AFTER = 2.0  # seconds in failed/disconnected before offering again


class StudioGuest:
    """This studio as a guest of another's show."""

    def __init__(
        self,
        pipeline: Pipeline,
        name: str,
        *,
        ice_servers: list[IceServer] | None = None,
        ice_policy: str = "all",
    ) -> None:
        self.pipeline = pipeline
        self.name = name
        self.ice_servers = ice_servers or []
        self.ice_policy = ice_policy
        p = pipeline.profile
        self.host = GuestSource("costream-host", "主播", p.width, p.height, p.fps)
        self.feed = ProgramFeed(pipeline)
        self.pc: RTCPeerConnection | None = None
        self._video: ProgramVideoTrack | None = None
        self._audio: MixMinusAudioTrack | None = None
        self.signalling: JoinSignalling | None = None
        self._task: concurrent.futures.Future[None] | None = None
        self._closed = False
        self.rejoins = 0
        self.ended = ""  # why the 连麦 is over (the host removed us, the link died)
        self._started = False
        self.config: JoinConfig | None = None

    def start(self) -> None:
        """Start the host's picture's watchdog (once)."""
        if not self._started:
            self._started = True
            self.host.start()

    def show_host_in_preview(self) -> None:
        """The host's program as a guide-only inset (the local preview), never on air."""
        p = self.pipeline.profile
        w = p.width // 3 // 2 * 2
        layer = VideoLayer(
            name="costream:host", source=self.host, x=p.width - w, y=0, w=w, h=w * 9 // 16 // 2 * 2
        )
        with self.pipeline.compositor.lock:
            self.pipeline.scene.guide.append(layer)

    # -- direct hand-over (tests, bench) ------------------------------------------
    async def make_offer(self) -> Description:
        if self.pc is not None:
            await self._drop()
        self.pc = pc = new_peer(self.ice_servers, self.ice_policy)
        feed_source(pc, self.host, "(guest)", lambda: self.pc is pc)

        self._video = self.feed.video_track()
        # the guest's own mix: its program sound (the host's is never in it)
        self._audio = self.feed.audio_track("self", None)
        pc.addTrack(self._video)
        pc.addTrack(self._audio)
        await pc.setLocalDescription(await pc.createOffer())
        return description(pc)

    async def accept_answer(self, answer: Description) -> None:
        assert self.pc is not None
        await self.pc.setRemoteDescription(remote(answer))

    async def _drop(self) -> None:
        self.host.detach()
        for track in (self._video, self._audio):
            if track is not None:
                track.stop()
        self._video = self._audio = None
        if self.pc is not None:
            pc, self.pc = self.pc, None
            await close_quietly(pc)

    # -- over the backend --------------------------------------------------------
    def open(self, join_url: str) -> None:
        """Read the link's settings; UserError (LinkRefusedError) when it is refused."""
        self.signalling = JoinSignalling(join_url)
        register_secret(join_url.rstrip("/").rsplit("/", 1)[-1])
        cfg = rtc_loop.run(self.signalling.config())
        self.ice_servers = self.ice_servers or cfg["ice_servers"]
        if cfg["ice_transport_policy"] == "relay":
            self.ice_policy = "relay"
        self.host.label = cfg["host_name"] or self.host.label
        self.config = cfg

    def connect(self, timeout: float = 60.0) -> None:
        """Offer, wait for the host's answer, then keep rejoining when the line drops."""
        self.start()
        pending = rtc_loop.submit(self._connect())
        try:
            pending.result(timeout)
        except TimeoutError:
            pending.cancel()
            raise UserError(
                f"the host did not answer within {timeout:.0f} s",
                "check that the host's studio is live with 连麦 on, then join again",
            ) from None
        self._task = rtc_loop.submit(self._watch())

    async def _connect(self) -> None:
        assert self.signalling is not None
        offer = await self.make_offer()
        got = await self.signalling.offer(offer, self.name)
        register_secret(got["secret"])
        answer = None
        while answer is None and not self._closed:
            answer = await self.signalling.answer()
        if answer is not None:
            await self.accept_answer(answer)

    async def _watch(self) -> None:
        bad_since = 0.0
        loop = asyncio.get_running_loop()
        while not self._closed:
            await asyncio.sleep(0.5)
            state = self.pc.connectionState if self.pc is not None else "closed"
            if state in ("failed", "disconnected", "closed"):
                bad_since = bad_since or loop.time()
                if loop.time() - bad_since >= REJOIN_AFTER:
                    log.info("连麦 (guest): connection %s, rejoining", state)
                    try:
                        await self._connect()
                        self.rejoins += 1
                    except UserError as exc:  # the host removed us or ended the show
                        self.ended = redact(str(exc))
                        log.info("连麦 (guest): the host's side refused the rejoin: %s", self.ended)
                        return
                    except Exception as exc:
                        log.warning("连麦 (guest): rejoin failed (%s)", exc)
                    bad_since = 0.0
            else:
                bad_since = 0.0

    def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
        try:
            rtc_loop.run(self._drop(), timeout=10)
            if self.signalling is not None:
                rtc_loop.run(self.signalling.leave(), timeout=10)
                rtc_loop.run(self.signalling.close(), timeout=5)
        except Exception:
            log.debug("leaving the 连麦 failed", exc_info=True)
        self.host.stop(timeout=2)
