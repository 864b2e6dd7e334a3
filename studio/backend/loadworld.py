"""``--load-stores N``: a chain's region for the load bench (``studio bench --backend-load``).

N more stores in the demo region (华东区, watched by ``manager``), one guide each
(``load<i>``, the demo password), and ``--load-sessions`` live sessions spread over them,
each with one purchase link. Seeded once, after ``--demo``; a database that has them
is left alone.
"""

from __future__ import annotations

import logging

from studio.backend.access import User
from studio.backend.security import hash_password
from studio.backend.service import CommerceService

log = logging.getLogger(__name__)

PASSWORD = "demo1234"  # the demo's documented password, not a secret


def seed_load(commerce: CommerceService, stores: int, sessions: int) -> bool:
    """Add the load world; False when the database has it already."""
    db = commerce.db
    if db.one("SELECT 1 FROM users WHERE username='load0'"):
        return False
    region = db.one("SELECT id FROM regions ORDER BY id LIMIT 1")
    admin = db.one("SELECT id FROM users WHERE role='admin' ORDER BY id LIMIT 1")
    products = [int(r["id"]) for r in db.all("SELECT id FROM products ORDER BY id")]
    if region is None or admin is None or not products:
        raise RuntimeError("--load-stores needs the demo data: add --demo")
    now = commerce.clock.now()
    pw = hash_password(PASSWORD)
    admin_user = User(int(admin["id"]), "admin", "admin", "admin", None, None, None)
    with db.write() as c:
        # plenty of stock: the bench measures the feed, not selling out
        c.execute("UPDATE products SET stock=stock+1000000")
        guides: list[tuple[int, int]] = []
        for i in range(stores):
            store = int(
                c.execute(
                    "INSERT INTO stores(region_id, name, address) VALUES(?,?,?)",
                    (region["id"], f"压测门店{i:03d}", ""),
                ).lastrowid
                or 0
            )
            uid = int(
                c.execute(
                    "INSERT INTO users(username, display_name, role, password_hash, region_id,"
                    " store_id, created_at) VALUES(?,?,?,?,?,?,?)",
                    (f"load{i}", f"导购{i:03d}", "guide", pw, region["id"], store, now),
                ).lastrowid
                or 0
            )
            gid = int(
                c.execute(
                    "INSERT INTO guides(store_id, user_id, name) VALUES(?,?,?)",
                    (store, uid, f"导购{i:03d}"),
                ).lastrowid
                or 0
            )
            guides.append((store, gid))
        for j in range(sessions):
            store, gid = guides[j % stores]
            sid = int(
                c.execute(
                    "INSERT INTO live_sessions(store_id, guide_id, title, scheduled_start, state,"
                    " started_at, rehearsal, created_by, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
                    (store, gid, f"压测直播{j:03d}", now, "live", now, 0, admin_user.id, now),
                ).lastrowid
                or 0
            )
            sess = c.execute("SELECT * FROM live_sessions WHERE id=?", (sid,)).one()
            commerce.create_link(
                c,
                admin_user,
                sess,
                product_id=products[j % len(products)],
                coupon_id=None,
                ttl=None,
            )
    log.info("load world: %d stores, %d live sessions", stores, sessions)
    return True
