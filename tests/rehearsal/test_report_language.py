"""The take report's page and the comparison page speak one language each.

The report is rendered in Chinese and in English from one take that has every
kind of value (an opening cue, a segment never reached, a manual cue, a cue
fired early with "next", dead air, a review with notes and scores). With the
data taken out (the script's words, product names, cue ids, the trainer's notes),
the Chinese page has no English word and the English page no Chinese character.
The take is called 第 N 次, as in the window, never 第N条.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from studio.rehearsal.audio import RATE
from studio.rehearsal.chart import render_chart
from studio.rehearsal.compare import compare
from studio.rehearsal.html import compare_html, take_html
from studio.rehearsal.report import build_report
from studio.rehearsal.review import Review
from studio.show.catalog import demo_catalog
from studio.show.script import Show, load_show
from tests.rehearsal.test_report import FPS, on_plan

HERE = Path(__file__).parent
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# what may stay Latin in the Chinese page: SKUs, hotkeys, the SKU column's name, units
LATIN_OK = re.compile(r"\bGS-\d+\b|\bF\d+\b|\bSKU\b|%")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.parts.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [v for k, v in attrs if k == "alt" and v]  # what a reader hears


def _texts(html: str) -> list[str]:
    p = _Text()
    p.feed(re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    return p.parts


@pytest.fixture(scope="module")
def show() -> Show:
    return load_show(HERE / "drill.toml", demo_catalog())


@pytest.fixture(scope="module")
def report(show: Show) -> dict:
    chapters, fired = on_plan(show)
    # the third segment is never reached; link-coffee goes early with "next"; "again" by hand
    chapters = [c for c in chapters if c["start"] < 10]
    fired = [f for f in fired if f["seconds"] < 10]
    for f in fired:
        if f["cue_id"] == "link-coffee":
            f["seconds"], f["trigger"] = 3.2, "next"
    fired.append({**fired[-1], "cue_id": "again", "seconds": 8.0, "trigger": "manual"})
    samples = np.zeros(int(9.5 * RATE), np.float32)  # all silence: dead air
    r = build_report(show, chapters=chapters, fired=fired, end=9.5, fps=FPS, samples=samples)
    review = Review(reviewer="王老师")
    review.add_note(2.0, "开场太快")
    review.score("timing", 4)
    r["review"] = review.to_json()
    bases = {s["basis"] for s in r["segments"]}
    assert {"opening cue", "not reached"} <= bases, bases  # the values the trial saw in English
    assert any(c["trigger"] == "manual" for c in r["cues"])
    assert r["dead_air"]
    return r


def _data(show: Show, report: dict) -> list[str]:
    return sorted(
        {
            show.title,
            show.store,
            show.guide,
            *(s.title for s in show.segments),
            *(p.name for p in demo_catalog()),
            *(c["id"] for c in report["cues"]),
            "王老师",
            "开场太快",
        },
        key=len,
        reverse=True,
    )


def _other_language(texts: list[str], lang: str, data: list[str]) -> list[str]:
    bad = []
    for text in texts:
        rest = text
        for word in data:
            rest = rest.replace(word, " ")
        if lang == "en" and CJK.search(rest):
            bad.append(text)
        if lang == "zh" and re.search(r"[A-Za-z]{2,}", LATIN_OK.sub(" ", rest)):
            bad.append(text)
    return bad


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_take_report_page_speaks_one_language(show: Show, report: dict, lang: str) -> None:
    html = take_html(report, render_chart(report, lang), lang)
    texts = _texts(html)
    assert len(texts) > 60  # the walk saw the tables
    assert not _other_language(texts, lang, _data(show, report)), _other_language(
        texts, lang, _data(show, report)
    )
    if lang == "zh":
        assert "第 1 次" in html and "第1条" not in html and "第 1 条" not in html
        assert "开场提示" in html and "未到达" in html and "手动" in html
        assert '<html lang="zh-CN">' in html
    else:
        assert "take 1" in html and "opening cue" in html and "not reached" in html
        assert '<html lang="en">' in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_page_speaks_one_language(show: Show, report: dict, lang: str) -> None:
    better = {**report, "take": 2, "summary": {**report["summary"], "early": 0}}
    html = compare_html(compare(report, better), lang=lang)
    texts = _texts(html)
    assert len(texts) > 30
    bad = _other_language(texts, lang, _data(show, report))
    assert not bad, bad
    assert ("第 1 次与第 2 次" if lang == "zh" else "take 1 vs take 2") in html


def test_a_page_written_outside_the_window_follows_its_saved_language(
    report: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``studio rehearse`` writes the page without a window: the window's saved choice
    (its INI file) decides, over a Chinese locale (tests/unit/test_language_rule.py)."""
    from studio import messages

    for var in ("LC_ALL", "LC_MESSAGES", "STUDIO_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("STUDIO_CONFIG_DIR", str(tmp_path))
    monkeypatch.setattr(messages, "_chosen", {})
    assert take_html(report, None) == take_html(report, None, "zh")
    (tmp_path / "studio.ini").write_text("[ui]\nlanguage=en\n", encoding="utf-8")
    page = take_html(report, None)
    assert page == take_html(report, None, "en") != take_html(report, None, "zh")
