"""Credentials: the token goes to a secure keyring, or stays in memory, never to disk."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyrings.alt.file import PlaintextKeyring

from studio.commerce.credentials import Credentials, keyring_is_secure
from studio.redact import redact
from tests.commerce.backend import PASSWORD, Backend
from tests.commerce.conftest import make_commerce


class DictKeyring(KeyringBackend):
    """Stands in for an OS keyring (Secret Service, Keychain): secure, in memory."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


def test_which_keyrings_count_as_secure(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert not keyring_is_secure(keyring.backends.fail.Keyring())
    assert not keyring_is_secure(keyring.backends.null.Keyring())
    assert not keyring_is_secure(PlaintextKeyring())
    assert keyring_is_secure(DictKeyring())


def test_secure_keyring_keeps_the_token_between_runs() -> None:
    kr = DictKeyring()
    c = Credentials("http://shop.test/", "guide1", password="pw", backend=kr)
    assert c.secure and c.storage == "keyring" and c.warning is None
    c.set_token("tok-123456")
    again = Credentials("http://shop.test", "guide1", backend=kr)
    assert again.token() == "tok-123456"
    assert redact("Bearer tok-123456") == "Bearer ****"
    again.forget()
    assert Credentials("http://shop.test", "guide1", backend=kr).token() is None


def _files_containing(root: Path, secret: bytes) -> list[Path]:
    hits = []
    for p in root.rglob("*"):
        if p.is_file():
            try:
                if secret in p.read_bytes():
                    hits.append(p)
            except OSError:
                pass
    return hits


@pytest.mark.parametrize("kind", ["plaintext", "null"])
def test_insecure_keyring_keeps_the_token_in_memory_only(
    kind: str, backend: Backend, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A real login and sync with a plain-text (or null) keyring: the token is on no disk."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    kr = PlaintextKeyring() if kind == "plaintext" else keyring.backends.null.Keyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: kr)

    sid = backend.new_session("钥匙圈测试")
    c = make_commerce(tmp_path / "store" / "c.sqlite3", backend.url, sid)
    creds = c.client.credentials
    assert not creds.secure and creds.storage == "memory"
    assert creds.warning and "memory" in creds.warning

    async def go() -> None:
        task = asyncio.create_task(c.run())
        c.record_action("cue_fired", {"cue": 1})
        assert await c.flush(20)
        c.stop()
        await task

    asyncio.run(go())
    token = creds.token()
    assert token and len(token) > 20
    c.store.close()
    if kind == "plaintext":
        assert not Path(kr.file_path).exists()  # the keyring file was never written
    for root in (tmp_path, Path(os.environ["STUDIO_DATA_DIR"]).parent):
        assert _files_containing(root, token.encode()) == []
    # a new run has no token: it must log in again (said so in the warning)
    assert Credentials(backend.url, "guide1", password=PASSWORD).token() is None
