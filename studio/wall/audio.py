"""The focused tile's sound: one PortAudio output playing one decoder's ring.

Optional by design: a manager's laptop may have no output device (or the CI
box no PortAudio at all); then the wall stays silent and says so once.
"""

from __future__ import annotations

from studio.media.playback import RingPlayer


class FocusAudio(RingPlayer):
    """The wall's player: its notes are the wall's messages."""

    no_device_note = "wall.no_audio"
    off_note = "wall.audio_off"

    def __init__(self, enabled: bool = True) -> None:
        super().__init__(enabled, what="wall audio")
