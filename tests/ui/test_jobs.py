"""ui.jobs: one engine action at a time, each outcome to its own callback on the GUI thread."""

from __future__ import annotations

import threading

from ui.jobs import Jobs


def test_each_action_gets_its_own_callback_after_start_returns(qtbot) -> None:  # type: ignore[no-untyped-def]
    jobs = Jobs()
    seen: list[tuple[str, object, bool]] = []
    gui = threading.current_thread()
    started = jobs.start(
        "instant", lambda: 7, lambda r: seen.append(("done", r, threading.current_thread() is gui)),
        lambda e: seen.append(("failed", e, False)),
    )  # fmt: skip
    assert started and seen == []  # never inside start(), even for work done at once
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [("done", 7, True)] and not jobs.busy

    release = threading.Event()
    assert jobs.start("slow", release.wait, lambda r: seen.append(("slow", r, True)), print)
    assert jobs.running == "slow"
    assert not jobs.start("other", lambda: 1, lambda r: seen.append(("other", r, True)), print)

    def boom() -> None:
        raise ValueError("no")

    release.set()
    qtbot.waitUntil(lambda: not jobs.busy)
    failures: list[Exception] = []
    assert jobs.start("boom", boom, lambda r: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], ValueError)
    assert [s[0] for s in seen] == ["done", "slow"]  # "other" was refused, never run
    jobs.shutdown()
