"""Passwords, bearer tokens, signed purchase-link tokens and webhook signatures.

Link tokens are ``<public id>.<mac>``: a random id that names the server-side
link row (product, guide, store, session) plus a truncated HMAC of that id. The
token carries no attribution itself, so editing it can only make it invalid;
the MAC lets us reject guessed or foreign tokens before touching the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from studio.redact import register_secret

log = logging.getLogger(__name__)

# Lighter than argon2's defaults so seeding and tests stay quick, still a memory-hard KDF.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

TOKEN_TTL_SECONDS = 12 * 3600
WEBHOOK_TOLERANCE_SECONDS = 300
_MAC_LEN = 16  # base64url characters of HMAC kept in a link token (96 bits)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_bearer_token() -> tuple[str, str]:
    """A fresh bearer token and the hash we store (a DB leak leaks no tokens)."""
    # Not registered with studio.redact: a token is never logged in the first place, and
    # one registered secret per login made every log line slower for as long as we ran.
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class LinkSigner:
    """Mints and checks purchase-link tokens with a server secret."""

    def __init__(self, secret: str) -> None:
        register_secret(secret)
        self._key = hashlib.sha256(b"studio-link-token\0" + secret.encode()).digest()

    def _mac(self, public_id: str) -> str:
        return _b64(hmac.new(self._key, public_id.encode(), hashlib.sha256).digest())[:_MAC_LEN]

    def mint(self) -> tuple[str, str]:
        """Return (public id stored in the row, token handed out)."""
        public_id = _b64(secrets.token_bytes(9))
        return public_id, f"{public_id}.{self._mac(public_id)}"

    def token_for(self, public_id: str) -> str:
        return f"{public_id}.{self._mac(public_id)}"

    def verify(self, token: str) -> str | None:
        """The public id if the token is well formed and its MAC is ours, else None."""
        if not token or len(token) > 64 or token.count(".") != 1:
            return None
        public_id, mac = token.split(".")
        if not public_id or not hmac.compare_digest(mac.encode(), self._mac(public_id).encode()):
            return None
        return public_id


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``<timestamp>.<raw body>`` (what shops send in X-Studio-Signature)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_webhook_headers(timestamp: str | None, signature: str | None, now: float) -> str | None:
    """What can be refused before the body is read: missing, malformed or stale headers."""
    if not timestamp or not signature:
        return "missing X-Studio-Timestamp or X-Studio-Signature header"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "X-Studio-Timestamp must be integer unix seconds"
    if abs(now - int(timestamp)) > WEBHOOK_TOLERANCE_SECONDS:
        return f"timestamp is more than {WEBHOOK_TOLERANCE_SECONDS} s away from server time"
    if not signature.startswith("sha256="):
        return "bad signature"
    return None


def check_webhook(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> str | None:
    """None if the delivery is authentic and fresh, else the reason it is not."""
    early = check_webhook_headers(timestamp, signature, now)
    if early or timestamp is None or signature is None:
        return early or "missing X-Studio-Timestamp or X-Studio-Signature header"
    if not hmac.compare_digest(signature.encode(), sign_webhook(secret, timestamp, body).encode()):
        return "bad signature"
    return None
