"""The order feed (``GET /api/sessions/{id}/events``, SSE) and the bus topics it becomes.

Event types are the backend's ``event:`` names; the studio republishes each on its
event bus under the topic here, so overlays and windows listen to topics, never to
the wire.
"""

from __future__ import annotations

from typing import Literal, get_args

FeedEventType = Literal[
    "order.placed",
    "order.refunded",
    "stock.changed",
    "groupbuy.progress",
    "lottery.result",
    "commission.settled",
    "session.state",
]
FEED_EVENT_TYPES: tuple[str, ...] = get_args(FeedEventType)
ORDER_EVENTS = frozenset({"order.placed", "order.refunded"})

# bus topics the commerce client publishes (studio.events.EventBus)
TOPIC_ORDER = "commerce.order"
TOPIC_REFUND = "commerce.refund"
TOPIC_STOCK = "commerce.stock"
TOPIC_GROUPBUY = "commerce.groupbuy"
TOPIC_LOTTERY = "commerce.lottery"
TOPIC_COMMISSION = "commerce.commission"
TOPIC_SESSION = "commerce.session"
TOPIC_EVENT = "commerce.event"  # a feed event of a type this studio does not know
TOPIC_TOTALS = "commerce.totals"
TOPIC_STATUS = "commerce.status"
TOPIC_LINK = "commerce.link"
TOPIC_FLASH = "commerce.flash"
TOPIC_PROMO = "commerce.promo"
TOPIC_PROMO_REFUSED = "commerce.promo_refused"
TOPIC_LEADERBOARD = "commerce.leaderboard"
TOPIC_WRITER_FAILED = "commerce.writer_failed"  # a show action the studio could not record
# topics the show engine publishes and the commerce client listens to
TOPIC_SHOW_ACTION = "show.action"
TOPIC_SHOW_PREPARED = "show.prepared"

# feed event type -> bus topic
FEED_TOPICS: dict[str, str] = {
    "order.placed": TOPIC_ORDER,
    "order.refunded": TOPIC_REFUND,
    "stock.changed": TOPIC_STOCK,
    "groupbuy.progress": TOPIC_GROUPBUY,
    "lottery.result": TOPIC_LOTTERY,
    "commission.settled": TOPIC_COMMISSION,
    "session.state": TOPIC_SESSION,
}
# feed events after which the session's figures (commerce.totals) are published again
TOTALS_EVENTS = frozenset({"order.placed", "order.refunded", "commission.settled"})
