"""One audio ring played on the computer's sound output (PortAudio through sounddevice).

Optional by design: a laptop may have no output device, or a CI machine no PortAudio
at all; then nothing plays and ``note`` says why, once. The manager's wall plays its
focused tile with it; 连麦 the guests' voices in the guide's headphones.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from studio.media.audio import CHANNELS, SAMPLE_RATE, AudioRing

log = logging.getLogger(__name__)


class RingPlayer:
    """Plays whichever ring is set; silence when none.

    ``note`` (a message-catalogue id, or "") says why there is no sound; a window words it.
    """

    no_device_note = "playback.no_device"
    off_note = "playback.off"

    def __init__(self, enabled: bool = True, what: str = "sound") -> None:
        self._ring: AudioRing | None = None
        self._lock = threading.Lock()
        self._stream = None
        self.note = ""
        if not enabled:
            self.note = self.off_note
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
            log.info("%s: no sound output (%s)", what, exc)
            self._stream = None
            self.note = self.no_device_note

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
                log.debug("closing the sound output: %s", exc)
            self._stream = None
