"""Sources of one name (two cameras of one model, two test patterns) are all kept and stopped."""

from __future__ import annotations

import time

from studio.config import Profile
from studio.media.engine import Pipeline
from studio.media.sources import open_source


def test_two_sources_of_one_name_are_both_stopped_and_replaceable() -> None:
    p = Pipeline(Profile(width=320, height=180, fps=15))
    first = p.add_source(open_source("test", 320, 180, 15))
    p.start()
    try:
        second = p.add_source(open_source("test", 320, 180, 15))  # same name, "test"
        assert first.name == second.name
        assert list(p.sources.values()) == [first, second]  # neither replaced the other
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (first.slot.peek() and second.slot.peek()):
            time.sleep(0.05)
        assert first.slot.peek() is not None and second.slot.peek() is not None
        third = p.replace_source(open_source("test", 320, 180, 15))  # the picker: one left
        assert list(p.sources.values()) == [third]
        assert first.state == "stopped" and second.state == "stopped"
    finally:
        p.stop()
    assert all(s.state == "stopped" for s in (first, second, third))
