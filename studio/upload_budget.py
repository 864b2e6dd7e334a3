"""The upload budget: does every destination's bitrate fit in the uplink measured earlier?

One encode feeds every destination, but each destination is its own upload: N platforms
at B kb/s need N x B of the uplink. The auto-configuration measures what the uplink
carried (:func:`studio.bench.autoconfig.upload_kbps`) and :func:`remember_upload` keeps
that figure in ``upload.json`` in the config directory; before going live the window and
``studio live`` compare the total against the same share of it the auto-configuration
leaves for video (the rest is headroom for audio, retransmits and the guide's own use).
A figure measured against the local test server (loopback) says nothing about the real
uplink and is not used.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from studio.config import Profile, config_dir
from studio.messages import Message

log = logging.getLogger(__name__)

SHARE = 0.75  # of the measured upload; the auto-configuration's UPLOAD_SHARE
FILE = "upload.json"


@dataclass(frozen=True)
class Measured:
    kbps: float
    at: float  # unix time of the measurement
    loopback: bool = False


@dataclass(frozen=True)
class OverBudget:
    """What the destinations need and what the uplink allows, in kb/s."""

    need_kbps: int
    destinations: int
    each_kbps: int
    upload_kbps: int
    allowed_kbps: int

    def message(self) -> Message:
        return Message(
            "budget.over",
            {
                "need": self.need_kbps,
                "n": self.destinations,
                "each": self.each_kbps,
                "upload": self.upload_kbps,
                "allowed": self.allowed_kbps,
            },
        )


def _path(folder: Path | None) -> Path:
    return (folder or config_dir()) / FILE


def remember_upload(kbps: float, loopback: bool, folder: Path | None = None) -> Path:
    """Keep the auto-configuration's measured upload for later budget checks."""
    path = _path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"upload_kbps": round(kbps, 1), "measured_at": time.time(), "loopback": loopback}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def measured_upload(folder: Path | None = None) -> Measured | None:
    """The last measured upload, or None (never measured, unreadable, or loopback only)."""
    try:
        data = json.loads(_path(folder).read_text(encoding="utf-8"))
        got = Measured(
            float(data["upload_kbps"]), float(data["measured_at"]), bool(data["loopback"])
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("measured upload not read (%s): no budget check", exc)
        return None
    return None if got.loopback or got.kbps <= 0 else got


def check(profile: Profile, destinations: int, upload: Measured | None) -> OverBudget | None:
    """An :class:`OverBudget` when ``destinations`` x the profile's bitrate exceeds the share."""
    if upload is None or destinations <= 0:
        return None
    each = (profile.video_bitrate + profile.audio_bitrate) // 1000
    need = each * destinations
    allowed = int(upload.kbps * SHARE)
    if need <= allowed:
        return None
    return OverBudget(need, destinations, each, round(upload.kbps), allowed)
