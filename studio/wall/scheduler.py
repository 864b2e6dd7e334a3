"""Which tiles decode, and how hard: the wall's cost model.

Only tiles on the current page have decoders; a tile scrolled or paged away is
torn down. The focused tile decodes everything with audio; large tiles decode
everything at a reduced conversion rate; small ones keyframes only. The pool
stops decoders without waiting (a pull blocked in a network read may take its
read timeout to notice), and reaps them on a background thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from studio.wall.decoder import DecodeSpec, TileDecoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """A tile on the current page: its store key, URL and on-screen picture size."""

    key: str
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class CostPolicy:
    full_min_width: int = 480  # a tile at least this wide decodes every frame
    large_fps: float = 15.0  # conversions per second for a large, unfocused tile
    focus_fps: float = 30.0


def plan(
    tiles: Iterable[Placement], focused: str | None, policy: CostPolicy | None = None
) -> dict[str, DecodeSpec]:
    """key -> what its decoder should do."""
    p = policy or CostPolicy()
    out: dict[str, DecodeSpec] = {}
    for t in tiles:
        w, h = max(2, t.width), max(2, t.height)
        if t.key == focused:
            out[t.key] = DecodeSpec("full", w, h, p.focus_fps, audio=True)
        elif t.width >= p.full_min_width:
            out[t.key] = DecodeSpec("full", w, h, p.large_fps)
        else:
            out[t.key] = DecodeSpec("key", w, h)
    return out


Factory = Callable[[str, str, DecodeSpec], TileDecoder]


class DecoderPool:
    """Keeps exactly the planned decoders running; a URL change restarts one."""

    def __init__(self, factory: Factory | None = None) -> None:
        self._factory: Factory = factory or TileDecoder
        self.decoders: dict[str, TileDecoder] = {}
        self.started = 0
        self.torn_down = 0
        self._reaping: list[TileDecoder] = []

    def apply(
        self, tiles: Iterable[Placement], focused: str | None, policy: CostPolicy | None = None
    ) -> None:
        tiles = list(tiles)
        specs = plan(tiles, focused, policy)
        urls = {t.key: t.url for t in tiles}
        for key in list(self.decoders):
            if key not in specs or self.decoders[key].url != urls[key]:
                self._retire(self.decoders.pop(key))
        for key, spec in specs.items():
            dec = self.decoders.get(key)
            if dec is None:
                dec = self._factory(key, urls[key], spec)
                self.decoders[key] = dec
                dec.start()
                self.started += 1
            elif dec.spec != spec:
                dec.set_spec(spec)

    def get(self, key: str) -> TileDecoder | None:
        return self.decoders.get(key)

    def _retire(self, dec: TileDecoder) -> None:
        dec.stop()  # no join here: this runs on the GUI thread
        self.torn_down += 1
        self._reaping = [d for d in self._reaping if d.alive] + [dec]

    def shutdown(self, timeout: float = 5.0) -> None:
        for dec in self.decoders.values():
            dec.stop()
        everything = list(self.decoders.values()) + self._reaping
        self.decoders.clear()
        for dec in everything:
            dec.stop(timeout)

    def reap_in_background(self) -> None:
        """Join retired decoders on a throwaway thread so their sockets close promptly."""
        dead = list(self._reaping)
        self._reaping = []
        if dead:
            threading.Thread(
                target=lambda: [d.stop(10.0) for d in dead], name="wall-reaper", daemon=True
            ).start()

    def threads_alive(self) -> int:
        return sum(d.alive for d in list(self.decoders.values()) + self._reaping)
