"""The take report: what happened in a rehearsal, measured, next to what the script planned.

Everything "actual" comes from the take itself: segment and product times
from the recording's chapter marks, cue times from the cue engine's firings
(media clock, the same clock the recording's pts use), sound from the
recorded audio. The plan comes from the show script. Rules (also in
``docs/rehearsal.md``):

- A segment actually starts when its *opening cue* fired (a timed cue planned
  at the segment's start: what the viewer sees as the segment beginning), so a
  guide who skips ahead with "next cue" or opens a segment late moves it; a
  segment without one starts at its ``段落`` chapter. It ends where the next
  one starts (the last one at the end of the recording).
- A timed cue is *on time* within ``tolerance`` seconds of its plan (default
  0.5 s; the engine itself is within one frame), else *early* or *late*; never
  fired: *missed*. It is *out of order* when a cue planned strictly before it
  fired after it.
- Manual cues have no time in the script format, only a hotkey. One with a
  product is expected while a segment that lists that product is on: fired
  then is *in_window*, otherwise *outside_window*; never pressed: *not_used*
  (not a fault). Event cues are listed as *fired* / *not_triggered*.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from studio.rehearsal import audio as sound
from studio.show.clips import explanations
from studio.show.cues import SEGMENT, SEP, Fired
from studio.show.script import Show

FORMAT = "studio.rehearsal.take/1"
TOLERANCE = 0.5


def fired_dicts(fired: list[Fired]) -> list[dict[str, Any]]:
    return [asdict(f) for f in fired]


def _segment_rows(
    show: Show, chapters: list[dict], fired: list[dict], end: float, fps: float
) -> list[dict[str, Any]]:
    first_fire: dict[str, float] = {}
    for f in fired:
        first_fire.setdefault(f["cue_id"], float(f["seconds"]))
    marks: dict[str, list[float]] = {}
    for ch in chapters:
        head, _, rest = str(ch["title"]).partition(SEP)
        if head == SEGMENT:
            marks.setdefault(rest, []).append(float(ch["start"]))
    starts: list[tuple[float | None, str]] = []
    for i, seg in enumerate(show.segments):
        openers = [
            c.id
            for c in show.cues
            if c.trigger == "time" and c.segment == i and abs((c.at or 0) - seg.start) < 1e-6
        ]
        fired_openers = [first_fire[c] for c in openers if c in first_fire]
        mark = marks.get(seg.title, [])
        mark_at = mark.pop(0) if mark else None
        if fired_openers:
            starts.append((min(fired_openers), "opening cue"))
        else:
            starts.append((mark_at, "chapter" if mark_at is not None else "not reached"))
    rows = []
    for i, seg in enumerate(show.segments):
        start, basis = starts[i]
        nxt = next((s for s, _ in starts[i + 1 :] if s is not None), end)
        length = None if start is None else max(0.0, min(nxt, end) - start)
        rows.append(
            {
                "index": i + 1,
                "title": seg.title,
                "products": list(seg.products),
                "planned_start": seg.start,
                "planned_length": seg.length,
                "actual_start": None if start is None else round(start, 3),
                "actual_length": None if length is None else round(length, 3),
                "deviation": None if length is None else round(length - seg.length, 3),
                "within_frame": length is not None and abs(length - seg.length) <= 1 / fps + 1e-6,
                "basis": basis,
                "clip": None,
            }
        )
    return rows


def _cue_rows(show: Show, fired: list[dict], tolerance: float) -> list[dict[str, Any]]:
    by_id: dict[str, list[dict]] = {}
    for f in fired:
        by_id.setdefault(f["cue_id"], []).append(f)
    rows = []
    for c in show.cues:
        fs = by_id.get(c.id, [])
        first = fs[0] if fs else None
        at = None if first is None else float(first["seconds"])
        row: dict[str, Any] = {
            "id": c.id,
            "action": c.action,
            "product": c.product,
            "trigger": c.trigger,
            "hotkey": c.hotkey,
            "planned_at": c.at,
            "fired_at": None if at is None else round(at, 3),
            "fired_by": None if first is None else first["trigger"],
            "times_fired": len(fs),
            "deviation": None,
            "status": "",
            "out_of_order_with": [],
        }
        if c.trigger == "time":
            if at is None:
                row["status"] = "missed"
            else:
                dev = at - (c.at or 0.0)
                row["deviation"] = round(dev, 3)
                row["status"] = (
                    "early" if dev < -tolerance else "late" if dev > tolerance else "on_time"
                )
        elif c.trigger == "manual":
            if at is None:
                row["status"] = "not_used"
            elif c.product:
                seg = show.segment_at(at)
                inside = seg is not None and c.product in seg.products
                row["status"] = "in_window" if inside else "outside_window"
            else:
                row["status"] = "fired"
        else:
            row["status"] = "fired" if at is not None else "not_triggered"
        rows.append(row)
    timed = [r for r in rows if r["trigger"] == "time" and r["fired_at"] is not None]
    for r in timed:
        r["out_of_order_with"] = sorted(
            o["id"]
            for o in timed
            if (o["planned_at"] < r["planned_at"] - 1e-6 and o["fired_at"] > r["fired_at"] + 1e-6)
            or (o["planned_at"] > r["planned_at"] + 1e-6 and o["fired_at"] < r["fired_at"] - 1e-6)
        )
    return rows


def _product_rows(show: Show, chapters: list[dict], end: float) -> list[dict[str, Any]]:
    planned: dict[str, float] = {}
    for seg in show.segments:
        for sku in seg.products:
            planned[sku] = planned.get(sku, 0.0) + seg.length
    rows: dict[str, dict[str, Any]] = {}
    for _title, sku, name, start, stop in explanations(chapters, end):
        r = rows.setdefault(
            sku,
            {
                "sku": sku,
                "name": name,
                "planned_seconds": planned.get(sku),
                "shown_seconds": 0.0,
                "spans": [],
                "clips": [],
            },
        )
        r["shown_seconds"] = round(r["shown_seconds"] + stop - start, 3)
        r["spans"].append([round(start, 3), round(stop, 3)])
    return list(rows.values())


def build_report(
    show: Show,
    *,
    chapters: list[dict],
    fired: list[dict],
    end: float,
    fps: float,
    samples: np.ndarray | None = None,
    audio_start: float = 0.0,
    tolerance: float = TOLERANCE,
    take: int = 1,
    recording: str = "",
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The take report as a JSON-ready dict (``FORMAT``); see the module doc for the rules."""
    samples = np.zeros(0, np.float32) if samples is None else samples
    segments = _segment_rows(show, chapters, fired, end, fps)
    cues = _cue_rows(show, fired, tolerance)
    products = _product_rows(show, chapters, end)
    dead = [
        {"start": round(s.start + audio_start, 3), "end": round(s.end + audio_start, 3)}
        for s in sound.silences(samples)
    ]
    share = sound.speaking_share(samples)
    timed = [c for c in cues if c["trigger"] == "time"]
    devs = [abs(s["deviation"]) for s in segments if s["deviation"] is not None]
    count = lambda st: sum(1 for c in timed if c["status"] == st)  # noqa: E731
    summary = {
        "planned_seconds": show.duration,
        "actual_seconds": round(end, 3),
        "timed_cues": len(timed),
        "on_time": count("on_time"),
        "early": count("early"),
        "late": count("late"),
        "missed": count("missed"),
        "out_of_order": sum(1 for c in timed if c["out_of_order_with"]),
        "manual_outside_window": sum(1 for c in cues if c["status"] == "outside_window"),
        "segments_off_plan": sum(1 for s in segments if not s["within_frame"]),
        "max_segment_deviation": round(max(devs), 3) if devs else None,
        "mean_segment_deviation": round(sum(devs) / len(devs), 3) if devs else None,
        "dead_air_count": len(dead),
        "dead_air_seconds": round(sum(d["end"] - d["start"] for d in dead), 3),
        "speaking_share": round(share, 4),
    }
    return {
        "format": FORMAT,
        "show": {"title": show.title, "path": show.path, "guide": show.guide, "store": show.store},
        "take": take,
        "recording": recording,
        "fps": fps,
        "tolerance": tolerance,
        "rules": {
            "dead_air_seconds": sound.DEAD_AIR_SECONDS,
            "silence_db": sound.SILENCE_DB,
            "voice_db": sound.VOICE_DB,
        },
        "summary": summary,
        "segments": segments,
        "cues": cues,
        "fired": fired,
        "products": products,
        "dead_air": dead,
        "loudness": sound.envelope(samples),
        "chapters": chapters,
        "chart": None,
        "review": None,
        **({"meta": meta} if meta else {}),
    }


def load_report(path: Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text("utf-8"))
    if data.get("format") != FORMAT:
        from studio.errors import UserError

        raise UserError(f"{path} is not a take report", "give a studio rehearse report.json")
    return dict(data)


def chart_png(report_json: Path, report: dict[str, Any]) -> bytes | None:
    """The take's timeline picture next to its report, if it is there."""
    name = report.get("chart")
    path = report_json.parent / str(name or "")
    return path.read_bytes() if name and path.is_file() else None


def save_json(data: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    tmp.replace(path)


def describe(report: dict[str, Any]) -> str:
    """The take in one line (CLI output, the window's status bar)."""
    s = report["summary"]
    return (
        f"cues on time {s['on_time']}/{s['timed_cues']}, early {s['early']}, late {s['late']}, "
        f"missed {s['missed']}, out of order {s['out_of_order']}, "
        f"dead air {s['dead_air_count']}, speaking {s['speaking_share'] * 100:.0f}%"
    )
