"""Logins and bearer tokens: the password check behind the throttle, token rows."""

from __future__ import annotations

import logging
from typing import Any

from studio.backend.db import Database
from studio.backend.errors import ApiError
from studio.backend.security import (
    TOKEN_TTL_SECONDS,
    hash_password,
    new_bearer_token,
    token_hash,
    verify_password,
)
from studio.backend.service import CommerceService, user_from_row
from studio.backend.throttle import Throttle, too_many
from studio.backend.tokencache import TokenCache

log = logging.getLogger(__name__)

# an unknown user costs the same password check as a known one (no timing oracle)
_DUMMY_HASH = hash_password("not-a-real-password")


def login(
    commerce: CommerceService, throttle: Throttle, username: str, password: str, address: str
) -> dict[str, Any]:
    """A new 12 h token for a right password; 401 otherwise, 429 while backing off."""
    wait = throttle.login_wait(username, address)
    if wait > 0:
        raise too_many("too many failed logins for this account", wait)
    db = commerce.db
    row = db.one(
        "SELECT u.*, g.id AS guide_id FROM users u "
        "LEFT JOIN guides g ON g.user_id=u.id WHERE u.username=?",
        username,
    )
    stored = row["password_hash"] if row else _DUMMY_HASH
    ok = throttle.check_password(lambda: verify_password(stored, password))
    if row is None or not ok:
        throttle.failed(username, address)
        raise ApiError(401, "wrong username or password")
    throttle.succeeded(username, address)
    token, th = new_bearer_token()
    now = commerce.clock.now()
    with db.write() as conn:
        conn.execute(
            "INSERT INTO auth_tokens(token_hash, user_id, created_at, expires_at) VALUES(?,?,?,?)",
            (th, row["id"], now, now + TOKEN_TTL_SECONDS),
        )
    log.info("login: %s (%s)", row["username"], row["role"])
    return {
        "token": token,
        "expires_at": now + TOKEN_TTL_SECONDS,
        "user": user_from_row(row).__dict__,
    }


def logout(db: Database, tokens: TokenCache, token: str) -> None:
    """Revoke ``token`` (in the database and the lookup cache)."""
    th = token_hash(token)
    with db.write() as conn:
        conn.execute("DELETE FROM auth_tokens WHERE token_hash=?", (th,))
    tokens.drop(th)
