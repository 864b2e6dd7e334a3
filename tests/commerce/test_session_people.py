"""A sample script's lower third names the session's guide and store, as checkout does.

The quick demo's script says 莉莉 · 杭州湖滨店 while the demo session's checkout says 导购 小美 /
上海南京西路店: connected, the session's names go on air.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from studio.app import StudioApp

QUICK_DEMO = Path(__file__).resolve().parents[2] / "assets" / "shows" / "quick-demo.toml"


def test_connected_lower_third_names_the_sessions_guide_and_store() -> None:
    app = StudioApp()
    try:
        app.start_demo(shoppers=0)
        show = app.load_show(QUICK_DEMO)
        assert show.guide == "莉莉"
        app.make_engine()
        guide, store = app.overlays.guide, app.overlays.store
        sku = next(c.product for c in show.cues if c.action == "pop_link")
        page = httpx.get(app.overlays.link(sku), timeout=10).text
    finally:
        app.close()
    assert guide and store and (guide, store) != ("莉莉", "杭州湖滨店")
    assert guide in page and store in page  # what the viewer's checkout says
