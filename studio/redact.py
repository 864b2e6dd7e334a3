"""Keep secrets (stream keys, tokens) out of logs, messages and files.

Every log handler the studio installs carries :class:`RedactingFilter`, and every
exception text that may hold a URL passes through :func:`redact` first. Secrets
are registered as they are learnt (``register_secret``) and RTMP URLs are masked
by shape, so a key that was never registered is still hidden.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit, urlunsplit

_lock = threading.Lock()
_secrets: set[str] = set()

# rtmp://host[:port]/app/<key...>  ->  rtmp://host[:port]/app/****
_RTMP_RE = re.compile(r"(rtmps?|rtmpt|rtmpe|srt)://([^/\s'\"]+)/([^/\s'\"?]+)/([^\s'\"]+)", re.I)
_QUERY_SECRET_RE = re.compile(
    r"((?:key|token|secret|password|passwd|pwd|sign|auth)[^=&\s]*=)([^&\s'\"]+)", re.I
)
MASK = "****"


_PLACEHOLDERS = {"key", "stream", "streamkey", "stream_key", "****", "<key>", "<stream>", "..."}


def _mask_match(m: re.Match[str]) -> str:
    if m.group(4).lower() in _PLACEHOLDERS:  # documentation, not a secret
        return m.group(0)
    return f"{m.group(1)}://{m.group(2)}/{m.group(3)}/{MASK}"


def register_secret(value: str | None) -> None:
    """Remember a secret so that any later text containing it is masked."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def mask_url(url: str) -> str:
    """Return ``url`` with its stream key (the path after the app) masked."""
    return redact(url)


def redact(text: str) -> str:
    """Mask registered secrets, RTMP stream keys and secret-looking query values."""
    if not text:
        return text
    out = _RTMP_RE.sub(_mask_match, text)
    out = _QUERY_SECRET_RE.sub(lambda m: m.group(1) + MASK, out)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in out:
            out = out.replace(s, MASK)
    return out


def split_stream_url(url: str) -> tuple[str, str]:
    """Split ``rtmp://host/app/key`` into (``rtmp://host/app``, ``key``)."""
    parts = urlsplit(url)
    segs = parts.path.strip("/").split("/", 1)
    if len(segs) < 2:
        return url, ""
    base = urlunsplit((parts.scheme, parts.netloc, "/" + segs[0], "", ""))
    key = segs[1] + (("?" + parts.query) if parts.query else "")
    return base, key


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message with :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string must not kill logging
            msg = str(record.msg)
        clean = redact(msg)
        record.msg = clean
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
