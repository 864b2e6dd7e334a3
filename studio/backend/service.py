"""Commerce rules: links, orders, attribution, commissions, events, idempotency.

Everything that changes state runs inside one ``Database.write()`` transaction
and appends its feed events in that same transaction, so the SSE feed (read
from the ``events`` table) never shows an order that was rolled back and never
misses one that was committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studio.backend import flash, groupbuys, lotteries, promos
from studio.backend import stock as ledger
from studio.backend.access import StoreRef, User
from studio.backend.db import Clock, Database, SystemClock
from studio.backend.errors import ApiError
from studio.backend.security import LinkSigner
from studio.privacy import mask_name

log = logging.getLogger(__name__)

DAY = 86400.0
DEFAULT_RATE = 0.05


@dataclass
class Settings:
    public_url: str = "http://127.0.0.1:8700"
    return_window_days: float = 7.0
    webhook_secret: str = ""


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def body_hash(data: Any) -> str:
    return hashlib.sha256(_dumps(data).encode()).hexdigest()


class Commerce:
    """The backend's domain services over one database and one clock."""

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

    def session_row(self, session_id: int) -> sqlite3.Row:
        row = self.db.one("SELECT * FROM live_sessions WHERE id=?", session_id)
        if row is None:
            raise ApiError(404, f"live session {session_id} does not exist")
        return row

    def product_row(self, product_id: int, conn: sqlite3.Connection | None = None) -> sqlite3.Row:
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
    def session_out(self, row: sqlite3.Row) -> dict[str, Any]:
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

    def link_out(self, row: sqlite3.Row) -> dict[str, Any]:
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

    def order_out(self, order_id: int, conn: sqlite3.Connection | None = None) -> dict[str, Any]:
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

    def groupbuy_out(self, row: sqlite3.Row) -> dict[str, Any]:
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
    def emit(
        self, conn: sqlite3.Connection, session_id: int, type_: str, data: dict[str, Any]
    ) -> int:
        cur = conn.execute(
            "INSERT INTO events(session_id, type, data, created_at) VALUES(?,?,?,?)",
            (session_id, type_, _dumps(data), self.clock.now()),
        )
        return int(cur.lastrowid or 0)

    def events_after(self, session_id: int, after: int, limit: int = 200) -> list[sqlite3.Row]:
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
        fn: Callable[[sqlite3.Connection], tuple[int, dict[str, Any]]],
    ) -> tuple[int, dict[str, Any], bool]:
        """Run ``fn`` once per (user, key): a retry gets the first answer, a new body a 409."""
        if key is not None and not (1 <= len(key) <= 200 and key.isprintable()):
            raise ApiError(400, "Idempotency-Key must be 1-200 printable characters")
        h = body_hash({"endpoint": endpoint, "body": body})
        with self.db.write() as conn:
            if key is not None:
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
        conn: sqlite3.Connection,
        user: User,
        session: sqlite3.Row,
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
        row = conn.execute("SELECT * FROM links WHERE id=?", (cur.lastrowid,)).fetchone()
        return self.link_out(row)

    def resolve_link(self, token: str) -> sqlite3.Row:
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

    def offer(self, link: sqlite3.Row) -> dict[str, Any]:
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

    def _usable_coupon(
        self, conn: sqlite3.Connection, link: sqlite3.Row, subtotal: int, now: float
    ) -> sqlite3.Row | None:
        sql = (
            "SELECT * FROM coupons WHERE session_id=? AND used<total "
            "AND (expires_at IS NULL OR expires_at>?) AND min_spend_cents<=? "
            "AND (product_id IS NULL OR product_id=?)"
        )
        params: list[Any] = [link["session_id"], now, subtotal, link["product_id"]]
        if link["coupon_id"] is not None:
            sql += " AND id=?"
            params.append(link["coupon_id"])
        return conn.execute(sql + " ORDER BY discount_cents DESC LIMIT 1", params).fetchone()

    def _open_groupbuy(
        self, conn: sqlite3.Connection, link: sqlite3.Row, now: float
    ) -> sqlite3.Row | None:
        return conn.execute(
            "SELECT * FROM groupbuys WHERE session_id=? AND product_id=? AND state='open' "
            "AND ends_at>? ORDER BY id DESC LIMIT 1",
            (link["session_id"], link["product_id"], now),
        ).fetchone()

    # ---- orders --------------------------------------------------------------------------
    def checkout(
        self,
        token: str,
        *,
        quantity: int,
        fulfilment: str,
        address: str = "",
        buyer_name: str = "",
        buyer_phone: str = "",
        use_coupon: bool = True,
        join_group: bool = False,
    ) -> dict[str, Any]:
        """A shopper's purchase through a link, paid by the simulated payment."""
        if not 1 <= quantity <= 99:
            raise ApiError(422, "quantity must be between 1 and 99")
        if fulfilment not in ("pickup", "delivery"):
            raise ApiError(422, "fulfilment must be pickup or delivery")
        if fulfilment == "delivery" and not address.strip():
            raise ApiError(422, "delivery needs an address (or choose in-store pickup)")
        with self.db.write() as conn:
            link = self.resolve_link(token)
            now = self.clock.now()
            product = self.product_row(link["product_id"], conn)
            rules = promos.rules_for(conn, link["store_id"])
            fp = flash.active(conn, link["session_id"], link["product_id"], now)
            unit = fp["price_cents"] if fp is not None else product["price_cents"]
            gb = self._open_groupbuy(conn, link, now) if join_group else None
            seat = groupbuys.buyer_key(buyer_phone) if gb is not None else None
            if gb is not None:
                groupbuys.check_seat(conn, gb["id"], seat)
                unit = gb["group_price_cents"]
                fp = None  # the group price, not the flash price, set this order's unit
            subtotal = unit * quantity
            coupon = self._usable_coupon(conn, link, subtotal, now) if use_coupon else None
            discount = (
                promos.capped_discount(rules, coupon["discount_cents"], subtotal) if coupon else 0
            )
            if coupon is not None:
                conn.execute("UPDATE coupons SET used=used+1 WHERE id=?", (coupon["id"],))
            order_id = self._insert_order(
                conn,
                link,
                source="checkout",
                shop_order_id=None,
                quantity=quantity,
                unit=unit,
                discount=discount,
                amount=subtotal - discount,
                coupon_id=coupon["id"] if coupon else None,
                groupbuy_id=gb["id"] if gb else None,
                flash_price_id=fp["id"] if fp is not None else None,
                fulfilment=fulfilment,
                address=address.strip()[:200],
                buyer_name=buyer_name.strip()[:50],
                buyer_phone=buyer_phone.strip()[:30],
                payment_ref="SIMPAY-" + secrets.token_hex(6),
                exact_stock=True,
            )
            if gb is not None and seat is not None:
                gb_row = groupbuys.take_seat(conn, gb, seat, order_id)
                self.emit(conn, link["session_id"], "groupbuy.progress", self.groupbuy_out(gb_row))
            return self.order_out(order_id, conn)

    def link_is_closed(self, conn: sqlite3.Connection, link: sqlite3.Row) -> bool:
        """True once the link's session has ended or its TTL has passed (checkout: 410)."""
        sess = conn.execute(
            "SELECT state FROM live_sessions WHERE id=?", (link["session_id"],)
        ).fetchone()
        expired = link["expires_at"] is not None and link["expires_at"] <= self.clock.now()
        return expired or sess["state"] == "ended"

    def webhook_order(self, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """A shop's order: attribution comes from the link row, never from the payload.

        Policy for links that are closed (session ended or TTL passed; checkout says
        410): the shop's sale really happened, so it is recorded and takes stock, but
        it earns no commission. A refund for a shop order id never seen is recorded
        (status refunded) and gives back nothing.
        """
        with self.db.write() as conn:
            existing = conn.execute(
                "SELECT id, status FROM orders WHERE shop_order_id=?", (body["shop_order_id"],)
            ).fetchone()
            if existing is not None:
                if body["status"] == "refunded" and existing["status"] == "paid":
                    self._refund(conn, existing["id"])
                    return self.order_out(existing["id"], conn), False
                return self.order_out(existing["id"], conn), True
            public_id = self.signer.verify(body["link_token"])
            link = (
                conn.execute("SELECT * FROM links WHERE public_id=?", (public_id,)).fetchone()
                if public_id
                else None
            )
            if link is None:
                raise ApiError(422, "link_token is not a purchase link of this backend")
            q = body["quantity"]
            refunded = body["status"] == "refunded"
            order_id = self._insert_order(
                conn,
                link,
                source="webhook",
                shop_order_id=body["shop_order_id"],
                quantity=q,
                unit=body["amount_cents"] // q,
                discount=0,
                amount=body["amount_cents"],
                coupon_id=None,
                groupbuy_id=None,
                fulfilment=body["fulfilment"],
                address="",
                buyer_name="",
                buyer_phone="",
                payment_ref="SHOP-" + body["shop_order_id"],
                exact_stock=False,
                refunded_unseen=refunded,
                commission=not refunded and not self.link_is_closed(conn, link),
            )
            return self.order_out(order_id, conn), False

    def _insert_order(
        self,
        conn: sqlite3.Connection,
        link: sqlite3.Row,
        *,
        source: str,
        shop_order_id: str | None,
        quantity: int,
        unit: int,
        discount: int,
        amount: int,
        coupon_id: int | None,
        groupbuy_id: int | None,
        fulfilment: str,
        address: str,
        buyer_name: str,
        buyer_phone: str,
        payment_ref: str,
        exact_stock: bool,
        refunded_unseen: bool = False,
        commission: bool = True,
        flash_price_id: int | None = None,
    ) -> int:
        """Insert an order, take its stock, add its commission and announce it.

        ``refunded_unseen``: a shop's refund of an order never seen here: recorded as
        refunded, no stock given back, no commission, only ``order.refunded`` sent.
        """
        now = self.clock.now()
        sess = conn.execute(
            "SELECT rehearsal FROM live_sessions WHERE id=?", (link["session_id"],)
        ).fetchone()
        order_no = time.strftime("GS%Y%m%d", time.gmtime(now)) + secrets.token_hex(4).upper()
        cur = conn.execute(
            "INSERT INTO orders(order_no, source, shop_order_id, link_id, session_id, product_id,"
            " guide_id, store_id, quantity, unit_price_cents, discount_cents, amount_cents,"
            " coupon_id, groupbuy_id, fulfilment, address, buyer_name, buyer_phone, status,"
            " payment_ref, rehearsal, created_at, refunded_at, flash_price_id)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                order_no,
                source,
                shop_order_id,
                link["id"],
                link["session_id"],
                link["product_id"],
                link["guide_id"],
                link["store_id"],
                quantity,
                unit,
                discount,
                amount,
                coupon_id,
                groupbuy_id,
                fulfilment,
                address,
                buyer_name,
                buyer_phone,
                "refunded" if refunded_unseen else "paid",
                payment_ref,
                sess["rehearsal"],
                now,
                now if refunded_unseen else None,
                flash_price_id,
            ),
        )
        order_id = int(cur.lastrowid or 0)
        if refunded_unseen:
            ledger.unmatched_refund(
                conn,
                product_id=link["product_id"],
                quantity=quantity,
                order_id=order_id,
                session_id=link["session_id"],
                shop_order_id=shop_order_id or "",
                now=now,
            )
            self.emit(conn, link["session_id"], "order.refunded", self.order_out(order_id, conn))
            return order_id
        ledger.sell(
            conn,
            product_id=link["product_id"],
            quantity=quantity,
            order_id=order_id,
            session_id=link["session_id"],
            rehearsal=bool(sess["rehearsal"]),
            exact=exact_stock,
            now=now,
        )
        # rehearsal orders are practice, and a closed link's late sale earns nothing
        if commission and not sess["rehearsal"]:
            product = self.product_row(link["product_id"], conn)
            rate, amt = self.commission_for(conn, product, amount)
            conn.execute(
                "INSERT INTO commissions(order_id, guide_id, amount_cents, rate, state,"
                " created_at, settle_after) VALUES(?,?,?,?,'pending',?,?)",
                (
                    order_id,
                    link["guide_id"],
                    amt,
                    rate,
                    now,
                    now + self.settings.return_window_days * DAY,
                ),
            )
        order = self.order_out(order_id, conn)
        self.emit(conn, link["session_id"], "order.placed", order)
        stock = conn.execute(
            "SELECT stock FROM products WHERE id=?", (link["product_id"],)
        ).fetchone()[0]
        self.emit(
            conn,
            link["session_id"],
            "stock.changed",
            {"product_id": link["product_id"], "stock": stock},
        )
        log.info(
            "order %s: session %s guide %s amount %d",
            order_no,
            link["session_id"],
            link["guide_id"],
            amount,
        )
        return order_id

    def commission_for(
        self, conn: sqlite3.Connection, product: sqlite3.Row, amount: int
    ) -> tuple[float, int]:
        """Product rule beats category rule beats the default rule (or 5 %)."""
        rule = conn.execute(
            "SELECT rate, cap_cents FROM commission_rules WHERE product_id=? "
            "UNION ALL SELECT rate, cap_cents FROM commission_rules "
            "WHERE product_id IS NULL AND category=? "
            "UNION ALL SELECT rate, cap_cents FROM commission_rules "
            "WHERE product_id IS NULL AND category IS NULL LIMIT 1",
            (product["id"], product["category"]),
        ).fetchone()
        rate, cap = (rule["rate"], rule["cap_cents"]) if rule else (DEFAULT_RATE, None)
        value = round(amount * rate)
        return rate, min(value, cap) if cap is not None else value

    def refund(self, order_id: int) -> dict[str, Any]:
        with self.db.write() as conn:
            row = conn.execute("SELECT status FROM orders WHERE id=?", (order_id,)).fetchone()
            if row is None:
                raise ApiError(404, f"order {order_id} does not exist")
            if row["status"] == "refunded":
                raise ApiError(409, f"order {order_id} is already refunded")
            self._refund(conn, order_id)
            return self.order_out(order_id, conn)

    def _refund(self, conn: sqlite3.Connection, order_id: int) -> None:
        now = self.clock.now()
        o = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        conn.execute(
            "UPDATE orders SET status='refunded', refunded_at=? WHERE id=?", (now, order_id)
        )
        conn.execute(
            "UPDATE commissions SET state='reversed', reversed_at=? "
            "WHERE order_id=? AND state!='reversed'",
            (now, order_id),
        )
        ledger.give_back(conn, order_id, now)
        self.emit(conn, o["session_id"], "order.refunded", self.order_out(order_id, conn))
        stock = conn.execute(
            "SELECT stock FROM products WHERE id=?", (o["product_id"],)
        ).fetchone()[0]
        self.emit(
            conn, o["session_id"], "stock.changed", {"product_id": o["product_id"], "stock": stock}
        )

    # ---- time-driven work ----------------------------------------------------------------
    def settle_due(self) -> int:
        """Settle pending commissions whose return window has passed."""
        now = self.clock.now()
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT c.id, o.session_id, c.order_id FROM commissions c "
                "JOIN orders o ON o.id=c.order_id "
                "WHERE c.state='pending' AND c.settle_after<=? AND o.status='paid'",
                (now,),
            ).fetchall()
            for r in rows:
                conn.execute(
                    "UPDATE commissions SET state='settled', settled_at=? WHERE id=?",
                    (now, r["id"]),
                )
                com = conn.execute("SELECT * FROM commissions WHERE id=?", (r["id"],)).fetchone()
                self.emit(conn, r["session_id"], "commission.settled", commission_out(com))
        if rows:
            log.info("settled %d commissions", len(rows))
        return len(rows)

    def sweep_groupbuys(self) -> int:
        """Fail group-buys that ran out of time unfilled and refund their orders."""
        now = self.clock.now()
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT * FROM groupbuys WHERE state='open' AND ends_at<=?", (now,)
            ).fetchall()
            for gb in rows:
                conn.execute("UPDATE groupbuys SET state='failed' WHERE id=?", (gb["id"],))
                for o in conn.execute(
                    "SELECT id FROM orders WHERE groupbuy_id=? AND status='paid'", (gb["id"],)
                ).fetchall():
                    self._refund(conn, o["id"])
                row = conn.execute("SELECT * FROM groupbuys WHERE id=?", (gb["id"],)).fetchone()
                self.emit(conn, gb["session_id"], "groupbuy.progress", self.groupbuy_out(row))
        return len(rows)

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
        rows = self.db.all(
            "SELECT strftime('%Y-%m-%dT%H:00Z', o.created_at, 'unixepoch') AS hour,"
            " g.id AS guide_id, g.name AS guide_name, s.name AS store_name,"
            " COUNT(*) AS orders, SUM(o.amount_cents) AS gmv_cents "
            "FROM orders o JOIN guides g ON g.id=o.guide_id JOIN stores s ON s.id=o.store_id "
            "WHERE s.region_id=? AND o.status='paid' AND o.rehearsal=0 "
            "AND o.created_at>=? AND o.created_at<? "
            "GROUP BY hour, g.id ORDER BY hour DESC, gmv_cents DESC, orders DESC, g.id",
            region_id,
            since,
            until,
        )
        out, rank, last_hour = [], 0, None
        for r in rows:
            rank = 1 if r["hour"] != last_hour else rank + 1
            last_hour = r["hour"]
            out.append({**dict(r), "rank": rank})
        return out

    def summary(self, session_id: int) -> dict[str, Any]:
        links = self.db.all(
            "SELECT l.id AS link_id, l.product_id, p.name AS product_name, l.clicks,"
            " COUNT(o.id) AS orders, COALESCE(SUM(o.amount_cents), 0) AS gmv_cents "
            "FROM links l JOIN products p ON p.id=l.product_id "
            "LEFT JOIN orders o ON o.link_id=l.id AND o.status='paid' "
            "WHERE l.session_id=? GROUP BY l.id ORDER BY l.id",
            session_id,
        )
        clicks = sum(r["clicks"] for r in links)
        tot = self.db.one(
            "SELECT COUNT(*) FILTER (WHERE status='paid') AS orders,"
            " COUNT(*) FILTER (WHERE status='refunded') AS refunds,"
            " COALESCE(SUM(amount_cents) FILTER (WHERE status='paid'), 0) AS gmv "
            "FROM orders WHERE session_id=?",
            session_id,
        )
        com = self.db.one(
            "SELECT COALESCE(SUM(c.amount_cents), 0) FROM commissions c JOIN orders o "
            "ON o.id=c.order_id WHERE o.session_id=? AND c.state!='reversed'",
            session_id,
        )
        bookings = self.db.one("SELECT COUNT(*) FROM bookings WHERE session_id=?", session_id)
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


def user_from_row(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        region_id=row["region_id"],
        store_id=row["store_id"],
        guide_id=row["guide_id"],
    )


def commission_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        k: row[k]
        for k in (
            "id",
            "order_id",
            "guide_id",
            "amount_cents",
            "rate",
            "state",
            "created_at",
            "settle_after",
            "settled_at",
            "reversed_at",
        )
    }
