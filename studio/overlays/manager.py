"""The overlays of a running show: state, layers, animations, commerce reactions.

Threads: actions (from the cue engine, the UI) and commerce events (from the
bus, on any thread) are queued; :meth:`OverlayManager.tick` applies them on
the output-clock thread before each frame, so every change lands on a frame
boundary in media time and tests can drive it frame by frame. A slot is
re-rasterised only when its content key changes (a countdown: once a
second); slides and fades change only the layer's position and opacity.
On a running pipeline the drawing itself happens ahead, on the raster worker
(:mod:`studio.overlays.raster`): the clock thread only looks images up.

This module holds the state and the actions (one method per thing a guide or a
cue can ask for: the public API the app, the cue engine and the CLI call); the
per-frame machinery is :mod:`studio.overlays.slots`, the commerce reactions
:mod:`studio.overlays.reactions`. It stays a little over 500 lines so that every
action is on the one class the callers know.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from studio.events import Event, EventBus
from studio.media.compositor import ImageLayer, Scene, VideoLayer
from studio.messages import render
from studio.overlays import widgets
from studio.overlays.layout import Layout, SafeArea, layout_for, safe_area_images
from studio.overlays.links import LinkFor, placeholder_link_for
from studio.overlays.raster import RasterWorker
from studio.overlays.reactions import CommerceReactions, _same_promo
from studio.overlays.slots import (
    ANIM_SECONDS,
    DRAW_WAIT_SECONDS,
    FLASH_CONFIRM_SECONDS,
    MARGIN,
    TOAST_SECONDS,
    WINNER_SECONDS,
    OnAir,
    _Board,
    _Slot,
)
from studio.show.catalog import Catalog, Product

if TYPE_CHECKING:
    from studio.media.engine import Pipeline

log = logging.getLogger(__name__)

__all__ = [
    "ANIM_SECONDS",
    "DRAW_WAIT_SECONDS",
    "FLASH_CONFIRM_SECONDS",
    "MARGIN",
    "TOAST_SECONDS",
    "WINNER_SECONDS",
    "OverlayManager",
]


class OverlayManager(OnAir, CommerceReactions):
    """Owns the overlay layers of one scene. Use :meth:`attach` for a running pipeline."""

    def __init__(
        self,
        scene: Scene,
        width: int,
        height: int,
        catalog: Catalog,
        *,
        link_for: LinkFor | None = None,
        lock: threading.RLock | None = None,
        now: Callable[[], float] = time.time,
        guide: str = "",
        store: str = "",
        commission_rate: float = 0.0,
        clock: bool = True,
        raster: RasterWorker | None = None,
        platform: str | SafeArea | None = None,
        lang: str = "zh",
    ) -> None:
        self.scene = scene
        # the guide-only panel's language (the window's); on-air overlays stay Chinese
        self.lang = lang
        self.scene_name = "full"  # the layout on air (set_scene), for the window's picker
        # 连麦 (studio.costream.CoHost.set_layout): places every picture while guests are on
        self.layout_hook: Callable[[str], bool] | None = None
        self.width, self.height = width, height
        # where each slot goes, clear of the platform's own UI (None: a small margin only)
        self.layout: Layout = layout_for(width, height, platform)
        self._platform_asked = self.layout.platform  # the last set_platform() queued
        self.scale = self.layout.scale
        self.catalog = catalog
        self.link_for = link_for or placeholder_link_for()
        # with placeholder links nothing sells, so scripted flash prices are drawn as written
        # (rehearsing the look); with real links only those the backend confirmed
        self._placeholder = self.link_for if link_for is None else None
        self.flash_confirmed: dict[tuple[str, int], float] = {}  # (sku, cents) -> ends_at
        self.withheld: list[dict[str, Any]] = []  # flash prices, coupons, group-buys not drawn
        # coupons and group-buys: drawn only once the backend created them (as flash prices)
        self.promo_confirmed: list[dict[str, Any]] = []  # confirmations before their cue
        self._promo_wait: dict[str, Any] | None = None  # asked for, not confirmed yet
        self._bus: EventBus | None = None
        self.lock = lock or threading.RLock()
        self.now = now
        self.guide, self.store = guide, store
        self.commission_rate = commission_rate
        self.stock = {p.sku: p.stock for p in catalog}
        # product pictures on disk (the commerce cache), as the shelf shows them
        self.pictures: dict[str, str] = {p.sku: p.image for p in catalog if p.image}
        self.links: dict[str, str] = {}
        self.info = widgets.GuideInfo()
        self.rasterised = 0  # how many times any overlay was drawn (tests check caching)
        # None: draw on the tick itself (offline renders, frame-by-frame tests)
        self.raster = raster
        # per slot: frames on which its changed image was not drawn yet (the bench reports it)
        self.late: Counter[str] = Counter()
        self._pending: deque[Callable[[float], None]] = deque()
        self._plock = threading.Lock()
        self._dry = threading.local()
        self._toasts: deque[dict[str, Any]] = deque(maxlen=5)
        self._board = _Board()
        self._region_board: list[tuple[str, float]] = []  # from the backend, when connected
        self._unsub: list[Callable[[], None]] = []
        self._t = 0.0
        enter = {  # slide-in offsets; the order is the program's stacking order
            "lower": (-40, 0),
            "card": (-60, 0),
            "popup": (60, 0),
            "promo": (60, 0),
            "board": (-40, 0),
            "toast": (0, -30),
            "clock": (0, 0),
        }
        spec = [(n, self.layout.regions[n].place, e) for n, e in enter.items()]
        self.slots: dict[str, _Slot] = {}
        with self.lock:
            for name, place, offset in spec:
                layer = ImageLayer(name=f"overlay:{name}", visible=False)
                self.slots[name] = _Slot(name, layer, place, offset)
                scene.program.append(layer)
            glayer = ImageLayer(name="overlay:guide", visible=True)
            self.slots["guide"] = _Slot("guide", glayer, self.layout.guide.place, (0, 0))
            for i, (rect, rgba) in enumerate(safe_area_images(self.layout, lang)):
                box = ImageLayer(name=f"guide:safe-area:{i}", x=rect.x, y=rect.y, rgba=rgba)
                scene.guide.append(box)  # guide-only: the platform's covered bands
            scene.guide.append(glayer)
        self.slots["guide"].state = {}
        self._ask("guide", {}, None)
        if clock:
            self.slots["clock"].state = {}
            self._ask("clock", {}, None)

    # -- wiring ----------------------------------------------------------------
    @classmethod
    def attach(cls, pipeline: Pipeline, catalog: Catalog, **kw: Any) -> OverlayManager:
        """Overlays on the pipeline's scene, driven by its clock, fed by its bus."""
        mgr = cls(
            pipeline.scene,
            pipeline.profile.width,
            pipeline.profile.height,
            catalog,
            lock=pipeline.compositor.lock,
            raster=kw.pop("raster", None) or RasterWorker(),
            **kw,
        )
        mgr.listen(pipeline.bus)
        mgr._unsub.append(mgr.raster.close)  # type: ignore[union-attr]
        pipeline.tick_hooks.append(mgr.tick)
        mgr._unsub.append(lambda: pipeline.tick_hooks.remove(mgr.tick))
        return mgr

    def set_platform(self, platform: str | SafeArea | None) -> None:
        """Lay the overlays out clear of another platform's UI (the guide picked one); queued.

        Every slot is placed and drawn again at the new layout's scale; the guide-only
        boxes of the covered bands follow.
        """
        layout = layout_for(self.width, self.height, platform)
        if layout.platform == self._platform_asked:
            return  # the same bands: nothing moves, nothing is drawn again
        self._platform_asked = layout.platform

        def apply(_t: float) -> None:
            if layout.scale != self.scale and self.raster is not None:
                old, self.raster = self.raster, RasterWorker(self.raster.capacity)
                self._unsub.append(self.raster.close)
                old.close()  # its cache holds images at the old scale
            self.layout, self.scale = layout, layout.scale
            for name, slot in self.slots.items():
                slot.place = (layout.guide if name == "guide" else layout.regions[name]).place
                slot.key = ()
            self._safe_boxes()

        self._queue(apply)

    def _safe_boxes(self) -> None:
        """The guide-only boxes of the covered bands, for the layout and language now (tick)."""
        guide = self.scene.guide
        guide[:] = [ly for ly in guide if not ly.name.startswith("guide:safe-area:")]
        at = guide.index(self.slots["guide"].layer) if self.slots["guide"].layer in guide else 0
        guide[at:at] = [
            ImageLayer(name=f"guide:safe-area:{i}", x=rect.x, y=rect.y, rgba=rgba)
            for i, (rect, rgba) in enumerate(safe_area_images(self.layout, self.lang))
        ]

    @property
    def late_frames(self) -> int:
        return sum(self.late.values())

    def listen(self, bus: EventBus) -> None:
        self._bus = bus
        self._unsub.append(bus.subscribe("commerce.", self.on_commerce))
        self._unsub.append(bus.subscribe("catalog.images", self._on_images))

    def _on_images(self, event: Event) -> None:
        """``catalog.images`` ({sku: path}): cards show the pictures fetched after connecting."""
        images = {str(k): str(v) for k, v in dict(event.data.get("images") or {}).items() if v}

        def apply(_t: float) -> None:
            self.pictures.update(images)

        self._queue(apply)

    @property
    def flash_needs_backend(self) -> bool:
        """True when purchase links are real: a flash price is drawn only once confirmed."""
        return self.link_for is not self._placeholder

    def _flash_left(self, sku: str, price: float) -> float | None:
        """Seconds left of the backend's confirmed window for this price, None if none."""
        ends = self.flash_confirmed.get((sku, round(price * 100)))
        left = ends - self.now() if ends is not None else 0.0
        return left if left > 0 else None

    def detach(self) -> None:
        for u in self._unsub:
            u()
        self._unsub.clear()

    def _queue(self, fn: Callable[[float], None]) -> None:
        if getattr(self._dry, "on", False):  # prerender(): ask for images, change nothing
            return
        with self._plock:
            self._pending.append(fn)

    # -- actions (any thread; applied on the next tick) --------------------------
    def product(self, sku: str) -> Product:
        return self.catalog[sku]

    def prefetch_links(self, skus: list[str]) -> None:
        """Resolve purchase links before the show, off the output clock; draw their pop-ups."""
        for sku in skus:
            if sku not in self.links:
                self.links[sku] = self.link_for(sku)
            self._ask("popup", {"sku": sku, "url": self.links[sku], "flash": None}, 20.0)

    def prerender(self, run: Callable[[OverlayManager], object]) -> None:
        """Draw ahead what ``run`` would put on air: on this thread its calls change nothing.

        The cue engine passes its own cue dispatch, so a script's cards, pop-ups and promos
        are drawn at prepare time exactly as their cues will ask for them.
        """
        self._dry.on = True
        try:
            run(self)
        finally:
            self._dry.on = False

    def _ask(self, slot: str, state: dict[str, Any], duration: float | None) -> None:
        """Have the worker draw ``slot`` as ``state`` will show it, before a tick needs it."""
        if self.raster is None:
            return
        t = self._t
        probe = replace(
            self.slots[slot], state=dict(state), until=t + duration if duration else None
        )
        try:
            key, draw = self._content(probe, t)
        except Exception:  # an unknown product: the tick that applies it logs the error
            return
        self.raster.want(key, draw)

    def link(self, sku: str) -> str:
        if sku not in self.links:
            self.links[sku] = self.link_for(sku)
        return self.links[sku]

    def _show(self, slot: str, state: dict[str, Any], duration: float | None) -> None:
        def apply(t: float) -> None:
            s = self.slots[slot]
            if s.state is None or s.anim == "out":
                s.anim, s.anim_t0 = "in", t
            s.state = state
            s.until = t + duration if duration else None

        self._ask(slot, state, duration)
        self._queue(apply)

    def hide(self, slot: str) -> None:
        def apply(t: float) -> None:
            s = self.slots[slot]
            if s.state is not None and s.anim != "out":
                s.anim, s.anim_t0 = "out", t

        self._queue(apply)

    def show_clock(self, on: bool = True) -> None:
        if on:
            self._show("clock", {}, None)
        else:
            self.hide("clock")

    def show_card(self, sku: str, duration: float | None = None, keep: Iterable[str] = ()) -> None:
        """The product card of ``sku``; another product's QR and group-buy come down.

        Viewers would otherwise scan the QR of the product before while this one is
        explained. ``keep``: products the script sells alongside (the segment's).
        """
        self.retire_products({sku, *keep})
        self._show("card", {"sku": sku}, duration)

    def retire_products(self, keep: Iterable[str]) -> None:
        """Take down the purchase QR and the product-bound promo of products not in ``keep``.

        A coupon without a product and a lottery stay: they belong to the whole show.
        """
        kept = set(keep)

        def apply(t: float) -> None:
            for name in ("popup", "promo"):
                s = self.slots[name]
                sku = (s.state or {}).get("sku")
                if sku and sku not in kept and s.anim != "out":
                    s.anim, s.anim_t0 = "out", t
            w = self._promo_wait  # a group-buy still waiting for the backend: not later either
            if w is not None and w["state"].get("sku") not in (None, *kept):
                self._promo_wait = None

        self._queue(apply)

    def hide_card(self) -> None:
        self.hide("card")

    def pop_link(self, sku: str, duration: float = 20.0, flash_price: float | None = None) -> str:
        """Show the purchase pop-up; returns the URL its QR code carries.

        With no link for the product (offline, nothing made ahead for this backend)
        there is no pop-up: a QR of nothing leads nowhere. The guide-only panel says
        why, and the link is asked again next time (the backend may have made it).
        """
        url = self.link(sku)
        if not url:
            self.links.pop(sku, None)
            product = self.catalog.get(sku)
            name = product.name if product else sku
            what = render("guide.what.pop_link", {"product": name}, self.lang)
            why = render("guide.why.no_link", None, self.lang)
            log.warning("no purchase link for %s: its pop-up is not drawn (no QR code)", sku)
            alert = render("guide.not_on_air", {"what": what, "why": why}, self.lang)
            self.set_guide_info(alert=alert)
            self.withheld.append({"kind": "pop_link", "sku": sku, "reason": "no purchase link"})
            return ""
        state: dict[str, Any] = {"sku": sku, "url": url, "flash": flash_price, "len": duration}
        if flash_price is not None and self.flash_needs_backend:
            left = self._flash_left(sku, flash_price)
            if left is None:  # the regular pop-up until the backend confirms the price
                state.update(flash=None, want=flash_price)
                self._ask("popup", {**state, "flash": flash_price}, duration)
            else:
                duration = min(duration, left)
        self._show("popup", state, duration)
        return url

    def hide_link(self) -> None:
        self.hide("popup")

    def coupon(
        self,
        amount: float,
        threshold: float | None = None,
        title: str = "",
        duration: float = 30.0,
        sku: str | None = None,
    ) -> None:
        """A coupon banner; with ``sku`` it is that product's and leaves with it."""
        state: dict[str, Any] = {
            "kind": "coupon",
            "amount": amount,
            "threshold": threshold,
            "title": title,
        }
        if sku:
            state["sku"] = sku
        self._show_promo(state, duration)

    def groupbuy(
        self, sku: str, size: int, price: float | None = None, duration: float = 60.0
    ) -> None:
        state = {
            "kind": "groupbuy",
            "sku": sku,
            "size": size,
            "price": price,
            "joined": 0,
            "len": duration,
        }
        self._show_promo(state, duration)

    def _show_promo(self, state: dict[str, Any], duration: float) -> None:
        """A coupon or group-buy goes on air once the backend created it (checkout offers it).

        With placeholder links nothing sells: drawn at once, as the script says.
        """
        if not self.flash_needs_backend:
            self._show("promo", state, duration)
            return
        self._ask("promo", state, duration)

        def apply(t: float) -> None:
            match = next((c for c in self.promo_confirmed if _same_promo(state, c)), None)
            if match is not None:
                self.promo_confirmed.remove(match)
                self._put_promo(state, match, duration, t)
            else:
                self._promo_wait = {"state": state, "duration": duration, "t0": t}

        self._queue(apply)

    def _put_promo(
        self, state: dict[str, Any], confirmed: dict[str, Any], seconds: float, t: float
    ) -> None:
        """On air now, with the backend's figures (a group's seats taken) for ``seconds``."""
        if state["kind"] == "groupbuy" and confirmed.get("joined") is not None:
            state["joined"] = int(confirmed["joined"])
        s = self.slots["promo"]
        if s.state is None or s.anim == "out":
            s.anim, s.anim_t0 = "in", t
        s.state = state
        s.until = t + seconds

    def lottery(self, prize: str, duration: float = 30.0) -> None:
        self._show(
            "promo",
            {"kind": "lottery", "prize": prize, "len": duration, "winner": None},
            duration + DRAW_WAIT_SECONDS,
        )

    def lower_third(self, text: str = "", duration: float | None = 8.0) -> None:
        name = text or (f"{self.guide} · 导购" if self.guide else "导购直播")
        self._show("lower", {"name": name, "detail": self.store}, duration)

    def leaderboard(self, duration: float | None = 15.0) -> None:
        self._show("board", {}, duration)

    def set_scene(self, name: str) -> None:
        """full: camera fills the frame; split: camera on the left 60 %; pip: the second
        picture small over the first. A pip with one picture is ignored: viewers would
        get a black frame with a small inset."""

        def apply(_t: float) -> None:
            if self.layout_hook is not None and self.layout_hook(name):
                self.scene_name = name
                if self._bus is not None:
                    self._bus.publish("overlays.scene", name=name)
                return
            videos = [ly for ly in self.scene.program if isinstance(ly, VideoLayer)]
            if not videos:
                return
            if name == "pip" and len(videos) < 2:
                log.warning("scene pip ignored: it needs two sources, the program has one")
                return
            cw, ch = self.width, self.height
            main = videos[0]
            if name == "split":
                main.x, main.y, main.w, main.h = 0, 0, round(cw * 0.6), ch
            elif name == "pip":
                main.x = main.y = main.w = main.h = 0
                inset = videos[1]
                inset.x, inset.y = round(cw * 0.62), round(ch * 0.05)
                inset.w, inset.h = round(cw * 0.33), round(ch * 0.33)
            else:
                main.x = main.y = main.w = main.h = 0
            self.scene_name = name
            if self._bus is not None:  # the window's 场景 picker follows a scripted switch
                self._bus.publish("overlays.scene", name=name)

        self._queue(apply)

    def set_language(self, lang: str) -> None:
        """The guide-only panel in ``lang`` (``zh``/``en``): the window's; viewers see Chinese."""
        lang = "en" if lang == "en" else "zh"
        if lang == self.lang:
            return
        self.lang = lang  # one str: the next tick redraws the panel
        if self.layout.platform is not None:
            self._queue(lambda _t: self._safe_boxes())  # their labels too

    def set_guide_info(self, **changes: Any) -> None:
        """Update the guide-only panel (segment, next_cue, notes, talking_points)."""

        def apply(_t: float) -> None:
            for k, v in changes.items():
                setattr(self.info, k, tuple(v) if k == "talking_points" else v)

        self._queue(apply)

    def clear_show(self) -> None:
        """The show is over (live ended, take finished): its overlays leave the program.

        Card, pop-up, promo, toasts, lower third and board go (with what waits to be
        drawn: an unconfirmed promo, queued toasts); the guide panel's segment, next
        cue, notes, talking points and alert are emptied. The clock and the session's
        commission and orders stay.
        """

        def apply(t: float) -> None:
            self._promo_wait = None
            self.promo_confirmed.clear()
            self._toasts.clear()
            for name in ("card", "popup", "promo", "toast", "lower", "board"):
                s = self.slots[name]
                if s.state is not None:
                    s.state.pop("want", None)  # no flash price is judged on its way out
                    if s.anim != "out":
                        s.anim, s.anim_t0 = "out", t
            info = self.info
            info.segment = info.next_cue = info.notes = info.alert = ""
            info.talking_points = ()

        self._queue(apply)
