"""A real headless rehearsal via `studio rehearse`: record, measure, report, open in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import av
import pytest
from playwright.sync_api import sync_playwright

from studio.show.catalog import demo_catalog
from studio.show.script import load_show
from tests.browser import ARGS, CHROMIUM

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
FPS = 15
DELAY = 2.0


@pytest.fixture(scope="module")
def take(tmp_path_factory: pytest.TempPathFactory, studio_cmd: list[str]) -> Path:
    out = tmp_path_factory.mktemp("rehearsals")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDIO_LANG": "zh"}  # pages read in Chinese
    cmd = [
        *studio_cmd, "rehearse", str(HERE / "drill.toml"), "--out", str(out),
        "--size", "640x360", "--fps", str(FPS), "--audio", "none",
        "--delay-cue", f"link-coffee:{DELAY}",
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "late 1" in proc.stdout
    return out / "take-01"


@pytest.fixture(scope="module")
def studio_cmd() -> list[str]:
    import sys

    return [sys.executable, "-m", "studio"]


def test_segments_match_the_script_within_one_frame(take: Path) -> None:
    report = json.loads((take / "report.json").read_text("utf-8"))
    show = load_show(HERE / "drill.toml", demo_catalog())
    assert len(report["segments"]) == len(show.segments)
    for seg, planned in zip(report["segments"], show.segments, strict=True):
        assert seg["actual_start"] == pytest.approx(planned.start, abs=1 / FPS), seg
        assert seg["actual_length"] == pytest.approx(planned.length, abs=1 / FPS), seg
        assert seg["within_frame"]
    # the actual times come from the recording's own chapter marks
    marks = [c for c in report["chapters"] if c["title"].startswith("段落")]
    assert [round(c["start"] * FPS) for c in marks] == [round(s.start * FPS) for s in show.segments]


def test_the_delayed_cue_is_flagged_late_and_only_it(take: Path) -> None:
    report = json.loads((take / "report.json").read_text("utf-8"))
    by = {c["id"]: c for c in report["cues"]}
    link = by["link-coffee"]
    assert link["status"] == "late"
    assert link["deviation"] == pytest.approx(DELAY, abs=1 / FPS)
    assert link["fired_by"] == "manual"
    others = [
        c["status"] for c in report["cues"] if c["trigger"] == "time" and c["id"] != "link-coffee"
    ]
    assert others and set(others) == {"on_time"}
    assert by["again"]["status"] == "not_used"
    assert report["summary"]["late"] == 1


def test_silent_take_is_all_dead_air_and_products_are_timed(take: Path) -> None:
    report = json.loads((take / "report.json").read_text("utf-8"))
    (dead,) = report["dead_air"]  # --audio none: silence the whole take
    assert dead["start"] == pytest.approx(0.0, abs=0.1)
    assert dead["end"] == pytest.approx(16.0, abs=0.2)
    assert report["summary"]["speaking_share"] == 0.0
    shown = {p["sku"]: p["shown_seconds"] for p in report["products"]}
    assert shown == pytest.approx({"GS-1011": 6.0, "GS-1014": 6.0}, abs=1 / FPS)


def test_clips_are_linked_and_play(take: Path) -> None:
    report = json.loads((take / "report.json").read_text("utf-8"))
    links = [s["clip"] for s in report["segments"]]
    links += [c for p in report["products"] for c in p["clips"]]
    assert len(links) == 5 and all(links)
    for rel in links:
        with av.open(str(take / rel)) as c:
            frames = sum(1 for _ in c.decode(video=0))
        assert frames >= 3 * FPS, rel  # every clip is at least 3 s of picture


def test_report_html_opens_offline_in_chromium(take: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    html = take / "report.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000}, locale="zh-CN")
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html.as_uri())
            rows = page.locator("#segments tr")
            assert rows.count() == 1 + 3
            assert "咖啡豆" in rows.nth(2).inner_text()
            late = page.locator("#cues tr", has_text="link-coffee")
            assert "延迟" in late.inner_text()
            size = page.evaluate(
                "() => { const i = document.querySelector('#chart');"
                " return i && i.complete ? [i.naturalWidth, i.naturalHeight] : null }"
            )
            assert size is not None and size[0] >= 1000 and size[1] >= 200
            assert all(u.startswith(("file:", "data:")) for u in requests), requests
            shot = take / "report-screenshot.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            if os.environ.get("REHEARSE_SHOT"):
                shutil.copy(shot, os.environ["REHEARSE_SHOT"])
        finally:
            browser.close()


def test_compare_cli_writes_what_improved(
    take: Path, studio_cmd: list[str], tmp_path: Path
) -> None:
    report = json.loads((take / "report.json").read_text("utf-8"))
    better = json.loads(json.dumps(report))
    better["take"] = 2
    for c in better["cues"]:
        if c["id"] == "link-coffee":
            c["fired_at"], c["deviation"], c["status"] = c["planned_at"], 0.0, "on_time"
    better["summary"].update(late=0, on_time=report["summary"]["on_time"] + 1)
    b_path = take / "report-2.json"
    b_path.write_text(json.dumps(better, ensure_ascii=False), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDIO_LANG": "zh"}  # pages read in Chinese
    proc = subprocess.run(
        [*studio_cmd, "rehearse", "--compare", str(take / "report.json"), str(b_path),
         "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    cmp = json.loads((tmp_path / "compare-take-01-vs-02.json").read_text("utf-8"))
    assert "link-coffee" in cmp["improved"] and "延迟提示" in cmp["improved"]
    assert cmp["worse"] == []
    html = (tmp_path / "compare-take-01-vs-02.html").read_text("utf-8")
    assert html.count("data:image/png;base64,") == 2
