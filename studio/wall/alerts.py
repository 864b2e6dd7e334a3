"""Alert rules: a live store drops for too long, loses too many frames, or sells nothing.

Each condition raises one alert when it starts and clears when it ends, so the
side list shows episodes, not a message per tick. Thresholds are settings
(tests use short ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.wall.model import StoreInfo, VideoHealth


@dataclass(frozen=True)
class AlertRules:
    drop_after: float = 30.0  # a store that was live is lost this long
    max_drop_rate: float = 0.05  # missing frames / expected over the recent window
    min_frames_for_rate: int = 60  # do not judge a rate on a handful of frames
    no_orders_after: float = 600.0  # a live session without an order this long


@dataclass
class Alert:
    key: str
    store: str
    kind: str  # dropped / frames / no_orders
    text: str
    raised_at: float  # unix seconds
    cleared_at: float | None = None

    @property
    def active(self) -> bool:
        return self.cleared_at is None


@dataclass
class AlertTracker:
    rules: AlertRules = field(default_factory=AlertRules)
    history: list[Alert] = field(default_factory=list)
    _active: dict[tuple[str, str], Alert] = field(default_factory=dict)

    def conditions(self, info: StoreInfo, video: VideoHealth | None, now: float) -> dict[str, str]:
        """kind -> Chinese text for every rule that currently fires for this store."""
        r = self.rules
        out: dict[str, str] = {}
        if (
            video is not None
            and video.was_live
            and video.state != "live"
            and video.lost_for > r.drop_after
        ):
            out["dropped"] = f"直播中断 {int(video.lost_for)} 秒"
        if (
            video is not None
            and video.state == "live"
            and video.expected_frames >= r.min_frames_for_rate
            and video.drop_rate > r.max_drop_rate
        ):
            out["frames"] = f"丢帧率 {video.drop_rate:.0%}"
        if info.session_state == "live":
            since = max(t for t in (info.last_order_at, info.live_since, 0.0) if t is not None)
            if since and now - since > r.no_orders_after:
                out["no_orders"] = f"{int((now - since) // 60)} 分钟无订单"
        return out

    def update(
        self, info: StoreInfo, video: VideoHealth | None, now: float
    ) -> tuple[list[Alert], list[Alert]]:
        """Evaluate one store; return (newly raised, newly cleared)."""
        fired = self.conditions(info, video, now)
        raised, cleared = [], []
        for kind, text in fired.items():
            alert = self._active.get((info.key, kind))
            if alert is None:
                alert = Alert(info.key, info.name, kind, text, now)
                self._active[(info.key, kind)] = alert
                self.history.append(alert)
                raised.append(alert)
            else:
                alert.text = text
        for (key, kind), alert in list(self._active.items()):
            if key == info.key and kind not in fired:
                alert.cleared_at = now
                del self._active[(key, kind)]
                cleared.append(alert)
        return raised, cleared

    def forget(self, key: str, now: float) -> None:
        """A store left the wall: close its open alerts."""
        for (k, kind), alert in list(self._active.items()):
            if k == key:
                alert.cleared_at = now
                del self._active[(k, kind)]

    def active(self) -> list[Alert]:
        return list(self._active.values())
