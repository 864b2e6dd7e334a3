"""Order rules: checkout, a shop's webhook orders, commissions, refunds and settling.

Mixed into :class:`studio.backend.service.CommerceService` (``class CommerceService(OrderRules)``)
so callers keep one façade while the rules that create and reverse money live apart
from lookups and serializers. Each method annotates ``self: CommerceService`` because it
uses the façade's lookups (``product_row``, ``resolve_link``, ``emit``...).
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

from studio.backend import cohost, flash, groupbuys, promos
from studio.backend import stock as ledger
from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError

if TYPE_CHECKING:
    from studio.backend.db import Clock, Database
    from studio.backend.security import LinkSigner
    from studio.backend.service import Settings

log = logging.getLogger(__name__)

DAY = 86400.0
DEFAULT_RATE = 0.05


class OrderRules:
    """Checkout, webhook orders, commissions and refunds (see the module docstring)."""

    if TYPE_CHECKING:  # what the façade provides (CommerceService)
        db: Database
        clock: Clock
        signer: LinkSigner
        settings: Settings

        def resolve_link(self, token: str) -> Row: ...
        def product_row(self, product_id: int, conn: Conn | None = None) -> Row: ...
        def emit(self, conn: Conn, session_id: int, type_: str, data: dict[str, Any]) -> int: ...
        def order_out(self, order_id: int, conn: Conn | None = None) -> dict[str, Any]: ...
        def groupbuy_out(self, row: Row) -> dict[str, Any]: ...

    def _usable_coupon(self, conn: Conn, link: Row, subtotal: int, now: float) -> Row | None:
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
        self, conn: Conn, link: Row, now: float, *, lock: bool = False
    ) -> Row | None:
        """The link's open 拼团; ``lock``: held until the order commits (one seat at a time)."""
        return conn.execute(
            "SELECT * FROM groupbuys WHERE session_id=? AND product_id=? AND state='open' "
            "AND ends_at>? ORDER BY id DESC LIMIT 1" + (conn.for_update() if lock else ""),
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
            gb = self._open_groupbuy(conn, link, now, lock=True) if join_group else None
            seat = groupbuys.buyer_key(buyer_phone) if gb is not None else None
            if gb is not None and seat is not None:
                groupbuys.check_seat(conn, gb["id"], seat)
                unit = gb["group_price_cents"]
                fp = None  # the group price, not the flash price, set this order's unit
            subtotal = unit * quantity
            coupon = self._usable_coupon(conn, link, subtotal, now) if use_coupon else None
            if coupon is not None and not self._take_coupon(conn, coupon["id"]):
                coupon = None  # the last one went to a concurrent order
            discount = (
                promos.capped_discount(rules, coupon["discount_cents"], subtotal) if coupon else 0
            )
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

    def _take_coupon(self, conn: Conn, coupon_id: int) -> bool:
        """Use one of the coupon's ``total``, if any is left (atomic on both engines)."""
        return (
            conn.execute(
                "UPDATE coupons SET used=used+1 WHERE id=? AND used<total", (coupon_id,)
            ).rowcount
            == 1
        )

    def link_is_closed(self, conn: Conn, link: Row) -> bool:
        """True once the link's session has ended or its TTL has passed (checkout: 410)."""
        sess = conn.execute(
            "SELECT state FROM live_sessions WHERE id=?", (link["session_id"],)
        ).one()
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
            # repeated deliveries (to any process) of one shop order run one at a time
            conn.lock(f"shop order:{body['shop_order_id']}")
            existing = conn.execute(
                "SELECT id, status FROM orders WHERE shop_order_id=?" + conn.for_update(),
                (body["shop_order_id"],),
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
        conn: Conn,
        link: Row,
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
        ).one()
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
            commission_id = conn.execute(
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
            ).lastrowid
            cohost.record(conn, order_id, int(commission_id or 0), link["session_id"], amt, now)
        order = self.order_out(order_id, conn)
        self.emit(conn, link["session_id"], "order.placed", order)
        stock = conn.execute("SELECT stock FROM products WHERE id=?", (link["product_id"],)).one()[
            0
        ]
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

    def commission_for(self, conn: Conn, product: Row, amount: int) -> tuple[float, int]:
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
            row = conn.execute(
                "SELECT status FROM orders WHERE id=?" + conn.for_update(), (order_id,)
            ).fetchone()
            if row is None:
                raise ApiError(404, f"order {order_id} does not exist")
            if row["status"] == "refunded":
                raise ApiError(409, f"order {order_id} is already refunded")
            self._refund(conn, order_id)
            return self.order_out(order_id, conn)

    def _refund(self, conn: Conn, order_id: int) -> None:
        now = self.clock.now()
        o = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).one()
        conn.execute(
            "UPDATE orders SET status='refunded', refunded_at=? WHERE id=?", (now, order_id)
        )
        conn.execute(
            "UPDATE commissions SET state='reversed', reversed_at=? "
            "WHERE order_id=? AND state!='reversed'",
            (now, order_id),
        )
        cohost.reverse(conn, order_id, now)
        ledger.give_back(conn, order_id, now)
        self.emit(conn, o["session_id"], "order.refunded", self.order_out(order_id, conn))
        stock = conn.execute("SELECT stock FROM products WHERE id=?", (o["product_id"],)).one()[0]
        self.emit(
            conn, o["session_id"], "stock.changed", {"product_id": o["product_id"], "stock": stock}
        )

    def settle_due(self) -> int:
        """Settle pending commissions whose return window has passed.

        One UPDATE takes them (and their row locks) at once, so two processes sweeping
        together settle, and announce, each commission once."""
        now = self.clock.now()
        with self.db.write() as conn:
            rows = sorted(
                conn.execute(
                    "UPDATE commissions SET state='settled', settled_at=? "
                    "WHERE state='pending' AND settle_after<=? "
                    "AND order_id IN (SELECT id FROM orders WHERE status='paid') RETURNING *",
                    (now, now),
                ).fetchall(),
                key=lambda r: int(r["id"]),
            )
            cohost.settle(conn, [int(r["id"]) for r in rows], now)
            for com in rows:
                order = conn.execute(
                    "SELECT session_id FROM orders WHERE id=?", (com["order_id"],)
                ).one()
                self.emit(conn, order["session_id"], "commission.settled", commission_out(com))
        if rows:
            log.info("settled %d commissions", len(rows))
        return len(rows)

    def sweep_groupbuys(self) -> int:
        """Fail group-buys that ran out of time unfilled and refund their orders (one
        transaction per group; a group another process is failing is skipped)."""
        now = self.clock.now()
        due = self.db.all(
            "SELECT id FROM groupbuys WHERE state='open' AND ends_at<=? ORDER BY id", now
        )
        failed = 0
        for gid in (int(r["id"]) for r in due):
            with self.db.write() as conn:
                gb = conn.execute(
                    "SELECT * FROM groupbuys WHERE id=? AND state='open'"
                    + conn.for_update(skip_locked=True),
                    (gid,),
                ).fetchone()
                if gb is None:
                    continue
                # the product's stock row before any event: the lock order checkout uses
                conn.execute(
                    "SELECT stock FROM products WHERE id=?" + conn.for_update(),
                    (gb["product_id"],),
                )
                orders = conn.execute(
                    "SELECT id FROM orders WHERE groupbuy_id=? AND status='paid' ORDER BY id"
                    + conn.for_update(),
                    (gid,),
                ).fetchall()
                conn.execute("UPDATE groupbuys SET state='failed' WHERE id=?", (gid,))
                for o in orders:
                    self._refund(conn, o["id"])
                row = conn.execute("SELECT * FROM groupbuys WHERE id=?", (gid,)).one()
                self.emit(conn, gb["session_id"], "groupbuy.progress", self.groupbuy_out(row))
                failed += 1
        return failed


def commission_out(row: Row) -> dict[str, Any]:
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
