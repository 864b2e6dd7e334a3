"""How the overlays react to commerce: orders, stock, confirmations and refusals of promotions.

Events arrive on the bus on any thread; :meth:`CommerceReactions.on_commerce` queues them and
the handlers run on the next tick. The rule they keep: a flash price, coupon or group-buy is
on air only once the backend confirmed it; what is held back is told to the guide (the
guide-only panel, in the window's language) and never to viewers. Split from
:mod:`studio.overlays.manager`, which owns the actions.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studio.events import Event, EventBus
from studio.messages import render
from studio.overlays import widgets
from studio.overlays.slots import (
    BOARD_ROWS,
    FLASH_CONFIRM_SECONDS,
    TOAST_SECONDS,
    WINNER_SECONDS,
    _Board,
    _Slot,
)

if TYPE_CHECKING:
    from studio.show.catalog import Catalog

log = logging.getLogger(__name__)


class CommerceReactions:
    """The commerce half of :class:`~studio.overlays.manager.OverlayManager` (a mixin)."""

    # set by OverlayManager.__init__
    slots: dict[str, _Slot]
    catalog: Catalog
    stock: dict[str, int]
    info: widgets.GuideInfo
    lang: str
    guide: str
    commission_rate: float
    now: Callable[[], float]
    withheld: list[dict[str, Any]]
    flash_confirmed: dict[tuple[str, int], float]
    promo_confirmed: list[dict[str, Any]]
    _promo_wait: dict[str, Any] | None
    _bus: EventBus | None
    _toasts: deque[dict[str, Any]]
    _board: _Board
    _region_board: list[tuple[str, float]]

    if TYPE_CHECKING:  # defined by OverlayManager

        def _ask(self, slot: str, state: dict[str, Any], duration: float | None) -> None: ...

        def _queue(self, fn: Callable[[float], None]) -> None: ...

        def _put_promo(
            self, state: dict[str, Any], confirmed: dict[str, Any], seconds: float, t: float
        ) -> None: ...

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
