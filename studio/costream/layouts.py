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
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from studio.media.compositor import Layer, Scene, TextLayer, VideoLayer
from studio.media.frame import fill_crop, fit_rect
from studio.media.sources.base import Source
from studio.overlays.layout import Insets, Rect

log = logging.getLogger(__name__)

LayoutKind = Literal["side", "pip", "grid"]
LAYOUTS: tuple[LayoutKind, ...] = ("side", "pip", "grid")
PREFIX = "costream:"


def _even(v: float) -> int:
    return round(v) // 2 * 2


def bands_px(width: int, height: int, insets: Insets | None) -> tuple[int, int, int]:
    """(top, bottom, right) pixels a platform's app covers; a generic guess without one."""
    if insets is None:
        return 0, _even(height * (0.3 if height > width else 0.06)), 0
    return (
        math.ceil(insets.top * height),
        math.ceil(insets.bottom * height),
        math.ceil(insets.right * width),
    )


def tiles(
    kind: LayoutKind,
    people: int,
    width: int,
    height: int,
    insets: Insets | None = None,
    upright: bool = False,
) -> list[Rect]:
    """Rectangles for ``people`` pictures (host first) in a ``width`` x ``height`` frame.

    ``insets`` (the platform's safe area, studio/overlays/layout.py) keeps PiP insets
    off the bands the platform's app draws over (comments, the bag, the like button).
    ``upright``: the host's own picture is portrait (a 9:16 camera on a 9:16 program).
    Two people then stand side by side, two tall halves between the bands, as 视频号's
    own 连麦 shows them; stacked wide tiles would shrink an upright host to a strip.
    """
    if people <= 1:
        return [Rect(0, 0, width, height)]
    portrait = height > width
    if kind == "pip":
        out = [Rect(0, 0, width, height)]
        top, bottom, right = bands_px(width, height, insets)
        gap = _even(min(width, height) * 0.03)
        iw = _even(width * (0.36 if portrait else 0.28))
        ih = _even(iw * 9 / 16) if not portrait else _even(iw * 16 / 9 * 0.6)
        room = height - top - bottom - gap
        ih = min(ih, (room // (people - 1) - gap) // 2 * 2)  # all of them between the bands
        for i in range(people - 1):  # insets up the right edge, above the bottom band
            y = height - bottom - (i + 1) * (ih + gap)
            out.append(Rect(width - iw - gap - right, y // 2 * 2, iw, ih))
        return out
    # portrait with a platform: the pictures between its top and bottom bands (a phone
    # app covers a third of the frame with comments and buttons)
    y0, y1 = 0, height
    if portrait and insets is not None:
        top, bottom, _right = bands_px(width, height, insets)
        y0, y1 = _even(top + 1), height - bottom // 2 * 2 - 2
    if kind == "grid" and people >= 3:
        cw, chh = _even(width / 2), _even((y1 - y0) / 2) - 2
        return [Rect((i % 2) * cw, y0 + (i // 2) * chh, cw, chh) for i in range(people)]
    # side by side (landscape, or two upright people in portrait) or stacked (portrait)
    if portrait and upright and people == 2:
        half = _even(width / 2)
        return [Rect(i * half, y0, half, _even(y1 - y0)) for i in range(2)]
    if portrait:
        th = _even((y1 - y0) / people) - 2
        return [Rect(0, y0 + i * th, width, th) for i in range(people)]
    tw = _even(width / people)
    return [Rect(i * tw, 0, tw, height) for i in range(people)]


def _upright(host: VideoLayer | None) -> bool:
    """Whether the host's picture is portrait (its newest frame; else the source's size)."""
    if host is None or host.source is None:
        return False
    last = host.source.slot.peek()
    size = (last.width, last.height) if last is not None else None
    w, h = size or (host.source.width, host.source.height)
    return h > w


def _guest_size(source: Source) -> tuple[int, int]:
    """The guest's picture size: its newest frame's, else 16:9 (what most cameras send)."""
    last = source.slot.peek()
    return (last.width, last.height) if last is not None and last.height else (16, 9)


def _shown(r: Rect, sw: int = 16, sh: int = 9) -> tuple[int, int, int]:
    """Where a guest's ``sw`` x ``sh`` picture shows in its tile: (x, y offset, height).
    Filled when the crop keeps enough of it (the compositor's rule), else letterboxed."""
    if fill_crop(sw * 120, sh * 120, r.w, r.h) is not None:
        return 0, 0, r.h
    fx, fy, _fw, fh = fit_rect(sw, sh, r.w, r.h)
    return fx, fy, fh


@dataclass
class Tile:
    """A guest on the program: its source and its name tag."""

    key: str
    source: Source
    name: str


def arrange(
    scene: Scene,
    kind: LayoutKind,
    guests: Sequence[Tile],
    width: int,
    height: int,
    insets: Insets | None = None,
) -> None:
    """Put the host and ``guests`` on the program in ``kind`` (hold the compositor lock)."""
    scene.program = [ly for ly in scene.program if not ly.name.startswith(PREFIX)]
    host = next((ly for ly in scene.program if isinstance(ly, VideoLayer)), None)
    rects = tiles(kind, len(guests) + 1, width, height, insets, upright=_upright(host))
    bottom_band = bands_px(width, height, insets)[1] if insets is not None else 0
    if host is not None:
        host.x, host.y, host.w, host.h = rects[0].x, rects[0].y, rects[0].w, rects[0].h
        # a tile is filled (its centre kept), never letterboxed; under PiP the host stays whole
        host.fill = bool(guests) and kind != "pip"
        if not guests:
            host.x = host.y = host.w = host.h = 0
    at = scene.program.index(host) + 1 if host is not None else 0
    size = max(16, min(width, height) // 26)
    added: list[Layer] = []
    for tile, r in zip(guests, rects[1:], strict=False):
        added.append(
            VideoLayer(
                name=f"{PREFIX}video:{tile.key}",
                source=tile.source,
                x=r.x,
                y=r.y,
                w=r.w,
                h=r.h,
                fill=True,  # the guest's picture covers its tile, whatever shape it sends
            )
        )
        pad = _even(size * 0.5)
        fx, fy, fh = _shown(r, *_guest_size(tile.source))
        added.append(
            TextLayer(
                name=f"{PREFIX}tag:{tile.key}",
                text=tile.name,
                size=size,
                x=r.x + fx + pad,
                # above the platform's bottom band (its comments would cover the name)
                y=min(r.y + fy + fh, height - bottom_band) - pad - size * 2,
                background=(0, 0, 0, 170),
                padding=max(6, size // 3),
            )
        )
    scene.program[at:at] = added
