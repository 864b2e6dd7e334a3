"""The backend token: kept in the OS keyring, or only in memory when none is safe.

A plain-text or null keyring (``keyrings.alt`` file backends, the fail/null
backends of ``keyring``) would put the token on disk in clear or nowhere, so
the studio then keeps it in memory for this run only and says so
(:attr:`Credentials.warning`). The token is registered with
:mod:`studio.redact` as soon as it is known, so logs mask it.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from studio.redact import register_secret

log = logging.getLogger(__name__)

SERVICE = "guide-studio-backend"
_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def keyring_is_secure(backend: KeyringBackend | None = None) -> bool:
    """True when ``backend`` (default: the active one) keeps secrets encrypted by the OS."""
    kr: Any = backend if backend is not None else keyring.get_keyring()
    chained = getattr(kr, "backends", None)
    if chained is not None and type(kr).__name__ == "ChainerBackend":
        return bool(chained) and all(keyring_is_secure(b) for b in chained)
    module = type(kr).__module__
    if module.startswith(_INSECURE_MODULES) or "plaintext" in type(kr).__name__.lower():
        return False
    try:
        return float(kr.priority) >= 1
    except Exception:  # priority may raise when the backend is unusable
        return False


class Credentials:
    """Login details for one backend and user; the token lives in the keyring or memory."""

    def __init__(
        self,
        backend_url: str,
        username: str | None = None,
        *,
        password: str | None = None,
        token: str | None = None,
        backend: KeyringBackend | None = None,
    ) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.username = username
        self.password = password
        self._keyring: Any = backend if backend is not None else keyring.get_keyring()
        self.secure = keyring_is_secure(self._keyring)
        self.warning = (
            None
            if self.secure
            else "no secure keyring on this computer: the backend token is kept in memory "
            "for this run only (log in again next time)"
        )
        self._token: str | None = None
        self._warned = False
        self.refused = False  # the backend refused this user name and password
        register_secret(password)
        if token:
            self._token = token
            register_secret(token)

    @property
    def storage(self) -> str:
        return "keyring" if self.secure else "memory"

    @property
    def _account(self) -> str:
        return f"{self.username or '-'}@{self.backend_url}"

    def token(self) -> str | None:
        if self._token is None and self.secure:
            try:
                self._token = self._keyring.get_password(SERVICE, self._account)
            except keyring.errors.KeyringError as exc:
                log.warning("cannot read the keyring: %s", exc)
            register_secret(self._token)
        return self._token

    def set_token(self, token: str) -> None:
        """Remember a fresh token: keyring when secure, memory always; never a plain file."""
        register_secret(token)
        self._token = token
        if not self.secure:
            if self.warning and not self._warned:
                self._warned = True
                log.info("%s", self.warning)
            return
        try:
            self._keyring.set_password(SERVICE, self._account, token)
        except keyring.errors.KeyringError as exc:
            log.warning("cannot store the token in the keyring (%s); memory only", exc)

    def forget(self) -> None:
        """Drop a token the backend refused (expired or revoked)."""
        self._token = None
        if self.secure:
            with contextlib.suppress(keyring.errors.KeyringError):
                self._keyring.delete_password(SERVICE, self._account)

    def refuse(self) -> None:
        """The backend said the user name or password is wrong: forget the password."""
        self.refused = True
        self.password = None
        self.forget()

    @property
    def can_login(self) -> bool:
        return bool(self.username and self.password)
