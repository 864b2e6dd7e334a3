"""Secrets (stream keys) in the OS keyring, or only in memory when no keyring is safe.

A plain-text keyring would write the key to disk in clear, so the studio then
keeps it for this run only and says so. Every secret is registered with
:mod:`studio.redact` the moment it is known, so no log line can carry it.
"""

from __future__ import annotations

import logging
from typing import Any

from studio.redact import register_secret

log = logging.getLogger(__name__)

_INSECURE = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def keyring_is_secure(backend: Any = None) -> bool:
    """True when the (active) keyring keeps secrets encrypted by the OS."""
    try:
        import keyring
    except ImportError:
        return False
    kr: Any = backend if backend is not None else keyring.get_keyring()
    chained = getattr(kr, "backends", None)
    if chained is not None and type(kr).__name__ == "ChainerBackend":
        return bool(chained) and all(keyring_is_secure(b) for b in chained)
    if type(kr).__module__.startswith(_INSECURE) or "plaintext" in type(kr).__name__.lower():
        return False
    try:
        return float(kr.priority) >= 1
    except Exception:  # an unusable backend may raise from priority
        return False


class SecretStore:
    """Named secrets for one service: keyring when secure, else memory for this run."""

    def __init__(self, service: str, backend: Any = None) -> None:
        self.service = service
        self._backend = backend
        self.secure = keyring_is_secure(backend)
        self._memory: dict[str, str] = {}
        self.warning = (
            None
            if self.secure
            else (
                "没有安全的系统钥匙串：推流密钥只保存在本次运行的内存中 / "
                "no secure keyring: stream keys are kept in memory for this run only"
            )
        )

    def _kr(self) -> Any:
        import keyring

        return self._backend if self._backend is not None else keyring.get_keyring()

    def get(self, name: str) -> str | None:
        value = self._memory.get(name)
        if value is None and self.secure:
            try:
                value = self._kr().get_password(self.service, name)
            except Exception as exc:
                log.warning("cannot read the keyring: %s", type(exc).__name__)
        register_secret(value)
        return value

    def set(self, name: str, value: str) -> None:
        register_secret(value)
        self._memory[name] = value
        if self.secure:
            try:
                self._kr().set_password(self.service, name, value)
            except Exception as exc:
                log.warning("cannot write the keyring (%s): memory only", type(exc).__name__)

    def delete(self, name: str) -> None:
        self._memory.pop(name, None)
        if self.secure:
            try:
                self._kr().delete_password(self.service, name)
            except Exception:
                log.debug("no keyring entry %s to delete", name)
