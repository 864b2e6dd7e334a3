"""Reports: the regional leaderboard (超级带单王) and the session poster."""

from __future__ import annotations

import logging
import time
from typing import Any

from studio.backend import images
from studio.backend.access import User, can_read_region, require
from studio.backend.engine import Row
from studio.backend.errors import ApiError
from studio.backend.service import CommerceService
from studio.backend.services.catalog import guide_with_store

log = logging.getLogger(__name__)


def leaderboard(
    commerce: CommerceService, user: User, region_id: int | None, hours: int
) -> list[dict[str, Any]]:
    """GMV and orders per guide per UTC hour over the last ``hours`` hours, ranked."""
    region = region_id or user.region_id
    if region is None:
        raise ApiError(422, "region_id is required for users without a region")
    if commerce.db.one("SELECT 1 FROM regions WHERE id=?", region) is None:
        raise ApiError(404, f"region {region} does not exist")
    require(can_read_region(user, region), f"read region {region}")
    now = commerce.clock.now()
    since = (now // 3600 - hours + 1) * 3600
    return commerce.leaderboard(region, since, now + 1)


def poster(commerce: CommerceService, sess: Row) -> bytes:
    """The session's shareable poster PNG with the booking page's QR."""
    g = guide_with_store(commerce.db, sess["guide_id"])
    when = (
        time.strftime("%Y-%m-%d %H:%M", time.localtime(sess["scheduled_start"]))
        if sess["scheduled_start"]
        else "待定"
    )
    return images.poster(
        sess["title"], g["name"], g["store"], when, commerce.session_out(sess)["share_url"]
    )
