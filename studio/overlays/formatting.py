"""What the overlays and windows show of a commerce event: flat fields in yuan, masked buyers.

The commerce client publishes the backend's bodies (integer cents, ids) and, beside
them, these display fields, so every overlay and window formats a price, a buyer or a
lottery's winners the same way. Pure functions: the caller looks up what only the
local store knows (a product's SKU, a rehearsal's own stock) and passes it in.
"""

from __future__ import annotations

from typing import Any

NO_WINNER = "本轮无人中奖"  # a lottery drawn with no paying buyer yet (on air, so Chinese)


def _yuan(d: dict[str, Any], cents_key: str, yuan_key: str) -> float | None:
    if d.get(cents_key) is not None:
        return float(d[cents_key]) / 100
    return None if d.get(yuan_key) is None else float(d[yuan_key])


def promo_fields(kind: str, d: dict[str, Any]) -> dict[str, Any]:
    """A coupon's or group-buy's on-air figures in yuan, from a cue payload or a backend body.

    The overlay matches a confirmation or a refusal to the promotion it is holding by these.
    """
    if kind == "coupon":
        return {
            "amount": _yuan(d, "discount_cents", "amount"),
            "threshold": _yuan(d, "min_spend_cents", "threshold"),
        }
    return {
        "price": _yuan(d, "group_price_cents", "price"),
        "size": None if d.get("size") is None else int(d["size"]),
        "joined": int(d.get("joined") or 0),
    }


def display_fields(
    etype: str, data: dict[str, Any], *, sku: str | None = None, stock: int | None = None
) -> dict[str, Any]:
    """Flat fields the overlays and the UI show (sku, yuan amounts, masked buyer).

    ``sku``: the product's, when the body names only its id; ``stock``: the stock the
    session's pop-ups go by (a rehearsal's own), for ``stock.changed``.
    """
    out: dict[str, Any] = {}
    if data.get("product_sku") is not None:
        sku = data["product_sku"]
    if sku is not None:
        out["sku"] = str(sku)
    if etype in ("order.placed", "order.refunded"):
        com = data.get("commission") or {}
        out.update(
            name=data.get("product_name", ""),
            amount=(data.get("amount_cents") or 0) / 100,
            commission=(com.get("amount_cents") or 0) / 100,
            phone_tail=data.get("buyer_phone_tail", ""),
            buyer=data.get("buyer_masked", ""),
            order_no=data.get("order_no", ""),
        )
    elif etype == "stock.changed":
        out["stock"] = stock if stock is not None else data.get("stock")
    elif etype == "groupbuy.progress":  # the overlay's N/M is the backend's count
        out.update(joined=data.get("joined"), size=data.get("size"), state=data.get("state"))
    elif etype == "lottery.result":
        winners = [str(w.get("buyer") or "") for w in data.get("result") or []]
        out.update(prize=data.get("prize", ""), winner="、".join(w for w in winners if w))
        out["winner"] = out["winner"] or NO_WINNER
    return out


def leaderboard(rows: list[dict[str, Any]], me: int | None) -> list[dict[str, Any]]:
    """The region's guides in the latest hour the backend counted, best GMV first."""
    hour = max((r["hour"] for r in rows), default=None)
    return [
        {
            "guide": r["guide_name"],
            "store": r["store_name"],
            "orders": r["orders"],
            "gmv": r["gmv_cents"] / 100,
            "guide_id": r.get("guide_id"),
            "me": me is not None and r.get("guide_id") == me,
        }
        for r in sorted(rows, key=lambda r: -r["gmv_cents"])
        if r["hour"] == hour
    ]
