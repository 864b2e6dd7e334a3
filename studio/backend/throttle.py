"""Throttles: login back-off per account and per client address, and rate limits on
the anonymous write routes (checkout buys, bookings).

Login, after a few free failures, waits ``base * 2**n`` seconds (capped at ``max``)
before the next check counts, per (account, address), per address and per account.
A throttled attempt answers 429 with ``Retry-After`` and runs no password check, so
an attacker cannot make the server hash. The real user is never locked out for
good: every wait is capped, a success clears the counters of its (account,
address), and an address that has logged in to an account before is exempt from
that account's own (all-addresses) counter, so a stranger's flood cannot lock the
owner out of their usual device. Password checks (argon2, ~19 MiB each) run at
most ``verify_slots`` at a time, on their own threads.

All state is in memory (one process), bounded in size, and forgotten after
``forget_after`` seconds of quiet.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from studio.backend.errors import ApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    login_backoff: float = 1.0  # seconds after the first failure past the free ones
    login_backoff_max: float = 300.0
    free_per_account_address: int = 5
    free_per_address: int = 20
    free_per_account: int = 20
    verify_slots: int = 2
    verify_wait: float = 5.0
    buys_per_minute: float = 240.0  # per client address; 0 = unlimited
    buy_burst: int = 120
    bookings_per_minute: float = 6.0
    booking_burst: int = 5
    forget_after: float = 3600.0
    max_entries: int = 100_000


@dataclass
class _Failures:
    count: int = 0
    until: float = 0.0
    seen: float = 0.0


@dataclass
class _Bucket:
    tokens: float
    seen: float = field(default=0.0)


class _Bounded(OrderedDict[tuple[str, ...], object]):
    """An LRU map that forgets its oldest entries beyond ``cap``."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def touch(self, key: tuple[str, ...], make: Callable[[], object]) -> object:
        value = self.get(key)
        if value is None:
            value = self[key] = make()
            while len(self) > self.cap:
                self.popitem(last=False)
        else:
            self.move_to_end(key)
        return value


def _busy() -> ApiError:
    return ApiError(503, "too many logins at once; try again", headers={"Retry-After": "1"})


def too_many(detail: str, wait: float) -> ApiError:
    seconds = max(1, math.ceil(wait))
    return ApiError(
        429, f"{detail}; try again in {seconds} s", headers={"Retry-After": str(seconds)}
    )


class Throttle:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = _Bounded(limits.max_entries)
        self._known = _Bounded(limits.max_entries)  # (account, address) that logged in
        self._buckets = _Bounded(limits.max_entries)
        self._pool = ThreadPoolExecutor(limits.verify_slots, thread_name_prefix="password-check")
        self._waiting = 0
        self.checks = 0  # password checks run (for tests and ops)

    # ---- login -------------------------------------------------------------------------
    def _keys(self, account: str, address: str) -> list[tuple[tuple[str, ...], int]]:
        lim = self.limits
        keys = [
            (("pair", account, address), lim.free_per_account_address),
            (("addr", address), lim.free_per_address),
        ]
        if ("known", account, address) not in self._known:
            keys.append((("acct", account), lim.free_per_account))
        return keys

    def login_wait(self, account: str, address: str) -> float:
        """Seconds until this account may be tried from this address (0: now)."""
        now = self._clock()
        with self._lock:
            self._forget(now)
            waits = [
                f.until - now
                for key, _ in self._keys(account, address)
                if isinstance(f := self._failures.get(key), _Failures)
            ]
        return max([0.0, *waits])

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        lim = self.limits
        with self._lock:
            for key, free in self._keys(account, address):
                f = self._failures.touch(key, _Failures)
                assert isinstance(f, _Failures)
                f.count += 1
                f.seen = now
                if f.count > free:
                    step = lim.login_backoff * 2 ** min(f.count - free - 1, 30)
                    f.until = now + min(lim.login_backoff_max, step)
        log.info("failed login for %r from %s", account[:64], address)

    def succeeded(self, account: str, address: str) -> None:
        with self._lock:
            self._failures.pop(("pair", account, address), None)
            self._known.touch(("known", account, address), lambda: True)

    def check_password(self, verify: Callable[[], bool]) -> bool:
        """Run one password check on the few password threads, or 503 when they are swamped.

        argon2 takes ~19 MiB per check and glibc keeps that memory in the arena of the
        thread that ran it: on the 40 API worker threads a flood grew the server by
        400 MB. On two dedicated threads it stays at two arenas.
        """
        with self._lock:
            if self._waiting >= self.limits.verify_slots * 8:
                raise _busy()
            self._waiting += 1
        try:
            future = self._pool.submit(verify)
            try:
                return future.result(timeout=self.limits.verify_wait)
            except FutureTimeout:
                raise _busy() from None
        finally:
            with self._lock:
                self._waiting -= 1
                self.checks += 1

    def _forget(self, now: float) -> None:
        old = now - self.limits.forget_after
        while self._failures:
            key, f = next(iter(self._failures.items()))
            if not isinstance(f, _Failures) or f.seen >= old or f.until > now:
                break
            del self._failures[key]

    # ---- anonymous writes ----------------------------------------------------------------
    def take(self, route: str, address: str) -> None:
        """Spend one request of ``route`` (buy, book) for ``address`` or raise 429."""
        lim = self.limits
        rate, burst = (
            (lim.buys_per_minute, lim.buy_burst)
            if route == "buy"
            else (lim.bookings_per_minute, lim.booking_burst)
        )
        if rate <= 0:
            return
        now = self._clock()
        with self._lock:
            b = self._buckets.touch((route, address), lambda: _Bucket(float(burst), now))
            assert isinstance(b, _Bucket)
            b.tokens = min(float(burst), b.tokens + (now - b.seen) * rate / 60.0)
            b.seen = now
            if b.tokens < 1.0:
                wait = (1.0 - b.tokens) * 60.0 / rate
                raise too_many(f"too many requests from your address ({route})", wait)
            b.tokens -= 1.0
