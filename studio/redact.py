"""Keep secrets (stream keys, tokens) out of logs, messages and files.

Every log handler the studio installs carries :class:`RedactingFilter`, and every
exception text that may hold a URL passes through :func:`redact` first. Secrets
are registered as they are learnt (``register_secret``) and RTMP URLs are masked
by shape, so a key that was never registered is still hidden.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from urllib.parse import urlsplit, urlunsplit

# rtmp://host[:port]/app/<key...>  ->  rtmp://host[:port]/app/****
_RTMP_RE = re.compile(r"(rtmps?|rtmpt|rtmpe|srt)://([^/\s'\"]+)/([^/\s'\"?]+)/([^\s'\"]+)", re.I)
_QUERY_SECRET_RE = re.compile(
    r"((?:key|token|secret|password|passwd|pwd|sign|auth)[^=&\s]*=)([^&\s'\"]+)", re.I
)
MASK = "****"


_ALTERNATION_MAX = 100  # beyond this many secrets, the prefix index is faster

_PLACEHOLDERS = {"key", "stream", "streamkey", "stream_key", "****", "<key>", "<stream>", "..."}


def _mask_match(m: re.Match[str]) -> str:
    if m.group(4).lower() in _PLACEHOLDERS:  # documentation, not a secret
        return m.group(0)
    return f"{m.group(1)}://{m.group(2)}/{m.group(3)}/{MASK}"


class _Registry:
    """Live secrets, compiled into one alternation that is rebuilt only when they change."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.secrets: dict[str, float] = {}  # secret -> expiry (monotonic s; inf = never)
        self.pattern: re.Pattern[str] | None = None
        self.index: dict[str, list[str]] = {}  # 4-character prefix -> secrets, longest first
        self.built = False  # pattern / index match the secrets
        self.next_expiry = math.inf

    def add(self, value: str, until: float) -> None:
        with self.lock:
            old = self.secrets.get(value)
            if old is not None and old >= until:
                return
            self.secrets[value] = until
            self.next_expiry = min(self.next_expiry, until)
            if old is None:
                self.built = False

    def remove(self, value: str) -> None:
        with self.lock:
            if self.secrets.pop(value, None) is not None:
                self.built = False

    def _drop_expired(self, now: float) -> None:
        if now < self.next_expiry:
            return
        for s in [s for s, until in self.secrets.items() if until <= now]:
            del self.secrets[s]
        self.next_expiry = min(self.secrets.values(), default=math.inf)
        self.built = False

    def count(self) -> int:
        with self.lock:
            self._drop_expired(time.monotonic())
            return len(self.secrets)

    def mask(self, text: str) -> str:
        with self.lock:
            self._drop_expired(time.monotonic())
            if not self.secrets:
                return text
            if not self.built:
                self._build()
            pattern, index = self.pattern, self.index
        if pattern is not None:
            return pattern.sub(MASK, text)
        return _mask_indexed(text, index)

    def _build(self) -> None:
        # longest first, so a secret containing another is masked whole
        self.built = True
        alts = sorted(self.secrets, key=len, reverse=True)
        self.pattern, self.index = None, {}
        if len(alts) <= _ALTERNATION_MAX:
            self.pattern = re.compile("|".join(re.escape(s) for s in alts))
        else:  # a long alternation costs per secret; scan instead
            for s in alts:
                self.index.setdefault(s[:4], []).append(s)


def _mask_indexed(text: str, index: dict[str, list[str]]) -> str:
    """Mask secrets by their 4-character prefixes: cost grows with the text, not the count."""
    out: list[str] = []
    i = last = 0
    end = len(text) - 3
    while i < end:
        for s in index.get(text[i : i + 4], ()):
            if text.startswith(s, i):
                out += (text[last:i], MASK)
                i = last = i + len(s)
                break
        else:
            i += 1
    out.append(text[last:])
    return "".join(out)


_registry = _Registry()


def register_secret(value: str | None, ttl: float | None = None) -> None:
    """Remember a secret so that any later text containing it is masked.

    Registering the same value again costs nothing; ``ttl`` (seconds) lets a
    short-lived secret drop out by itself instead of slowing every later line.
    """
    if value and len(value) >= 4:
        _registry.add(value, math.inf if ttl is None else time.monotonic() + ttl)


def forget_secret(value: str | None) -> None:
    """Stop masking ``value`` (a revoked or rotated secret)."""
    if value:
        _registry.remove(value)


def secret_count() -> int:
    """How many secrets are masked now (expired ones dropped)."""
    return _registry.count()


def mask_url(url: str) -> str:
    """Return ``url`` with its stream key (the path after the app) masked."""
    return redact(url)


def redact(text: str) -> str:
    """Mask registered secrets, RTMP stream keys and secret-looking query values."""
    if not text:
        return text
    out = _RTMP_RE.sub(_mask_match, text) if "://" in text else text
    if "=" in out:
        out = _QUERY_SECRET_RE.sub(lambda m: m.group(1) + MASK, out)
    return _registry.mask(out)


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
        if getattr(record, "_redacted", False):  # the same record, seen by another handler
            return True
        record._redacted = True
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
