"""The trainer in the window: Rehearse, the take ends on plan, review, note, score, export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QPushButton

from studio.rehearsal.report import load_report
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from tests.ui.test_selling import make_window
from ui.review import ReviewWindow

SHOW = Path(__file__).with_name("short_show.toml")


def _answer_for_teardown(monkeypatch, answer=None) -> None:  # type: ignore[no-untyped-def]
    """Modal questions answered without a person: Discard unsaved notes, Yes to closing."""

    def question(_parent, _title, _text, buttons=None, *_a, **_k):  # type: ignore[no-untyped-def]
        if answer is not None:
            return answer
        if buttons is not None and buttons & QMessageBox.StandardButton.Discard:
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)


def _button(win, name: str) -> QPushButton:  # type: ignore[no-untyped-def]
    button = win.findChild(QPushButton, name)
    assert button is not None, name
    return button


def test_rehearse_button_records_a_take_and_opens_its_review(
    qtbot, tmp_path: Path, monkeypatch, nginx_rtmp: NginxRtmp
) -> None:  # type: ignore[no-untyped-def]
    _answer_for_teardown(monkeypatch)
    win = make_window(qtbot, tmp_path, size=(640, 360))
    win.settings.set_value("rehearsal_dir", str(tmp_path / "takes"))
    assert win.script.load_show(SHOW)
    # a private preview for the manager: typed once, masked on the button
    preview = nginx_rtmp.url("rehearsal-preview-key")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (preview, True))
    qtbot.mouseClick(_button(win, "rehearsalPreview"), Qt.MouseButton.LeftButton)
    assert "****" in win.runner.preview_url.text()
    assert "rehearsal-preview-key" not in win.runner.preview_url.text()
    qtbot.wait(500)
    qtbot.mouseClick(win.runner.rehearse, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.runner.rehearse.text() == "结束彩排", timeout=10000)
    assert win.app.rehearsing
    assert not win.panel.isEnabled()  # nothing can go on air during a take
    qtbot.waitUntil(lambda: "彩排中" in win.live_label.text(), timeout=3000)
    watched = read_media(preview, seconds=2.5)  # the manager's player
    assert not watched.error and watched.width == 640 and len(watched.video_times) > 30

    # the take ends by itself at the script's planned end and its review opens
    qtbot.waitUntil(lambda: bool(win.reviews), timeout=60000)
    review = win.reviews[-1]
    assert not win.app.rehearsing and win.panel.isEnabled()
    folder = tmp_path / "takes" / "short_show" / "take-01"
    assert review.report_path == folder / "report.json"
    report = load_report(review.report_path)
    assert [s["actual_length"] for s in report["segments"]] == [3.0, 5.0]
    assert report["summary"]["on_time"] == report["summary"]["timed_cues"] == 3
    played = read_media(str(folder / "take.mkv"))
    assert not played.error and played.video_times[-1] >= 7.5

    # the player loads the take; a chapter click seeks there and shows that picture
    qtbot.waitUntil(lambda: review.player.duration() > 7000, timeout=15000)
    titles = [review.chapter_list.item(i).text() for i in range(review.chapter_list.count())]
    assert any("段落｜咖啡豆" in t for t in titles), titles
    row = next(i for i, t in enumerate(titles) if "段落｜咖啡豆" in t)
    item = review.chapter_list.item(row)
    qtbot.mouseClick(
        review.chapter_list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=review.chapter_list.visualItemRect(item).center(),
    )
    qtbot.waitUntil(lambda: abs(review.position - 3.0) < 0.25, timeout=5000)
    sink = review.video.videoSink()
    # the picture shown is the one at the chapter, not the first frame
    qtbot.waitUntil(lambda: abs(sink.videoFrame().startTime() / 1e6 - 3.0) < 0.25, timeout=5000)
    assert sink.videoFrame().width() == 640

    # a note at that moment, a score, the reviewer
    review.note_text.setText("讲咖啡前停顿太久")  # typed through an IME (QTest cannot type CJK)
    qtbot.mouseClick(_button(review, "addNote"), Qt.MouseButton.LeftButton)
    assert review.note_list.count() == 1 and review.timeline.notes
    review.scores["timing"].setValue(3)
    review.scores["energy"].setValue(5)
    review.reviewer.setText("王老师")
    assert review.total.text().startswith("8 /")
    assert review.dirty

    # export: the report (JSON and HTML) carries the notes and scores
    target = tmp_path / "exported.html"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(_button(review, "exportReview"), Qt.MouseButton.LeftButton)
    assert target.exists() and not review.dirty
    html = target.read_text("utf-8")
    assert "讲咖啡前停顿太久" in html and "王老师" in html
    saved = json.loads(review.report_path.read_text("utf-8"))["review"]
    assert saved["notes"][0]["text"] == "讲咖啡前停顿太久"
    assert abs(saved["notes"][0]["at"] - 3.0) < 0.25
    assert saved["total"] == 8 and saved["reviewer"] == "王老师"

    # the next cue button jumps to the cue after the playhead
    qtbot.mouseClick(_button(review, "nextChapter"), Qt.MouseButton.LeftButton)
    link_at = next(c["start"] for c in report["chapters"] if c["title"].startswith("链接"))
    qtbot.waitUntil(lambda: abs(review.position - link_at) < 0.25, timeout=5000)

    # an unsaved change asks before the window closes; Cancel keeps it open
    review.scores["product"].setValue(4)
    _answer_for_teardown(monkeypatch, QMessageBox.StandardButton.Cancel)
    review.close()
    assert review.isVisible()
    _answer_for_teardown(monkeypatch, QMessageBox.StandardButton.Save)
    review.close()
    assert not review.isVisible()
    assert json.loads(review.report_path.read_text("utf-8"))["review"]["total"] == 12


def test_review_compares_with_the_previous_take(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from studio.config import Profile
    from studio.rehearsal.take import run_take
    from studio.show.catalog import demo_catalog
    from studio.show.script import load_show

    catalog = demo_catalog()
    show = load_show(SHOW, catalog)
    out = tmp_path / "takes"
    first = run_take(
        show, catalog, Profile(width=640, height=360, fps=30), out_dir=out, audio="none",
        delays={"link-coffee": 1.5}, clips=False,
    )  # fmt: skip
    # take 2: the same recording, the late link now on time (as a better take would be)
    second = out / "take-02"
    shutil.copytree(first.parent, second)
    data = json.loads((second / "report.json").read_text("utf-8"))
    data["take"] = 2
    for c in data["cues"]:
        if c["id"] == "link-coffee":
            c.update(fired_at=c["planned_at"], deviation=0.0, status="on_time")
    data["summary"].update(late=0, on_time=data["summary"]["on_time"] + 1)
    (second / "report.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    _answer_for_teardown(monkeypatch)
    opened: list[str] = []
    monkeypatch.setattr(
        "ui.dialogs.QDesktopServices.openUrl", lambda url: opened.append(url.toLocalFile())
    )
    review = ReviewWindow(second / "report.json")
    qtbot.addWidget(review)
    review.show()
    compare = _button(review, "compareTakes")
    assert compare.isEnabled()
    qtbot.mouseClick(compare, Qt.MouseButton.LeftButton)
    box = review.findChild(QMessageBox, "compareDialog")
    assert box is not None and "link-coffee" in box.text()
    html = out / "compare-take-01-vs-02.html"
    assert html.exists() and html.read_text("utf-8").count("data:image/png;base64,") == 2
    qtbot.waitUntil(lambda: review.player.duration() > 7000, timeout=15000)
    qtbot.mouseClick(_button(review, "playPause"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            review.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
            and review.position > 0.5
        ),
        timeout=5000,
    )
    assert _button(review, "playPause").text() == "暂停"
    player = review.player
    review.close()
    # closing frees the player and its decoder threads, from the event loop
    qtbot.waitUntil(lambda: not shiboken6.isValid(player), timeout=5000)
