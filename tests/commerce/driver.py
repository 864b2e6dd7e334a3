"""A studio process for the SIGKILL test: records actions and syncs until killed.

``python -m tests.commerce.driver STORE URL SESSION PREFIX COUNT [WAIT_EVENT]``
records COUNT ``cue_fired`` actions (ids PREFIX-0..) while the outbox and the
feed run, then waits until the outbox is empty and the feed has reached
WAIT_EVENT, and exits 0. Token from $STUDIO_BACKEND_TOKEN (no login per round).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from studio.commerce.backoff import Backoff
from studio.commerce.client import BackendClient
from studio.commerce.core import Commerce
from studio.commerce.credentials import Credentials
from studio.commerce.store import Store


async def main(store: str, url: str, sid: int, prefix: str, count: int, wait_event: int) -> int:
    creds = Credentials(url, "guide1", token=os.environ["STUDIO_BACKEND_TOKEN"])
    c = Commerce(
        Store(Path(store)), BackendClient(creds), session_id=sid, backoff=lambda: Backoff(cap=0.5)
    )
    task = asyncio.create_task(c.run())
    for i in range(count):
        c.record_action("cue_fired", {"n": i}, action_id=f"{prefix}-{i}")
        await asyncio.sleep(0.005)  # faster than one POST each: kills find work unsent
    drained = await c.flush(60)
    while c.store.cursor(sid) < wait_event:
        await asyncio.sleep(0.05)
    c.stop()
    await task
    print("drained" if drained else "not drained", flush=True)
    return 0 if drained else 3


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s")
    a = sys.argv[1:]
    sys.exit(
        asyncio.run(main(a[0], a[1], int(a[2]), a[3], int(a[4]), int(a[5] if len(a) > 5 else 0)))
    )
