"""The cue engine: runs a show script on the media clock.

It is a tick hook on the output clock, called with (frame index, media
seconds) before each frame is composed. A timed cue fires on the first frame
at or after its planned time (so within one frame of it); a manual trigger or
"next cue" from any thread fires on the next frame; an event cue ("after 20
orders") fires on the frame after the event arrived. Every firing changes an
overlay, publishes ``show.action`` for the commerce outbox and marks a
chapter in the recording, whose titles ``studio clips`` reads back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.events import Event, EventBus
from studio.messages import CATALOGUE, describe_cue, render
from studio.show.catalog import Product
from studio.show.script import ACTIONS, Cue, Show, fmt_time
from studio.show.stage import Stage

if TYPE_CHECKING:
    from studio.media.engine import Pipeline

log = logging.getLogger(__name__)

EXPLAIN = "讲解"  # chapter prefix of a product explanation: a clip starts here
SEGMENT = "段落"  # chapter prefix of a segment start: a clip ends here
HIDE = "收起"  # chapter prefix of a hidden card: a clip ends here too
SEP = "｜"
LINK = "链接"  # chapter prefix of a shown purchase link


def product_chapter(prefix: str, product: Product | None) -> str:
    """``讲解｜<name>｜<sku>``: one naming for scripted and unscripted products (clips parse it)."""
    return f"{prefix}{SEP}{product.name}{SEP}{product.sku}" if product else prefix


@dataclass(frozen=True)
class Fired:
    cue_id: str
    frame: int
    seconds: float
    planned: float | None
    trigger: str  # time | manual | event | next
    action_id: str
    requested: int | None = None  # last frame composed when a manual/event cue was asked for


class CueEngine:
    def __init__(
        self,
        show: Show,
        overlays: Stage,
        bus: EventBus,
        *,
        chapter: Callable[[str], None] | None = None,
        run_id: str | None = None,
        session_id: str | None = None,
    ) -> None:
        self.show = show
        self.overlays = overlays
        self.bus = bus
        self.chapter = chapter or (lambda title: None)
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.session_id = session_id
        self.fired: list[Fired] = []
        self._timed = show.timed()
        self._next_timed = 0
        self._done: set[str] = set()
        self._counts: Counter[str] = Counter()
        self._queue: list[tuple[str, str, int]] = []  # (cue id, trigger, frame when asked)
        self._frame = -1  # the frame the last tick ran for
        self._qlock = threading.Lock()
        self._orders = 0
        self._segment = -1
        self._segment_entered = 0.0
        self._started = False
        self._unsub = bus.subscribe("commerce.", self._on_commerce)
        overlays.prefetch_links(
            sorted({c.product for c in show.cues if c.action == "pop_link" and c.product})
        )
        # every card, pop-up and promo of the script drawn now, not on the clock when it fires
        overlays.prerender(self._draw_ahead)
        # commerce answers with the stock the backend counts and the promotions it would refuse
        bus.publish(
            "show.prepared",
            session_id=session_id,
            run_id=self.run_id,
            cues=[
                {
                    "cue_id": c.id,
                    "action": c.action,
                    "sku": c.product,
                    **{k: v for k, v in c.params.items() if k != "product"},
                    "duration": c.duration,
                }
                for c in show.cues
            ],
        )

    @classmethod
    def attach(cls, pipeline: Pipeline, show: Show, overlays: Stage, **kw: Any) -> CueEngine:
        """Run ``show`` on the pipeline's clock; its hook goes first: overlays see cues at once."""
        engine = cls(show, overlays, pipeline.bus, chapter=pipeline.add_chapter, **kw)
        pipeline.tick_hooks.insert(0, engine.tick)
        return engine

    # -- API (any thread) --------------------------------------------------------------
    def trigger(self, cue_id: str) -> None:
        """Fire a cue (typically a manual one) on the next frame."""
        self.show.cue(cue_id)  # KeyError for a cue the show does not have
        with self._qlock:
            self._queue.append((cue_id, "manual", self._frame))

    def hotkey(self, key: str) -> bool:
        for c in self.show.cues:
            if c.hotkey and c.hotkey.lower() == key.lower():
                self.trigger(c.id)
                return True
        return False

    def next_cue(self) -> Cue | None:
        """Fire the next planned cue now (the guide is ahead of plan); None when none is left."""
        nxt = self.upcoming()
        if nxt is not None:
            with self._qlock:
                self._queue.append((nxt.id, "next", self._frame))
        return nxt

    def upcoming(self) -> Cue | None:
        with self._qlock:
            queued = {cid for cid, _, _ in self._queue}
        for c in self._timed[self._next_timed :]:
            if c.id not in self._done and c.id not in queued:
                return c
        return None

    def close(self) -> None:
        self._unsub()
        self._publish("show_ended", f"{self.run_id}:show:end", {"fired": len(self.fired)})

    # -- events -------------------------------------------------------------------------
    def _on_commerce(self, event: Event) -> None:
        d = event.data
        if d.get("source") == "prepare":  # stock before the show: nothing sold out during it
            return
        due: list[str] = []
        if event.topic == "commerce.order":
            with self._qlock:
                self._orders += 1
                n = self._orders
            due += [c.id for c in self.show.cues if c.on == "orders" and c.count == n]
        stock = d.get("stock")
        if (
            event.topic in ("commerce.stock", "commerce.order")
            and stock is not None
            and int(stock) <= 0
        ):
            due += [c.id for c in self.show.cues if c.on == "sold_out" and c.of == d.get("sku")]
        with self._qlock:
            self._queue += [(cid, "event", self._frame) for cid in due if cid not in self._done]

    # -- the clock ----------------------------------------------------------------------
    def tick(self, frame: int, t: float) -> None:
        with self._qlock:
            self._frame = frame
        if not self._started:
            self._started = True
            s = self.show
            self._publish(
                "show_started",
                f"{self.run_id}:show:start",
                {
                    "title": s.title,
                    "store": s.store,
                    "guide": s.guide,
                    "planned_seconds": s.duration,
                    "path": s.path,
                },
            )
        self._segments(t)
        eps = 1e-6
        while (
            self._next_timed < len(self._timed)
            and (self._timed[self._next_timed].at or 0) <= t + eps
        ):
            cue = self._timed[self._next_timed]
            self._next_timed += 1
            if cue.id not in self._done:
                self._fire(cue, frame, t, "time")
        with self._qlock:
            queued, self._queue = self._queue, []
        for cid, how, asked in queued:
            cue = self.show.cue(cid)
            if how == "event" and cid in self._done:
                continue
            if how == "next" and cue.segment is not None and cue.segment > self._segment:
                self._enter(cue.segment, t)  # "next" into a later segment: the guide moved on
            self._fire(cue, frame, t, how, asked)
        self._guide_next()

    @property
    def segment(self) -> tuple[int, float] | None:
        """(index, show seconds it began) of the segment the guide is in; None before the first."""
        if self._segment < 0:
            return None
        return self._segment, self._segment_entered

    def _segments(self, t: float) -> None:
        idx = -1
        for i, s in enumerate(self.show.segments):
            if s.start <= t + 1e-6:
                idx = i
        if idx > self._segment:  # forward only: a guide ahead of plan is not sent back
            self._enter(idx, t)

    def _enter(self, idx: int, t: float) -> None:
        """The guide is in segment ``idx`` now: chapter mark, prompter and notes follow."""
        self._segment, self._segment_entered = idx, t
        seg = self.show.segments[idx]
        self.chapter(f"{SEGMENT}{SEP}{seg.title}")
        # the products before leave with their QR and group-buy, unless this segment lists them
        self.overlays.retire_products(seg.products)
        self.overlays.set_guide_info(
            segment=seg.title, notes=seg.notes, talking_points=seg.talking_points
        )

    def describe(self, cue: Cue) -> str:
        """A cue as the cue list says it (product names, no ids), in the guide panel's language."""
        return describe_cue(cue, self.overlays.lang, lambda sku: self.overlays.product(sku).name)

    def _guide_next(self) -> None:
        nxt = self.upcoming()
        text = self.describe(nxt) if nxt else ""
        if not text:
            manual = [c for c in self.show.cues if c.trigger == "manual"]
            text = "   ".join(self.describe(c) for c in manual[:3])
        if text != self.overlays.info.next_cue:
            self.overlays.set_guide_info(next_cue=text)

    def chapter_title(self, cue: Cue) -> str:
        p = self.overlays.catalog.get(cue.product) if cue.product else None
        prod = product_chapter("", p) if p else ""
        a = cue.action
        if a == "show_card":
            return product_chapter(EXPLAIN, p)
        if a == "hide_card":
            return f"{HIDE}{prod or SEP + '商品卡'}"
        if a == "chapter":
            return str(cue.params["title"])
        label = {
            "pop_link": LINK,
            "coupon": "优惠券",
            "groupbuy": "拼团",
            "lottery": "抽奖",
            "lower_third": "字幕",
            "leaderboard": "榜单",
            "scene": "切换",
            "hide_link": "收起链接",
        }.get(a, a)
        extra = str(cue.params.get("prize") or cue.params.get("name") or "")
        if a == "scene" and f"scene.{extra}" in CATALOGUE:  # 切换｜分屏, not 切换｜split
            extra = render(f"scene.{extra}", None, "zh")
        return f"{label}{prod}" + (f"{SEP}{extra}" if extra else "")

    def _draw_ahead(self, ov: Stage) -> None:
        for c in self.show.cues:
            with contextlib.suppress(Exception):  # a broken cue reports itself when it fires
                self._act(ov, c)

    @staticmethod
    def _act(ov: Stage, cue: Cue) -> dict[str, Any]:
        """What a cue does to the overlays; returns its parameters (a pop-up's with its url)."""
        p = cue.params
        dur = cue.duration
        a = cue.action
        if a == "show_card":
            ov.show_card(p["product"], p.get("duration"))  # another product's QR comes down
        elif a == "hide_card":
            ov.hide_card()
        elif a == "pop_link":
            url = ov.pop_link(p["product"], dur or 20.0, p.get("flash_price"))
            p = {**p, "url": url}
        elif a == "hide_link":
            ov.hide_link()
        elif a == "coupon":
            ov.coupon(
                p["amount"], p.get("threshold"), p.get("title") or "", dur or 30.0, p.get("product")
            )
        elif a == "groupbuy":
            ov.groupbuy(p["product"], p["size"], p.get("price"), dur or 60.0)
        elif a == "lottery":
            ov.lottery(p["prize"], dur or 30.0)
        elif a == "lower_third":
            ov.lower_third(p.get("text") or "", dur)
        elif a == "leaderboard":
            ov.leaderboard(dur)
        elif a == "scene":
            ov.set_scene(p["name"])
        return p

    def _fire(self, cue: Cue, frame: int, t: float, how: str, asked: int | None = None) -> None:
        self._done.add(cue.id)
        self._counts[cue.id] += 1
        action_id = f"{self.run_id}:{cue.id}:{self._counts[cue.id]}"
        a = cue.action
        p = cue.params
        try:
            p = self._act(self.overlays, cue)
        except Exception:
            log.exception("cue %s (%s) failed to change the overlays", cue.id, a)
        self.chapter(self.chapter_title(cue))
        self.fired.append(Fired(cue.id, frame, t, cue.at, how, action_id, asked))
        log.info("cue %s %s fired at %s (frame %d, %s)", cue.id, a, fmt_time(t), frame, how)
        payload = {
            "cue_id": cue.id,
            "action": a,
            "trigger": how,
            "frame": frame,
            "at": round(t, 3),
            "planned_at": cue.at,
            "sku": cue.product,
            **{k: v for k, v in p.items() if k != "product"},
        }
        self._publish(ACTIONS[a].event, action_id, payload)

    def _publish(self, kind: str, action_id: str, payload: dict[str, Any]) -> None:
        self.bus.publish(
            "show.action",
            type=kind,
            session_id=self.session_id,
            payload=payload,
            action_id=action_id,
        )
