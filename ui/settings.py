"""What the window remembers: layout, last source, destinations (keys in the keyring).

Settings are an INI file in the studio's config directory (platformdirs; the
tests point STUDIO_CONFIG_DIR elsewhere). Stream keys never go there: only a
destination's id, name and server address; the key is in :class:`SecretStore`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QSettings

from studio.app import Destination
from studio.config import WINDOW_SETTINGS, config_dir
from studio.redact import split_stream_url
from studio.secrets import SecretStore

log = logging.getLogger(__name__)

KEY_SERVICE = "guide-studio-stream-keys"


def split_push_url(server: str, key: str) -> tuple[str, str]:
    """(server, key): a full push URL pasted as the server gives its key to the key field.

    Guides often paste the whole ``rtmp://host/app/KEY`` the platform shows; the
    key part must reach the secret store, never the INI file. A key typed in the
    key field wins: then the server is taken as it is (an ``app/instance`` path).
    """
    server = server.strip()
    if key:
        return server.rstrip("/"), key
    parts = urlsplit(server)
    if parts.query and "/" not in parts.path.strip("/"):  # bilibili: …/live-bvc/?streamname=…
        base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        return base, "?" + parts.query
    server = server.rstrip("/")
    base, found = split_stream_url(server)
    return (base, found) if found else (server, "")


@dataclass
class SavedDestination:
    id: str
    name: str
    server: str  # rtmp://host/app, without the key
    enabled: bool = True

    def destination(self, keys: SecretStore) -> Destination:
        key = keys.get(self.id) or ""
        return Destination(self.name, f"{self.server.rstrip('/')}/{key}" if key else self.server)


class AppSettings:
    def __init__(self, path: Path | None = None, keys: SecretStore | None = None) -> None:
        self.path = path or config_dir() / WINDOW_SETTINGS
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        self.keys = keys or SecretStore(KEY_SERVICE)
        self._split_saved_push_urls()

    def _split_saved_push_urls(self) -> None:
        """A key saved inside a server address (before pasted URLs were split) leaves the INI.

        Only a server whose destination has no key yet: with a key, a longer path is
        the platform's own (``app/instance``) and stays.
        """
        items, moved = self.destinations(), 0
        for d in items:
            base, key = split_push_url(d.server, "")
            if key and not self.keys.get(d.id):
                self.keys.set(d.id, key)
                d.server, moved = base, moved + 1
        if moved:
            log.info("%d stream key(s) moved from the settings file to the key store", moved)
            self.save_destinations(items)

    # destinations ----------------------------------------------------------
    def destinations(self) -> list[SavedDestination]:
        out = []
        n = self.qs.beginReadArray("destinations")
        for i in range(n):
            self.qs.setArrayIndex(i)
            out.append(
                SavedDestination(
                    str(self.qs.value("id")),
                    str(self.qs.value("name")),
                    str(self.qs.value("server")),
                    str(self.qs.value("enabled", "true")).lower() == "true",
                )
            )
        self.qs.endArray()
        return out

    def save_destinations(self, items: list[SavedDestination]) -> None:
        self.qs.beginWriteArray("destinations", len(items))
        for i, d in enumerate(items):
            self.qs.setArrayIndex(i)
            self.qs.setValue("id", d.id)
            self.qs.setValue("name", d.name)
            self.qs.setValue("server", d.server)
            self.qs.setValue("enabled", "true" if d.enabled else "false")
        self.qs.endArray()
        self.qs.sync()

    def add_destination(self, name: str, server: str, key: str) -> SavedDestination:
        server, key = split_push_url(server, key)
        d = SavedDestination(uuid.uuid4().hex[:12], name, server)
        if key:
            self.keys.set(d.id, key)
        self.save_destinations([*self.destinations(), d])
        return d

    def update_destination(self, d: SavedDestination, key: str | None) -> None:
        server, found = split_push_url(d.server, key or "")
        d = SavedDestination(d.id, d.name, server, d.enabled)
        key = found or key
        items = [d if x.id == d.id else x for x in self.destinations()]
        if key:
            self.keys.set(d.id, key)
        self.save_destinations(items)

    def remove_destination(self, d: SavedDestination) -> None:
        self.keys.delete(d.id)
        self.save_destinations([x for x in self.destinations() if x.id != d.id])

    # simple values -----------------------------------------------------------
    def value(self, key: str, default: str = "") -> str:
        return str(self.qs.value(key, default))

    def set_value(self, key: str, value: object) -> None:
        self.qs.setValue(key, value)
        self.qs.sync()
