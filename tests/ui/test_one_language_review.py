"""One language at a time in the trainer's review window and the first-run dialog.

The walk and the rules are those of ``test_one_language``: every visible text,
with the data (product names, the script's words, numbers, URLs) taken out,
must be in the window's language only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox

from studio.config import Profile
from studio.rehearsal.take import run_take
from studio.show.catalog import demo_catalog
from studio.show.script import load_show
from tests.ui.test_one_language import other_language, widget_texts
from ui.first_run import FirstRunDialog
from ui.review import ReviewWindow

SHOW = Path(__file__).with_name("short_show.toml")


@pytest.fixture(scope="module")
def take(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real take (8 s of the short show), reviewed in each language."""
    catalog = demo_catalog()
    show = load_show(SHOW, catalog)
    out = tmp_path_factory.mktemp("takes")
    report = run_take(
        show, catalog, Profile(width=640, height=360, fps=30), out_dir=out, audio="none",
        delays={"link-coffee": 1.5}, clips=False,
    )  # fmt: skip
    return report


def _data() -> list[str]:
    catalog = demo_catalog()
    show = load_show(SHOW, catalog)
    return [p.name for p in catalog] + [
        show.title,
        show.store,
        show.guide,
        *(s.title for s in show.segments),
        *(p for s in show.segments for p in s.talking_points),
        *(str(c.params.get(k)) for c in show.cues for k in ("title", "text") if c.params.get(k)),
        "link-coffee",  # a cue id the trainer wrote in the script
    ]


def test_review_window_speaks_one_language(
    qtbot, tmp_path: Path, take: Path, language: str, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "take-01"
    shutil.copytree(take.parent, folder)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    review = ReviewWindow(folder / "report.json")
    qtbot.addWidget(review)
    review.show()
    qtbot.waitExposed(review)
    qtbot.waitUntil(lambda: review.player.duration() > 7000, timeout=15000)
    review.note_text.setText("停顿" if language == "zh" else "pause")
    review.add_note()
    texts = list(widget_texts(review))
    assert len(texts) > 20  # the walk saw the window
    bad = other_language(texts, language, [*_data(), "停顿", "pause"])
    player = review.player
    review.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(player), timeout=5000)
    assert not bad, "\n".join(bad)


def test_first_run_dialog_speaks_one_language(qtbot, language: str) -> None:  # type: ignore[no-untyped-def]
    dlg = FirstRunDialog(None, cameras=[("USB Camera (/dev/video0)", "camera:0")])
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.url.setText("127.0.0.1:8700")
    dlg._login()  # a wrong address: the error speaks the dialog's language
    assert dlg.error.text()
    bad = other_language(list(widget_texts(dlg)), language, ["USB Camera (/dev/video0)"])
    dlg.user.setText("guide")
    dlg.url.setText("http://127.0.0.1:8700")
    dlg._login()  # no password
    bad += other_language(list(widget_texts(dlg)), language, ["USB Camera (/dev/video0)", "guide"])
    dlg.close()
    assert not bad, "\n".join(bad)


def test_the_comparison_with_the_previous_take_speaks_one_language(
    qtbot, tmp_path: Path, take: Path, language: str, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """What improved: the measures were the comparison file's Chinese labels in English too."""
    import json

    first = tmp_path / "take-01"
    shutil.copytree(take.parent, first)
    second = tmp_path / "take-02"
    shutil.copytree(take.parent, second)
    data = json.loads((second / "report.json").read_text("utf-8"))
    data["take"] = 2
    for c in data["cues"]:
        if c["id"] == "link-coffee":
            c.update(fired_at=c["planned_at"], deviation=0.0, status="on_time")
    data["summary"].update(late=0, on_time=data["summary"]["on_time"] + 1)
    (second / "report.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    review = ReviewWindow(second / "report.json")
    qtbot.addWidget(review)
    review.show()
    assert review.compare_previous() is not None
    box = review.findChild(QMessageBox, "compareDialog")
    assert box is not None and "link-coffee" in box.text()
    assert ("延迟提示" if language == "zh" else "Late cues") in box.text()
    bad = other_language(list(widget_texts(box)), language, _data())
    box.close()
    player = review.player
    review.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(player), timeout=5000)
    assert not bad, "\n".join(bad)
