"""Purchase links for QR codes when no commerce backend is connected.

The commerce side provides the real ``link_for(sku) -> url`` (a signed token
bound to product, guide, store and session). A headless run without a backend
still needs a scannable code, so it gets a deterministic *placeholder* of the
same shape, ``http://127.0.0.1:8700/p/<id>.<mac>``, and a loud log line that
these links sell nothing.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

LinkFor = Callable[[str], str]
PLACEHOLDER_BASE = "http://127.0.0.1:8700"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def placeholder_token(sku: str, session_id: str | None = None) -> str:
    digest = hashlib.sha256(f"placeholder\0{session_id or ''}\0{sku}".encode()).digest()
    return f"{_b64(digest[:9])}.{_b64(digest[9:21])[:16]}"


def placeholder_link_for(base: str = PLACEHOLDER_BASE, session_id: str | None = None) -> LinkFor:
    """``link_for`` that mints no real link: same SKU (and session), same URL, every run."""
    warned = False

    def link_for(sku: str) -> str:
        nonlocal warned
        url = f"{base.rstrip('/')}/p/{placeholder_token(sku, session_id)}"
        if not warned:
            warned = True
            log.warning(
                "no commerce backend: purchase links are PLACEHOLDERS (%s/p/…) and sell nothing",
                base,
            )
        return url

    return link_for
