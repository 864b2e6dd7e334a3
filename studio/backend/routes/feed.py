"""A session's live order feed over SSE, resumable with Last-Event-ID: the backlog from
the database, then the rows this process's fan-out hub (:mod:`studio.backend.fanout`)
hands over as they are committed (by any process)."""

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Query, Response
from sse_starlette import EventSourceResponse

from studio.backend import sse
from studio.backend.access import read_store
from studio.backend.deps import AUTH_ERRORS, Auth, IdPath, State

router = APIRouter(tags=["feed"])


@router.get(
    "/api/sessions/{session_id}/events",
    response_class=Response,
    responses={
        **AUTH_ERRORS,
        200: {
            "content": {"text/event-stream": {}},
            "description": "SSE stream; see docs/backend.md",
        },
    },
)
async def session_events(
    session_id: IdPath,
    user: Auth,
    state: State,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[int | None, Query(ge=0, le=2**62, description="Same as Last-Event-ID")] = None,
    follow: Annotated[bool, Query(description="false: send the backlog, then close")] = True,
) -> Response:
    """Order feed: order.placed, order.refunded, stock.changed, groupbuy.progress,
    lottery.result, commission.settled, session.state. Resume with Last-Event-ID."""
    commerce = state.commerce
    start = max(after or 0, sse.parse_event_id(last_event_id) or 0)
    sess = await anyio.to_thread.run_sync(commerce.session_row, session_id)
    read_store(commerce, user, sess["store_id"], f"read the feed of session {session_id}")

    async def backlog(after: int) -> AsyncIterator[tuple[int, bytes]]:
        while True:
            rows = await anyio.to_thread.run_sync(
                commerce.events_after, session_id, after, limiter=sse.feed_limiter()
            )
            if not rows:
                return
            after = int(rows[-1]["id"])
            yield after, sse.encode(rows)  # one chunk per page of the backlog

    async def stream() -> AsyncIterator[bytes]:
        last = start
        # subscribed before the backlog is read: nothing committed in between is missed
        with state.hub.subscribe(session_id=session_id) as sub:
            async for upto, chunk in backlog(last):
                last = upto
                yield chunk
            if not follow:
                return
            while True:
                await sub.wait()
                if sub.overflowed:  # fell behind the hub: the database has it all
                    sub.overflowed = False
                    sub.take()
                    async for upto, chunk in backlog(last):
                        last = upto
                        yield chunk
                    continue
                rows = [r for r in sub.take() if r["id"] > last]
                if rows:
                    last = int(rows[-1]["id"])
                    yield sse.encode(rows)

    return EventSourceResponse(stream(), ping=15, headers={"Cache-Control": "no-store"})
