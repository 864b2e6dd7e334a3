"""Helpers of the 连麦 process tests: stdout lines with arrival times, a tile's frame number."""

from __future__ import annotations

import queue
import subprocess
import threading
import time

import cv2
import numpy as np

from studio.media.sources.test_pattern import read_frame_code

W, H, FPS = 640, 360, 20


class Lines:
    """A process's stdout lines with the monotonic time each arrived."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.q: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[tuple[float, str]] = []
        assert proc.stdout is not None
        out = proc.stdout
        threading.Thread(
            target=lambda: [self.q.put((time.monotonic(), ln)) for ln in out], daemon=True
        ).start()

    def wait(self, text: str, timeout: float) -> tuple[float, str]:
        for t, ln in self.seen:
            if text in ln:
                return t, ln
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                t, ln = self.q.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append((t, ln))
            if text in ln:
                return t, ln
        raise AssertionError(f"no {text!r} in {[ln for _, ln in self.seen]}")


def tile_code(bgr: np.ndarray, x0: int) -> int | None:
    """The frame number of the picture letterboxed into the half at ``x0`` (side by side)."""
    y = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    tile = y[H // 4 : H // 4 + H // 2, x0 : x0 + W // 2]  # 320x180 picture in a 320x360 half
    return read_frame_code(cv2.resize(tile, (W, H), interpolation=cv2.INTER_LINEAR))
