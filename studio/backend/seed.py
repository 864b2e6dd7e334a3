"""``--demo`` data: one region, two stores, three guides, staff, a catalog, a live show.

Every demo user's password is ``demo1234`` (printed by ``studio backend --demo``).
Seeding is idempotent: a database that already has users is left alone.
"""

from __future__ import annotations

import logging
from typing import Any

from studio.backend import stock as ledger
from studio.backend.access import User
from studio.backend.security import hash_password
from studio.backend.service import Commerce
from studio.demo.data import DEMO_PASSWORD, PRODUCTS

__all__ = ["DEMO_PASSWORD", "PRODUCTS", "add_region", "seed_demo"]  # the tests' demo world

log = logging.getLogger(__name__)


def _user(
    c: Any,
    username: str,
    name: str,
    role: str,
    *,
    region: int | None,
    store: int | None,
    now: float,
    pw_hash: str,
) -> int:
    cur = c.execute(
        "INSERT INTO users(username, display_name, role, password_hash, region_id, store_id,"
        " created_at) VALUES(?,?,?,?,?,?,?)",
        (username, name, role, pw_hash, region, store, now),
    )
    return int(cur.lastrowid or 0)


def add_region(
    commerce: Commerce, name: str, store: str, guide_username: str, manager_username: str
) -> dict[str, int]:
    """A region with one store, one guide and one regional manager (tests use it as 'foreign')."""
    now = commerce.clock.now()
    pw = hash_password(DEMO_PASSWORD)
    with commerce.db.write() as c:
        region = int(c.execute("INSERT INTO regions(name) VALUES(?)", (name,)).lastrowid or 0)
        store_id = int(
            c.execute(
                "INSERT INTO stores(region_id, name, address) VALUES(?,?,?)", (region, store, "")
            ).lastrowid
            or 0
        )
        uid = _user(
            c,
            guide_username,
            guide_username,
            "guide",
            region=region,
            store=store_id,
            now=now,
            pw_hash=pw,
        )
        guide = int(
            c.execute(
                "INSERT INTO guides(store_id, user_id, name) VALUES(?,?,?)",
                (store_id, uid, guide_username),
            ).lastrowid
            or 0
        )
        _user(
            c,
            manager_username,
            manager_username,
            "regional_manager",
            region=region,
            store=None,
            now=now,
            pw_hash=pw,
        )
    return {"region_id": region, "store_id": store_id, "guide_id": guide}


def seed_demo(commerce: Commerce) -> bool:
    """Fill an empty database with the demo world; False when it already had users."""
    db = commerce.db
    if db.one("SELECT 1 FROM users LIMIT 1"):
        return False
    now = commerce.clock.now()
    pw = hash_password(DEMO_PASSWORD)
    with db.write() as c:
        region = int(c.execute("INSERT INTO regions(name) VALUES('华东区')").lastrowid or 0)
        sql = "INSERT INTO stores(region_id, name, address) VALUES(?,?,?)"
        s1 = int(
            c.execute(sql, (region, "上海南京西路店", "上海市静安区南京西路 1266 号")).lastrowid
            or 0
        )
        s2 = int(
            c.execute(
                "INSERT INTO stores(region_id, name, address) VALUES(?,?,?)",
                (region, "杭州湖滨店", "杭州市上城区湖滨路 18 号"),
            ).lastrowid
            or 0
        )
        guides = {}
        for username, name, store in (
            ("guide1", "小美", s1),
            ("guide2", "阿杰", s1),
            ("guide3", "莉莉", s2),
        ):
            uid = _user(c, username, name, "guide", region=region, store=store, now=now, pw_hash=pw)
            guides[username] = int(
                c.execute(
                    "INSERT INTO guides(store_id, user_id, name) VALUES(?,?,?)", (store, uid, name)
                ).lastrowid
                or 0
            )
        _user(
            c,
            "manager",
            "王经理",
            "regional_manager",
            region=region,
            store=None,
            now=now,
            pw_hash=pw,
        )
        _user(
            c, "storemgr", "陈店长", "store_manager", region=region, store=s1, now=now, pw_hash=pw
        )
        _user(c, "trainer", "周老师", "trainer", region=region, store=None, now=now, pw_hash=pw)
        admin = _user(c, "admin", "管理员", "admin", region=None, store=None, now=now, pw_hash=pw)
        pids = {}
        for sku, name, cat, price, lst, stock, color in PRODUCTS:
            pids[sku] = int(
                c.execute(
                    "INSERT INTO products(sku, name, category, price_cents, list_price_cents,"
                    " stock, color) VALUES(?,?,?,?,?,?,?)",
                    (sku, name, cat, price * 100, lst * 100, stock, color),
                ).lastrowid
                or 0
            )
            ledger.opening(c, pids[sku], now)
        c.executemany(
            "INSERT INTO commission_rules(product_id, category, rate, cap_cents) VALUES(?,?,?,?)",
            [
                (None, None, 0.05, None),
                (None, "服饰", 0.08, 5000),
                (None, "美妆", 0.10, None),
                (pids["GS-1018"], None, 0.12, 3000),
            ],
        )

        def session(
            guide: str, store: int, title: str, start: float, *, state: str, rehearsal: int
        ) -> int:
            return int(
                c.execute(
                    "INSERT INTO live_sessions(store_id, guide_id, title, scheduled_start, state,"
                    " started_at, rehearsal, created_by, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
                    (
                        store,
                        guides[guide],
                        title,
                        start,
                        state,
                        start if state == "live" else None,
                        rehearsal,
                        admin,
                        now,
                    ),
                ).lastrowid
                or 0
            )

        live = session("guide1", s1, "秋冬新品专场 · 小美带你试穿", now, state="live", rehearsal=0)
        session("guide3", s2, "湖滨店周末好物分享", now + 86400, state="scheduled", rehearsal=0)
        session("guide2", s1, "新人导购彩排", now + 3600, state="scheduled", rehearsal=1)
        c.execute(
            "INSERT INTO coupons(session_id, product_id, code, title, discount_cents,"
            " min_spend_cents, total, created_at) VALUES(?,?,?,?,?,?,?,?)",
            (live, None, "LIVE20", "直播间专享立减 20 元", 2000, 10000, 500, now),
        )
        c.execute(
            "INSERT INTO groupbuys(session_id, product_id, group_price_cents, size, created_at,"
            " ends_at) VALUES(?,?,?,?,?,?)",
            (live, pids["GS-1007"], 21800, 3, now, now + 30 * 60),
        )
    admin_user = User(admin, "admin", "管理员", "admin", None, None, None)
    sess = commerce.session_row(live)
    with db.write() as c:
        for sku in ("GS-1001", "GS-1007", "GS-1011", "GS-1020"):
            commerce.create_link(
                c, admin_user, sess, product_id=pids[sku], coupon_id=None, ttl=None
            )
    log.info("seeded demo data: region %s, stores %s and %s, live session %s", region, s1, s2, live)
    return True
