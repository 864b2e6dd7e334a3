"""Orders, refunds and commissions."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from studio.backend import models as m
from studio.backend.access import can_refund, read_store, require
from studio.backend.deps import AUTH_ERRORS, ERR, WRITE_ERRORS, Auth, Idem, IdemKey, IdPath, State
from studio.backend.services import orders

router = APIRouter(tags=["orders"])


@router.get("/api/orders", response_model=list[m.OrderOut], responses=AUTH_ERRORS)
def list_orders(
    user: Auth,
    state: State,
    session_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    return orders.listed(state.commerce, user, session_id, limit)


@router.get("/api/orders/{order_id}", response_model=m.OrderOut, responses=AUTH_ERRORS)
def get_order(order_id: IdPath, user: Auth, state: State) -> dict[str, Any]:
    order = state.commerce.order_out(order_id)
    read_store(state.commerce, user, order["store_id"], f"read order {order_id}")
    return order


@router.post("/api/orders/{order_id}/refund", response_model=m.OrderOut, responses=WRITE_ERRORS)
def refund_order(
    order_id: IdPath,
    body: m.RefundIn,
    user: Auth,
    state: State,
    idem: Idem,
    idempotency_key: IdemKey = None,
) -> dict[str, Any]:
    """Refund an order; its commission is reversed (even if already settled)."""
    commerce = state.commerce
    order = commerce.order_out(order_id)
    require(can_refund(user, commerce.store_ref(order["store_id"])), f"refund order {order_id}")
    return idem.run(
        idempotency_key,
        f"refund_order:{order_id}",
        body,
        lambda conn: (200, commerce.refund(order_id)),
    )


@router.get(
    "/api/commissions", response_model=list[m.CommissionOut], responses={401: ERR, 422: ERR}
)
def list_commissions(
    user: Auth,
    app_state: State,
    state: Annotated[str | None, Query(pattern="^(pending|settled|reversed)$")] = None,
) -> list[dict[str, Any]]:
    """A guide sees their own commissions; managers see their scope."""
    return orders.commissions(app_state.commerce, user, state)


@router.post("/api/commissions/settle", response_model=m.SettleOut, responses={401: ERR, 403: ERR})
def settle_commissions(user: Auth, state: State) -> dict[str, Any]:
    """Settle commissions whose return window has passed (also runs in the background)."""
    require(user.role == "admin", "settle commissions")
    return {"settled": state.commerce.settle_due()}
