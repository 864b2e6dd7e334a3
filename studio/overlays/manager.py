"""The overlays of a running show: state, layers, animations, commerce reactions.

Threads: actions (from the cue engine, the UI) and commerce events (from the
bus, on any thread) are queued; :meth:`OverlayManager.tick` applies them on
the output-clock thread before each frame, so every change lands on a frame
boundary in media time and tests can drive it frame by frame. A slot is
re-rasterised only when its content key changes (a countdown: once a
second); slides and fades change only the layer's position and opacity.
On a running pipeline the drawing itself happens ahead, on the raster worker
(:mod:`studio.overlays.raster`): the clock thread only looks images up.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from studio.events import Event, EventBus
from studio.media.compositor import ImageLayer, Scene, VideoLayer
from studio.messages import render
from studio.overlays import widgets
from studio.overlays.layout import Layout, SafeArea, layout_for, safe_area_images
from studio.overlays.links import LinkFor, placeholder_link_for
from studio.overlays.raster import RasterWorker
from studio.show.catalog import Catalog, Product

if TYPE_CHECKING:
    from studio.media.engine import Pipeline

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


class OverlayManager:
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
            for name, place, enter in spec:
                layer = ImageLayer(name=f"overlay:{name}", visible=False)
                self.slots[name] = _Slot(name, layer, place, enter)
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

    # -- commerce ----------------------------------------------------------------
    def on_commerce(self, event: Event) -> None:
        """``commerce.order``, ``.stock``, ``.groupbuy``, ``.lottery`` from the bus."""
        d = dict(event.data)
        kind = event.topic.split(".", 1)[-1]
        handler = {
            "order": self._order,
            "stock": self._stock,
            "groupbuy": self._groupbuy,
            "lottery": self._lottery,
            "flash": self._flash,
            "promo": self._promo_confirmed,
            "promo_refused": self._promo_refused,
            "leaderboard": self._leaderboard,
        }.get(kind)
        if handler is not None:
            if kind == "order":
                self._ask("toast", self._toast_of(d), TOAST_SECONDS)
            self._queue(lambda t: handler(d, t))

    def _toast_of(self, d: dict[str, Any]) -> dict[str, str]:
        sku = str(d.get("sku") or d.get("product_sku") or "")
        product = self.catalog.get(sku)
        return {
            "name": product.name if product else sku,
            "tail": str(d.get("phone_tail") or d.get("buyer_phone_tail") or ""),
            "buyer": str(d.get("buyer") or d.get("buyer_name") or ""),
        }

    def _order(self, d: dict[str, Any], t: float) -> None:
        sku = str(d.get("sku") or d.get("product_sku") or "")
        product = self.catalog.get(sku)
        amount = float(d.get("amount") or (product.price if product else 0.0))
        self.info.orders += 1
        self.info.commission += float(d.get("commission") or amount * self.commission_rate)
        self._toasts.append(self._toast_of(d))
        hour = int(self.now() // 3600)
        if hour != self._board.hour:
            self._board = _Board(hour)
        # the contest ranks guides, never shoppers: offline, this studio's own guide only
        who = str(d.get("guide") or "") or self.guide or "本场导购"
        self._board.totals[who] += amount
        if "stock" in d and sku:
            self.stock[sku] = int(d["stock"])

    def _stock(self, d: dict[str, Any], _t: float) -> None:
        if d.get("sku") is not None and d.get("stock") is not None:
            self.stock[str(d["sku"])] = int(d["stock"])

    def _groupbuy(self, d: dict[str, Any], _t: float) -> None:
        s = self.slots["promo"].state
        if s and s.get("kind") == "groupbuy" and d.get("sku", s["sku"]) == s["sku"]:
            s["joined"] = int(d.get("joined", s["joined"]))
            s["size"] = int(d.get("size", s["size"]))

    def _flash(self, d: dict[str, Any], t: float) -> None:
        """The backend confirmed a flash price: draw it if its pop-up is on air."""
        sku, cents, ends = d.get("sku"), d.get("price_cents"), d.get("ends_at")
        if sku is None or cents is None or ends is None:
            return
        self.flash_confirmed[(str(sku), int(cents))] = float(ends)
        slot = self.slots["popup"]
        s = slot.state
        if not s or s.get("sku") != sku or s.get("want") is None or slot.anim == "out":
            return
        left = float(ends) - self.now()
        if round(s["want"] * 100) != int(cents) or left <= 0:
            return
        s["flash"] = s.pop("want")
        if s.get("withheld"):  # confirmed late: on air after all
            self._set_alert("")
        slot.until = min(slot.until if slot.until is not None else math.inf, t + left)

    def _promo_confirmed(self, d: dict[str, Any], t: float) -> None:
        """The backend created a coupon or group-buy: draw the one waiting for it."""
        w = self._promo_wait
        if w is None or not _same_promo(w["state"], d):
            self.promo_confirmed.append(d)
            return
        self._promo_wait = None
        left = w["duration"] - (t - w["t0"])
        if left > 0:
            self._put_promo(w["state"], d, left, t)
            if w.get("withheld"):
                self._set_alert("")

    def _promo_refused(self, d: dict[str, Any], _t: float) -> None:
        if d.get("source") == "prepare":  # found before going live: the guide hears it now
            reason = str(d.get("reason") or "refused")
            if d.get("kind") in ("coupon", "groupbuy"):
                what = shown = _promo_what(d)
            else:
                price = d.get("flash_price")
                what = {"kind": "flash_price", "sku": d.get("sku"), "flash_price": price}
                shown = {"kind": "flash_price", "want": price or 0}
            self.withheld.append({**what, "reason": reason, "stage": "prepare"})
            self._set_alert(_alert(shown, reason, self.lang))
            return
        if d.get("kind") in ("coupon", "groupbuy"):
            w = self._promo_wait
            if d.get("source") != "overlay" and w is not None and _same_promo(w["state"], d):
                self._promo_wait = None  # commerce logged it already
                reason = str(d.get("reason") or "refused")
                self.withheld.append({**_promo_what(w["state"]), "reason": reason})
                self._set_alert(_alert(w["state"], reason, self.lang))
            return
        s = self.slots["popup"].state
        if (
            d.get("source") != "overlay"
            and s
            and s.get("want") is not None
            and d.get("sku", s["sku"]) == s["sku"]
        ):
            s["withheld"] = str(d.get("reason") or "refused")  # commerce logged it already
            self.withheld.append(
                {"sku": s["sku"], "flash_price": s["want"], "reason": s["withheld"]}
            )
            self._set_alert(_alert({"kind": "flash_price", **s}, s["withheld"], self.lang))

    def _withhold(self, s: dict[str, Any], reason: str) -> None:
        """Tell the guide why the scripted flash price is not on air (log + bus)."""
        s["withheld"] = reason
        log.warning(
            "flash price ¥%g for %s is not drawn (regular price and QR shown): %s",
            s["want"],
            s["sku"],
            reason,
        )
        self.withheld.append({"sku": s["sku"], "flash_price": s["want"], "reason": reason})
        self._set_alert(_alert({"kind": "flash_price", **s}, reason, self.lang))
        if self._bus is not None:
            self._bus.publish(
                "commerce.promo_refused",
                kind="flash_price",
                sku=s["sku"],
                flash_price=s["want"],
                reason=reason,
                source="overlay",
            )

    def _set_alert(self, text: str) -> None:
        """The guide-only panel says what is not on air and why (viewers never see it)."""
        self.info.alert = text

    def _check_promo(self, t: float) -> None:
        """A coupon or group-buy the backend has not created within 2 s: tell the guide.

        It stays waiting for the rest of its time on air: a late confirmation still draws it.
        """
        w = self._promo_wait
        if w is None:
            return
        if t - w["t0"] >= w["duration"]:
            self._promo_wait = None
            return
        if w.get("withheld") or t - w["t0"] < FLASH_CONFIRM_SECONDS:
            return
        reason = "the backend has not confirmed it (offline or not registered)"
        w["withheld"] = reason
        what = _promo_what(w["state"])
        log.warning("%s %s is not drawn: %s", w["state"]["kind"], what, reason)
        self.withheld.append({**what, "reason": reason})
        self._set_alert(_alert(w["state"], reason, self.lang))
        if self._bus is not None:
            self._bus.publish("commerce.promo_refused", **what, reason=reason, source="overlay")

    def _check_flash(self, t: float) -> None:
        s = self.slots["popup"].state
        if not s or s.get("want") is None or s.get("withheld"):
            return
        t0 = s.setdefault("want_t0", t)
        if t - t0 >= FLASH_CONFIRM_SECONDS:
            self._withhold(s, "the backend has not confirmed it (offline or not registered)")

    def _leaderboard(self, d: dict[str, Any], _t: float) -> None:
        """The region's guides this hour from the backend (``commerce.leaderboard``)."""
        rows = list(d.get("rows") or [])
        self._region_board = [
            (f"{r['guide']} · {r['store']}" if r.get("store") else str(r["guide"]), float(r["gmv"]))
            for r in rows
        ]
        self.info.rank = _my_rank(rows, d.get("me") is not None, self.lang)

    def _lottery(self, d: dict[str, Any], t: float) -> None:
        slot = self.slots["promo"]
        s = slot.state
        if s and s.get("kind") == "lottery" and d.get("winner"):
            s["winner"] = str(d["winner"])
            slot.until = max(t, s.get("ends", t)) + WINNER_SECONDS

    # -- per frame -----------------------------------------------------------------
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
            img = self._image(key, draw)
            if img is None:  # not drawn yet: what is on screen stays, a new slot waits
                self.late[slot.name] += 1
                if not slot.key:
                    layer.visible = False
                    if slot.anim == "in":
                        slot.anim_t0 = t  # its slide-in starts when its picture is there
                    return
            else:
                slot.key = key
                layer.set_image(img)
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

    def _image(self, key: tuple, draw: Callable[[], np.ndarray]) -> np.ndarray | None:
        if self.raster is None:
            return draw()
        img = self.raster.get(key)
        if img is None:
            self.raster.want(key, draw)
        return img

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
                key = ("groupbuy", p.sku, s["joined"], s["size"], s["price"], left)
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


def _cents(yuan: Any) -> int | None:
    return None if yuan is None else round(float(yuan) * 100)


def _same_promo(state: dict[str, Any], d: dict[str, Any]) -> bool:
    """Is ``d`` (a confirmation or refusal) about the coupon or group-buy ``state`` asks for?"""
    kind = state["kind"]
    if d.get("kind") != kind:
        return False
    if kind == "coupon":
        return _cents(state["amount"]) == _cents(d.get("amount")) and _cents(
            state.get("threshold") or 0
        ) == _cents(d.get("threshold") or 0)
    return (
        d.get("sku", state["sku"]) == state["sku"]
        and _cents(state.get("price")) == _cents(d.get("price"))
        and d.get("size", state["size"]) == state["size"]
    )


def _promo_what(state: dict[str, Any]) -> dict[str, Any]:
    """The figures of a promotion not on air, as ``withheld`` and the bus report them."""
    if state["kind"] == "coupon":
        return {"kind": "coupon", "amount": state["amount"], "threshold": state["threshold"]}
    return {
        "kind": "groupbuy",
        "sku": state["sku"],
        "price": state["price"],
        "size": state["size"],
    }


_WHY = {  # the reason (English, as logged) -> the guide-only panel's words for it
    "the backend has not confirmed it": "guide.why.unconfirmed",
    "the backend refused it": "guide.why.refused",
    "the backend would refuse it": "guide.why.would_refuse",
    "the product is not in the cached catalog": "guide.why.no_product",
    "the cue says too little": "guide.why.incomplete",
}


def _alert(state: dict[str, Any], reason: str, lang: str = "zh") -> str:
    """``未上屏 ¥10 券：后台拒绝`` for the guide: what viewers do not see, and why (``lang``)."""
    kind = state["kind"]
    if kind == "coupon":
        what = render("guide.what.coupon", {"amount": f"{state['amount']:g}"}, lang)
    elif kind == "groupbuy":
        price = state.get("price")
        what = (
            render("guide.what.groupbuy", {"price": f"{price:g}"}, lang)
            if price is not None
            else render("guide.what.groupbuy_any", None, lang)
        )
    else:
        what = render("guide.what.flash_price", {"price": f"{state['want']:g}"}, lang)
    mid = next((m for en, m in _WHY.items() if reason.startswith(en)), None)
    why = render(mid, None, lang) if mid else reason
    return render("guide.not_on_air", {"what": what, "why": why}, lang)


def _my_rank(rows: list[dict[str, Any]], known: bool, lang: str = "zh") -> str:
    """The guide's own place for the guide-only panel, when the on-air top five leaves it out.

    '' when the guide is on air already (top five) or the studio does not know who it is.
    """
    if not known:
        return ""
    for i, r in enumerate(rows):
        if r.get("me"):
            if i < BOARD_ROWS:
                return ""
            params = {"place": i + 1, "orders": r.get("orders", 0), "gmv": f"{float(r['gmv']):g}"}
            return render("guide.rank", params, lang)
    return render("guide.rank_none", None, lang) if rows else ""
