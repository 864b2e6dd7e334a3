"""The show on air, without a window: its parts and how they are put together.

``attach`` builds a show's sound, overlays, cues and links (for ``studio live``,
``studio rehearse`` and desktop takes alike); ``outputs`` holds a live's
destinations and recording; ``show`` runs a script on the media clock. The
desktop's :class:`studio.app.StudioApp` is composed of these parts.
"""

from studio.onair.attach import attach_audio, attach_show, commerce_links, take_session_people

__all__ = ["attach_audio", "attach_show", "commerce_links", "take_session_people"]
