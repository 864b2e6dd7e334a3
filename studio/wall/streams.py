"""``--streams FILE``: name + URL pairs for chains whose media server the backend does not know.

One store per line: ``NAME URL`` (the URL is the last whitespace-separated word,
so a name may contain spaces), ``NAME,URL`` or ``NAME = URL``. Blank lines and
lines starting with ``#`` are ignored. Every problem names the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.errors import UserError
from studio.media.sources import parse_remote_url
from studio.redact import redact


@dataclass(frozen=True)
class StreamEntry:
    name: str
    url: str


def parse_streams(text: str, origin: str = "streams file") -> list[StreamEntry]:
    out: list[StreamEntry] = []
    seen: set[str] = set()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _, url = line.rpartition(" ")
        if "," in line and not head:
            head, _, url = line.rpartition(",")
        name = head.strip().rstrip(",=").strip()
        url = url.strip()
        if not name or not url:
            raise UserError(
                f"{origin} line {n}: {redact(line)!r} needs a name and a URL",
                "write one store per line as: 上海南京西路店 rtmp://host/live/store1",
            )
        try:
            parse_remote_url(url)
        except UserError as exc:
            raise UserError(f"{origin} line {n}: {exc.what}", exc.fix) from exc
        if name in seen:
            raise UserError(
                f"{origin} line {n}: store {name!r} is listed twice", "give each a name"
            )
        seen.add(name)
        out.append(StreamEntry(name, url))
    if not out:
        raise UserError(f"{origin} lists no streams", "add lines like: 门店1 rtmp://host/live/s1")
    return out


def load_streams(path: Path) -> list[StreamEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read --streams {path}: {exc.strerror}", "check the path") from exc
    return parse_streams(text, str(path))
