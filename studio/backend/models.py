"""Request and response models: the JSON contract published at ``/openapi.json``.

The names both sides share (action kinds, session states) are the commerce
contract's (:mod:`studio.contract`); these are the server's pydantic shapes of it.

Money is always integer cents (``*_cents``); times are unix seconds (float).
Requests forbid unknown fields so a typo is a 422, not a silently ignored value.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from studio.contract.actions import ActionKind
from studio.contract.sessions import SessionState

Role = Literal["guide", "store_manager", "regional_manager", "trainer", "admin"]
Fulfilment = Literal["pickup", "delivery"]

_Id = Field(ge=1, le=2**62)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    detail: str = Field(description="One sentence: what is wrong and how to fix it")


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    region_id: int | None
    store_id: int | None
    guide_id: int | None


class LoginOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`")
    expires_at: float
    user: UserOut


class RegionOut(BaseModel):
    id: int
    name: str


class StoreOut(BaseModel):
    id: int
    region_id: int
    name: str
    address: str


class GuideOut(BaseModel):
    id: int
    store_id: int
    name: str


class ProductOut(BaseModel):
    id: int
    sku: str
    name: str
    category: str
    price_cents: int
    list_price_cents: int
    stock: int
    image_url: str


class SessionIn(_In):
    title: str = Field(min_length=1, max_length=100)
    guide_id: int | None = Field(
        default=None, ge=1, le=2**62, description="Defaults to the calling guide"
    )
    store_id: int | None = Field(
        default=None, ge=1, le=2**62, description="Defaults to the guide's store"
    )
    scheduled_start: float | None = Field(default=None, ge=0, le=1e11)
    rehearsal: bool = False


class SessionOut(BaseModel):
    id: int
    store_id: int
    guide_id: int
    title: str
    scheduled_start: float | None
    state: SessionState
    started_at: float | None
    ended_at: float | None
    rehearsal: bool
    share_url: str = Field(description="Booking (预约) page for the guide's exclusive QR")


class ActionIn(_In):
    kind: ActionKind
    payload: dict[str, Any] = Field(default_factory=dict)
    client_time: float | None = Field(default=None, ge=0, le=1e11)


class ActionOut(BaseModel):
    id: int
    session_id: int
    kind: ActionKind
    payload: dict[str, Any]
    client_time: float | None
    created_at: float
    session_state: str


class LinkIn(_In):
    session_id: int = _Id
    product_id: int = _Id
    coupon_id: int | None = Field(default=None, ge=1, le=2**62)
    ttl_seconds: int | None = Field(
        default=None, ge=1, le=90 * 86400, description="Link expires after this; default: never"
    )


class LinkOut(BaseModel):
    id: int
    token: str = Field(description="Opaque signed token; never parse it")
    url: str = Field(description="What the QR code encodes: <public base>/p/<token>")
    session_id: int
    product_id: int
    guide_id: int
    store_id: int
    coupon_id: int | None
    created_at: float
    expires_at: float | None
    clicks: int


class CommissionOut(BaseModel):
    id: int
    order_id: int
    guide_id: int
    amount_cents: int
    rate: float
    state: Literal["pending", "settled", "reversed"]
    created_at: float
    settle_after: float
    settled_at: float | None
    reversed_at: float | None


class OrderOut(BaseModel):
    id: int
    order_no: str
    source: Literal["checkout", "webhook"]
    shop_order_id: str | None
    session_id: int
    product_id: int
    product_name: str
    product_sku: str
    buyer_phone_tail: str = Field(description="last 4 digits of the buyer's phone, for toasts")
    buyer_masked: str = Field(description="buyer's name with all but the first character masked")
    guide_id: int
    store_id: int
    quantity: int
    unit_price_cents: int
    discount_cents: int
    amount_cents: int
    coupon_id: int | None
    groupbuy_id: int | None
    flash_price_id: int | None = Field(
        default=None, description="the flash price that set unit_price_cents, if any"
    )
    fulfilment: Fulfilment
    status: Literal["paid", "refunded"]
    rehearsal: bool
    created_at: float
    refunded_at: float | None
    commission: CommissionOut | None


class RefundIn(_In):
    reason: str = Field(default="", max_length=200)


class WebhookOrderIn(_In):
    shop_order_id: str = Field(min_length=1, max_length=64)
    link_token: str = Field(min_length=1, max_length=64)
    status: Literal["paid", "refunded"] = "paid"
    quantity: int = Field(ge=1, le=999)
    amount_cents: int = Field(ge=0, le=10**10, description="What the buyer paid")
    fulfilment: Fulfilment = "delivery"


class WebhookOut(BaseModel):
    order: OrderOut
    duplicate: bool = Field(description="True when this shop order id was already recorded")


class CouponIn(_In):
    session_id: int = _Id
    product_id: int | None = Field(default=None, ge=1, le=2**62)
    title: str = Field(min_length=1, max_length=50)
    discount_cents: int = Field(ge=1, le=10**8)
    min_spend_cents: int = Field(default=0, ge=0, le=10**10)
    total: int = Field(ge=1, le=100_000)
    ttl_seconds: int | None = Field(default=None, ge=1, le=90 * 86400)


class CouponOut(BaseModel):
    id: int
    session_id: int
    product_id: int | None
    code: str
    title: str
    discount_cents: int
    min_spend_cents: int
    total: int
    used: int
    expires_at: float | None


class GroupBuyIn(_In):
    session_id: int = _Id
    product_id: int = _Id
    group_price_cents: int = Field(ge=0, le=10**10)
    size: int = Field(ge=2, le=1000)
    minutes: int = Field(ge=1, le=24 * 60)


class GroupBuyOut(BaseModel):
    id: int
    session_id: int
    product_id: int
    group_price_cents: int
    size: int
    joined: int
    state: Literal["open", "succeeded", "failed"]
    created_at: float
    ends_at: float


class FlashPriceIn(_In):
    session_id: int = _Id
    product_id: int = _Id
    price_cents: int = Field(ge=1, le=10**10)
    starts_at: float = Field(ge=0, le=1e11, description="window start, unix seconds")
    ends_at: float = Field(ge=0, le=1e11, description="window end (exclusive), unix seconds")


class FlashPriceOut(BaseModel):
    id: int
    session_id: int
    product_id: int
    price_cents: int
    starts_at: float
    ends_at: float
    created_at: float


class LotteryIn(_In):
    session_id: int = _Id
    prize: str = Field(min_length=1, max_length=100)
    winners: int = Field(ge=1, le=100)
    draw_in_seconds: int | None = Field(
        default=None, ge=1, le=86400, description="the backend draws it this long after now"
    )


class LotteryOut(BaseModel):
    id: int
    session_id: int
    prize: str
    winners: int
    state: Literal["open", "drawn"]
    result: list[dict[str, Any]] | None
    created_at: float
    drawn_at: float | None
    draws_at: float | None = None


class LeaderRow(BaseModel):
    hour: str = Field(description="UTC hour bucket, e.g. 2025-01-01T10:00Z")
    rank: int
    guide_id: int
    guide_name: str
    store_name: str
    orders: int
    gmv_cents: int


class LinkStat(BaseModel):
    link_id: int
    product_id: int
    product_name: str
    clicks: int
    orders: int
    gmv_cents: int


class SummaryOut(BaseModel):
    session_id: int
    clicks: int
    orders: int
    refunds: int
    gmv_cents: int
    conversion: float = Field(description="orders / clicks (0 when no clicks)")
    bookings: int
    commission_cents: int
    links: list[LinkStat]


class EventOut(BaseModel):
    id: int
    session_id: int
    type: str
    data: dict[str, Any]
    created_at: float


class SettleOut(BaseModel):
    settled: int


class HealthOut(BaseModel):
    ok: bool
    schema_version: int


class PromoRulesIn(_In):
    max_coupon_cents: int = Field(ge=0, le=10**8, description="No coupon worth more than this")
    max_discount_pct: int = Field(
        ge=0, le=100, description="Most a coupon may take off its base or the order subtotal, %"
    )
    min_group_price_pct: int = Field(
        ge=1, le=100, description="Lowest group price as a share of the product's price, %"
    )


class PromoRulesOut(PromoRulesIn):
    store_id: int


class StockAdjustIn(_In):
    delta: int = Field(ge=-1_000_000, le=1_000_000, description="Units added (+) or removed (-)")
    reason: str = Field(min_length=1, max_length=200, description="Why: count, delivery, damage")


class StockMoveOut(BaseModel):
    id: int
    product_id: int
    pool: Literal["real", "rehearsal"]
    kind: Literal["opening", "sale", "refund", "adjustment", "unmatched_refund"]
    delta: int
    stock_after: int
    order_id: int | None
    session_id: int | None
    user_id: int | None
    note: str
    created_at: float
