"""A product card on air shows the product's picture once it is downloaded (as the shelf)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.ui.test_selling import click, make_window


def test_the_card_on_air_shows_the_downloaded_picture_not_the_letter(
    qtbot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    win = make_window(qtbot, tmp_path)
    pic = tmp_path / "GS-1001.png"
    Image.new("RGB", (300, 240), (10, 200, 40)).save(pic)  # a green photo, wider than tall
    # what StudioApp._fetch_images publishes after connecting
    win.app.bus.publish("catalog.images", images={"GS-1001": str(pic)})
    card = win.app.overlays.slots["card"]
    click(qtbot, win, "GS-1001")
    qtbot.waitUntil(lambda: card.key[-1:] == (str(pic),) and card.layer.rgba is not None)
    rgba = card.layer.rgba
    s = win.app.overlays.scale
    inside = rgba[round(40 * s) : round(110 * s), round(40 * s) : round(110 * s), :3]
    green = np.array([10, 200, 40])
    assert np.abs(inside.reshape(-1, 3).astype(int) - green).max() < 12  # no 羊 drawn over it
