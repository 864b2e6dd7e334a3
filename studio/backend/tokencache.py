"""Bearer-token lookups remembered for a few seconds, so authenticating a request
costs no thread hop and no query when the same client calls again (a reconnecting
SSE feed, a polling studio). A cached entry still honours the token's own expiry
(on the backend's clock) and is dropped at logout."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from studio.backend.access import User

log = logging.getLogger(__name__)


class TokenCache:
    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[User, float, float]] = OrderedDict()

    def get(self, th: str, now: float) -> User | None:
        """The user of token hash ``th`` if remembered and still valid at ``now``."""
        with self._lock:
            hit = self._items.get(th)
            if hit is None:
                return None
            user, expires_at, fresh_until = hit
            if expires_at <= now or fresh_until <= time.monotonic():
                del self._items[th]
                return None
            return user

    def put(self, th: str, user: User, expires_at: float) -> None:
        with self._lock:
            self._items[th] = (user, expires_at, time.monotonic() + self.ttl)
            self._items.move_to_end(th)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def drop(self, th: str) -> None:
        with self._lock:
            self._items.pop(th, None)
