"""The guide-only panel says cues as the cue list does, in the window's language."""

from __future__ import annotations

import re
from pathlib import Path

from studio.show.script import ACTIONS
from tests.ui.test_selling import make_window

SHOW = Path(__file__).resolve().parents[2] / "assets" / "shows" / "winter-new.toml"
CJK = re.compile(r"[\u3400-\u9fff]")


def test_next_cue_in_the_guide_panel_has_names_not_ids_in_the_windows_language(
    qtbot,
    tmp_path: Path,
    language: str,  # type: ignore[no-untyped-def]
) -> None:
    win = make_window(qtbot, tmp_path)
    assert win.script.load_show(SHOW)
    win.script.start_show()
    ov = win.app.overlays
    qtbot.waitUntil(lambda: bool(ov.info.next_cue), timeout=5000)
    text = ov.info.next_cue
    assert "GS-" not in text, text
    # internal action names; in English "coupon" is also the word for it
    ids = [a for a in ACTIONS if language == "zh" or "_" in a]
    raw = [a for a in ids if re.search(rf"\b{a}\b", text)]
    assert not raw, text
    nxt = win.app.cues.upcoming()
    assert nxt is not None
    assert text == win.app.cues.describe(nxt)
    # the panel is drawn in the window's language: its labels, not only the cue
    qtbot.waitUntil(lambda: ov.slots["guide"].key[-1:] == (language,), timeout=5000)
    if language == "en":
        assert ov.lang == "en"
        words = CJK.sub("", text)
        assert re.search(r"[A-Za-z]{3,}", words), text
    else:
        assert ov.lang == "zh"
        assert CJK.search(text), text


def test_a_shelf_click_on_another_product_takes_the_previous_qr_down(
    qtbot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from tests.ui.test_selling import click

    win = make_window(qtbot, tmp_path)
    ov = win.app.overlays
    popup = ov.slots["popup"]
    ov.pop_link("GS-1007", 60.0)
    qtbot.waitUntil(lambda: (popup.state or {}).get("sku") == "GS-1007" and popup.anim != "out")
    click(qtbot, win, "GS-1008")
    qtbot.waitUntil(lambda: (ov.slots["card"].state or {}).get("sku") == "GS-1008", timeout=5000)
    qtbot.waitUntil(lambda: popup.state is None, timeout=5000)


def test_the_platforms_covered_bands_are_labelled_in_the_windows_language(
    qtbot,
    tmp_path: Path,
    language: str,  # type: ignore[no-untyped-def]
) -> None:
    from studio.overlays.layout import safe_area_images

    win = make_window(qtbot, tmp_path, size=(720, 1280))
    ov = win.app.overlays
    ov.set_platform("channels")

    def boxes() -> list:
        return [ly for ly in win.app.pipeline.scene.guide if ly.name.startswith("guide:safe")]

    qtbot.waitUntil(lambda: bool(boxes()), timeout=5000)
    other = "zh" if language == "en" else "en"
    want = [rgba for _, rgba in safe_area_images(ov.layout, language)]
    wrong = [rgba for _, rgba in safe_area_images(ov.layout, other)]
    assert all(a.shape == b.shape for a, b in zip(want, wrong, strict=True))
    assert not all((a == b).all() for a, b in zip(want, wrong, strict=True))
    qtbot.waitUntil(
        lambda: all((ly.rgba == rgba).all() for ly, rgba in zip(boxes(), want, strict=True)),
        timeout=5000,
    )
