"""Orders pushed by a shop platform, signed with the webhook secret."""

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from studio.backend import models as m
from studio.backend.deps import ERR, State
from studio.backend.errors import ApiError
from studio.backend.security import check_webhook, check_webhook_headers

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])


async def verified(
    request: Request,
    state: State,
    x_studio_timestamp: Annotated[str | None, Header(max_length=20)] = None,
    x_studio_signature: Annotated[str | None, Header(max_length=100)] = None,
) -> None:
    """401 unless the delivery is signed with the webhook secret and fresh (±300 s)."""
    now = state.commerce.clock.now()
    reason = check_webhook_headers(x_studio_timestamp, x_studio_signature, now)
    if not reason:  # only a plausible delivery gets its body read
        body = await request.body()
        reason = check_webhook(state.hook_secret, x_studio_timestamp, x_studio_signature, body, now)
    if reason:
        log.warning("webhook rejected: %s", reason)
        raise ApiError(401, f"webhook rejected: {reason}")


@router.post(
    "/api/webhooks/orders",
    response_model=m.WebhookOut,
    dependencies=[Depends(verified)],
    responses={401: ERR, 413: ERR, 422: ERR},
)
def webhook_order(body: m.WebhookOrderIn, state: State) -> dict[str, Any]:
    """Order from a shop platform. Signed: X-Studio-Signature = sha256=HMAC(secret,
    "<X-Studio-Timestamp>.<raw body>"); ±300 s; idempotent by shop_order_id."""
    order, dup = state.commerce.webhook_order(body.model_dump())
    return {"order": order, "duplicate": dup}
