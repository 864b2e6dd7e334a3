"""What the shopper pages (checkout, booking) read and write: no login, a signed token.

Named ``services.shopper`` to keep it apart from :mod:`studio.backend.shoppers`
(the simulated phones of ``--demo-shoppers``).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

from studio.backend.engine import Row
from studio.backend.errors import ApiError
from studio.backend.security import LinkSigner
from studio.backend.service import CommerceService
from studio.backend.services.catalog import guide_with_store

log = logging.getLogger(__name__)


def store_and_guide(commerce: CommerceService, link: Row) -> tuple[Any, str]:
    """The link's store row and its guide's name."""
    store = commerce.db.one("SELECT * FROM stores WHERE id=?", link["store_id"])
    guide = commerce.db.conn.execute(
        "SELECT name FROM guides WHERE id=?", (link["guide_id"],)
    ).one()
    return store, guide["name"]


def order_form(raw: bytes) -> tuple[dict[str, str], int]:
    """The checkout form's fields (last value wins) and its quantity; 422 if unreadable."""
    try:
        form = {
            k: v[-1]
            for k, v in parse_qs(
                raw.decode("utf-8"), strict_parsing=False, max_num_fields=20
            ).items()
        }
        quantity = int(form.get("quantity", "1"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(
            422, "the order form could not be read; quantity must be a whole number"
        ) from exc
    return form, quantity


def checkout(commerce: CommerceService, token: str, form: dict[str, str], quantity: int) -> Any:
    return commerce.checkout(
        token,
        quantity=quantity,
        fulfilment=form.get("fulfilment", "pickup"),
        address=form.get("address", ""),
        buyer_name=form.get("buyer_name", ""),
        buyer_phone=form.get("buyer_phone", ""),
        use_coupon=form.get("use_coupon") == "1",
        join_group=form.get("join_group") == "1",
    )


def share_session(commerce: CommerceService, signer: LinkSigner, token: str) -> Row:
    """The session a poster's share token names (404 page when the token is not one)."""
    pid = signer.verify(token)
    if not pid or not pid.startswith("s") or not pid[1:].isdigit():
        raise ApiError(404, "unknown share link", page="unknown")
    return commerce.session_row(int(pid[1:]))


def booking(commerce: CommerceService, sess: Row) -> tuple[Row, int]:
    """The session's guide (with store) and how many have booked it."""
    g = guide_with_store(commerce.db, sess["guide_id"])
    count = int(
        commerce.db.conn.execute(
            "SELECT COUNT(*) FROM bookings WHERE session_id=?", (sess["id"],)
        ).one()[0]
    )
    return g, count


def book(commerce: CommerceService, session_id: int) -> None:
    with commerce.db.write() as conn:
        conn.execute(
            "INSERT INTO bookings(session_id, created_at) VALUES(?,?)",
            (session_id, commerce.clock.now()),
        )
