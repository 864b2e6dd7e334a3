"""The 连麦 join page in a real headless Chromium with its fake camera and microphone,
against a real backend; the host is a small aiortc answerer in this test (it long-polls
the offers over HTTP, answers, and sends back a solid magenta picture).

What a user would check: the host gets the guest's moving camera picture and the
tone of the microphone; the guest's page shows the host's magenta program; a link
that has expired shows the refusal page, in the page's language.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import VideoStreamTrack
from av import VideoFrame
from playwright.sync_api import Browser, sync_playwright

from tests.backend.conftest import Live, free_port, start_backend, stop_backend
from tests.backend.helpers import new_live_session
from tests.browser import ARGS, CHROMIUM

MAGENTA = (220, 40, 200)
FAKE_MEDIA = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


class Solid(VideoStreamTrack):
    """The host's program in this test: one colour, 15 frames a second."""

    async def recv(self) -> VideoFrame:
        pts, base = await self.next_timestamp()
        frame = VideoFrame.from_ndarray(np.full((180, 320, 3), MAGENTA, np.uint8), "rgb24")
        frame.pts, frame.time_base = pts, base
        return frame


class Host(threading.Thread):
    """An aiortc answerer on its own event loop: answers the first offer of a session and
    records what the guest sends (video frames' brightness and motion, audio energy)."""

    def __init__(self, url: str, token: str, session_id: int) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.session_id = url, token, session_id
        self.video: list[np.ndarray] = []  # small grey copies of the guest's frames
        self.audio_rms: list[float] = []
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.offers: list[dict[str, Any]] = []  # the offers answered, in order
        self.stop, self.drop = asyncio.Event(), asyncio.Event()

    def run(self) -> None:
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.loop.close()
            self.done.set()

    async def _serve(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=40) as client:
            while not self.stop.is_set():
                offer = await self._next_offer(client)
                self.offers.append(offer)
                pc, tasks = await self._answer(client, offer)
                waits = [asyncio.ensure_future(e.wait()) for e in (self.stop, self.drop)]
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for t in (*tasks, *waits):
                    t.cancel()
                await pc.close()  # a drop: the page must offer again by itself
                self.drop.clear()

    async def _next_offer(self, client: httpx.AsyncClient) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = await client.get(
                f"/api/sessions/{self.session_id}/costream/offers", params={"wait": 2}
            )
            if r.json():
                return dict(r.json()[0])
        raise AssertionError("no offer from the page")

    async def _answer(
        self, client: httpx.AsyncClient, offer: dict[str, Any]
    ) -> tuple[RTCPeerConnection, list[asyncio.Future[None]]]:
        pc = RTCPeerConnection()
        tasks: list[asyncio.Future[None]] = []

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            tasks.append(asyncio.ensure_future(self._consume(track)))

        await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        pc.addTrack(Solid())
        await pc.setLocalDescription(await pc.createAnswer())
        r = await client.post(
            f"/api/costream/guests/{offer['guest_id']}/answer",
            json={"sdp": pc.localDescription.sdp, "type": "answer"},
        )
        assert r.status_code == 204, r.text
        return pc, tasks

    async def _consume(self, track: MediaStreamTrack) -> None:
        while True:
            frame = await track.recv()
            if track.kind == "video":
                assert isinstance(frame, VideoFrame)
                grey = frame.to_ndarray(format="gray")[::8, ::8].astype(np.int16)
                self.video.append(grey)
            else:
                pcm = frame.to_ndarray().astype(np.float64)  # type: ignore[union-attr]
                self.audio_rms.append(float(np.sqrt(np.mean(pcm**2))))

    def finish(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.done.wait(15)

    def drop_call(self) -> None:
        """Hang up on the guest (as a host studio that restarts would)."""
        self.loop.call_soon_threadsafe(self.drop.set)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("join-page")
    server = start_backend(tmp)
    yield server
    stop_backend(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see packaging/setup.sh)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + FAKE_MEDIA, headless=True)
        yield b
        b.close()


def _invite(g: httpx.Client, session_id: int, **body: Any) -> dict[str, Any]:
    r = g.post(f"/api/sessions/{session_id}/costream/invites", json={"label": "浏览器嘉宾", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _wait(what: str, ok: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not ok():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


# the centre pixel of the page's program video, drawn on a canvas
SAMPLE = """() => { const v = document.getElementById('program');
  if (!v.videoWidth) return null;
  const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
  const x = c.getContext('2d'); x.drawImage(v, 0, 0);
  return Array.from(x.getImageData(c.width >> 1, c.height >> 1, 1, 1).data.slice(0, 3)); }"""


def test_browser_guest_joins_and_both_sides_see_and_hear(backend: Live, browser: Browser) -> None:
    with backend.client("guide1") as g:
        sess = new_live_session(g, title="连麦浏览器测试")
        inv = _invite(g, sess["id"])
    host = Host(backend.url, backend.token("guide1"), sess["id"])
    host.start()
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    try:
        resp = page.goto(inv["join_url"])
        assert resp is not None and resp.status == 200
        assert page.locator("#title").inner_text() == "连麦浏览器测试"
        assert "小美" in page.locator("#who").inner_text()
        assert page.locator("#join").inner_text() == "加入连麦"
        page.fill("#name", "东门店 小李")
        page.click("#join")
        page.wait_for_selector("#state[data-state=connected]", timeout=25_000)
        assert page.locator("#state").inner_text().startswith("已连麦")
        colour: list[int] | None = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            colour = page.evaluate(SAMPLE)
            if colour and all(abs(a - b) < 40 for a, b in zip(colour, MAGENTA, strict=True)):
                break
            time.sleep(0.2)
        assert colour and all(abs(a - b) < 40 for a, b in zip(colour, MAGENTA, strict=True)), (
            f"the page's program shows {colour}, not the host's magenta"
        )
        _wait(
            "the guest's video and audio at the host",
            lambda: len(host.video) >= 30 and len(host.audio_rms) >= 100,
        )
        frames = np.stack(host.video[-30:])
        assert frames.std() > 10 and frames.max() > 100, "the guest's picture is blank"
        assert frames.shape[2] > frames.shape[1], "a landscape show gets a landscape guest"
        motion = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2))
        assert motion.max() > 0.5, "the guest's camera picture does not move"
        print(
            f"guest video: mean {frames.mean():.0f} std {frames.std():.0f} max {frames.max()}"
            f" motion {motion.max():.1f}; audio rms max {max(host.audio_rms):.0f}"
        )
        assert max(host.audio_rms) > 300, "no tone from the guest's microphone"
        with backend.client("guide1") as g:
            listed = g.get(f"/api/sessions/{sess['id']}/costream/guests").json()
        assert [(x["name"], x["state"]) for x in listed] == [("东门店 小李", "connected")]
        # the host hangs up: the page says so, offers again by itself (a rejoin, no new
        # use of the link) and is connected again
        host.drop_call()
        page.wait_for_selector("#state[data-state=reconnecting]", timeout=20_000)
        page.wait_for_selector("#state[data-state=connected]", timeout=25_000)
        assert [o["rejoin"] for o in host.offers] == [False, True]
        assert len({o["guest_id"] for o in host.offers}) == 1
        # mute myself, then leave: the host sees the guest gone
        page.click("#mute")
        assert page.locator("#mute").inner_text() == "取消静音"
        page.click("#leave")
        page.wait_for_selector("#state[data-state=left]")
        with backend.client("guide1") as g:
            listed = g.get(f"/api/sessions/{sess['id']}/costream/guests").json()
        assert [x["state"] for x in listed] == ["left"]
    finally:
        ctx.close()
        host.finish()
    assert host.error is None, host.error


def test_a_portrait_show_asks_the_guests_camera_for_an_upright_picture(
    backend: Live, browser: Browser
) -> None:
    """A 9:16 show's link asks the guest's camera for 360x640: the host gets an upright
    picture that fills a tall tile, not a 16:9 strip letterboxed in it."""
    with backend.client("guide1") as g:
        sess = new_live_session(g, title="竖屏连麦")
        inv = _invite(g, sess["id"], shape="portrait")
    assert inv["shape"] == "portrait"
    cfg = httpx.get(f"{backend.url}/join/{inv['token']}/config").json()
    assert cfg["video"] == {"width": 360, "height": 640}
    host = Host(backend.url, backend.token("guide1"), sess["id"])
    host.start()
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(inv["join_url"])
        page.fill("#name", "手机嘉宾")
        page.click("#join")
        page.wait_for_selector("#state[data-state=connected]", timeout=25_000)
        _wait("the guest's video at the host", lambda: len(host.video) >= 10)
        h, w = host.video[-1].shape
        assert h > w * 1.5, f"the guest sent {w * 8}x{h * 8}-ish, not an upright picture"
    finally:
        ctx.close()
        host.finish()
    assert host.error is None, host.error


def test_an_expired_link_shows_the_refusal_page(backend: Live, browser: Browser) -> None:
    with backend.client("guide1") as g:
        inv = _invite(g, new_live_session(g)["id"])
    # the link's hour is over (the row as the clock would leave it)
    with sqlite3.connect(backend.db) as db:  # type: ignore[arg-type]
        db.execute("UPDATE costream_invites SET expires_at=0 WHERE id=?", (inv["id"],))
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    try:
        resp = page.goto(inv["join_url"])
        assert resp is not None and resp.status == 410
        assert page.locator("h1").inner_text() == "连麦链接已过期"
        assert "请向导购索取新的连麦链接" in page.locator("p").inner_text()
        resp = page.goto(inv["join_url"] + "?lang=en")
        assert resp is not None and resp.status == 410
        assert page.locator("h1").inner_text() == "This co-stream link has expired"
    finally:
        ctx.close()


TURN_USER, TURN_PASSWORD = "studio", "turn-pass-7f3a9c"
TURN_SECRET = "turn-shared-secret-4be1d2"


def _coturn(tmp: Path, login: list[str]) -> Iterator[tuple[int, Path]]:
    """coturn (Debian's turnserver) on loopback with the given login options."""
    exe = shutil.which("turnserver")
    if exe is None:
        pytest.fail("coturn is missing: apt-get install -y coturn")
    port, low = free_port(), 49_000 + free_port() % 10_000
    log = tmp / "turn.log"
    cmd = [
        exe,
        "-n",
        "--listening-ip=127.0.0.1",
        f"--listening-port={port}",
        "--relay-ip=127.0.0.1",
        f"--min-port={low}",
        f"--max-port={low + 40}",
        *login,
        "--realm=studio.test",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--allow-loopback-peers",
        f"--pidfile={tmp / 'turn.pid'}",
        "--log-file=stdout",
        "--simple-log",
        "--verbose",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
    _wait(
        "coturn", lambda: "Total" in log.read_text(errors="replace") or proc.poll() is not None, 10
    )
    assert proc.poll() is None, log.read_text()[-2000:]
    yield port, log
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def turn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """coturn with one long-term user."""
    login = ["--lt-cred-mech", f"--user={TURN_USER}:{TURN_PASSWORD}"]
    yield from _coturn(tmp_path_factory.mktemp("coturn"), login)


@pytest.fixture(scope="module")
def turn_rest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """coturn taking logins minted from a shared secret, which expire (use-auth-secret)."""
    login = ["--use-auth-secret", f"--static-auth-secret={TURN_SECRET}"]
    yield from _coturn(tmp_path_factory.mktemp("coturn-rest"), login)


def _relayed_guest(backend: Live, browser: Browser, session_id: int, join_url: str) -> None:
    """An English-speaking Chromium guest joins through the link; the host gets its video."""
    host = Host(backend.url, backend.token("guide1"), session_id)
    host.start()
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        page.goto(join_url + "?lang=en")
        assert page.locator("#join").inner_text() == "Join co-stream"
        page.fill("#name", "Relay guest")
        page.click("#join")
        page.wait_for_selector("#state[data-state=connected]", timeout=25_000)
        _wait("the guest's video through the relay", lambda: len(host.video) >= 10)
    finally:
        ctx.close()
        host.finish()
    assert host.error is None, host.error


def test_relay_only_through_coturn(
    turn: tuple[int, Path], browser: Browser, tmp_path: Path
) -> None:
    port, turn_log = turn
    backend = start_backend(
        tmp_path,
        "--ice-server",
        f"turn:127.0.0.1:{port}",
        "--ice-relay-only",
        env={"STUDIO_TURN_USERNAME": TURN_USER, "STUDIO_TURN_PASSWORD": TURN_PASSWORD},
    )
    try:
        with backend.client("guide1") as g:
            sess = new_live_session(g, title="中继连麦")
            inv = _invite(g, sess["id"])
        cfg = httpx.get(f"{backend.url}/join/{inv['token']}/config").json()
        assert cfg["ice_transport_policy"] == "relay"
        assert cfg["ice_servers"] == [
            {"urls": [f"turn:127.0.0.1:{port}"], "username": TURN_USER, "credential": TURN_PASSWORD}
        ]
        _relayed_guest(backend, browser, sess["id"], inv["join_url"])
        text = turn_log.read_text(errors="replace")
        assert f"user <{TURN_USER}>" in text and "ALLOCATE processed, success" in text, text[-3000:]
        assert "CHANNEL_BIND processed, success" in text  # media went through the relay
    finally:
        stop_backend(backend)
    logs = "".join(f.read_text(errors="replace") for f in backend.logs.glob("*.log"))
    logs += backend.output()
    assert TURN_PASSWORD not in logs


def _allocates(port: int, username: str, credential: str) -> bool:
    """Whether coturn grants a relay allocation to this login (aioice's TURN client)."""
    from aioice.stun import TransactionFailed
    from aioice.turn import create_turn_endpoint

    async def attempt() -> bool:
        try:
            transport, _ = await create_turn_endpoint(
                asyncio.DatagramProtocol, ("127.0.0.1", port), username, credential
            )
        except TransactionFailed:
            return False
        transport.close()
        return True

    got: list[bool] = []  # on a thread of its own: Playwright's loop runs on this one
    runner = threading.Thread(
        target=lambda: got.append(asyncio.run(asyncio.wait_for(attempt(), 20)))
    )
    runner.start()
    runner.join(30)
    assert got, "the TURN allocation attempt did not finish"
    return got[0]


def test_relay_with_logins_that_expire(
    turn_rest: tuple[int, Path], browser: Browser, tmp_path: Path
) -> None:
    """With $STUDIO_TURN_SECRET each config hands out a login minted for it that coturn
    takes until it expires: a relay-only guest streams through it, an expired one is refused."""
    import base64
    import hashlib
    import hmac

    from studio.backend.costream import TURN_LOGIN_SECONDS, IceSettings

    port, turn_log = turn_rest
    backend = start_backend(
        tmp_path,
        "--ice-server",
        f"turn:127.0.0.1:{port}",
        "--ice-relay-only",
        env={"STUDIO_TURN_SECRET": TURN_SECRET},
    )
    try:
        with backend.client("guide1") as g:
            sess = new_live_session(g, title="中继连麦")
            inv = _invite(g, sess["id"])
        asked = time.time()
        cfg = httpx.get(f"{backend.url}/join/{inv['token']}/config").json()
        (server,) = cfg["ice_servers"]
        user, credential = server["username"], server["credential"]
        expiry, name = user.split(":")
        assert name == "studio" and abs(int(expiry) - (asked + TURN_LOGIN_SECONDS)) < 60
        mac = hmac.new(TURN_SECRET.encode(), user.encode(), hashlib.sha1).digest()
        assert credential == base64.b64encode(mac).decode() and TURN_SECRET not in str(cfg)
        _relayed_guest(backend, browser, sess["id"], inv["join_url"])
        text = turn_log.read_text(errors="replace")
        # the page fetched its own config, so its own login: one minted for it, unexpired
        used = {int(e) for e in re.findall(r"user <(\d+):studio>", text)}
        assert used and all(abs(e - (asked + TURN_LOGIN_SECONDS)) < 60 for e in used), text[-2000:]
        assert "ALLOCATE processed, success" in text and "CHANNEL_BIND processed, success" in text
        # what a guest's browser was handed stops being a key to the relay once it expires
        ice = IceSettings(auth_secret=TURN_SECRET)
        assert _allocates(port, *ice.login(now=time.time() - 60))  # still valid a minute on
        assert not _allocates(port, *ice.login(now=time.time() - TURN_LOGIN_SECONDS - 60))
        assert not _allocates(port, user, "not-the-credential")
    finally:
        stop_backend(backend)
    logs = "".join(f.read_text(errors="replace") for f in backend.logs.glob("*.log"))
    logs += backend.output()
    assert TURN_SECRET not in logs and credential not in logs
