"""A microphone through sounddevice (PortAudio) into an audio ring.

sounddevice was chosen over PyAV's device formats because it lists and opens
microphones by the same human names on Windows, macOS and Linux; PyAV would
need dshow, avfoundation and alsa/pulse handled one by one.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from studio.errors import UserError
from studio.media.audio import SAMPLE_RATE, AudioRing
from studio.media.devices import list_microphones

log = logging.getLogger(__name__)


class MicrophoneInput:
    def __init__(self, name_or_index: str) -> None:
        mics = list_microphones()
        chosen = None
        for m in mics:
            if name_or_index == str(m.index) or name_or_index.casefold() in m.name.casefold():
                chosen = m
                break
        if name_or_index in ("", "default"):
            chosen = next((m for m in mics if m.is_default), mics[0] if mics else None)
        if chosen is None:
            names = ", ".join(m.name for m in mics) or "none found"
            raise UserError(
                f"no microphone matches {name_or_index!r}",
                f"run `studio devices` to see them (here: {names})",
            )
        self.device = chosen
        self.ring = AudioRing(f"mic:{chosen.name}", target=0.04)
        self._stream: Any = None

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status:
            log.debug("microphone status: %s", status)
        self.ring.write(indata.copy())

    def start(self) -> None:
        import sounddevice as sd

        self._stream = sd.InputStream(
            device=self.device.index,
            samplerate=SAMPLE_RATE,
            channels=min(2, self.device.channels),
            dtype="float32",
            blocksize=480,
            callback=self._callback,
        )
        self._stream.start()

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
