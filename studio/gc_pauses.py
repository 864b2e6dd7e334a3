"""Start-up's objects kept out of the cyclic collector's full passes.

Why: a full (generation 2) pass walks every container object the process holds,
with the GIL held. In the guide's window that is ~78,000 objects once it is up
(the modules, Qt's wrappers, PyAV, numpy): 52 ms measured, longer than a frame
period at 30 fps, during which the output clock, the encoder and the outputs all
stand still. Objects made at start-up live as long as the process, so
``gc.freeze`` moves them where no pass looks; passes then walk only what the show
made since. Only a reference cycle among frozen objects is held back (until
:func:`thaw`): freeze before any source or show exists, never in the middle of one.

Call :func:`freeze_long_lived` on the thread that owns the Qt objects, if any
(``ui/gc_guard.py``): it runs one full collection first, so nothing already garbage
is frozen.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def freeze_long_lived() -> int:
    """Collect what is garbage now, then freeze the rest; returns how many are frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("%d long-lived objects out of the collector's passes", frozen)
    return frozen


def thaw() -> None:
    """Everything back in the passes (a window closed: its cycles can go now)."""
    gc.unfreeze()


class PassTimes:
    """The longest cyclic-collection pass of each generation while installed: how long
    the GIL was held by the collector (``studio bench`` reports it)."""

    def __init__(self) -> None:
        self.worst_ms = [0.0, 0.0, 0.0]
        self.passes = [0, 0, 0]
        self._began = 0.0

    def install(self) -> PassTimes:
        gc.callbacks.append(self._callback)
        return self

    def remove(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        g = info["generation"]
        self.passes[g] += 1
        self.worst_ms[g] = max(self.worst_ms[g], (time.perf_counter() - self._began) * 1000)
