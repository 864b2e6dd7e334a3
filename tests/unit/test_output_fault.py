"""One output's own fault fails that output alone: the recording and the rest keep going."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av

from studio.config import Profile
from studio.media.encoder import EncodedPacket
from studio.media.engine import Pipeline
from studio.media.outputs.base import Output
from studio.media.sources import open_source


class _Faulty(Output):
    """Takes a second of packets, then its queue policy raises (a bug in an output)."""

    kind = "faulty"

    def __init__(self) -> None:
        super().__init__("faulty")
        self.taken = 0
        self.wound_down = False

    def _admit(self, packet: EncodedPacket) -> None:
        self.taken += 1
        if packet.kind == "video" and self.taken > 40:
            raise ValueError("a bug in this output's queue policy")

    def _run(self) -> None:
        """A connection loop: takes what is queued until stopped, then "reconnects"."""
        self._set_state("live")
        while not self._stop.is_set():
            self._next(0.05)
        self.wound_down = True
        self._set_state("live")  # a loop winding down must not bring a crashed output back


def test_an_output_that_raises_on_the_encode_thread_fails_alone(tmp_path: Path) -> None:
    p = Pipeline(Profile(width=320, height=180, fps=15))
    p.add_source(open_source("test", 320, 180, 15))
    faulty = p.add_output(_Faulty())
    rec = p.add_recorder(tmp_path / "show.mkv")
    p.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and faulty.state != "failed":
            time.sleep(0.05)
        assert faulty.state == "failed" and "ValueError" in faulty.reason
        assert faulty.message is not None and faulty.message.id == "output.internal_error"
        after_fault, taken = rec.stats.video_frames_sent, faulty.taken
        time.sleep(2.0)  # two more seconds of show
        assert rec.stats.video_frames_sent >= after_fault + 15  # still recording, at rate
        # the faulty one takes nothing more, its own thread has ended, and it stays failed
        assert faulty.taken == taken and faulty.wound_down
        assert faulty._thread is not None and not faulty._thread.is_alive()
        assert faulty.state == "failed"
        assert p.counters.encoded > 40
    finally:
        p.stop()
    with av.open(str(tmp_path / "show.mkv")) as c:  # the file plays to its end
        frames = sum(1 for _ in c.decode(video=0))
    assert frames >= rec.stats.video_frames_sent - 2


class _Counting(Output):
    """Counts what it is handed; ``leave`` takes it out of the pipeline as it is handed
    packets (another thread removing it at the worst moment)."""

    kind = "counting"

    def __init__(self, name: str, pipeline: Pipeline, leave: bool = False) -> None:
        super().__init__(name)
        self.pipeline, self.leave, self.got = pipeline, leave, 0

    def send_all(self, packets: list[EncodedPacket]) -> None:
        self.got += len(packets)
        if self.leave and self in self.pipeline.outputs:
            self.pipeline.outputs.remove(self)

    def _run(self) -> None:
        self._stop.wait()


def test_an_output_removed_while_packets_go_out_costs_the_others_nothing() -> None:
    p = Pipeline(Profile(width=320, height=180, fps=15))
    leaving = _Counting("leaving", p, leave=True)
    staying = _Counting("staying", p)
    p.outputs.extend([leaving, staying])
    packet = EncodedPacket("video", b"\x00", 0, 0, Fraction(1, 15), True, 1)
    p._fan_out([packet])
    assert leaving.got == 1 and staying.got == 1  # the one after it still got the packet
    assert p.outputs == [staying]
