"""连麦 glass-to-glass: a guest studio's test source to the host's program, on loopback.

Two pipelines in this process, one WebRTC connection between them (aiortc, VP8 and
Opus, loopback ICE, signalling handed over directly). The guest's test pattern
burns its frame number into every picture (``read_frame_code``); the frame's
capture time is known from the pattern's own clock. Measured twice on the host:
when the decoded frame lands in the guest's source (network + codec + jitter
buffer) and when a program frame composed by the host's output clock first shows
it (what viewers get, before the host's own encode to the platforms). And the way
back: the host's own pattern, read off the program the guest receives (what the
guest watches while talking).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from studio.config import Profile
from studio.costream import rtc_loop
from studio.costream.guest import StudioGuest
from studio.costream.host import CoHost
from studio.costream.layouts import tiles
from studio.media.engine import Pipeline
from studio.media.frame import Frame, fit_rect, planes
from studio.media.sources.test_pattern import TestPatternSource, read_frame_code


def _ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    a = np.asarray(values) * 1000
    return {
        "p50_ms": float(np.percentile(a, 50)),
        "p95_ms": float(np.percentile(a, 95)),
        "max_ms": float(a.max()),
    }


def run_costream(seconds: float, step: Callable[[str], None]) -> dict[str, Any]:
    profile = Profile(width=640, height=360, fps=30)
    host, guest_pipe = Pipeline(profile), Pipeline(profile)
    host_pattern = TestPatternSource(640, 360, 30, caption="HOST")
    host.add_source(host_pattern)
    pattern = TestPatternSource(640, 360, 30, caption="GUEST")
    guest_pipe.add_source(pattern)
    at_source: list[float] = []
    on_program: list[float] = []
    at_guest: list[float] = []  # the host's own picture, back at the guest (what it watches)
    lock = threading.Lock()
    seen_program = -1
    r0, r = tiles("side", 2, 640, 360)
    fx, fy, fw, fh = fit_rect(640, 360, r.w, r.h)

    def tile_code(y_plane: np.ndarray, t: Any) -> int | None:
        part = y_plane[t.y + fy : t.y + fy + fh, t.x + fx : t.x + fx + fw]
        return read_frame_code(cv2.resize(part, (640, 360), interpolation=cv2.INTER_LINEAR))

    def captured(k: int) -> float:
        return pattern.t0 + k / pattern.fps

    def program_tap(n: int, frame: np.ndarray, _b: Any, _bs: Any) -> None:
        nonlocal seen_program
        k = tile_code(planes(frame, 640, 360)[0], r)
        if k is not None and k > seen_program:
            seen_program = k
            with lock:
                on_program.append(time.monotonic() - captured(k))

    host.start()
    guest_pipe.start()
    cohost = CoHost(host, layout="side")
    guest = StudioGuest(guest_pipe, "bench")
    guest.start()
    try:
        step("costream: connecting two studios over WebRTC on loopback")
        offer = rtc_loop.run(guest.make_offer())
        answer = rtc_loop.run(cohost.answer_offer(1, "bench", offer))
        rtc_loop.run(guest.accept_answer(answer))
        src = cohost.guests[1].source
        deadline = time.monotonic() + 20
        while src.state != "live" and time.monotonic() < deadline:
            time.sleep(0.05)
        if src.state != "live":
            return {"skipped": "the guest's picture never arrived"}
        time.sleep(1.0)  # past the first keyframe and the jitter buffer's start
        original_put = src.slot.put

        def put(frame: Frame) -> None:
            original_put(frame)
            k = read_frame_code(planes(frame.data, frame.width, frame.height)[0])
            if k is not None:
                with lock:
                    at_source.append(time.monotonic() - captured(k))

        src.slot.put = put  # type: ignore[method-assign]
        back_put = guest.host.slot.put

        def back(frame: Frame) -> None:
            back_put(frame)
            if (frame.width, frame.height) != (640, 360):
                return
            k = tile_code(planes(frame.data, 640, 360)[0], r0)
            if k is not None:
                with lock:
                    at_guest.append(time.monotonic() - (host_pattern.t0 + k / 30))

        guest.host.slot.put = back  # type: ignore[method-assign]
        host.program_taps.append(program_tap)
        step(f"costream: measuring for {seconds:g} s")
        time.sleep(seconds)
        host.program_taps.remove(program_tap)
        src.slot.put = original_put  # type: ignore[method-assign]
    finally:
        guest.close()
        cohost.close()
        host.stop()
        guest_pipe.stop()
    with lock:
        return {
            "size": "640x360@30 (sent as is)",
            "frames": len(at_source),
            "to_host_source": _ms(at_source),
            "to_host_program": _ms(on_program),
            "program_frames": len(on_program),
            "host_to_guest": _ms(at_guest),
            "host_to_guest_frames": len(at_guest),
        }
