"""``studio bench --backend-load`` in miniature: a real backend, real SSE studios and walls,
signed webhooks and checkout purchases; every order reaches its studio once."""

from __future__ import annotations

import subprocess
import sys

from studio.bench.backend_load import LoadPlan, run_load, table


def test_a_small_region_gets_every_order_once() -> None:
    plan = LoadPlan(stores=4, studios=8, walls=2, rate=600, seconds=6, configs=(("sqlite", 1),))
    (r,) = run_load(plan, say=lambda _line: None)
    assert r.orders >= 20, r  # ~60 sent in 6 s at 600/min
    assert r.failed == 0, r.notes
    assert (r.lost, r.duplicated) == (0, 0), r.notes
    assert r.studios == 8 and r.latency_ms["p50"] > 0
    assert "| sqlite | 1 |" in table([r])


def test_a_wrong_load_config_is_one_message() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "studio", "bench", "--backend-load", "--load-config", "mysql:2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--load-config mysql:2" in out.stderr and "postgresql:4" in out.stderr
    assert "Traceback" not in out.stderr
