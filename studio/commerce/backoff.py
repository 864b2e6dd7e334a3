"""Retry delays: exponential backoff with full jitter, and ``Retry-After`` parsing.

Full jitter (a uniform pick in ``[0, min(cap, base * 2**attempt)]``) spreads the
retries of many stores after a shared outage, so a backend that comes back is
not hit by every studio in the same instant. A server's ``Retry-After`` is a
floor: the studio never retries sooner than it was asked to.
"""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

BASE_SECONDS = 0.5
CAP_SECONDS = 30.0
MAX_RETRY_AFTER = 300.0  # a broken header must not park the outbox for hours


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return min(max(0.0, when - (time.time() if now is None else now)), MAX_RETRY_AFTER)


class Backoff:
    """Consecutive-failure counter that yields full-jitter delays."""

    def __init__(
        self,
        base: float = BASE_SECONDS,
        cap: float = CAP_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self.base, self.cap = base, cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def ceiling(self, attempt: int) -> float:
        return min(self.cap, self.base * 2 ** min(attempt, 60))

    def next_delay(self, retry_after: float | None = None) -> float:
        """The wait before the next try; counts one more failure."""
        delay = self._rng.uniform(0.0, self.ceiling(self.attempt))
        self.attempt += 1
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def reset(self) -> None:
        self.attempt = 0
