"""Two studios in one process over WebRTC on loopback (signalling handed over directly).

The host's program gets the guest's picture in the layout with its name tag and
the guest's voice; the guest receives the host's program and a mix-minus: the
host's tone without the guest's own.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from studio.config import Profile
from studio.costream import rtc_loop
from studio.costream.guest import StudioGuest
from studio.costream.host import CoHost
from studio.media.audio import AudioRing
from studio.media.compositor import TextLayer
from studio.media.engine import Pipeline
from tests.costream.media import ToneSource, mean_yuv, near, tone_level

P = Profile(width=640, height=360, fps=20)
GREEN, MAGENTA = (30, 200, 40), (220, 40, 200)
HOST_HZ, GUEST_HZ = 440.0, 1500.0


def wait_for(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class ProgramCapture:
    """A program tap that keeps the newest frame and the last seconds of program sound."""

    def __init__(self, seconds: float = 1.0) -> None:
        self.frame: np.ndarray | None = None
        self._audio: list[np.ndarray] = []
        self._keep = int(48_000 * seconds)
        self._lock = threading.Lock()

    def __call__(self, n, frame, block, blocks) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self.frame = frame
            self._audio.append(block)
            while sum(len(b) for b in self._audio) > self._keep + len(self._audio[0]):
                self._audio.pop(0)

    def audio(self) -> np.ndarray:
        with self._lock:
            return np.concatenate(self._audio)[-self._keep :]


@pytest.fixture
def pair():  # type: ignore[no-untyped-def]
    host_pipe, guest_pipe = Pipeline(P), Pipeline(P)
    host_pipe.add_source(ToneSource("host", GREEN, HOST_HZ, P.width, P.height, P.fps))
    guest_pipe.add_source(ToneSource("guest", MAGENTA, GUEST_HZ, P.width, P.height, P.fps))
    host_pipe.start()
    guest_pipe.start()
    cohost = CoHost(host_pipe, layout="side")
    guest = StudioGuest(guest_pipe, "东门店 小李")
    guest.start()
    yield host_pipe, guest_pipe, cohost, guest
    guest.close()
    cohost.close()
    host_pipe.stop()
    guest_pipe.stop()


def connect(cohost: CoHost, guest: StudioGuest, guest_id: int = 7) -> None:
    offer = rtc_loop.run(guest.make_offer())
    answer = rtc_loop.run(cohost.answer_offer(guest_id, guest.name, offer))
    rtc_loop.run(guest.accept_answer(answer))


def test_guest_on_the_host_program_and_mix_minus(pair) -> None:  # type: ignore[no-untyped-def]
    host_pipe, _guest_pipe, cohost, guest = pair
    cap = ProgramCapture()
    host_pipe.program_taps.append(cap)
    connect(cohost, guest)
    peer = cohost.guests[7]
    wait_for(lambda: peer.source.state == "live", 20, "the guest's picture at the host")

    # the program: host on the left half, the guest (magenta) on the right, a name tag
    def program_shows_both() -> bool:
        f = cap.frame
        if f is None:
            return False
        left = mean_yuv(f, P.width, P.height, 40, 120, 280, 240)
        right = mean_yuv(f, P.width, P.height, 360, 140, 600, 200)
        return near(left, GREEN) and near(right, MAGENTA)

    wait_for(program_shows_both, 15, "both pictures side by side on the host's program")
    tag = host_pipe.scene.find("costream:tag:7")
    assert isinstance(tag, TextLayer) and tag.text == "东门店 小李"
    assert tag.x >= P.width // 2  # on the guest's half

    # the host's program sound carries both tones
    wait_for(
        lambda: tone_level(cap.audio(), GUEST_HZ) > 0.1, 10, "the guest's voice in the program"
    )
    prog = cap.audio()
    assert tone_level(prog, HOST_HZ) > 0.1

    # what the guest receives: the host's program (green on its left half) ...
    def guest_sees_host() -> bool:
        fr = guest.host.slot.peek()
        if fr is None:
            return False
        return near(mean_yuv(fr.data, fr.width, fr.height, 40, 120, 280, 240), GREEN)

    wait_for(guest_sees_host, 15, "the host's program at the guest")
    # ... and its sound: the host's tone, not the guest's own (mix-minus)
    ring: AudioRing = guest.host.audio  # type: ignore[assignment]
    ring.reset()
    wait_for(lambda: ring.buffered_seconds >= 0.2, 10, "the host's sound at the guest")
    got = ring.read(int(48_000 * 0.2))
    assert got is not None
    assert tone_level(got, HOST_HZ) > 0.3, "the host's tone should reach the guest"
    assert tone_level(got, GUEST_HZ) < 0.01, "the guest must not hear itself (mix-minus)"


def test_nothing_reaches_the_program_before_put_on_and_mute_remove(pair) -> None:  # type: ignore[no-untyped-def]
    host_pipe, _g, cohost, guest = pair
    cohost.on_air_mode = "manual"
    cap = ProgramCapture()
    host_pipe.program_taps.append(cap)
    connect(cohost, guest, guest_id=3)
    peer = cohost.guests[3]
    wait_for(lambda: peer.source.state == "live", 20, "the guest's picture at the host")
    time.sleep(1.0)
    f = cap.frame
    assert f is not None and near(mean_yuv(f, P.width, P.height, 360, 140, 600, 200), GREEN)
    assert tone_level(cap.audio(), GUEST_HZ) < 0.01  # off air: not heard either
    assert host_pipe.scene.find("costream:video:3") is None

    cohost.put_on(3)
    wait_for(lambda: tone_level(cap.audio(), GUEST_HZ) > 0.1, 10, "the guest on air")
    cohost.mute(3)
    wait_for(lambda: tone_level(cap.audio(), GUEST_HZ) < 0.01, 10, "the guest muted")
    assert host_pipe.scene.find("costream:video:3") is not None  # muted, still pictured
    cohost.remove(3)
    assert host_pipe.scene.find("costream:video:3") is None
    assert 3 not in cohost.guests
    wait_for(
        lambda: (
            cap.frame is not None
            and near(mean_yuv(cap.frame, P.width, P.height, 360, 140, 600, 200), GREEN)
        ),
        5,
        "the host alone full frame again",
    )


def test_the_guide_hears_the_guest_off_air_and_on_not_the_program(pair) -> None:  # type: ignore[no-untyped-def]
    """The monitor (the guide's headphones): a conversation before and while on air, the
    guide's own tone never in it, a muted guest silent."""
    _h, _g, cohost, guest = pair
    cohost.on_air_mode = "manual"
    monitor = cohost.monitor()
    connect(cohost, guest, guest_id=5)
    peer = cohost.guests[5]
    wait_for(lambda: peer.source.state == "live", 20, "the guest's picture at the host")

    def heard(seconds: float = 0.2) -> np.ndarray:
        monitor.reset()
        wait_for(lambda: monitor.buffered_seconds >= seconds, 10, "sound on the monitor")
        got = monitor.read(int(48_000 * seconds))
        assert got is not None
        return got

    wait_for(lambda: tone_level(heard(), GUEST_HZ) > 0.1, 10, "the guest, off air, heard")
    assert tone_level(heard(), HOST_HZ) < 0.01, "the guide must not hear the program back"
    cohost.put_on(5)
    wait_for(lambda: tone_level(heard(), GUEST_HZ) > 0.1, 10, "the guest, on air, heard")
    assert tone_level(heard(), HOST_HZ) < 0.01
    cohost.mute(5)
    wait_for(lambda: tone_level(heard(), GUEST_HZ) < 0.01, 10, "a muted guest silent")


def test_a_dropped_guest_gets_the_slate_and_a_rejoin_brings_the_picture_back(pair) -> None:  # type: ignore[no-untyped-def]
    host_pipe, _g, cohost, guest = pair
    cap = ProgramCapture()
    host_pipe.program_taps.append(cap)
    connect(cohost, guest, guest_id=9)
    src = cohost.guests[9].source
    wait_for(lambda: src.state == "live", 20, "the guest's picture at the host")
    wait_for(
        lambda: (
            cap.frame is not None
            and near(mean_yuv(cap.frame, P.width, P.height, 360, 140, 600, 200), MAGENTA)
        ),
        10,
        "the guest on the program",
    )
    rendered0, t0 = host_pipe.counters.rendered, time.monotonic()
    rtc_loop.run(guest._drop())  # the guest's connection is gone
    dropped = time.monotonic()
    wait_for(lambda: src.state == "lost", 3.0, "the slate within 3 s")
    # the slate (a dark card, not the guest's magenta) is on the guest's tile
    wait_for(
        lambda: (
            cap.frame is not None
            and mean_yuv(cap.frame, P.width, P.height, 360, 140, 600, 200)[0] < 60
        ),
        3.0 - (time.monotonic() - dropped),
        "the slate on the program",
    )
    elapsed = time.monotonic() - t0
    # the host's output kept its rate meanwhile (20 fps; a loaded machine may lose a few)
    assert host_pipe.counters.rendered - rendered0 >= 0.8 * P.fps * elapsed
    connect(cohost, guest, guest_id=9)  # the rejoin: same guest, same tile
    wait_for(lambda: src.state == "live", 20, "the guest back after the rejoin")
    assert list(cohost.guests) == [9]


def test_relay_only_through_a_local_coturn(coturn) -> None:  # type: ignore[no-untyped-def]
    """Both peers with relay-only ICE: every candidate is a TURN relay; media still flows."""
    server = {k: coturn[k] for k in ("urls", "username", "credential")}
    host_pipe, guest_pipe = Pipeline(P), Pipeline(P)
    host_pipe.add_source(ToneSource("host", GREEN, HOST_HZ, P.width, P.height, P.fps))
    guest_pipe.add_source(ToneSource("guest", MAGENTA, GUEST_HZ, P.width, P.height, P.fps))
    host_pipe.start()
    guest_pipe.start()
    cohost = CoHost(host_pipe, ice_servers=[server], ice_policy="relay")  # type: ignore[list-item]
    guest = StudioGuest(guest_pipe, "relay", ice_servers=[server], ice_policy="relay")  # type: ignore[list-item]
    guest.start()
    try:
        offer = rtc_loop.run(guest.make_offer())
        answer = rtc_loop.run(cohost.answer_offer(1, "relay", offer))
        rtc_loop.run(guest.accept_answer(answer))
        for sdp in (offer["sdp"], answer["sdp"]):
            cands = [ln for ln in sdp.splitlines() if ln.startswith("a=candidate")]
            assert cands and all(" typ relay" in ln for ln in cands), cands
        src = cohost.guests[1].source
        wait_for(lambda: src.state == "live", 30, "the guest's picture through the relay")
        wait_for(lambda: guest.host.slot.peek() is not None, 20, "the host's program through it")
        log = (coturn["log"] / "turn.log").read_text(errors="replace")  # type: ignore[operator]
        assert "ALLOCATE" in log.upper(), "coturn saw no allocation"
    finally:
        guest.close()
        cohost.close()
        host_pipe.stop()
        guest_pipe.stop()


def test_two_guests_hear_the_host_and_each_other_but_not_themselves() -> None:
    hz = {"host": 440.0, "a": 1500.0, "b": 2600.0}
    colours = {"host": GREEN, "a": MAGENTA, "b": (240, 200, 20)}
    pipes = {k: Pipeline(P) for k in hz}
    for k, pipe in pipes.items():
        pipe.add_source(ToneSource(k, colours[k], hz[k], P.width, P.height, P.fps))
        pipe.start()
    cohost = CoHost(pipes["host"], layout="side")
    guests = {k: StudioGuest(pipes[k], f"嘉宾{k}") for k in ("a", "b")}
    cap = ProgramCapture()
    pipes["host"].program_taps.append(cap)
    try:
        for i, (_k, g) in enumerate(guests.items(), start=1):
            g.start()
            connect(cohost, g, guest_id=i)
        wait_for(
            lambda: all(p.source.state == "live" for p in cohost.guests.values()), 20, "both guests"
        )
        # three pictures side by side: host, a, b
        third = P.width // 3

        def three() -> bool:
            f = cap.frame
            return f is not None and all(
                near(
                    mean_yuv(f, P.width, P.height, i * third + 30, 160, (i + 1) * third - 30, 200),
                    c,
                )
                for i, c in enumerate(colours.values())
            )

        wait_for(three, 15, "host, a and b side by side on the program")
        for k, g in guests.items():
            ring: AudioRing = g.host.audio  # type: ignore[assignment]
            other = "b" if k == "a" else "a"

            def heard(ring: AudioRing = ring, other: str = other) -> bool:
                ring.reset()
                wait_for(lambda: ring.buffered_seconds >= 0.2, 10, "sound at the guest")
                got = ring.read(int(48_000 * 0.2))
                return got is not None and tone_level(got, hz[other]) > 0.1

            wait_for(heard, 15, f"guest {k} hearing guest {other}")
            ring.reset()
            wait_for(lambda r=ring: r.buffered_seconds >= 0.2, 10, "sound at the guest")
            got = ring.read(int(48_000 * 0.2))
            assert got is not None
            assert tone_level(got, hz["host"]) > 0.1, f"guest {k} should hear the host"
            assert tone_level(got, hz[other]) > 0.1, f"guest {k} should hear guest {other}"
            assert tone_level(got, hz[k]) < 0.01, f"guest {k} must not hear itself"
    finally:
        for g in guests.values():
            g.close()
        cohost.close()
        for pipe in pipes.values():
            pipe.stop()
