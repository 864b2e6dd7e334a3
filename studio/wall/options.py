"""How the manager asked for the wall: typed options, checked once, read by the window.

``studio wall`` builds these from its flags (``studio.commands.wall``); the window
(``ui.wall.app``) and tests build them directly, so neither the window nor the
rules here know about ``argparse``. Problems are ``UserError`` naming the flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.errors import UserError
from studio.wall.alerts import AlertRules
from studio.wall.model import StoreInfo
from studio.wall.streams import load_streams

# settings that must be > 0; an error names the flag the user typed (--drop-seconds)
_POSITIVE = ("drop_seconds", "max_drop_rate", "no_orders_minutes", "stale_seconds")


@dataclass(frozen=True)
class WallOptions:
    """The wall's settings; defaults are the CLI's."""

    backend: str | None = None  # commerce backend URL; None = stream list only
    user: str = "manager"  # backend login
    region: int | None = None  # None = the user's own region
    streams: Path | None = None  # name + URL per line (studio.wall.streams)
    audio: bool = True  # play the focused store's sound
    alert_sound: bool = False  # beep when an alert is raised
    drop_seconds: float = 30.0  # alert when a live store is lost this long
    max_drop_rate: float = 5.0  # alert above this dropped-frame percentage
    no_orders_minutes: float = 10.0  # alert when a live session sells nothing this long
    stale_seconds: float = 5.0  # a picture older than this is amber

    def __post_init__(self) -> None:
        # checked before the password is asked for: a typo is not worth a login
        if self.backend is not None and not self.backend.strip().startswith(
            ("http://", "https://")
        ):
            raise UserError(
                f"--backend {self.backend!r} is not an http(s) URL",
                "write it like http://127.0.0.1:8700",
            )
        for name in _POSITIVE:
            if getattr(self, name) <= 0:
                raise UserError(f"--{name.replace('_', '-')} must be positive", "give a number > 0")

    def rules(self) -> AlertRules:
        return AlertRules(
            drop_after=self.drop_seconds,
            max_drop_rate=self.max_drop_rate / 100,
            no_orders_after=self.no_orders_minutes * 60,
        )

    def stream_stores(self) -> list[StoreInfo]:
        """The ``--streams`` file's stores (reads the file: a bad one raises ``UserError``)."""
        if self.streams is None:
            return []
        return [
            StoreInfo(key=f"stream:{e.name}", name=e.name, url=e.url)
            for e in load_streams(self.streams)
        ]
