"""What a tile shows and how tiles are laid out, sorted and filtered.

``StoreInfo`` is the commerce side (from the backend or a stream list);
``VideoHealth`` is what the tile's decoder measured. ``badge`` joins the two
into the one word a manager reads at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MAX_SIDE = 8
PAGE_SIZE = MAX_SIDE * MAX_SIDE


@dataclass
class StoreInfo:
    """One store on the wall; ``key`` is stable across backend updates and stream lists."""

    key: str
    name: str
    url: str | None = None
    store_id: int | None = None
    guide: str = ""
    session_id: int | None = None
    session_state: str | None = None  # backend: scheduled / prepared / live / ended
    live_since: float | None = None  # unix seconds
    viewers: int | None = None
    orders: int = 0
    gmv_cents: int = 0
    top_guide: str = ""
    last_order_at: float | None = None  # unix seconds


@dataclass
class VideoHealth:
    """A decoder's view of its stream, sampled on the GUI's tick."""

    state: str = "starting"  # starting / live / lost / stopped
    frame_age: float | None = None  # seconds since the last decoded frame
    lost_for: float = 0.0  # seconds since the stream was lost (0 while live)
    was_live: bool = False
    drop_rate: float = 0.0  # missing frames / expected, over the recent window
    expected_frames: int = 0  # how many frames that rate is based on
    reconnects: int = 0


# badge -> (Chinese label, severity for "sort by trouble": higher is worse)
BADGES: dict[str, tuple[str, int]] = {
    "offline": ("离线", 5),
    "reconnecting": ("重连中", 4),
    "stale": ("画面卡顿", 3),
    "connecting": ("连接中", 2),
    "idle": ("未开播", 1),
    "live": ("直播中", 0),
}


def badge(  # noqa: PLR0911 - one return per badge reads best
    video: VideoHealth | None,
    info: StoreInfo,
    stale_after: float = 5.0,
    offline_after: float = 30.0,
) -> str:
    """live / stale (picture older than ``stale_after``) / reconnecting / offline / ..."""
    if video is None:  # not decoded (off this page): trust the backend
        return "live" if info.session_state == "live" else "idle"
    if video.state == "live":
        if video.frame_age is not None and video.frame_age > stale_after:
            return "stale"
        return "live"
    if video.state == "lost":
        if video.was_live and video.lost_for < offline_after:
            return "reconnecting"
        return "offline"
    if video.state == "starting":
        return "connecting"
    return "offline"


def grid_for(n: int) -> tuple[int, int]:
    """(columns, rows) for ``n`` tiles on one page: 2x2 at least, 8x8 at most."""
    n = max(1, min(n, PAGE_SIZE))
    cols = min(MAX_SIDE, max(2, math.ceil(math.sqrt(n))))
    rows = min(MAX_SIDE, max(2, math.ceil(n / cols)))
    return cols, rows


def pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE_SIZE))


def page_of(items: Sequence[StoreInfo], page: int) -> list[StoreInfo]:
    return list(items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])


SORTS = ("gmv", "trouble", "name")


@dataclass
class View:
    """How the manager arranged the wall: sort key, filter text, trouble-only."""

    sort: str = "gmv"
    text: str = ""
    trouble_only: bool = False
    badges: dict[str, str] = field(default_factory=dict)  # key -> badge, for sort/filter

    def apply(self, stores: Iterable[StoreInfo]) -> list[StoreInfo]:
        text = self.text.strip().lower()
        out = [
            s
            for s in stores
            if (not text or text in s.name.lower() or text in s.guide.lower())
            and (not self.trouble_only or BADGES[self.badges.get(s.key, "idle")][1] >= 3)
        ]
        if self.sort == "gmv":
            out.sort(key=lambda s: (-s.gmv_cents, -s.orders, s.name))
        elif self.sort == "trouble":
            out.sort(key=lambda s: (-BADGES[self.badges.get(s.key, "idle")][1], s.name))
        else:
            out.sort(key=lambda s: s.name)
        return out


def yuan(cents: int) -> str:
    """¥ with thousands separators; whole yuan once it is big enough not to matter."""
    if abs(cents) >= 1_000_000:
        return f"¥{cents / 100:,.0f}"
    return f"¥{cents / 100:,.2f}"


def duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def hourly(
    orders: Iterable[tuple[float, int]], now: float, hours: int = 12, utc_offset_h: int = 8
) -> list[tuple[str, int, int]]:
    """(label, GMV cents, orders) for each of the last ``hours`` local hours, oldest first.

    ``orders`` are (created_at unix seconds, amount cents); labels are local hours (8 = 北京时间).
    """
    off = utc_offset_h * 3600
    cur = int((now + off) // 3600)
    buckets = {cur - i: [0, 0] for i in range(hours)}
    for at, cents in orders:
        b = buckets.get(int((at + off) // 3600))
        if b is not None:
            b[0] += cents
            b[1] += 1
    return [(f"{h % 24}时", buckets[h][0], buckets[h][1]) for h in sorted(buckets)]
