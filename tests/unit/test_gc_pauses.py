"""Start-up's objects frozen out of the cyclic collector's passes (studio/gc_pauses.py).

A full pass holds the GIL for as long as it walks; in the window that was 52 ms with
~78,000 start-up objects, longer than a frame period. What is frozen is no longer walked;
what was garbage already is collected first, not frozen; thaw puts everything back.
"""

from __future__ import annotations

import gc
import weakref

from studio.gc_pauses import PassTimes, freeze_long_lived, thaw


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def _tracked(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())


def test_frozen_objects_leave_the_passes_and_come_back_on_thaw() -> None:
    old = _Node()
    try:
        assert freeze_long_lived() >= 1
        assert not _tracked(old), "a start-up object is still walked by every full pass"
        new = _Node()
        assert _tracked(new), "an object made after the freeze must stay collectable"
    finally:
        thaw()
    assert gc.get_freeze_count() == 0
    assert _tracked(old)


def test_garbage_at_freeze_time_is_collected_not_frozen() -> None:
    was = gc.isenabled()
    gc.disable()  # only the freeze's own collection may free it
    try:
        dead = _Node()
        gone = weakref.ref(dead)
        del dead
        assert gone() is not None  # a cycle: still there until a pass
        freeze_long_lived()
        assert gone() is None, "garbage was frozen instead of collected"
    finally:
        thaw()
        if was:
            gc.enable()


def test_pass_times_counts_each_generation() -> None:
    times = PassTimes().install()
    try:
        gc.collect(0)
        gc.collect(2)
    finally:
        times.remove()
    assert times.passes[0] >= 1 and times.passes[2] >= 1
    assert times.worst_ms[2] > 0.0
    gc.collect(2)
    assert times.passes[2] == 1, "a removed PassTimes went on counting"
