"""Overlay images drawn ahead on their own thread, so the output clock only looks them up.

Rasterising a product card with CJK text and a QR code takes 70 ms at 720p and 200 ms at
1080p: on the output-clock thread that is 2 to 6 frame periods of stall. The overlay manager
asks for an image as soon as it can know it (a shelf click or hotkey on the caller's thread,
the show script's products at prepare time, a countdown's next second); the worker draws it
into a small cache keyed by the content. A tick that finds its image missing keeps what was on
screen and counts the frame as late; the image appears on the first frame after it is ready.
The worker also converts each image to the compositor's premultiplied YUV planes
(:func:`~studio.media.compositor.premultiply`: 10 to 35 ms for a card or a pop-up at 720p and
1080p), so the clock thread's compositor only blends.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

import numpy as np

from studio.media.compositor import Premultiplied, premultiply

log = logging.getLogger(__name__)

Draw = Callable[[], np.ndarray]
Drawn = tuple[np.ndarray, Premultiplied | None]  # RGBA and its blending planes


class RasterWorker:
    """A bounded cache of drawn overlay images, filled by one named thread."""

    def __init__(self, capacity: int = 96) -> None:
        self.capacity = capacity
        self.drawn = 0  # images drawn by the worker (tests and the bench read it)
        self._cache: OrderedDict[Hashable, Drawn] = OrderedDict()
        self._wanted: deque[tuple[Hashable, Draw]] = deque()
        self._inflight: set[Hashable] = set()
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="overlay-raster", daemon=True)
        self._thread.start()

    def want(self, key: Hashable, draw: Draw) -> None:
        """Draw ``key`` soon unless it is drawn or queued already (any thread; never blocks)."""
        with self._cond:
            if self._closed or key in self._cache or key in self._inflight:
                return
            self._inflight.add(key)
            self._wanted.append((key, draw))
            self._cond.notify()

    def get(self, key: Hashable) -> Drawn | None:
        with self._cond:
            got = self._cache.get(key)
            if got is not None:
                self._cache.move_to_end(key)
            return got

    def wait(self, key: Hashable, timeout: float) -> Drawn | None:
        """The image once drawn, or None after ``timeout`` (tests and offline renders)."""
        with self._cond:
            self._cond.wait_for(
                lambda: key in self._cache or key not in self._inflight or self._closed, timeout
            )
            return self._cache.get(key)

    def idle(self, timeout: float) -> bool:
        """True once nothing is queued or being drawn."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._inflight, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._wanted.clear()
            self._cond.notify_all()
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted or self._closed)
                if self._closed:
                    return
                key, draw = self._wanted.popleft()
            try:
                img = draw()
                drawn: Drawn | None = (img, premultiply(img))
            except Exception:
                log.exception("overlay %r could not be drawn", key)
                drawn = None
            with self._cond:
                self._inflight.discard(key)
                if drawn is not None:
                    self.drawn += 1
                    self._cache[key] = drawn
                    while len(self._cache) > self.capacity:
                        self._cache.popitem(last=False)
                self._cond.notify_all()
