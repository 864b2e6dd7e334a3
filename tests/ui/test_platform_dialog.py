"""The platform picker in the destination dialog, its safe area on the program, the budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from studio import upload_budget
from studio.config import Profile
from studio.media.stats import OutputHealth, StatsSnapshot
from studio.platforms import PLATFORMS
from tests.nginx_rtmp import NginxRtmp
from tests.ui.conftest import build_window
from tests.ui.test_golive_window import add_platform
from ui.destinations import DestinationDialog
from ui.main_window import MainWindow


def make_window(qtbot, tmp_path: Path, size=(720, 1280)) -> MainWindow:  # type: ignore[no-untyped-def]
    profile = Profile(width=size[0], height=size[1], fps=30, video_bitrate=2_500_000)
    return build_window(qtbot, tmp_path, profile)


def open_dialog(qtbot, win: MainWindow) -> DestinationDialog:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(
        win.panel.findChild(type(win.panel.button), "addDestination"), Qt.MouseButton.LeftButton
    )
    dlg = win.panel.findChild(DestinationDialog)
    assert dlg is not None and dlg.isVisible()
    return dlg


def pick(dlg: DestinationDialog, key: str) -> None:
    dlg.platform_combo.setCurrentIndex(dlg.platform_combo.findData(key))


def safe_boxes(win: MainWindow) -> list[str]:
    return [ly.name for ly in win.app.pipeline.scene.guide if ly.name.startswith("guide:safe")]


def test_picking_a_platform_fills_the_server_shows_hints_and_its_safe_area_is_used(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot, tmp_path)
    assert win.app.overlays.layout.platform is None and not safe_boxes(win)
    dlg = open_dialog(qtbot, win)
    names = [dlg.platform_combo.itemText(i) for i in range(dlg.platform_combo.count())]
    assert names[1:] == ["视频号", "淘宝直播", "小红书", "哔哩哔哩", "快手", "YouTube", "Facebook"]

    pick(dlg, "youtube")
    assert dlg.name_edit.text() == "YouTube"
    assert dlg.server_edit.text() == "rtmps://a.rtmps.youtube.com:443/live2"
    assert "YouTube 工作室" in dlg.hint.text() and "横屏 1280×720 · 30 fps" in dlg.hint.text()

    pick(dlg, "facebook")  # its own fixed address replaces YouTube's
    assert dlg.server_edit.text().startswith("rtmps://live-api-s.facebook.com")
    dlg.server_edit.setText("rtmp://live-api-s.facebook.com/rtmp")
    dlg._accept()
    assert dlg.isVisible() and dlg.error.text() == "Facebook 只接受 rtmps:// 开头的地址"

    pick(dlg, "channels")  # no fixed address: the one from 视频号助手 is pasted
    assert dlg.name_edit.text() == "视频号" and dlg.server_edit.text() == ""
    assert "视频号助手" in dlg.hint.text() and "竖屏 720×1280" in dlg.hint.text()
    assert dlg.server_edit.placeholderText() == "粘贴平台给的推流地址"
    qtbot.keyClicks(dlg.server_edit, "rtmp://push.example.com/live")
    qtbot.keyClicks(dlg.key_edit, "sk-channels-123456")
    save = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.panel.dest_list.count() == 1)
    assert "sk-channels" not in (tmp_path / "studio.ini").read_text(encoding="utf-8")

    # the program's overlays keep out of 视频号's bands; the preview shows them to the guide
    qtbot.waitUntil(lambda: win.app.overlays.layout.platform is not None, timeout=5000)
    assert win.app.overlays.layout.platform.key == "channels"
    qtbot.waitUntil(lambda: len(safe_boxes(win)) == 3, timeout=5000)  # top, bottom, right
    card = win.app.overlays.layout.regions["card"].rect
    assert card.bottom <= 1280 * (1 - PLATFORMS["channels"].area.portrait.bottom)

    # the edit dialog remembers the platform; unticking it frees the program again
    win.panel.dest_list.setCurrentRow(0)
    win.panel.edit_destination()
    edit = [d for d in win.panel.findChildren(DestinationDialog) if d.isVisible()][-1]
    assert edit.platform() is PLATFORMS["channels"]
    edit.reject()
    win.panel.dest_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: win.app.overlays.layout.platform is None, timeout=5000)
    qtbot.waitUntil(lambda: not safe_boxes(win), timeout=5000)
    win.close()


@pytest.fixture
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config folder of this test's own: the measured upload must not reach other tests."""
    folder = tmp_path / "config"
    monkeypatch.setenv("STUDIO_CONFIG_DIR", str(folder))
    return folder


def answer_when_asked(seen: list[tuple[str, str]], button: QMessageBox.StandardButton) -> None:
    def answer() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                seen.append((w.windowTitle(), w.text()))
                w.button(button).click()
                return
        QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)


@pytest.mark.rtmp
def test_go_live_over_the_measured_upload_asks_first(
    qtbot, tmp_path: Path, nginx_rtmp: NginxRtmp, language: str, own_config: Path
) -> None:  # type: ignore[no-untyped-def]
    upload_budget.remember_upload(4000, loopback=False)  # what the auto-configuration measured
    win = make_window(qtbot, tmp_path, size=(640, 360))
    win.panel.record.setChecked(False)
    for n in ("a", "b"):
        add_platform(qtbot, win, f"店铺{n}", f"rtmp://127.0.0.1:{nginx_rtmp.port}/live", n * 8)
    qtbot.waitUntil(lambda: win.panel.dest_list.count() == 2)
    seen: list[tuple[str, str]] = []
    answer_when_asked(seen, QMessageBox.StandardButton.No)
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    title, text = seen[0]
    assert "5256 kb/s" in text and "4000 kb/s" in text and "3000 kb/s" in text
    if language == "zh":
        assert title == "上行带宽可能不够" and "2 个平台" in text and "仍要开播吗？" in text
    else:
        assert title == "The upload may not be enough"
        assert "2 destinations" in text and "Go live anyway?" in text
    assert not win.panel.live and not win.app.is_live  # No: nothing went on air

    answer_when_asked(seen, QMessageBox.StandardButton.Yes)  # the guide knows better
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.panel.live, timeout=15000)
    assert len(seen) == 2 and len(win.app.live_outputs) == 2

    answer_when_asked(seen, QMessageBox.StandardButton.Yes)  # the end-live question
    qtbot.mouseClick(win.panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.panel.live, timeout=15000)
    win.close()


def test_within_the_budget_or_never_measured_nobody_is_asked(
    qtbot, tmp_path: Path, own_config: Path
) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot, tmp_path, size=(640, 360))
    profile = win.app.profile
    assert win.panel.confirm_budget(profile, 3)  # never measured: no question
    upload_budget.remember_upload(9000, loopback=False)
    assert win.panel.confirm_budget(profile, 2)  # 5256 <= 6750: no question
    upload_budget.remember_upload(9000, loopback=True)  # a loopback figure is not the uplink
    assert win.panel.confirm_budget(profile, 5)
    win.close()


def test_a_certificate_failure_is_explained_in_the_banner(
    qtbot, tmp_path: Path, language: str
) -> None:  # type: ignore[no-untyped-def]
    win = make_window(qtbot, tmp_path, size=(640, 360))
    where = "live-api-s.facebook.com:443"
    failed = {
        "name": "rtmps://live-api-s.facebook.com:443/rtmp/****",
        "state": "failed",
        "reason": f"the certificate of {where} cannot be verified (self-signed certificate)",
        "message": {
            "id": "output.certificate",
            "params": {"where": where, "detail": "self-signed certificate"},
        },
        "reconnects": 0,
    }
    win.panel.live = True
    win.panel.show_stats(StatsSnapshot(outputs=(OutputHealth(**failed),)))
    qtbot.waitUntil(win.panel.banner.isVisible, timeout=3000)
    text = win.panel.banner.text()
    assert where in text
    if language == "zh":
        assert "证书无法验证" in text and "拦截加密连接" in text
    else:
        assert "cannot be verified" in text and "intercepts encrypted connections" in text
    win.panel.live = False
    win.close()
