"""The program tap costs nothing without guests and sends the viewers' picture only."""

from __future__ import annotations

import numpy as np

from studio.config import Profile
from studio.costream import rtc_loop
from studio.costream.program_tracks import ProgramFeed, send_size
from studio.media.audio import AudioRing
from studio.media.compositor import SolidLayer
from studio.media.engine import Pipeline
from studio.media.frame import blank, planes

P = Profile(width=1280, height=720, fps=30)


def test_the_tap_is_registered_only_while_a_track_listens() -> None:
    pipe = Pipeline(P)
    feed = ProgramFeed(pipe)
    assert pipe.program_taps == []
    video = feed.video_track()
    audio = feed.audio_track("g1", None)
    assert pipe.program_taps == [feed]
    video.stop()
    assert pipe.program_taps == [feed]  # the audio still listens
    audio.stop()
    assert pipe.program_taps == []


def test_video_track_sends_the_program_downscaled_not_the_guide_layers() -> None:
    pipe = Pipeline(P)
    pipe.scene.program.append(SolidLayer(name="bg", rgb=(20, 200, 20)))
    pipe.scene.guide.append(SolidLayer(name="notes", rgb=(250, 0, 0)))  # guide-only
    feed = ProgramFeed(pipe)
    track = feed.video_track()
    program, _preview = pipe.compositor.render(pipe.scene, with_guide=True)
    feed(1, program, np.zeros((1600, 2), np.float32), {})
    frame = rtc_loop.run(track.recv())
    track.stop()
    assert (frame.width, frame.height) == send_size(1280, 720) == (640, 360)
    y = frame.to_ndarray()[:360]
    assert abs(float(y.mean()) - float(planes(blank(2, 2, (20, 200, 20)), 2, 2)[0].mean())) < 3


def test_mix_minus_takes_out_only_that_guests_own_block() -> None:
    pipe = Pipeline(P)
    feed = ProgramFeed(pipe)
    own = AudioRing("guest")
    track = feed.audio_track("g1", own)
    host_part = np.full((1600, 2), 0.25, np.float32)
    guest_part = np.full((1600, 2), 0.5, np.float32)
    for _ in range(3):
        feed(1, blank(P.width, P.height), host_part + guest_part, {own: guest_part})
    got = track.ring.read(1600)
    track.stop()
    assert got is not None and np.allclose(got, 0.25)
