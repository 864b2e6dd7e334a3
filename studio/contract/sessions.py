"""A live session's life cycle: one state machine for the backend and the studio.

A session moves forward only: ``scheduled → prepared → live → ended``. Any step may
be skipped, none undone, so a late, replayed ``session_started`` after
``session_ended`` is recorded but changes nothing. The backend moves its session
with :func:`advance` when an action arrives; the studio moves its cached copy with
the same function when it records the action, so both agree before the backend
answers.
"""

from __future__ import annotations

from typing import Literal, get_args

SessionState = Literal["scheduled", "prepared", "live", "ended"]
SESSION_STATES: tuple[str, ...] = get_args(SessionState)
INITIAL: SessionState = "scheduled"

# action kind -> (states it moves on from, the state it moves to)
TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "session_prepared": ({"scheduled"}, "prepared"),
    "session_started": ({"scheduled", "prepared"}, "live"),
    "session_ended": ({"scheduled", "prepared", "live"}, "ended"),
}


def advance(state: str, kind: str) -> str | None:
    """The state an action of ``kind`` moves a session in ``state`` to; None: it stays."""
    step = TRANSITIONS.get(kind)
    if step is None or state not in step[0]:
        return None
    return step[1]
