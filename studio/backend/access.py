"""Who may read and write what: role scopes checked on every endpoint.

- admin: everything.
- regional_manager: reads everything in their region; writes nothing but refunds.
- trainer: reads their region; writes rehearsal sessions only.
- store_manager: reads and writes their store.
- guide: reads and writes their own store's sessions, links and orders.
Out-of-scope objects answer 403 (they exist, you may not); missing ones 404.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from studio.backend.errors import ApiError

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
