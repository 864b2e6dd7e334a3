"""Field lists of the backend's JSON bodies that the studio caches (``/openapi.json``).

The backend's pydantic models carry at least these fields (a test holds them to it);
the studio's local store keeps exactly these columns of them.
"""

from __future__ import annotations

PRODUCT_FIELDS = (
    "id",
    "sku",
    "name",
    "category",
    "price_cents",
    "list_price_cents",
    "stock",
    "image_url",
)
SESSION_FIELDS = ("id", "title", "state", "store_id", "guide_id", "rehearsal")
LINK_FIELDS = ("id", "session_id", "product_id", "token", "url", "created_at", "expires_at")
ORDER_FIELDS = (
    "id",
    "session_id",
    "product_id",
    "product_name",
    "quantity",
    "amount_cents",
    "status",
    "created_at",
    "refunded_at",
)
COMMISSION_FIELDS = ("id", "order_id", "guide_id", "amount_cents", "state")
PROMO_RULES_FIELDS = ("max_coupon_cents", "max_discount_pct", "min_group_price_pct")
