"""拼团 seats: one buyer per seat, so one shopper cannot fill a group alone.

A buyer is known by the digits of their phone number (the checkout form's
``buyer_phone``); joining a group needs one. A second join with the same number
is a 409, whatever name it carries. Seats are rows of ``groupbuy_members``
(primary key: group, buyer), taken in the order's own transaction.
"""

from __future__ import annotations

import logging

from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError

log = logging.getLogger(__name__)

MIN_PHONE_DIGITS = 6


def buyer_key(phone: str) -> str:
    """The buyer's identity for seat counting: the ASCII digits of the phone number."""
    digits = "".join(ch for ch in phone if "0" <= ch <= "9")
    if len(digits) < MIN_PHONE_DIGITS:
        raise ApiError(422, "joining a group-buy needs the buyer's phone number (拼团需填写手机号)")
    return digits[-11:]  # +86 / 0086 prefixes name the same phone


def check_seat(conn: Conn, groupbuy_id: int, key: str) -> None:
    taken = conn.execute(
        "SELECT 1 FROM groupbuy_members WHERE groupbuy_id=? AND buyer_key=?", (groupbuy_id, key)
    ).fetchone()
    if taken:
        raise ApiError(409, "this phone number has already joined this group-buy (每人限拼一次)")


def take_seat(conn: Conn, gb: Row, key: str, order_id: int) -> Row:
    """Record the seat and move the group on; returns the group's new row."""
    conn.execute(
        "INSERT INTO groupbuy_members(groupbuy_id, buyer_key, order_id) VALUES(?,?,?)",
        (gb["id"], key, order_id),
    )
    joined = gb["joined"] + 1
    state = "succeeded" if joined >= gb["size"] else "open"
    conn.execute("UPDATE groupbuys SET joined=?, state=? WHERE id=?", (joined, state, gb["id"]))
    return conn.execute("SELECT * FROM groupbuys WHERE id=?", (gb["id"],)).one()
