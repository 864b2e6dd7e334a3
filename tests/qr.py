"""QR codes read the way a viewer's phone reads them.

zxing-cpp is the C++ line of ZXing, the decoder behind most phone scanners. OpenCV's
``QRCodeDetector`` misses about one code in 80 of the join links we draw (random tokens
make random patterns: 5 of 400 missed, zxing-cpp 0 of 400), and a test then failed on a
code any phone reads (ci on stop 26: the 连麦 invite's QR).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import zxingcpp


def read_qr(image: np.ndarray) -> list[str]:
    """The text of every QR code in ``image`` (grayscale or BGR uint8), none: []."""
    found = zxingcpp.read_barcodes(
        np.ascontiguousarray(image), formats=zxingcpp.BarcodeFormat.QRCode
    )
    return [b.text for b in found if b.valid]


def first_qr(image: np.ndarray) -> str:
    """The first QR code's text in ``image``, '' when there is none."""
    texts = read_qr(image)
    return texts[0] if texts else ""


def qr_texts(frames: Iterable[np.ndarray]) -> set[str]:
    """Every distinct QR text in ``frames``."""
    return {t for f in frames for t in read_qr(f)}
