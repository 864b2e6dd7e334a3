"""Coupons, 拼团, 限时秒杀 and lotteries of a session.

Every promotion is created the same way (:func:`_create`): the caller may change the
session, the store's limits allow it, then the row is written once per
Idempotency-Key and answered with 201.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

from studio.backend import flash
from studio.backend import models as m
from studio.backend.access import readable_session, writable_session
from studio.backend.deps import (
    AUTH_ERRORS,
    WRITE_ERRORS,
    Auth,
    Idem,
    IdemKey,
    Idempotency,
    IdPath,
    State,
)
from studio.backend.service import CommerceService
from studio.backend.services import promotions as promo

router = APIRouter(tags=["promotions"])
In = TypeVar("In", m.CouponIn, m.GroupBuyIn, m.FlashPriceIn, m.LotteryIn)


def _create(
    idem: Idempotency,
    key: str | None,
    endpoint: str,
    body: In,
    create: Callable[[Any, CommerceService, Any, In], dict[str, Any]],
    check: Callable[[CommerceService, int, In], None] | None = None,
) -> dict[str, Any]:
    commerce, user = idem.commerce, idem.user
    sess = writable_session(commerce, user, body.session_id)
    if check is not None:
        check(commerce, sess["store_id"], body)
    return idem.run(key, endpoint, body, lambda conn: (201, create(conn, commerce, user, body)))


@router.post("/api/coupons", response_model=m.CouponOut, status_code=201, responses=WRITE_ERRORS)
def create_coupon(body: m.CouponIn, idem: Idem, idempotency_key: IdemKey = None) -> dict[str, Any]:
    return _create(
        idem, idempotency_key, "create_coupon", body, promo.create_coupon, promo.check_coupon
    )


@router.get(
    "/api/sessions/{session_id}/coupons", response_model=list[m.CouponOut], responses=AUTH_ERRORS
)
def list_coupons(session_id: IdPath, user: Auth, state: State) -> list[dict[str, Any]]:
    readable_session(state.commerce, user, session_id, "read coupons")
    return promo.coupons(state.commerce, session_id)


@router.post(
    "/api/groupbuys", response_model=m.GroupBuyOut, status_code=201, responses=WRITE_ERRORS
)
def start_groupbuy(
    body: m.GroupBuyIn, idem: Idem, idempotency_key: IdemKey = None
) -> dict[str, Any]:
    """Start a 拼团: `size` buyers within `minutes` get `group_price_cents`."""
    return _create(
        idem, idempotency_key, "start_groupbuy", body, promo.start_groupbuy, promo.check_groupbuy
    )


@router.get(
    "/api/sessions/{session_id}/groupbuys",
    response_model=list[m.GroupBuyOut],
    responses=AUTH_ERRORS,
)
def list_groupbuys(session_id: IdPath, user: Auth, state: State) -> list[dict[str, Any]]:
    readable_session(state.commerce, user, session_id, "read group-buys")
    return promo.groupbuys(state.commerce, session_id)


@router.post(
    "/api/flash-prices", response_model=m.FlashPriceOut, status_code=201, responses=WRITE_ERRORS
)
def create_flash_price(
    body: m.FlashPriceIn, idem: Idem, idempotency_key: IdemKey = None
) -> dict[str, Any]:
    """A 限时秒杀 price for the session's product: checkout charges it inside
    [starts_at, ends_at) only, and the regular price outside."""
    return _create(
        idem,
        idempotency_key,
        "create_flash_price",
        body,
        promo.create_flash_price,
        promo.check_flash_price,
    )


@router.get(
    "/api/sessions/{session_id}/flash-prices",
    response_model=list[m.FlashPriceOut],
    responses=AUTH_ERRORS,
)
def list_flash_prices(session_id: IdPath, user: Auth, state: State) -> list[dict[str, Any]]:
    readable_session(state.commerce, user, session_id, "read flash prices")
    return flash.for_session(state.db.conn, session_id)


@router.post("/api/lotteries", response_model=m.LotteryOut, status_code=201, responses=WRITE_ERRORS)
def start_lottery(body: m.LotteryIn, idem: Idem, idempotency_key: IdemKey = None) -> dict[str, Any]:
    return _create(idem, idempotency_key, "start_lottery", body, promo.start_lottery)


@router.post(
    "/api/lotteries/{lottery_id}/draw", response_model=m.LotteryOut, responses=WRITE_ERRORS
)
def draw_lottery(lottery_id: IdPath, user: Auth, state: State) -> dict[str, Any]:
    """Draw winners among the session's paying buyers; drawing twice returns the result."""
    writable_session(state.commerce, user, promo.lottery_session(state.commerce, lottery_id))
    return promo.draw_lottery(state.commerce, lottery_id)
