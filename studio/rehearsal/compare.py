"""Takes compared: take A vs take B of the same script, and what improved.

Each metric has a direction (less deviation, fewer faults, more speaking is
better) and a noise margin, so a 10 ms wobble is "same", not "better".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.errors import UserError
from studio.rehearsal.report import load_report

FORMAT = "studio.rehearsal.compare/1"
# (summary key, label, higher is better, margin)
METRICS: list[tuple[str, str, bool, float]] = [
    ("mean_segment_deviation", "段落平均偏差 s", False, 0.1),
    ("max_segment_deviation", "段落最大偏差 s", False, 0.1),
    ("on_time", "准时提示", True, 0.5),
    ("early", "提前提示", False, 0.5),
    ("late", "延迟提示", False, 0.5),
    ("missed", "未触发提示", False, 0.5),
    ("out_of_order", "顺序错乱", False, 0.5),
    ("manual_outside_window", "时段外手动提示", False, 0.5),
    ("dead_air_seconds", "冷场秒数", False, 0.5),
    ("speaking_share", "说话占比", True, 0.02),
]
_BAD = {"early": 1, "late": 1, "outside_window": 1, "missed": 2}


def _verdict(a: float | None, b: float | None, higher: bool, margin: float) -> str:
    if a is None or b is None or abs(b - a) <= margin:
        return "same"
    return "better" if (b > a) == higher else "worse"


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Side-by-side comparison of two take reports (B is the newer take)."""
    if a["show"]["title"] != b["show"]["title"]:
        raise UserError(
            f"the takes are of different shows ({a['show']['title']!r} vs {b['show']['title']!r})",
            "compare two takes of the same script",
        )
    metrics = []
    for key, label, higher, margin in METRICS:
        va, vb = a["summary"].get(key), b["summary"].get(key)
        metrics.append(
            {
                "key": key,
                "label": label,
                "a": va,
                "b": vb,
                "verdict": _verdict(va, vb, higher, margin),
            }
        )
    segments = []
    for sa, sb in zip(a["segments"], b["segments"], strict=False):
        da, db = sa["deviation"], sb["deviation"]
        segments.append(
            {
                "title": sa["title"],
                "planned_length": sa["planned_length"],
                "a": da,
                "b": db,
                "verdict": _verdict(
                    None if da is None else abs(da), None if db is None else abs(db), False, 0.1
                ),
            }
        )
    cues = []
    b_cues = {c["id"]: c for c in b["cues"]}
    for ca in a["cues"]:
        cb = b_cues.get(ca["id"])
        if cb is None:
            continue
        ra, rb = _BAD.get(ca["status"], 0), _BAD.get(cb["status"], 0)
        if ra != rb:
            verdict = "better" if rb < ra else "worse"
        elif ca["deviation"] is not None and cb["deviation"] is not None:
            verdict = _verdict(abs(ca["deviation"]), abs(cb["deviation"]), False, 0.1)
        else:
            verdict = "same"
        cues.append(
            {
                "id": ca["id"],
                "a": ca["status"],
                "b": cb["status"],
                "a_dev": ca["deviation"],
                "b_dev": cb["deviation"],
                "verdict": verdict,
            }
        )
    everything = metrics + segments + cues

    def names(v: str) -> list[str]:
        return [
            str(x.get("label") or x.get("title") or x.get("id"))
            for x in everything
            if x["verdict"] == v
        ]

    return {
        "format": FORMAT,
        "show": a["show"]["title"],
        "takes": [
            {"take": a["take"], "recording": a.get("recording")},
            {"take": b["take"], "recording": b.get("recording")},
        ],
        "metrics": metrics,
        "segments": segments,
        "cues": cues,
        "improved": names("better"),
        "worse": names("worse"),
    }


def load_pair(a: Path, b: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return load_report(a), load_report(b)


def write_comparison(a_path: Path, b_path: Path, out: Path) -> tuple[dict[str, Any], Path]:
    """Compare two take reports (B newer); write ``compare-take-AA-vs-BB.json/.html`` in ``out``.

    Returns the comparison and the HTML's path. Raises UserError for takes of
    different shows, OSError when ``out`` cannot be written.
    """
    from studio.rehearsal.html import compare_html
    from studio.rehearsal.report import chart_png, save_json

    a, b = load_pair(a_path, b_path)
    cmp = compare(a, b)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"compare-take-{a['take']:02d}-vs-{b['take']:02d}"
    save_json(cmp, out / f"{stem}.json")
    html = out / f"{stem}.html"
    charts = (chart_png(a_path, a), chart_png(b_path, b))
    html.write_text(compare_html(cmp, charts), "utf-8")
    return cmp, html
