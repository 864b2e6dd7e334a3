"""A recording's chapters in one language: the engine writes Chinese kind words and
scene names (切换｜分屏, never 切换｜split); the review window says them in its own."""

from __future__ import annotations

import textwrap

from studio.events import EventBus
from studio.media.compositor import Scene
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show
from ui.review import ReviewWindow

SHOW = textwrap.dedent(
    """\
    [show]
    title = "场景"
    duration = 6

    [[segments]]
    title = "开场"
    length = 6
      [[segments.cues]]
      id = "split"
      at = 1
      action = "scene"
      name = "split"
      [[segments.cues]]
      id = "pip"
      at = 2
      action = "scene"
      name = "pip"
    """
)


def test_scene_chapters_are_chinese_in_the_recording_and_the_windows_language_in_review(
    qtbot, language: str
) -> None:  # type: ignore[no-untyped-def]
    catalog = demo_catalog()
    show = parse_show(SHOW, catalog)
    engine = CueEngine(show, OverlayManager(Scene("s"), 640, 360, catalog, clock=False), EventBus())
    titles = [engine.chapter_title(show.cue(i)) for i in ("split", "pip")]
    assert titles == ["切换｜分屏", "切换｜画中画"]  # what studio clips and the file carry
    shown = [ReviewWindow._chapter_title(_Tr(), t) for t in titles]
    if language == "zh":
        assert shown == titles
    else:
        assert shown == ["Scene｜split screen", "Scene｜picture in picture"]


class _Tr:
    """Just ``tr`` in the review window's context, without opening a take."""

    def tr(self, text: str) -> str:
        from PySide6.QtCore import QCoreApplication

        return QCoreApplication.translate("ReviewWindow", text)
