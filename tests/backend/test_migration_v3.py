"""An existing (schema 2) database upgrades: its products open the stock ledger, new
tables appear, and the files end up private (0600)."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from studio.backend.db import MIGRATIONS, SCHEMA_VERSION, Database


def test_schema_2_database_upgrades_with_opening_stock_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for v in (1, 2):
        conn.executescript(MIGRATIONS[v])
    conn.execute("INSERT INTO meta VALUES('schema_version', '2')")
    conn.execute(
        "INSERT INTO products(sku, name, category, price_cents, list_price_cents, stock)"
        " VALUES('X-1', '旧商品', '家居', 1000, 2000, 7)"
    )
    conn.commit()
    conn.close()
    path.chmod(0o644)
    db = Database(path)
    assert SCHEMA_VERSION >= 3 and db.meta("schema_version") == str(SCHEMA_VERSION)
    (row,) = db.all("SELECT product_id, kind, delta, stock_after FROM stock_moves")
    assert tuple(row) == (1, "opening", 7, 7)
    assert db.one("SELECT COUNT(*) FROM groupbuy_members")[0] == 0
    assert db.one("SELECT COUNT(*) FROM promo_rules")[0] == 0
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    db.close()
