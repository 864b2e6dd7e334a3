"""Sync status the UI and ``studio sync status`` show: online, waiting items, last sync.

It is read from the store, so another process (the CLI next to a running
studio) sees the same numbers the running sync wrote.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from studio.commerce.store import LocalStore


@dataclass(frozen=True)
class SyncStatus:
    # True only once the backend answered and accepted the login; None: not asked yet
    online: bool | None
    pending: int  # outbox items waiting for the backend
    failed: int  # items the backend refused for good (kept for inspection)
    delivered: int
    last_sync_at: float | None  # last successful exchange with the backend
    last_error: str | None
    backend_url: str | None
    feed_cursor: dict[int, int]  # session id -> last feed event id applied
    # why not online: "unreachable" (no answer), "unavailable" (5xx, 429), "login_refused"
    # (wrong user or password), "login_needed" (no valid token, no password); None if online
    reason: str | None = None
    waiting_elsewhere: int = 0  # outbox items kept for another backend this store talked to

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self, now: float | None = None) -> str:
        """Human lines for the CLI (Chinese product, English operator messages)."""
        now = time.time() if now is None else now
        state = {True: "online", False: "OFFLINE", None: "never connected"}[self.online]
        if self.online is False and self.reason:
            state += f": {self.reason.replace('_', ' ')}"
        ago = (
            "never"
            if self.last_sync_at is None
            else f"{max(0.0, now - self.last_sync_at):.0f} s ago"
        )
        lines = [
            f"backend:      {self.backend_url or '-'} ({state})",
            f"outbox:       {self.pending} waiting, {self.failed} refused, "
            f"{self.delivered} delivered",
            f"last sync:    {ago}",
        ]
        for sid, eid in sorted(self.feed_cursor.items()):
            lines.append(f"order feed:   session {sid} up to event {eid}")
        if self.waiting_elsewhere:
            lines.append(
                f"kept:         {self.waiting_elsewhere} waiting for another backend "
                "(sent when the studio signs in there again)"
            )
        if self.last_error:
            lines.append(f"last error:   {self.last_error}")
        return "\n".join(lines)


def read_status(store: LocalStore) -> SyncStatus:
    counts = store.counts()
    online = store.meta("online")
    last = store.meta("last_sync_at")
    cursors = store.feed_cursors()
    return SyncStatus(
        online=None if not online else online == "1",
        pending=counts["pending"],
        failed=counts["failed"],
        delivered=counts["done"],
        last_sync_at=float(last) if last else None,
        last_error=store.meta("last_error") or None,
        backend_url=store.meta("backend_url") or None,
        feed_cursor=cursors,
        reason=(store.meta("offline_reason") or None) if online == "0" else None,
        waiting_elsewhere=store.waiting_elsewhere(),
    )
