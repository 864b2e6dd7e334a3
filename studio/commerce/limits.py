"""Would the backend refuse this promotion? The store's limits, checked when a show is prepared.

A flash price over the store's discount limit used to be found on air: its pop-up fired, the
backend answered 422 and the guide learnt it mid-show. The script is known before going
live, and so are the store's limits (``GET /api/stores/{id}/promo-rules``, cached at
prepare): each scripted flash price, coupon and group price is checked then, with the
contract's rule functions (:mod:`studio.contract.promos`), the ones the backend applies,
so the studio and the backend cannot disagree on a limit.
"""

from __future__ import annotations

from typing import Any

from studio.contract import promos
from studio.contract.promos import PromoRuleError, PromoRules


def rules_of(data: dict[str, Any]) -> PromoRules:
    """The backend's ``PromoRulesOut`` (or its cached copy) as the rule functions take it."""
    return PromoRules.from_dict(data)


def refusal(
    rules: PromoRules, kind: str, params: dict[str, Any], price_cents: int | None
) -> str | None:
    """The backend's sentence refusing this cue's promotion, or None when it would accept it.

    ``kind`` is the cue's action (``pop_link`` with a ``flash_price``, ``coupon``,
    ``groupbuy``), ``params`` its parameters in the script's yuan, ``price_cents`` the
    product's price (None: not in the catalog, nothing to check against).
    """
    try:
        if kind == "pop_link" and params.get("flash_price") is not None:
            if price_cents is None:
                return None
            promos.check_flash(
                rules,
                price=price_cents,
                flash=round(float(params["flash_price"]) * 100),
                starts_at=0.0,
                ends_at=float(params.get("duration") or 20.0),
            )
        elif kind == "coupon" and params.get("amount") is not None:
            promos.check_coupon(
                rules,
                discount=round(float(params["amount"]) * 100),
                min_spend=round(float(params.get("threshold") or 0) * 100),
                product_price=price_cents if params.get("product") else None,
            )
        elif kind == "groupbuy" and params.get("price") is not None and price_cents is not None:
            promos.check_group_price(
                rules, price=price_cents, group_price=round(float(params["price"]) * 100)
            )
    except PromoRuleError as exc:
        return str(exc)
    return None
