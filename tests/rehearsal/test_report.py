"""The report rules on synthetic takes: chapters and firings as the cue engine writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.rehearsal.compare import compare
from studio.rehearsal.report import build_report, load_report, save_json
from studio.rehearsal.review import Review, attach_review
from studio.show.catalog import demo_catalog
from studio.show.script import Show, load_show

HERE = Path(__file__).parent
FPS = 15.0


@pytest.fixture(scope="module")
def show() -> Show:
    return load_show(HERE / "drill.toml", demo_catalog())


def fire(cue_id: str, seconds: float, trigger: str = "time") -> dict:
    return {
        "cue_id": cue_id,
        "frame": round(seconds * FPS),
        "seconds": seconds,
        "planned": None,
        "trigger": trigger,
        "action_id": f"r:{cue_id}:1",
        "requested": None,
    }


def on_plan(show: Show, **moved: float) -> tuple[list[dict], list[dict]]:
    """(chapters, fired) of a take run to plan except the cues in ``moved`` (id=seconds)."""
    fired = [fire(c.id, moved.get(c.id, c.at or 0.0)) for c in show.timed()]
    fired.sort(key=lambda f: f["seconds"])
    chapters = [{"title": f"段落｜{s.title}", "start": s.start} for s in show.segments]
    names = {"GS-1011": "云南小粒咖啡豆", "GS-1014": "赣南脐橙 5斤"}
    for f in fired:
        c = show.cue(f["cue_id"])
        if c.action == "show_card":
            chapters.append(
                {"title": f"讲解｜{names[c.product]}｜{c.product}", "start": f["seconds"]}
            )
    return sorted(chapters, key=lambda c: c["start"]), fired


def test_take_on_plan_matches_within_a_frame(show: Show) -> None:
    chapters, fired = on_plan(show)
    r = build_report(show, chapters=chapters, fired=fired, end=16.0, fps=FPS)
    assert [s["actual_length"] for s in r["segments"]] == [4.0, 6.0, 6.0]
    assert all(s["within_frame"] for s in r["segments"])
    assert {c["status"] for c in r["cues"] if c["trigger"] == "time"} == {"on_time"}
    again = next(c for c in r["cues"] if c["id"] == "again")
    assert again["status"] == "not_used"
    assert [(p["sku"], p["shown_seconds"]) for p in r["products"]] == [
        ("GS-1011", 6.0),
        ("GS-1014", 6.0),
    ]


def test_late_opening_cue_moves_the_segment_and_is_flagged(show: Show) -> None:
    # the orange card opens 1.5 s late: the coffee segment runs long, the orange one short
    chapters, fired = on_plan(show, **{"card-orange": 11.5})
    r = build_report(show, chapters=chapters, fired=fired, end=16.0, fps=FPS)
    seg = {s["title"]: s for s in r["segments"]}
    assert seg["咖啡豆"]["actual_length"] == pytest.approx(7.5)
    assert seg["脐橙"]["actual_length"] == pytest.approx(4.5)
    assert not seg["脐橙"]["within_frame"]
    cue = next(c for c in r["cues"] if c["id"] == "card-orange")
    assert (cue["status"], cue["deviation"]) == ("late", 1.5)
    assert r["summary"]["segments_off_plan"] == 2


def test_early_missed_and_out_of_order(show: Show) -> None:
    chapters, fired = on_plan(show)
    fired = [f for f in fired if f["cue_id"] != "coupon-orange"]  # missed
    # link-coffee (planned 5) fired with "next" at 3.2: early, and before card-coffee (planned 4)
    for f in fired:
        if f["cue_id"] == "link-coffee":
            f["seconds"], f["trigger"] = 3.2, "next"
    r = build_report(show, chapters=chapters, fired=fired, end=16.0, fps=FPS)
    by = {c["id"]: c for c in r["cues"]}
    assert by["coupon-orange"]["status"] == "missed"
    assert by["link-coffee"]["status"] == "early"
    assert by["link-coffee"]["fired_by"] == "next"
    assert by["link-coffee"]["out_of_order_with"] == ["card-coffee"]
    assert by["card-coffee"]["out_of_order_with"] == ["link-coffee"]
    assert by["hello"]["out_of_order_with"] == []
    s = r["summary"]
    assert (s["early"], s["missed"], s["out_of_order"], s["on_time"]) == (1, 1, 2, 3)


def test_manual_cue_window_is_the_segments_that_list_its_product(show: Show) -> None:
    chapters, fired = on_plan(show)
    inside = build_report(
        show, chapters=chapters, fired=[*fired, fire("again", 7.0, "manual")], end=16.0, fps=FPS
    )
    outside = build_report(
        show, chapters=chapters, fired=[*fired, fire("again", 12.0, "manual")], end=16.0, fps=FPS
    )
    assert next(c for c in inside["cues"] if c["id"] == "again")["status"] == "in_window"
    assert next(c for c in outside["cues"] if c["id"] == "again")["status"] == "outside_window"
    assert outside["summary"]["manual_outside_window"] == 1


def test_compare_says_what_improved(show: Show) -> None:
    a = build_report(
        show,
        chapters=on_plan(show, **{"card-orange": 11.5})[0],
        fired=on_plan(show, **{"card-orange": 11.5})[1],
        end=16.0,
        fps=FPS,
        take=1,
    )
    chapters, fired = on_plan(show, **{"coupon-orange": 14.0})
    b = build_report(show, chapters=chapters, fired=fired, end=16.0, fps=FPS, take=2)
    cmp = compare(a, b)
    assert "段落平均偏差 s" in cmp["improved"]
    assert "card-orange" in cmp["improved"]
    assert "coupon-orange" not in cmp["improved"]  # 0 -> 2 s late
    assert "coupon-orange" in cmp["worse"]
    assert {s["title"]: s["verdict"] for s in cmp["segments"]} == {
        "开场": "same",
        "咖啡豆": "better",
        "脐橙": "better",
    }


def test_review_notes_and_rubric_are_stored_in_the_report(show: Show, tmp_path: Path) -> None:
    chapters, fired = on_plan(show)
    path = tmp_path / "report.json"
    save_json(build_report(show, chapters=chapters, fired=fired, end=16.0, fps=FPS), path)
    review = Review(reviewer="王老师")
    review.add_note(9.5, "链接弹出后要口播价格")
    review.add_note(2.0, "开场太快")
    review.score("timing", 4)
    review.score("energy", 5)
    with pytest.raises(ValueError):
        review.score("timing", 6)
    attach_review(path, review)
    data = load_report(path)
    assert [n["text"] for n in data["review"]["notes"]] == ["开场太快", "链接弹出后要口播价格"]
    assert data["review"]["total"] == 9
    assert Review.from_json(data["review"]).scores["timing"] == 4
    html = path.with_suffix(".html").read_text("utf-8")
    assert "链接弹出后要口播价格" in html and 'id="rubric"' in html
    assert json.loads(path.read_text("utf-8"))["review"]["reviewer"] == "王老师"
