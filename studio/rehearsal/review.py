"""The trainer's review of a take, Qt-free: notes at timestamps and a rubric score.

The desktop review window edits a :class:`Review` while playing the take
(chapter marks come from the report's ``chapters``), then calls
:func:`attach_review`, which stores it in the report JSON (``review``) and
re-renders the HTML, so the exported report carries the notes and scores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RUBRIC: list[tuple[str, str]] = [
    ("timing", "节奏 Timing"),
    ("product", "商品讲解 Product knowledge"),
    ("call_to_action", "引导下单 Call to action"),
    ("energy", "状态 Energy"),
    ("interaction", "互动 Interaction"),
]
MAX_SCORE = 5


@dataclass
class Note:
    at: float  # seconds into the take
    text: str
    author: str = ""


@dataclass
class Review:
    notes: list[Note] = field(default_factory=list)
    scores: dict[str, int | None] = field(default_factory=dict)
    reviewer: str = ""

    def add_note(self, at: float, text: str, author: str = "") -> Note:
        if at < 0 or not text.strip():
            raise ValueError("a note needs a time >= 0 and some text")
        note = Note(round(at, 3), text.strip(), author or self.reviewer)
        self.notes.append(note)
        self.notes.sort(key=lambda n: n.at)
        return note

    def score(self, criterion: str, value: int | None) -> None:
        if criterion not in dict(RUBRIC):
            raise KeyError(criterion)
        if value is not None and not 1 <= value <= MAX_SCORE:
            raise ValueError(f"scores are 1..{MAX_SCORE}")
        self.scores[criterion] = value

    @property
    def total(self) -> int | None:
        given = [v for v in self.scores.values() if v is not None]
        return sum(given) if given else None

    def to_json(self) -> dict[str, Any]:
        rubric = [
            {"id": k, "label": label, "score": self.scores.get(k), "max": MAX_SCORE}
            for k, label in RUBRIC
        ]
        return {
            "reviewer": self.reviewer,
            "notes": [asdict(n) for n in self.notes],
            "rubric": rubric,
            "total": self.total,
            "max_total": MAX_SCORE * len(RUBRIC),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Review:
        if not data:
            return cls()
        r = cls(reviewer=str(data.get("reviewer") or ""))
        r.notes = [
            Note(float(n["at"]), str(n["text"]), str(n.get("author") or ""))
            for n in data.get("notes", [])
        ]
        r.scores = {x["id"]: x.get("score") for x in data.get("rubric", [])}
        return r


def attach_review(report_json: Path, review: Review, lang: str | None = None) -> None:
    """Store the review in the report and re-render its HTML next to it (in ``lang``)."""
    from studio.rehearsal.html import take_html
    from studio.rehearsal.report import chart_png, load_report, save_json

    report = load_report(report_json)
    report["review"] = review.to_json()
    save_json(report, report_json)
    png = chart_png(report_json, report)
    report_json.with_suffix(".html").write_text(take_html(report, png, lang), "utf-8")
