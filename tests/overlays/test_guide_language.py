"""The guide-only panel in the window's language; what viewers see stays Chinese."""

from __future__ import annotations

import numpy as np

from studio.overlays import reactions, widgets


def test_guide_panel_labels_and_alerts_follow_the_language() -> None:
    info = widgets.GuideInfo(commission=12.5, orders=3, segment="开场", next_cue="x", notes="n")
    zh = widgets.guide_panel(info, 1.0, "zh")
    en = widgets.guide_panel(info, 1.0, "en")
    assert not np.array_equal(zh, en)  # 我的佣金 / 当前 / 下一条 / 备注 are words, not data
    state = {"kind": "coupon", "amount": 10.0, "threshold": 99.0}
    assert reactions._alert(state, "the backend refused it") == "未上屏 ¥10 券：后台拒绝"
    en_alert = reactions._alert(state, "the backend refused it", "en")
    assert "未上屏" not in en_alert and "Not on air" in en_alert and "¥10" in en_alert
    rows = [{"gmv": 1.0, "orders": 1}] * 5 + [{"gmv": 9.0, "orders": 2, "me": True}]
    assert reactions._my_rank(rows, True, "en").startswith("My rank #6")
    assert reactions._my_rank(rows, True).startswith("我的排名 第6名")
