"""Who may read and write what: role scopes checked on every endpoint.

- admin: everything.
- regional_manager: reads everything in their region; writes nothing but refunds.
- trainer: reads their region; writes rehearsal sessions only.
- store_manager: reads and writes their store.
- guide: reads and writes their own store's sessions, links and orders.
Out-of-scope objects answer 403 (they exist, you may not); missing ones 404.

The ``can_*`` predicates are pure; the helpers below them look the object up
(404 when missing) and raise 403, so a route checks access in one call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.backend.engine import Row
from studio.backend.errors import ApiError

if TYPE_CHECKING:
    from studio.backend.service import CommerceService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    region_id: int | None
    store_id: int | None
    guide_id: int | None


@dataclass(frozen=True)
class StoreRef:
    id: int
    region_id: int


def can_read_store(user: User, store: StoreRef) -> bool:
    if user.role == "admin":
        return True
    if user.role in ("regional_manager", "trainer"):
        return user.region_id == store.region_id
    return user.store_id == store.id


def can_write_session(user: User, store: StoreRef, rehearsal: bool) -> bool:
    if user.role == "admin":
        return True
    if user.role in ("guide", "store_manager"):
        return user.store_id == store.id
    if user.role == "trainer":
        return rehearsal and user.region_id == store.region_id
    return False


def can_refund(user: User, store: StoreRef) -> bool:
    if user.role == "admin":
        return True
    if user.role == "store_manager":
        return user.store_id == store.id
    if user.role == "regional_manager":
        return user.region_id == store.region_id
    return False


def require(ok: bool, what: str) -> None:
    if not ok:
        raise ApiError(403, f"your role may not {what}")


def can_read_region(user: User, region_id: int) -> bool:
    return user.role == "admin" or user.region_id == region_id


def read_store(commerce: CommerceService, user: User, store_id: int, what: str) -> None:
    """403 unless ``user`` may read store ``store_id`` (``what`` completes "may not ...")."""
    require(can_read_store(user, commerce.store_ref(store_id)), what)


def readable_session(commerce: CommerceService, user: User, session_id: int, what: str) -> Row:
    """The session (404 when missing) if ``user`` may read its store, else 403."""
    sess = commerce.session_row(session_id)
    read_store(commerce, user, sess["store_id"], what)
    return sess


def writable_session(commerce: CommerceService, user: User, session_id: int) -> Row:
    """The session (404 when missing) if ``user`` may change it, else 403."""
    sess = commerce.session_row(session_id)
    require(
        can_write_session(user, commerce.store_ref(sess["store_id"]), bool(sess["rehearsal"])),
        f"change live session {session_id}",
    )
    return sess


def readable(commerce: CommerceService, user: User, store_id: int) -> bool:
    """Whether ``user`` may read store ``store_id`` (for filtering lists)."""
    return can_read_store(user, commerce.store_ref(store_id))
