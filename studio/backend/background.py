"""The backend's background work: settling commissions, closing group-buys, drawing
lotteries on time, fanning feed events out. Runs for the app's lifespan; a failed round
is logged and retried."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
from fastapi import FastAPI

from studio.backend.fanout import Hub
from studio.backend.service import CommerceService

log = logging.getLogger(__name__)

LOTTERY_POLL_SECONDS = 0.5
Lifespan = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]


async def _every(seconds: float, what: str, *jobs: Callable[[], Any]) -> None:
    while True:
        try:
            for job in jobs:
                await anyio.to_thread.run_sync(job)
        except Exception:
            log.exception("%s failed", what)
        await asyncio.sleep(seconds)


def lifespan(
    commerce: CommerceService,
    sweep_seconds: float,
    on_startup: Callable[[CommerceService], Awaitable[None]] | None = None,
    hub: Hub | None = None,
) -> Lifespan:
    """The app's lifespan: the sweeper, the lottery drawer and the feed's fan-out hub
    run while it serves."""

    @contextlib.asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(
                _every(
                    sweep_seconds,
                    "background sweep",
                    commerce.settle_due,
                    commerce.sweep_groupbuys,
                ),
                name="backend-sweeper",
            ),
            # lotteries are drawn on time, not at the next sweep
            asyncio.create_task(
                _every(LOTTERY_POLL_SECONDS, "lottery draw", commerce.draw_due_lotteries),
                name="backend-lottery-draws",
            ),
        ]
        if hub is not None:
            tasks.append(asyncio.create_task(hub.run(), name="backend-feed-hub"))
        if on_startup:
            await on_startup(commerce)
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await t

    return run
