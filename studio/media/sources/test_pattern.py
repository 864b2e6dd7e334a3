"""The test source: moving colour bars, a burned-in counter and clock, a beep with a flash.

Once a second (half-way through it) the picture flashes white for 100 ms while a
1 kHz tone beeps for the same 100 ms, both derived from one start time, so the A/V offset of any
recording or pulled stream can be measured. A row of black/white blocks at the
bottom carries the frame number in binary (``read_frame_code``) for drop counts
and glass-to-glass latency.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from studio.media.audio import SAMPLE_RATE, AudioRing
from studio.media.frame import planes, rgb_to_yuv
from studio.media.sources.base import Source

BARS = [
    (235, 235, 235),
    (235, 235, 16),
    (16, 235, 235),
    (16, 235, 16),
    (235, 16, 235),
    (235, 16, 16),
    (16, 16, 235),
    (40, 40, 40),
]
FLASH_SECONDS = 0.1
# the flash and beep start half-way through each second: keyframes (every 2 s, on
# whole seconds) then show the bars, so keyframe-only viewers (the wall) are not white
FLASH_PHASE = 0.5
TONE_HZ = 1000.0
CODE_BITS = 24
_CHUNK = 480  # 10 ms of audio per write, like a sound card period


def code_geometry(width: int, height: int) -> tuple[int, int, int]:
    """(block size, x0, y0) of the frame-number code strip."""
    block = max(12, width // 48) // 2 * 2
    return block, (width - CODE_BITS * block) // 2 // 2 * 2, height - 2 * block


def read_frame_code(y_plane: np.ndarray) -> int | None:
    """Decode the frame number from a (possibly scaled, compressed) luma plane."""
    h, w = y_plane.shape
    block, x0, y0 = code_geometry(w, h)
    row = y_plane[y0 + block // 4 : y0 + block * 3 // 4]
    frame_band = y_plane[y0 - block // 2 + 1 : y0 - 1, x0 : x0 + CODE_BITS * block]
    if row.size == 0 or frame_band.size == 0 or not 100 < float(frame_band.mean()) < 156:
        return None  # no grey band above the blocks: this picture carries no code
    value = 0
    for i in range(CODE_BITS):
        cell = row[:, x0 + i * block + block // 4 : x0 + (i + 1) * block - block // 4]
        m = float(cell.mean())
        if 70 < m < 180:  # neither black nor white: no code here
            return None
        value = (value << 1) | (m >= 128)
    return value


class TestPatternSource(Source):
    __test__ = False  # a media source, not a pytest class
    kind = "test"

    def __init__(self, width: int, height: int, fps: int, caption: str = "") -> None:
        super().__init__(caption or "test", width, height, fps)
        self.caption = caption
        self.audio = AudioRing("test-tone")
        self.t0 = 0.0
        self._bars = self._make_bars()

    def _make_bars(self) -> list[np.ndarray]:
        w, _h = self.width, self.height
        bar_w = max(2, (2 * w) // (2 * len(BARS)))
        yuv = [rgb_to_yuv(c) for c in BARS]
        full_w = bar_w * len(BARS)
        rows = []
        for plane, scale in ((0, 1), (1, 2), (2, 2)):
            line = np.concatenate([np.full(bar_w // scale, c[plane], np.uint8) for c in yuv])
            line = np.tile(line, 2 * (w // full_w + 2))  # wide enough to scroll through
            rows.append(line)
        return rows

    def _workers(self) -> list[tuple[object, str]]:
        self.t0 = time.monotonic() + 0.05
        return [(self._video_loop, ""), (self._audio_loop, ":audio")]

    def render(self, k: int) -> np.ndarray:
        """Frame ``k`` of the pattern (pure function of k, for tests and the bench)."""
        w, h = self.width, self.height
        out = np.empty((h * 3 // 2, w), np.uint8)
        yp, up, vp = planes(out, w, h)
        t = k / self.fps
        if 0 <= ((t - FLASH_PHASE) % 1.0) < FLASH_SECONDS - 1e-9:
            yp[:] = 235
            up[:] = 128
            vp[:] = 128
        else:
            shift = (k * 4) % (len(self._bars[0]) // 2) // 2 * 2
            yp[:] = self._bars[0][shift : shift + w]
            up[:] = self._bars[1][shift // 2 : shift // 2 + w // 2]
            vp[:] = self._bars[2][shift // 2 : shift // 2 + w // 2]
        # counter box: sized by the shorter side, so a portrait frame holds it whole
        scale = min(w, h) / 720
        bx, by, bw, bh = (
            int(24 * scale) // 2 * 2,
            int(24 * scale) // 2 * 2,
            int(520 * scale) // 2 * 2,
            int((140 if self.caption else 96) * scale) // 2 * 2,
        )
        yp[by : by + bh, bx : bx + bw] = 16
        up[by // 2 : (by + bh) // 2, bx // 2 : (bx + bw) // 2] = 128
        vp[by // 2 : (by + bh) // 2, bx // 2 : (bx + bw) // 2] = 128
        secs = int(t)
        ms = int(t * 1000) % 1000
        clock = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{ms:03d}"
        text = f"#{k:06d}  {clock}"
        cv2.putText(
            yp,
            text,
            (bx + int(14 * scale), by + int(60 * scale)),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.2 * scale,
            235,
            max(1, int(3 * scale)),
            cv2.LINE_AA,
        )
        if self.caption:
            cv2.putText(
                yp,
                self.caption[:28],
                (bx + int(14 * scale), by + int(116 * scale)),
                cv2.FONT_HERSHEY_SIMPLEX,
                1.2 * scale,
                235,
                max(1, int(3 * scale)),
                cv2.LINE_AA,
            )
        # frame-number code strip
        block, x0, y0 = code_geometry(w, h)
        yp[y0 - block // 2 : y0 + block + block // 2, x0 - block : x0 + (CODE_BITS + 1) * block] = (
            128
        )
        for i in range(CODE_BITS):
            bit = (k >> (CODE_BITS - 1 - i)) & 1
            yp[y0 : y0 + block, x0 + i * block : x0 + (i + 1) * block] = 235 if bit else 16
        cy0, cy1 = (y0 - block // 2) // 2, (y0 + block + block // 2) // 2
        cx0, cx1 = (x0 - block) // 2, (x0 + (CODE_BITS + 1) * block) // 2
        up[cy0:cy1, cx0:cx1] = 128
        vp[cy0:cy1, cx0:cx1] = 128
        return out

    def _video_loop(self) -> None:
        self.state = "live"
        k = 0
        while self._sleep_until(self.t0 + k / self.fps):
            self._emit(self.render(k), self.width, self.height, self.t0 + k / self.fps)
            k += 1
            behind = int((time.monotonic() - self.t0) * self.fps) - k
            if behind > self.fps:  # starved of CPU for a second: skip ahead, keep the clock
                k += behind

    @staticmethod
    def tone(start_sample: int, n: int) -> np.ndarray:
        """Samples [start, start+n) of the beep track, (n, 2) float32."""
        idx = np.arange(start_sample, start_sample + n)
        t = idx / SAMPLE_RATE
        on = ((idx - int(FLASH_PHASE * SAMPLE_RATE)) % SAMPLE_RATE) < int(
            FLASH_SECONDS * SAMPLE_RATE
        )
        wave = (0.5 * np.sin(2 * np.pi * TONE_HZ * t) * on).astype(np.float32)
        return np.repeat(wave[:, None], 2, axis=1)

    def _audio_loop(self) -> None:
        assert self.audio is not None
        j = 0
        # a sound card delivers a period after it was captured: chunk j covers
        # [j, j+1) x 10 ms and arrives at the end of that span
        while self._sleep_until(self.t0 + (j + 1) * _CHUNK / SAMPLE_RATE):
            self.audio.write(self.tone(j * _CHUNK, _CHUNK))
            j += 1
            behind = int((time.monotonic() - self.t0) * SAMPLE_RATE / _CHUNK) - j
            if behind > 100:
                j += behind
