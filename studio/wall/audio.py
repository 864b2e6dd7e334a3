"""The focused tile's sound: one PortAudio output playing one decoder's ring.

Optional by design: a manager's laptop may have no output device (or the CI
box no PortAudio at all); then the wall stays silent and says so once.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from studio.media.audio import CHANNELS, SAMPLE_RATE, AudioRing

log = logging.getLogger(__name__)


class FocusAudio:
    """Plays whichever ring is set; silence when none.

    ``note`` (a catalogue id, or "") says why there is no sound; the window words it.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._ring: AudioRing | None = None
        self._lock = threading.Lock()
        self._stream = None
        self.note = ""
        if not enabled:
            self.note = "wall.audio_off"
            return
        try:
            import sounddevice as sd

            self._stream = sd.OutputStream(
                samplerate=SAMPLE_RATE,
                channels=CHANNELS,
                dtype="float32",
                blocksize=960,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # no PortAudio, no device, device busy: all mean "silent"
            log.info("wall audio unavailable: %s", exc)
            self._stream = None
            self.note = "wall.no_audio"

    @property
    def available(self) -> bool:
        return self._stream is not None

    def play(self, ring: AudioRing | None) -> None:
        with self._lock:
            self._ring = ring

    @property
    def ring(self) -> AudioRing | None:
        return self._ring

    def _callback(self, outdata: np.ndarray, frames: int, _time: object, _status: object) -> None:
        with self._lock:
            ring = self._ring
        block = ring.read(frames) if ring is not None else None
        if block is None:
            outdata.fill(0)
        else:
            outdata[:] = block

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as exc:
                log.debug("closing wall audio: %s", exc)
            self._stream = None
