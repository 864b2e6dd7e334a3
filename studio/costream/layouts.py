"""The program with guests: 2-4 pictures side by side, picture-in-picture or a 2 x 2 grid.

Landscape puts pictures next to each other; portrait (9:16, the phone platforms)
stacks them, since a 16:9 guest in a tall column would be a sliver. Each guest
picture gets a name tag (the bundled CJK font) at its bottom-left corner. The
host's own picture is the program's first video layer; guests' layers sit right
after it, under every overlay, and are named ``costream:*`` so re-arranging
finds them again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from studio.media.compositor import Layer, Scene, TextLayer, VideoLayer
from studio.media.frame import fit_rect
from studio.media.sources.base import Source
from studio.overlays.layout import Rect

log = logging.getLogger(__name__)

LayoutKind = Literal["side", "pip", "grid"]
LAYOUTS: tuple[LayoutKind, ...] = ("side", "pip", "grid")
PREFIX = "costream:"


def _even(v: float) -> int:
    return round(v) // 2 * 2


def tiles(kind: LayoutKind, people: int, width: int, height: int) -> list[Rect]:
    """Rectangles for ``people`` pictures (host first) in a ``width`` x ``height`` frame."""
    if people <= 1:
        return [Rect(0, 0, width, height)]
    portrait = height > width
    if kind == "pip":
        out = [Rect(0, 0, width, height)]
        iw = _even(width * (0.36 if portrait else 0.28))
        ih = _even(iw * 9 / 16) if not portrait else _even(iw * 16 / 9 * 0.6)
        gap = _even(min(width, height) * 0.03)
        for i in range(people - 1):  # insets up the right edge, above the bottom band
            y = height - _even(height * (0.3 if portrait else 0.06)) - (i + 1) * (ih + gap)
            out.append(Rect(width - iw - gap, max(0, y), iw, ih))
        return out
    if kind == "grid" and people >= 3:
        cw, chh = _even(width / 2), _even(height / 2)
        return [Rect((i % 2) * cw, (i // 2) * chh, cw, chh) for i in range(people)]
    # side by side (landscape) or stacked (portrait)
    if portrait:
        th = _even(height / people)
        return [Rect(0, i * th, width, th) for i in range(people)]
    tw = _even(width / people)
    return [Rect(i * tw, 0, tw, height) for i in range(people)]


@dataclass
class Tile:
    """A guest on the program: its source and its name tag."""

    key: str
    source: Source
    name: str


def arrange(
    scene: Scene, kind: LayoutKind, guests: Sequence[Tile], width: int, height: int
) -> None:
    """Put the host and ``guests`` on the program in ``kind`` (hold the compositor lock)."""
    scene.program = [ly for ly in scene.program if not ly.name.startswith(PREFIX)]
    host = next((ly for ly in scene.program if isinstance(ly, VideoLayer)), None)
    rects = tiles(kind, len(guests) + 1, width, height)
    if host is not None:
        host.x, host.y, host.w, host.h = rects[0].x, rects[0].y, rects[0].w, rects[0].h
        if not guests:
            host.x = host.y = host.w = host.h = 0
    at = scene.program.index(host) + 1 if host is not None else 0
    size = max(16, min(width, height) // 26)
    added: list[Layer] = []
    for tile, r in zip(guests, rects[1:], strict=False):
        added.append(
            VideoLayer(
                name=f"{PREFIX}video:{tile.key}", source=tile.source, x=r.x, y=r.y, w=r.w, h=r.h
            )
        )
        pad = _even(size * 0.5)
        # on the picture, not in its letterbox (guests send 16:9)
        fx, fy, _fw, fh = fit_rect(16, 9, r.w, r.h)
        added.append(
            TextLayer(
                name=f"{PREFIX}tag:{tile.key}",
                text=tile.name,
                size=size,
                x=r.x + fx + pad,
                y=r.y + fy + fh - pad - size * 2,
                background=(0, 0, 0, 170),
                padding=max(6, size // 3),
            )
        )
    scene.program[at:at] = added
