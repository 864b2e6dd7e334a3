"""Line numbers for values of a TOML document.

``tomllib`` parses but forgets where things were; a trainer who mistyped a
SKU needs ``show.toml:42``. This scanner follows table headers and ``key =``
lines (skipping multi-line strings and arrays) and maps each value's path,
e.g. ``("segments", 1, "cues", 0, "product")``, to its line. It only has to
agree with ``tomllib`` on documents ``tomllib`` accepted.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-.]+)\s*=(.*)$""")
_STRING = re.compile(r'"""|\'\'\'|"(?:\\.|[^"\\])*"|\'[^\']*\'')


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in dotted.split(".")]


def _brackets(value: str) -> int:
    """Open-minus-close brackets of a value outside strings and comments."""
    code = _STRING.sub("", value).split("#", 1)[0]
    return code.count("[") + code.count("{") - code.count("]") - code.count("}")


class LineIndex:
    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        counters: dict[Path, int] = {}
        current: Path = ()
        in_ml: str | None = None
        depth = 0

        def resolve(parts: list[str]) -> Path:
            path: Path = ()
            for part in parts:
                path = (*path, part)
                if path in counters:
                    path = (*path, counters[path] - 1)
            return path

        for no, raw in enumerate(text.splitlines(), 1):
            if in_ml:
                if raw.count(in_ml) % 2 == 1:
                    in_ml = None
                continue
            if depth > 0:
                depth += _brackets(raw)
                continue
            m = _HEADER.match(raw)
            if m:
                parts = _parts(m.group(2))
                if m.group(1) == "[[":
                    parent = resolve(parts[:-1])
                    key = (*parent, parts[-1])
                    idx = counters.get(key, 0)
                    counters[key] = idx + 1
                    current = (*key, idx)
                else:
                    current = resolve(parts)
                self.lines.setdefault(current, no)
                continue
            m = _KEY.match(raw)
            if not m:
                continue
            path = (*current, *_parts(m.group(1)))
            self.lines.setdefault(path, no)
            value = m.group(2)
            for quote in ('"""', "'''"):
                if value.count(quote) % 2 == 1:
                    in_ml = quote
            if not in_ml:
                depth = max(0, _brackets(value))

    def line(self, path: Path) -> int:
        """The line of ``path``, or of its nearest enclosing table that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return 1
