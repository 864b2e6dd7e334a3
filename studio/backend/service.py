"""Commerce rules: lookups, serializers, links, offers, events, idempotency, reports.

Orders, commissions and refunds are :mod:`studio.backend.ordering`, mixed in.

Everything that changes state runs inside one ``Database.write()`` transaction
and appends its feed events in that same transaction, so the SSE feed (read
from the ``events`` table) never shows an order that was rolled back and never
misses one that was committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studio.backend import flash, lotteries
from studio.backend.access import StoreRef, User
from studio.backend.db import Clock, Database, SystemClock
from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError
from studio.backend.ordering import OrderRules, commission_out
from studio.backend.security import LinkSigner
from studio.privacy import mask_name

log = logging.getLogger(__name__)


@dataclass
class Settings:
    public_url: str = "http://127.0.0.1:8700"
    return_window_days: float = 7.0
    webhook_secret: str = ""


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def body_hash(data: Any) -> str:
    return hashlib.sha256(_dumps(data).encode()).hexdigest()


class CommerceService(OrderRules):
    """The backend's domain services over one database and one clock (named apart from
    the studio's client, :class:`studio.commerce.core.Commerce`; the order rules
    are :class:`~studio.backend.ordering.OrderRules`)."""

    def __init__(
        self, db: Database, signer: LinkSigner, settings: Settings, clock: Clock | None = None
    ) -> None:
        self.db = db
        self.signer = signer
        self.settings = settings
        self.clock = clock or SystemClock()

    # ---- lookups -------------------------------------------------------------------------
    def store_ref(self, store_id: int) -> StoreRef:
        row = self.db.one("SELECT id, region_id FROM stores WHERE id=?", store_id)
        if row is None:
            raise ApiError(404, f"store {store_id} does not exist")
        return StoreRef(row["id"], row["region_id"])

    def session_row(self, session_id: int) -> Row:
        row = self.db.one("SELECT * FROM live_sessions WHERE id=?", session_id)
        if row is None:
            raise ApiError(404, f"live session {session_id} does not exist")
        return row

    def product_row(self, product_id: int, conn: Conn | None = None) -> Row:
        row = (
            (conn or self.db.conn)
            .execute("SELECT * FROM products WHERE id=?", (product_id,))
            .fetchone()
        )
        if row is None:
            raise ApiError(404, f"product {product_id} does not exist")
        return row

    def user_by_token_hash(self, th: str) -> User | None:
        found = self.token_user(th)
        return found[0] if found else None

    def token_user(self, th: str) -> tuple[User, float] | None:
        """The user of a live token and when the token expires."""
        row = self.db.one(
            "SELECT u.*, g.id AS guide_id, t.expires_at AS token_expires_at FROM auth_tokens t"
            " JOIN users u ON u.id=t.user_id LEFT JOIN guides g ON g.user_id=u.id"
            " WHERE t.token_hash=? AND t.expires_at>?",
            th,
            self.clock.now(),
        )
        return (user_from_row(row), float(row["token_expires_at"])) if row else None

    # ---- output shapes -------------------------------------------------------------------
    def session_out(self, row: Row) -> dict[str, Any]:
        share = self.signer.token_for(f"s{row['id']}")
        return {
            "id": row["id"],
            "store_id": row["store_id"],
            "guide_id": row["guide_id"],
            "title": row["title"],
            "scheduled_start": row["scheduled_start"],
            "state": row["state"],
            "started_at": row["started_at"],
            "ended_at": row["ended_at"],
            "rehearsal": bool(row["rehearsal"]),
            "share_url": f"{self.settings.public_url}/live/{share}",
        }

    def link_out(self, row: Row) -> dict[str, Any]:
        token = self.signer.token_for(row["public_id"])
        return {
            "id": row["id"],
            "token": token,
            "url": f"{self.settings.public_url}/p/{token}",
            "session_id": row["session_id"],
            "product_id": row["product_id"],
            "guide_id": row["guide_id"],
            "store_id": row["store_id"],
            "coupon_id": row["coupon_id"],
            "created_at": row["created_at"],
            "expires_at": row["expires_at"],
            "clicks": row["clicks"],
        }

    def order_out(self, order_id: int, conn: Conn | None = None) -> dict[str, Any]:
        c = conn or self.db.conn
        row = c.execute(
            "SELECT o.*, p.name AS product_name, p.sku AS product_sku FROM orders o "
            "JOIN products p ON p.id=o.product_id "
            "WHERE o.id=?",
            (order_id,),
        ).fetchone()
        if row is None:
            raise ApiError(404, f"order {order_id} does not exist")
        com = c.execute("SELECT * FROM commissions WHERE order_id=?", (order_id,)).fetchone()
        return {
            "id": row["id"],
            "order_no": row["order_no"],
            "source": row["source"],
            "shop_order_id": row["shop_order_id"],
            "session_id": row["session_id"],
            "product_id": row["product_id"],
            "product_name": row["product_name"],
            "product_sku": row["product_sku"],
            # what a live toast may show: the last four digits and a masked name, never more
            "buyer_phone_tail": (row["buyer_phone"] or "")[-4:],
            "buyer_masked": mask_name(row["buyer_name"])
            if (row["buyer_name"] or "").strip()
            else "",
            "guide_id": row["guide_id"],
            "store_id": row["store_id"],
            "quantity": row["quantity"],
            "unit_price_cents": row["unit_price_cents"],
            "discount_cents": row["discount_cents"],
            "amount_cents": row["amount_cents"],
            "coupon_id": row["coupon_id"],
            "groupbuy_id": row["groupbuy_id"],
            "flash_price_id": row["flash_price_id"],
            "fulfilment": row["fulfilment"],
            "status": row["status"],
            "rehearsal": bool(row["rehearsal"]),
            "created_at": row["created_at"],
            "refunded_at": row["refunded_at"],
            "commission": commission_out(com) if com else None,
        }

    def groupbuy_out(self, row: Row) -> dict[str, Any]:
        return {
            k: row[k]
            for k in (
                "id",
                "session_id",
                "product_id",
                "group_price_cents",
                "size",
                "joined",
                "state",
                "created_at",
                "ends_at",
            )
        }

    # ---- events --------------------------------------------------------------------------
    def emit(self, conn: Conn, session_id: int, type_: str, data: dict[str, Any]) -> int:
        conn.serialize_events()  # ids commit in order: a resumed feed never skips one
        cur = conn.execute(
            "INSERT INTO events(session_id, type, data, created_at) VALUES(?,?,?,?)",
            (session_id, type_, _dumps(data), self.clock.now()),
        )
        event_id = int(cur.lastrowid or 0)
        conn.notify(event_id)
        return event_id

    def events_after(self, session_id: int, after: int, limit: int = 200) -> list[Row]:
        return self.db.all(
            "SELECT * FROM events WHERE session_id=? AND id>? ORDER BY id LIMIT ?",
            session_id,
            after,
            limit,
        )

    # ---- idempotency ---------------------------------------------------------------------
    def idempotent(
        self,
        user_id: int,
        key: str | None,
        endpoint: str,
        body: Any,
        fn: Callable[[Conn], tuple[int, dict[str, Any]]],
    ) -> tuple[int, dict[str, Any], bool]:
        """Run ``fn`` once per (user, key): a retry gets the first answer, a new body a 409."""
        if key is not None and not (1 <= len(key) <= 200 and key.isprintable()):
            raise ApiError(400, "Idempotency-Key must be 1-200 printable characters")
        h = body_hash({"endpoint": endpoint, "body": body})
        with self.db.write() as conn:
            if key is not None:
                # concurrent retries (any process) wait here for the first to commit
                conn.lock(f"idempotency:{user_id}:{key}")
                row = conn.execute(
                    "SELECT * FROM idempotency WHERE user_id=? AND key=?", (user_id, key)
                ).fetchone()
                if row is not None:
                    if row["body_hash"] != h:
                        raise ApiError(
                            409,
                            "this Idempotency-Key was already used with a "
                            "different request; use a new key per new action",
                        )
                    return row["status_code"], json.loads(row["response"]), True
            status, result = fn(conn)
            if key is not None:
                conn.execute(
                    "INSERT INTO idempotency(user_id, key, endpoint, body_hash, status_code, "
                    "response, created_at) VALUES(?,?,?,?,?,?,?)",
                    (user_id, key, endpoint, h, status, _dumps(result), self.clock.now()),
                )
            return status, result, False

    # ---- links ---------------------------------------------------------------------------
    def create_link(
        self,
        conn: Conn,
        user: User,
        session: Row,
        *,
        product_id: int,
        coupon_id: int | None,
        ttl: int | None,
    ) -> dict[str, Any]:
        self.product_row(product_id, conn)
        if session["state"] == "ended":
            raise ApiError(409, f"live session {session['id']} has ended; links need an open one")
        if coupon_id is not None:
            c = conn.execute("SELECT session_id FROM coupons WHERE id=?", (coupon_id,)).fetchone()
            if c is None or c["session_id"] != session["id"]:
                raise ApiError(422, f"coupon {coupon_id} does not belong to this session")
        public_id, _ = self.signer.mint()
        now = self.clock.now()
        cur = conn.execute(
            "INSERT INTO links(public_id, session_id, product_id, guide_id, store_id, coupon_id,"
            " created_by, created_at, expires_at) VALUES(?,?,?,?,?,?,?,?,?)",
            (
                public_id,
                session["id"],
                product_id,
                session["guide_id"],
                session["store_id"],
                coupon_id,
                user.id,
                now,
                now + ttl if ttl else None,
            ),
        )
        row = conn.execute("SELECT * FROM links WHERE id=?", (cur.lastrowid,)).one()
        return self.link_out(row)

    def resolve_link(self, token: str) -> Row:
        """The link row behind a token, or an ApiError naming the shopper page to show."""
        public_id = self.signer.verify(token)
        row = self.db.one("SELECT * FROM links WHERE public_id=?", public_id) if public_id else None
        if row is None:
            raise ApiError(404, "unknown purchase link", page="unknown")
        sess = self.session_row(row["session_id"])
        if (row["expires_at"] is not None and row["expires_at"] <= self.clock.now()) or sess[
            "state"
        ] == "ended":
            raise ApiError(410, "this purchase link has expired", page="expired")
        return row

    def count_click(self, link_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE links SET clicks=clicks+1 WHERE id=?", (link_id,))

    def offer(self, link: Row) -> dict[str, Any]:
        """What the checkout page shows: product, flash price in force, coupon, group-buy."""
        now = self.clock.now()
        product = self.product_row(link["product_id"])
        fp = flash.active(self.db.conn, link["session_id"], link["product_id"], now)
        unit = fp["price_cents"] if fp is not None else product["price_cents"]
        coupon = self._usable_coupon(self.db.conn, link, unit, now)
        gb = self._open_groupbuy(self.db.conn, link, now)
        return {
            "product": product,
            "flash": fp,
            "now": now,
            "coupon": coupon,
            "groupbuy": gb,
            "session": self.session_row(link["session_id"]),
        }

    # ---- time-driven work ----------------------------------------------------------------
    def draw_due_lotteries(self) -> int:
        """Draw every lottery whose draw time has come (the backend's own clock)."""
        now = self.clock.now()
        with self.db.write() as conn:
            ids = lotteries.due(conn, now)
            for lid in ids:
                lotteries.draw(conn, lid, now, self.emit)
        return len(ids)

    # ---- reports -------------------------------------------------------------------------
    def leaderboard(self, region_id: int, since: float, until: float) -> list[dict[str, Any]]:
        hour = self.db.hour_bucket("o.created_at")
        rows = self.db.all(
            f"SELECT {hour} AS hour,"
            " g.id AS guide_id, g.name AS guide_name, s.name AS store_name,"
            " COUNT(*) AS orders, SUM(o.amount_cents) AS gmv_cents "
            "FROM orders o JOIN guides g ON g.id=o.guide_id JOIN stores s ON s.id=o.store_id "
            "WHERE s.region_id=? AND o.status='paid' AND o.rehearsal=0 "
            "AND o.created_at>=? AND o.created_at<? "
            f"GROUP BY {hour}, g.id, g.name, s.name "
            "ORDER BY hour DESC, gmv_cents DESC, orders DESC, g.id",
            region_id,
            since,
            until,
        )
        out, rank, last_hour = [], 0, None
        for r in rows:
            rank = 1 if r["hour"] != last_hour else rank + 1
            last_hour = r["hour"]
            label = time.strftime("%Y-%m-%dT%H:00Z", time.gmtime(int(r["hour"]) * 3600))
            out.append({**dict(r), "hour": label, "rank": rank})
        return out

    def summary(self, session_id: int) -> dict[str, Any]:
        links = self.db.all(
            "SELECT l.id AS link_id, l.product_id, p.name AS product_name, l.clicks,"
            " COUNT(o.id) AS orders, COALESCE(SUM(o.amount_cents), 0) AS gmv_cents "
            "FROM links l JOIN products p ON p.id=l.product_id "
            "LEFT JOIN orders o ON o.link_id=l.id AND o.status='paid' "
            "WHERE l.session_id=? GROUP BY l.id, l.product_id, p.name, l.clicks ORDER BY l.id",
            session_id,
        )
        clicks = sum(r["clicks"] for r in links)
        tot = self.db.conn.execute(
            "SELECT COUNT(*) FILTER (WHERE status='paid') AS orders,"
            " COUNT(*) FILTER (WHERE status='refunded') AS refunds,"
            " COALESCE(SUM(amount_cents) FILTER (WHERE status='paid'), 0) AS gmv "
            "FROM orders WHERE session_id=?",
            (session_id,),
        ).one()
        com = self.db.conn.execute(
            "SELECT COALESCE(SUM(c.amount_cents), 0) FROM commissions c JOIN orders o "
            "ON o.id=c.order_id WHERE o.session_id=? AND c.state!='reversed'",
            (session_id,),
        ).one()
        bookings = self.db.conn.execute(
            "SELECT COUNT(*) FROM bookings WHERE session_id=?", (session_id,)
        ).one()
        return {
            "session_id": session_id,
            "clicks": clicks,
            "orders": tot["orders"],
            "refunds": tot["refunds"],
            "gmv_cents": tot["gmv"],
            "conversion": round(tot["orders"] / clicks, 4) if clicks else 0.0,
            "bookings": bookings[0],
            "commission_cents": com[0],
            "links": [dict(r) for r in links],
        }


# the name seed.py and embedded.py still import (they move to the demo package: issue 15)
Commerce = CommerceService


def user_from_row(row: Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        region_id=row["region_id"],
        store_id=row["store_id"],
        guide_id=row["guide_id"],
    )
