"""Studio actions: what the studio tells the backend happened.

Sent as ``POST /api/sessions/{id}/actions``; the backend refuses any other kind.
"""

from __future__ import annotations

from typing import Literal, get_args

ActionKind = Literal[
    "session_prepared",
    "session_started",
    "session_ended",
    "link_created",
    "link_shown",
    "cue_fired",
    "coupon_issued",
    "groupbuy_started",
    "lottery_started",
    "note",
]
ACTION_KINDS: frozenset[str] = frozenset(get_args(ActionKind))
# an action of another kind is sent as a note carrying its type (the backend refuses others)
NOTE: ActionKind = "note"
