"""What the overlays do per frame, on the output-clock thread: the per-slot state machine.

Queued changes are applied, slots expire, slide and fade, and each slot's image is looked up
by its content key (:meth:`OnAir._content`): from the raster worker's cache on a running
pipeline (drawn ahead, :mod:`studio.overlays.raster`), drawn on the spot without one (offline
renders, frame-by-frame tests). A slot whose image is not ready keeps what is on screen and
counts a late frame. Split from :mod:`studio.overlays.manager`, which owns the actions.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from studio.media.compositor import ImageLayer, premultiply
from studio.overlays import widgets

if TYPE_CHECKING:
    from studio.overlays.layout import Layout
    from studio.overlays.raster import Drawn, RasterWorker
    from studio.show.catalog import Product

log = logging.getLogger(__name__)

ANIM_SECONDS = 0.3
TOAST_SECONDS = 4.0
WINNER_SECONDS = 10.0
DRAW_WAIT_SECONDS = 30.0  # a lottery without a result from commerce gives up after this
# a flash price the backend has not confirmed this long after its pop-up: the guide is told
FLASH_CONFIRM_SECONDS = 2.0
MARGIN = 24  # design units (720p pixels)
BOARD_ROWS = 5  # the on-air 超级带单王 shows the top five


@dataclass(eq=False)
class _Slot:
    name: str
    layer: ImageLayer
    place: Callable[[int, int], tuple[int, int]]  # image (w, h) -> resting (x, y)
    enter: tuple[float, float]  # slide-in offset in design units
    state: dict[str, Any] | None = None
    until: float | None = None
    key: tuple = ()
    anim: str = ""  # "in", "out" or ""
    anim_t0: float = 0.0
    home: tuple[int, int] = (0, 0)


@dataclass
class _Board:
    hour: int = -1
    totals: dict[str, float] = field(default_factory=lambda: defaultdict(float))


class OnAir:
    """The per-frame half of :class:`~studio.overlays.manager.OverlayManager` (a mixin)."""

    # set by OverlayManager.__init__
    slots: dict[str, _Slot]
    raster: RasterWorker | None
    late: Counter[str]
    rasterised: int
    lock: threading.RLock
    layout: Layout
    scale: float
    stock: dict[str, int]
    pictures: dict[str, str]
    info: widgets.GuideInfo
    lang: str
    now: Callable[[], float]
    _t: float
    _pending: deque[Callable[[float], None]]
    _plock: threading.Lock
    _toasts: deque[dict[str, Any]]
    _board: _Board
    _region_board: list[tuple[str, float]]

    if TYPE_CHECKING:  # defined by OverlayManager and CommerceReactions

        def product(self, sku: str) -> Product: ...

        def _check_flash(self, t: float) -> None: ...

        def _check_promo(self, t: float) -> None: ...

    def tick(self, _frame: int, t: float) -> None:
        """Apply queued changes, expire, animate, re-rasterise what changed."""
        with self._plock:
            pending = list(self._pending)
            self._pending.clear()
        with self.lock:
            self._t = t
            for fn in pending:
                try:
                    fn(t)
                except Exception:
                    log.exception("overlay change failed")
            self._feed_toast(t)
            self._check_flash(t)
            self._check_promo(t)
            for slot in self.slots.values():
                expired = slot.state is not None and slot.until is not None and t >= slot.until
                if expired and slot.anim != "out":
                    slot.anim, slot.anim_t0 = "out", t
                self._update(slot, t)

    def _feed_toast(self, t: float) -> None:
        slot = self.slots["toast"]
        if self._toasts and (
            slot.state is None
            or slot.anim == "out"
            or slot.until is None
            or t >= slot.until - ANIM_SECONDS
        ):
            if slot.state is None or slot.anim == "out":
                slot.anim, slot.anim_t0 = "in", t
            slot.state = self._toasts.popleft()
            slot.until = t + TOAST_SECONDS

    def _update(self, slot: _Slot, t: float) -> None:
        layer = slot.layer
        if slot.state is None:
            layer.visible = False
            return
        key, draw = self._content(slot, t)
        if key != slot.key:
            drawn = self._image(key, draw)
            if drawn is None:  # not drawn yet: what is on screen stays, a new slot waits
                self.late[slot.name] += 1
                if not slot.key:
                    layer.visible = False
                    if slot.anim == "in":
                        slot.anim_t0 = t  # its slide-in starts when its picture is there
                    return
            else:
                img, planes = drawn
                slot.key = key
                layer.set_image(img, planes)
                self.rasterised += 1
                slot.home = slot.place(img.shape[1], img.shape[0])
                self._ask_next_second(slot, t)
        x, y = slot.home
        opacity = 1.0
        if slot.anim:
            # starts a step in, so a change is visible on the very frame it was made
            p = min(1.0, max(0.0, (t - slot.anim_t0) / ANIM_SECONDS + 0.15))
            ease = 1 - (1 - p) ** 3
            k = ease if slot.anim == "in" else 1 - ease
            x += round(slot.enter[0] * self.scale * (1 - k))
            y += round(slot.enter[1] * self.scale * (1 - k))
            opacity = k
            if p >= 1.0:
                if slot.anim == "out":
                    slot.state, slot.until, slot.key = None, None, ()
                    layer.visible = False
                    slot.anim = ""
                    return
                slot.anim = ""
        layer.x, layer.y, layer.opacity = x, y, round(opacity, 2)
        layer.visible = opacity > 0

    def _image(self, key: tuple, draw: Callable[[], np.ndarray]) -> Drawn | None:
        """The slot's image and its blending planes: the worker's (None: not drawn yet)."""
        if self.raster is None:
            img = draw()
            return img, premultiply(img)
        got = self.raster.get(key)
        if got is None:
            self.raster.want(key, draw)
        return got

    def _ask_next_second(self, slot: _Slot, t: float) -> None:
        """A countdown or the clock: draw the next second while this one is on air."""
        if self.raster is None or slot.name in ("guide", "toast", "board"):
            return
        key, draw = self._content(slot, t + 1.0, ahead=1.0)
        if key != slot.key:
            self.raster.want(key, draw)

    def _content(  # noqa: PLR0911 - one branch per overlay type
        self, slot: _Slot, t: float, ahead: float = 0.0
    ) -> tuple[tuple, Callable[[], np.ndarray]]:
        s = slot.state or {}
        sc = self.scale
        name = slot.name
        if name == "card":
            p, stock = self.product(s["sku"]), self.stock.get(s["sku"], 0)
            path = self.pictures.get(p.sku, "")
            return ("card", p.sku, stock, path), lambda: widgets.product_card(
                p, stock, sc, _picture(path)
            )
        if name == "popup":
            p = self.product(s["sku"])
            if self.stock.get(p.sku, 1) <= 0:  # nothing to sell: 已售罄, no QR, no price promise
                return ("popup", p.sku, "sold_out"), lambda: widgets.purchase_popup(
                    p, s["url"], sc, sold_out=True
                )
            left = None
            if s.get("flash") is not None and slot.until is not None:
                left = float(math.ceil(slot.until - t - 1e-6))
            return ("popup", p.sku, s["url"], s.get("flash"), left), lambda: widgets.purchase_popup(
                p, s["url"], sc, s.get("flash"), left
            )
        if name == "promo":
            kind = s["kind"]
            if kind == "coupon":
                return ("coupon", s["amount"], s["threshold"], s["title"]), lambda: widgets.coupon(
                    s["amount"], sc, s["threshold"], s["title"]
                )
            if kind == "groupbuy":
                p = self.product(s["sku"])
                left = float(math.ceil((slot.until or t) - t - 1e-6))
                key: tuple = ("groupbuy", p.sku, s["joined"], s["size"], s["price"], left)
                return key, lambda: widgets.groupbuy(
                    p, s["joined"], s["size"], sc, s["price"], left
                )
            s.setdefault("ends", (slot.until or t) - DRAW_WAIT_SECONDS)
            left = float(math.ceil(s["ends"] - t - 1e-6)) if not s["winner"] else None
            key = ("lottery", s["prize"], left, s["winner"])
            return key, lambda: widgets.lottery(s["prize"], sc, left, s["winner"])
        if name == "toast":
            key = ("toast", s["name"], s["tail"], s["buyer"])
            return key, lambda: widgets.order_toast(
                s["name"], sc, s["tail"], s["buyer"], self.layout.max_w("toast")
            )
        if name == "board":
            rows = self._region_board or sorted(self._board.totals.items(), key=lambda kv: -kv[1])
            rows = rows[:BOARD_ROWS]
            return ("board", tuple(rows)), lambda: widgets.leaderboard(rows, sc)
        if name == "lower":
            return ("lower", s["name"], s["detail"]), lambda: widgets.lower_third(
                s["name"], s["detail"], sc, self.layout.max_w("lower")
            )
        if name == "clock":
            now = int(self.now() + ahead)
            return ("clock", now), lambda: widgets.clock(now, sc)
        info = self.info
        key = (
            "guide",
            round(info.commission, 2),
            info.orders,
            info.segment,
            info.next_cue,
            info.notes,
            info.talking_points,
            info.alert,
            info.rank,
            self.lang,
        )
        lang = self.lang
        return key, lambda: widgets.guide_panel(info, sc, lang)


@lru_cache(maxsize=64)
def _picture(path: str) -> Image.Image | None:
    """A product's picture from disk, cropped square (None: the drawn stand-in instead)."""
    if not path:
        return None
    try:
        with Image.open(path) as img:
            pic = img.convert("RGB")
    except (OSError, ValueError) as exc:
        log.warning("product picture %s unusable (%s): the stand-in is drawn", path, exc)
        return None
    side = min(pic.size)
    left, top = (pic.width - side) // 2, (pic.height - side) // 2
    return pic.crop((left, top, left + side, top + side))
