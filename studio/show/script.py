"""Show scripts: the TOML file a trainer writes, its model, and its validation.

TOML, not YAML: it is in the standard library (``tomllib``), it is the format
of the studio's profiles already, and it has no implicit typing traps (YAML
1.1 reads ``at: 1:30`` as the number 90 and ``NO`` as false). Times are
written as ``"m:ss"`` strings or seconds. The format is documented in
``docs/show-scripts.md``.

Validation collects every problem at once, each with ``file:line`` and how
to fix it, so a show refuses to start instead of failing in the middle.

Size (~550 lines): the script's dataclasses and their validation with line numbers;
the checks of each cue kind read the dataclass they check.
"""

from __future__ import annotations

import difflib
import itertools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import UserError
from studio.show.catalog import Catalog
from studio.show.toml_lines import LineIndex

TRIGGERS = ("at", "hotkey", "on")
EVENTS = ("orders", "sold_out")
SCENES = ("full", "split", "pip")
_HOTKEY = re.compile(r"^((ctrl|alt|shift)\+)*([A-Za-z0-9]|F([1-9]|1[0-2]))$")


@dataclass(frozen=True)
class ActionSpec:
    """What an action needs: parameters, the screen slot it occupies, its default duration."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    slot: str | None = None  # cues sharing a slot must not overlap in time
    duration: float | None = None  # default on-screen seconds; None = until replaced
    event: str = "cue_fired"  # the ``show.action`` type the commerce side sees


ACTIONS: dict[str, ActionSpec] = {
    "show_card": ActionSpec(("product",), ("duration",), "card", None, "card_shown"),
    "hide_card": ActionSpec((), ("product",), None, None, "card_hidden"),
    "pop_link": ActionSpec(("product",), ("duration", "flash_price"), "popup", 20.0, "link_shown"),
    "hide_link": ActionSpec((), (), None, None, "link_hidden"),
    "coupon": ActionSpec(
        ("amount",), ("threshold", "title", "product", "duration"), "promo", 30.0, "coupon_issued"
    ),
    "groupbuy": ActionSpec(
        ("product", "size"), ("price", "duration"), "promo", 60.0, "groupbuy_started"
    ),
    "lottery": ActionSpec(("prize",), ("duration",), "promo", 30.0, "lottery_started"),
    "lower_third": ActionSpec((), ("text", "duration"), "lower", 8.0, "lower_third_shown"),
    "leaderboard": ActionSpec((), ("duration",), "board", 15.0, "leaderboard_shown"),
    "scene": ActionSpec(("name",), (), None, None, "scene_switched"),
    "chapter": ActionSpec(("title",), (), None, None, "chapter_marked"),
}
_CUE_KEYS = {"id", "action", *TRIGGERS, "count", "of", "note"}
_SEGMENT_KEYS = {"title", "length", "talking_points", "products", "notes", "cues"}
_SHOW_KEYS = {"title", "store", "guide", "duration", "commission_rate", "clock"}
_PARAM_TYPES: dict[str, str] = {
    "product": "sku",
    "duration": "seconds",
    "flash_price": "price",
    "price": "price",
    "amount": "price",
    "threshold": "price",
    "size": "int",
    "title": "str",
    "text": "str",
    "prize": "str",
    "name": "str",
}


@dataclass
class Problem:
    file: str
    line: int
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" + (
            f" — fix: {self.fix}" if self.fix else ""
        )


class ShowError(UserError):
    """Every problem of a show script (exit code 2)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        n = len(problems)
        head = f"the show script has {n} problem{'s' if n != 1 else ''}; it will not start"
        super().__init__(head + ":\n  " + "\n  ".join(str(p) for p in problems))


@dataclass
class Cue:
    id: str
    action: str
    trigger: str  # "time" | "manual" | "event"
    line: int
    at: float | None = None  # seconds from show start (time cues)
    hotkey: str | None = None
    on: str | None = None
    count: int = 1
    of: str | None = None  # the product of a ``sold_out`` event
    segment: int | None = None
    note: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def product(self) -> str | None:
        return self.params.get("product")

    @property
    def duration(self) -> float | None:
        d = self.params.get("duration")
        return float(d) if d is not None else ACTIONS[self.action].duration

    def describe(self) -> str:
        what = self.action + (f" {self.product}" if self.product else "")
        if self.trigger == "time":
            return f"{fmt_time(self.at or 0)} {what}"
        if self.trigger == "manual":
            return f"[{self.hotkey}] {what}"
        return f"({self.on}{' ' + str(self.count) if self.on == 'orders' else ''}) {what}"


@dataclass
class Segment:
    title: str
    start: float
    length: float
    line: int
    talking_points: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class Show:
    title: str
    path: str
    store: str = ""
    guide: str = ""
    duration: float = 0.0
    commission_rate: float = 0.0
    clock: bool = True
    segments: list[Segment] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)

    def cue(self, cue_id: str) -> Cue:
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)

    def timed(self) -> list[Cue]:
        return sorted((c for c in self.cues if c.trigger == "time"), key=lambda c: c.at or 0)

    def segment_at(self, seconds: float) -> Segment | None:
        current = None
        for s in self.segments:
            if s.start <= seconds:
                current = s
        return current


def fmt_time(seconds: float) -> str:
    s = round(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def parse_time(value: Any) -> float | None:
    """Seconds from ``90``, ``12.5``, ``"1:30"`` or ``"1:02:03"``; None if it is none of those."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"\d+(:[0-5]\d){1,2}(\.\d+)?", value.strip()):
        total = 0.0
        for part in value.strip().split(":"):
            total = total * 60 + float(part)
        return total
    return None


class _Checker:
    def __init__(self, path: str, text: str, catalog: Catalog) -> None:
        self.file = path
        self.lines = LineIndex(text)
        self.catalog = catalog
        self.problems: list[Problem] = []

    def err(self, where: tuple, message: str, fix: str = "") -> None:
        self.problems.append(Problem(self.file, self.lines.line(where), message, fix))

    def unknown_keys(self, where: tuple, table: dict, allowed: set[str], what: str) -> None:
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), 1)
                fix = f"did you mean {near[0]!r}?" if near else f"use one of {sorted(allowed)}"
                self.err((*where, key), f"{what}: unknown key {key!r}", fix)

    def string(self, where: tuple, table: dict, key: str, required: bool, what: str) -> str:
        v = table.get(key)
        if v is None:
            if required:
                self.err(where, f"{what}: {key} is missing", f'add {key} = "…"')
            return ""
        if not isinstance(v, str) or (required and not v.strip()):
            self.err((*where, key), f"{what}: {key} must be text, not {v!r}", f'{key} = "…"')
            return ""
        return v

    def seconds(self, where: tuple, v: Any, what: str, positive: bool = True) -> float | None:
        t = parse_time(v)
        if t is None:
            self.err(where, f"{what} {v!r} is not a time", 'write seconds (90) or "m:ss" ("1:30")')
            return None
        if t < 0 or (positive and t == 0):
            self.err(where, f"{what} {v!r} must be {'positive' if positive else '≥ 0'}")
            return None
        return t

    def sku(self, where: tuple, v: Any, what: str) -> str | None:
        if not isinstance(v, str):
            self.err(
                where, f"{what}: product must be a SKU string, not {v!r}", 'product = "GS-1001"'
            )
            return None
        if v not in self.catalog:
            names = {p.sku: p.name for p in self.catalog}
            near = difflib.get_close_matches(v, list(names), 3, 0.5)
            by_name = [p.sku for p in self.catalog if v and (v in p.name or p.name in v)]
            cands = by_name or near
            fix = (
                "did you mean " + " or ".join(f"{s} ({names[s]})" for s in cands) + "?"
                if cands
                else "use a SKU of the catalog (`studio clips --help` lists how to load one)"
            )
            self.err(where, f"{what}: unknown product {v!r}", fix)
            return None
        return v


def _check_params(ck: _Checker, where: tuple, raw: dict, spec: ActionSpec, what: str) -> dict:
    params: dict[str, Any] = {}
    for key in (*spec.required, *spec.optional):
        if key not in raw:
            if key in spec.required:
                ck.err(where, f"{what}: {key} is missing", f"add {key} = …")
            continue
        v = raw[key]
        kind = _PARAM_TYPES[key]
        at = (*where, key)
        if kind == "sku":
            params[key] = ck.sku(at, v, what)
        elif kind == "seconds":
            params[key] = ck.seconds(at, v, f"{what}: {key}")
        elif kind == "price":
            if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                ck.err(at, f"{what}: {key} must be a positive number of yuan, not {v!r}")
            else:
                params[key] = float(v)
        elif kind == "int":
            if isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= 20:
                ck.err(at, f"{what}: {key} must be a whole number from 2 to 20, not {v!r}")
            else:
                params[key] = v
        elif kind == "str":
            params[key] = ck.string(where, raw, key, True, what) or None
    return params


def _check_cue(
    ck: _Checker, where: tuple, raw: Any, seg: Segment | None, seg_index: int | None, auto_id: str
) -> Cue | None:
    if not isinstance(raw, dict):
        ck.err(where, f"cue {auto_id} must be a table", "write it as [[segments.cues]]")
        return None
    cue_id = raw.get("id", auto_id)
    if not isinstance(cue_id, str) or not re.fullmatch(r"[\w\-]+", cue_id):
        ck.err((*where, "id"), f"cue id {cue_id!r} must be letters, digits, - or _", 'id = "pop-1"')
        cue_id = auto_id
    what = f"cue {cue_id!r}"
    action = raw.get("action")
    spec = ACTIONS.get(action) if isinstance(action, str) else None
    allowed = set(_CUE_KEYS)
    if spec is None:
        near = difflib.get_close_matches(str(action), list(ACTIONS), 1)
        fix = f"did you mean {near[0]!r}?" if near else f"use one of {', '.join(ACTIONS)}"
        if action is None:
            ck.err(where, f"{what}: action is missing", f"add action = …; {fix}")
        else:
            ck.err((*where, "action"), f"{what}: unknown action {action!r}", fix)
        allowed |= set(_PARAM_TYPES)
    else:
        allowed |= {*spec.required, *spec.optional}
    ck.unknown_keys(where, raw, allowed, what)
    triggers = [t for t in TRIGGERS if t in raw]
    if len(triggers) != 1:
        ck.err(
            where,
            f"{what}: needs exactly one of at / hotkey / on, has {triggers or 'none'}",
            'at = "0:30" (time), hotkey = "F1" (manual) or on = "orders" (event)',
        )
    cue = Cue(cue_id, str(action), "time", ck.lines.line(where), segment=seg_index)
    if "note" in raw:
        cue.note = ck.string(where, raw, "note", False, what)
    if triggers == ["at"]:
        v = raw["at"]
        offset = (
            0.0
            if v == "start" and seg is not None
            else ck.seconds((*where, "at"), v, f"{what}: at", False)
        )
        if offset is not None:
            base = seg.start if seg else 0.0
            if seg is not None and seg.length > 0 and offset >= seg.length:
                ck.err(
                    (*where, "at"),
                    f"{what}: at {fmt_time(offset)} is after its segment {seg.title!r} "
                    f"ends ({fmt_time(seg.length)} long)",
                    "move the cue into the next segment or lengthen this one",
                )
            cue.at = base + offset
    elif triggers == ["hotkey"]:
        cue.trigger = "manual"
        hk = raw["hotkey"]
        if not isinstance(hk, str) or not _HOTKEY.match(hk):
            ck.err((*where, "hotkey"), f"{what}: hotkey {hk!r} is not a key", 'e.g. "F1", "ctrl+2"')
        else:
            cue.hotkey = hk
    elif triggers == ["on"]:
        cue.trigger = "event"
        on = raw["on"]
        if on not in EVENTS:
            ck.err(
                (*where, "on"), f"{what}: unknown event {on!r}", f"use one of {', '.join(EVENTS)}"
            )
        cue.on = on if isinstance(on, str) else None
        if on == "orders":
            n = raw.get("count")
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                ck.err(
                    (*where, "count"),
                    f"{what}: count must be a whole number ≥ 1, not {n!r}",
                    "count = 20 (fires at the 20th order of the show)",
                )
            else:
                cue.count = n
        elif on == "sold_out":
            cue.of = ck.sku((*where, "of"), raw.get("of"), what)
    if spec is not None:
        cue.params = _check_params(ck, where, raw, spec, what)
        flash = cue.params.get("flash_price")
        product = ck.catalog.get(cue.product) if cue.product else None
        if flash is not None and product is not None and flash >= product.price:
            ck.err(
                (*where, "flash_price"),
                f"{what}: flash_price ¥{flash:g} is not below the price ¥{product.price:g}",
                "a flash price must be a discount, or drop flash_price",
            )
        if action == "scene" and cue.params.get("name") not in (None, *SCENES):
            ck.err(
                (*where, "name"),
                f"{what}: unknown scene {cue.params['name']!r}",
                f"use one of {', '.join(SCENES)}",
            )
    return cue


def _check_overlaps(ck: _Checker, show: Show) -> None:
    by_slot: dict[str, list[Cue]] = {}
    for c in show.timed():
        spec = ACTIONS.get(c.action)
        if spec and spec.slot and c.duration is not None:
            by_slot.setdefault(spec.slot, []).append(c)
    for cues in by_slot.values():
        for prev, cur in itertools.pairwise(cues):
            end = (prev.at or 0) + (prev.duration or 0)
            if (cur.at or 0) < end:
                ck.problems.append(
                    Problem(
                        ck.file,
                        cur.line,
                        f"cue {cur.id!r} ({cur.action} at {fmt_time(cur.at or 0)}) overlaps "
                        f"cue {prev.id!r} (line {prev.line}, on screen until {fmt_time(end)})",
                        f"start it at {fmt_time(end)} or later, or shorten {prev.id!r}",
                    )
                )


def parse_show(text: str, catalog: Catalog, path: str = "<show>") -> Show:
    """Parse and validate; raise :class:`ShowError` with every problem found."""
    ck = _Checker(path, text, catalog)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ShowError(
            [
                Problem(
                    path,
                    int(m.group(1)) if m else 1,
                    f"not valid TOML: {exc}",
                    'check quotes and brackets; text values need "quotes"',
                )
            ]
        ) from None
    ck.unknown_keys((), doc, {"show", "segments", "cues"}, "the script")
    head = doc.get("show")
    if not isinstance(head, dict):
        ck.err((), "[show] is missing", 'start with [show] and title = "…"')
        head = {}
    ck.unknown_keys(("show",), head, _SHOW_KEYS, "[show]")
    show = Show(title=ck.string(("show",), head, "title", True, "[show]"), path=path)
    show.store = ck.string(("show",), head, "store", False, "[show]")
    show.guide = ck.string(("show",), head, "guide", False, "[show]")
    if "duration" in head:
        show.duration = ck.seconds(("show", "duration"), head["duration"], "[show] duration") or 0.0
    else:
        ck.err(("show",), "[show]: duration is missing", 'add duration = "30:00" (planned length)')
    rate = head.get("commission_rate", 0.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
        ck.err(
            ("show", "commission_rate"),
            f"[show]: commission_rate {rate!r} must be 0…1",
            "e.g. commission_rate = 0.05 for 5 %",
        )
    else:
        show.commission_rate = float(rate)
    clock = head.get("clock", True)
    if not isinstance(clock, bool):
        ck.err(("show", "clock"), f"[show]: clock must be true or false, not {clock!r}")
    else:
        show.clock = clock

    segments = doc.get("segments", [])
    if not isinstance(segments, list) or not segments:
        ck.err(
            (), "the show has no segments", "add at least one [[segments]] with title and length"
        )
        segments = []
    start = 0.0
    raw_cues: list[tuple[tuple, Any, Segment | None, int | None, str]] = []
    for i, raw in enumerate(segments):
        where: tuple = ("segments", i)
        if not isinstance(raw, dict):
            ck.err(where, f"segment {i + 1} must be a table", "write it as [[segments]]")
            continue
        what = f"segment {i + 1}"
        ck.unknown_keys(where, raw, _SEGMENT_KEYS, what)
        title = ck.string(where, raw, "title", True, what) or f"段落 {i + 1}"
        length = None
        if "length" in raw:
            length = ck.seconds((*where, "length"), raw["length"], f"{what}: length")
        else:
            ck.err(where, f"{what}: length is missing", 'add length = "5:00"')
        seg = Segment(title, start, length or 0.0, ck.lines.line(where))
        tp = raw.get("talking_points", [])
        if isinstance(tp, str):
            tp = [ln.strip() for ln in tp.splitlines() if ln.strip()]
        if not isinstance(tp, list) or not all(isinstance(x, str) for x in tp):
            ck.err((*where, "talking_points"), f"{what}: talking_points must be a list of text")
        else:
            seg.talking_points = tp
        prods = raw.get("products", [])
        if not isinstance(prods, list):
            ck.err(
                (*where, "products"),
                f"{what}: products must be a list of SKUs",
                'products = ["GS-1001"]',
            )
        else:
            seg.products = [s for s in (ck.sku((*where, "products"), p, what) for p in prods) if s]
        seg.notes = ck.string(where, raw, "notes", False, what)
        show.segments.append(seg)
        cues = raw.get("cues", [])
        if not isinstance(cues, list):
            ck.err((*where, "cues"), f"{what}: cues must be [[segments.cues]] tables")
            cues = []
        for j, c in enumerate(cues):
            raw_cues.append(((*where, "cues", j), c, seg, i, f"s{i + 1}-c{j + 1}"))
        start += seg.length
    for j, c in enumerate(doc.get("cues", []) if isinstance(doc.get("cues"), list) else []):
        raw_cues.append((("cues", j), c, None, None, f"c{j + 1}"))

    seen: dict[str, int] = {}
    hotkeys: dict[str, str] = {}
    for where, raw, cue_seg, si, auto in raw_cues:
        cue = _check_cue(ck, where, raw, cue_seg, si, auto)
        if cue is None:
            continue
        if cue.id in seen:
            ck.err(
                where,
                f"cue id {cue.id!r} is used twice (first on line {seen[cue.id]})",
                "give each cue its own id",
            )
        seen.setdefault(cue.id, cue.line)
        if cue.hotkey:
            if cue.hotkey.lower() in hotkeys:
                ck.err(
                    (*where, "hotkey"),
                    f"hotkey {cue.hotkey} is already cue {hotkeys[cue.hotkey.lower()]!r}",
                    "pick another key",
                )
            hotkeys.setdefault(cue.hotkey.lower(), cue.id)
        if cue.at is not None and show.duration and cue_seg is None and cue.at >= show.duration:
            ck.err(
                (*where, "at"),
                f"cue {cue.id!r}: at {fmt_time(cue.at)} is after the show ends "
                f"({fmt_time(show.duration)})",
                "move it earlier or lengthen [show] duration",
            )
        show.cues.append(cue)
    if show.duration and start > show.duration + 0.5:
        ck.err(
            ("show", "duration"),
            f"the segments last {fmt_time(start)} but the show is "
            f"planned for {fmt_time(show.duration)}",
            "shorten segments or raise duration",
        )
    _check_overlaps(ck, show)
    if ck.problems:
        ck.problems.sort(key=lambda p: p.line)
        raise ShowError(ck.problems)
    return show


def load_show(path: str | Path, catalog: Catalog) -> Show:
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the show script {p}: {exc}", "check the path") from exc
    return parse_show(text, catalog, str(path))
