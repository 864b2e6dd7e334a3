"""The guide's selling flow in the real window: the shelf, the QR on the stream, the script."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from studio.config import Profile
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from tests.qr import qr_texts
from tests.ui.conftest import build_window
from tests.ui.test_golive_window import add_platform
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def make_window(qtbot, tmp_path: Path, size=(1280, 720)) -> MainWindow:  # type: ignore[no-untyped-def]
    profile = Profile(width=size[0], height=size[1], fps=30, video_bitrate=2_500_000)
    return build_window(qtbot, tmp_path, profile, size=(1366, 768))


def shelf_item(win: MainWindow, sku: str):  # type: ignore[no-untyped-def]
    for i in range(win.shelf.list.count()):
        item = win.shelf.list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == sku:
            return item
    raise AssertionError(sku)


def on_air(win: MainWindow, slot: str, sku: str) -> bool:
    """The overlay ``slot`` shows ``sku`` and has finished sliding in."""
    s = win.app.overlays.slots[slot]
    return (s.state or {}).get("sku") == sku and not s.anim and s.layer.visible


def click(qtbot, win: MainWindow, sku: str) -> None:  # type: ignore[no-untyped-def]
    item = shelf_item(win, sku)
    rect = win.shelf.list.visualItemRect(item)
    qtbot.mouseClick(win.shelf.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def decode_qr(frames: list[np.ndarray]) -> set[str]:
    return qr_texts(frames)


def test_two_clicks_show_the_card_then_a_qr_with_the_products_link(
    qtbot,
    tmp_path: Path,
    nginx_rtmp: NginxRtmp,  # type: ignore[no-untyped-def]
) -> None:
    win = make_window(qtbot, tmp_path)
    studio = win.app
    sku = next(iter(studio.catalog)).sku
    add_platform(qtbot, win, "视频号", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live", "shelf1")
    win.panel.record_dir = tmp_path
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.panel.live, timeout=10000)
    url = f"rtmp://127.0.0.1:{nginx_rtmp.port}/live/shelf1"

    click(qtbot, win, sku)
    qtbot.waitUntil(lambda: on_air(win, "card", sku), timeout=5000)
    with_card = read_media(url, seconds=2.5, keep_every=10)
    assert with_card.frames_kept and not decode_qr(with_card.frames_kept)
    # the card's warm white panel sits bottom-left, over the colour bars
    f = with_card.frames_kept[-1]
    h, w = f.shape[:2]
    assert f[int(h * 0.7) : h - 40, 40 : int(w * 0.3)].mean() > 150

    click(qtbot, win, sku)
    qtbot.waitUntil(lambda: on_air(win, "popup", sku), timeout=5000)
    with_qr = read_media(url, seconds=3, keep_every=5)
    expected = studio.overlays.link(sku)
    assert expected in decode_qr(with_qr.frames_kept)
    assert "/p/" in expected

    studio.end()
    win.panel.set_live(False)
    assert list(tmp_path.glob("guide-studio*.mkv"))


def test_show_script_loads_runs_and_highlights_the_next_cue(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot, tmp_path, size=(640, 360))
    assert win.script.load_show(ROOT / "assets" / "shows" / "quick-demo.toml")
    assert win.runner.cues.count() == len(win.app.show.cues) > 3
    qtbot.mouseClick(win.runner.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.app.cues is not None and len(win.app.cues.fired) >= 1, timeout=8000)
    qtbot.waitUntil(lambda: "/" in win.runner.segment.text(), timeout=3000)  # "段落 0:01 / 0:10"
    assert win.runner.prompter.text()
    before = len(win.app.cues.fired)
    qtbot.keyClick(win, Qt.Key.Key_Space)  # space = next cue
    qtbot.waitUntil(lambda: len(win.app.cues.fired) > before, timeout=3000)
    assert win.app.cues.fired[-1].trigger in ("next", "time")


def test_broken_script_shows_every_problem_in_a_dialog(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\n[[segments]]\ntitle = 3\nlength = "soon"\n', encoding="utf-8")
    win = make_window(qtbot, tmp_path, size=(640, 360))
    assert not win.script.load_show(bad)
    box = win.findChild(QMessageBox, "errorDialog")
    assert box is not None and "bad.toml:" in box.text()


def test_overlay_toggles_and_scene_change_what_viewers_see(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from studio.media.frame import planes

    win = make_window(qtbot, tmp_path, size=(640, 360))
    studio = win.app

    def program_y():  # type: ignore[no-untyped-def]
        frame, _ = studio.pipeline.compositor.render(studio.pipeline.scene)
        return planes(frame, 640, 360)[0].astype(int)

    qtbot.waitUntil(lambda: studio.pipeline.counters.rendered > 10, timeout=5000)  # on the clock
    before = program_y()
    win.toggles["board"].trigger()  # the hourly leaderboard, top left
    board = studio.overlays.slots["board"]
    board_in = lambda: board.state is not None and not board.anim and board.layer.visible  # noqa: E731
    qtbot.waitUntil(board_in, timeout=5000)
    after = program_y()
    assert abs(after[10:150, 10:200] - before[10:150, 10:200]).mean() > 10
    win.toggles["board"].trigger()
    qtbot.waitUntil(lambda: board.layer.opacity == 0 or not board.layer.visible, timeout=5000)
    win.scene_combo.setCurrentIndex(1)  # 分屏: the camera takes the left 60 %
    win.scene_combo.activated.emit(1)
    qtbot.waitUntil(lambda: 0 < studio.pipeline.scene.program[0].w < 640, timeout=5000)


def test_first_run_test_recording_saves_a_playable_file(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    win = make_window(qtbot, tmp_path, size=(640, 360))
    win.panel.record_dir = tmp_path
    win.setup.test_recording(seconds=1.5)
    qtbot.waitUntil(lambda: win.findChild(QMessageBox, "infoDialog") is not None, timeout=15000)
    files = list(tmp_path.glob("guide-studio-test*.mkv"))
    assert len(files) == 1 and str(files[0]) in win.findChild(QMessageBox, "infoDialog").text()
    played = read_media(str(files[0]))
    assert not played.error and len(played.video_times) >= 30


def test_segment_timer_colours() -> None:
    from ui.show_runner import AMBER, GREEN, RED, timer_colour

    assert timer_colour(2, 8) == GREEN and timer_colour(7, 8) == AMBER and timer_colour(9, 8) == RED
    assert timer_colour(500, 600) == GREEN and timer_colour(550, 600) == AMBER


def test_prompter_follows_the_segment_the_guide_moved_into(qtbot) -> None:  # type: ignore[no-untyped-def]
    from studio.show.catalog import demo_catalog
    from studio.show.script import load_show
    from ui.show_runner import ShowRunner

    show = load_show(Path(__file__).with_name("short_show.toml"), demo_catalog())
    runner = ShowRunner()
    qtbot.addWidget(runner)
    runner.set_show(show)
    runner.update_progress(1.0, set(), None, (0, 0.0))
    assert "欢迎来到直播间" in runner.prompter.text()
    # "next" pressed into segment 2 at 1.5 s, 1.5 s ahead of plan: prompter and timer go along
    runner.update_progress(2.0, {"hello", "card-coffee"}, "link-coffee", (1, 1.5))
    assert "云南小粒咖啡" in runner.prompter.text()
    assert runner.segment.text().startswith("咖啡豆") and "0:00 / 0:05" in runner.segment.text()


def test_source_picker_lists_each_camera_size_its_driver_offers(
    qtbot, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """No physical camera here: the camera and its driver's listing are the only fakes."""
    from studio.media.devices import Camera, parse_sizes

    listing = ["C : mjpeg : Motion-JPEG : 640x480 1280x720 1920x1080"]
    monkeypatch.setattr("ui.main_window.list_cameras", lambda: [Camera(0, "USB 摄像头")])
    monkeypatch.setattr("ui.main_window.advertised_sizes", lambda cam: parse_sizes(listing))
    win = make_window(qtbot, tmp_path, size=(640, 360))
    combo = win.source_combo
    qtbot.waitUntil(lambda: combo.findData("camera:0@1920x1080") >= 0, timeout=5000)
    items = [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]
    cam = items.index(("摄像头：USB 摄像头", "camera:0"))
    assert items[cam + 1 : cam + 4] == [
        ("摄像头：USB 摄像头 · 1920×1080", "camera:0@1920x1080"),
        ("摄像头：USB 摄像头 · 1280×720", "camera:0@1280x720"),
        ("摄像头：USB 摄像头 · 640×480", "camera:0@640x480"),
    ]
