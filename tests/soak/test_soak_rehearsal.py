"""The trainer's rehearsal for a whole take (~1 minute), its review, and closing the window.

A real ``studio gui`` process on its own Xvfb (``tests/soak/driver.py``): 演示模式,
a one-minute script, a private preview address on nginx-rtmp (typed into the
window's dialog), 脚本 → 彩排. The take runs to the script's planned end, its
review window opens and plays the take, the trainer adds a note and a score and
closes the window (the studio asks to save the notes: Save). This is the close
that aborted with ``none_dealloc`` (PySide6 6.12.0). Passes when the process lives
through it and exits 0, the screen changes during the take and during the
review, the preview push is pulled from nginx near the end of the take, the take
decodes and its report carries the saved note, and the log has no error.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from tests.soak.harness import (
    ARTIFACTS,
    WindowProcess,
    changed_pixels,
    keep_evidence,
    problems_in,
    record,
    rss_figures,
    scale,
    screenshot,
    warnings_in,
    xvfb,
)

TAKE_SECONDS = 60  # the script's planned length; the take ends there by itself
REVIEW_SECONDS = 15.0  # the review plays this long before the note and the close
# RSS over the take itself (take start -> its end, when rehearsing goes off): the
# pipeline adds a recorder and a preview push, nothing that should grow per frame
MAX_TAKE_RSS_GROWTH_MB = 100.0
# opening the review window loads Qt Multimedia (its own FFmpeg, a decoder, a video sink):
# measured ~145 MB as one step; bounded so a review that keeps every frame would fail
MAX_REVIEW_STEP_MB = 250.0
KEY = "soak-rehearsal-preview-7c1d"

# one minute of script: (title, seconds, products, cues); cue times and durations in seconds
Cue = dict[str, object]
SEGMENTS: list[tuple[str, int, list[str], list[Cue]]] = [
    ("开场", 10, [], [{"at": "start", "action": "lower_third", "duration": 6}]),
    (
        "云南小粒咖啡豆",
        18,
        ["GS-1011"],
        [
            {"id": "card-coffee", "at": "start", "action": "show_card", "product": "GS-1011"},
            {
                "id": "link-coffee",
                "at": 3,
                "action": "pop_link",
                "product": "GS-1011",
                "duration": 8,
            },
        ],
    ),
    (
        "赣南脐橙 5斤",
        18,
        ["GS-1014"],
        [
            {"id": "card-orange", "at": "start", "action": "show_card", "product": "GS-1014"},
            {
                "id": "link-orange",
                "at": 3,
                "action": "pop_link",
                "product": "GS-1014",
                "duration": 8,
            },
            {"id": "lottery", "at": 8, "action": "lottery", "prize": "脐橙一箱", "duration": 4},
        ],
    ),
    (
        "收尾",
        14,
        [],
        [{"at": "start", "action": "hide_card"}, {"at": 1, "action": "leaderboard", "duration": 6}],
    ),
]


def _toml(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def write_show(path: Path, k: float) -> int:
    """The script with every segment, cue time and duration scaled by ``k``; its length."""
    parts = ["# written by tests/soak/test_soak_rehearsal.py\n"]
    total = 0
    body = []
    for title, seconds, products, cues in SEGMENTS:
        f = max(4, round(seconds * k)) / seconds
        length = round(seconds * f)
        total += length
        body.append(f'\n[[segments]]\ntitle = "{title}"\nlength = {length}\n')
        if products:
            body.append("products = [" + ", ".join(f'"{p}"' for p in products) + "]\n")
        for cue in cues:
            body.append("\n  [[segments.cues]]\n")
            for key, value in cue.items():
                timed = key in ("at", "duration") and isinstance(value, int)
                body.append(f"  {key} = {_toml(round(value * f, 1) if timed else value)}\n")
    parts.append(
        f'[show]\ntitle = "彩排耐久"\nstore = "杭州湖滨店"\nguide = "莉莉"\nduration = {total}\n'
    )
    path.write_text("".join(parts + body), encoding="utf-8")
    return total


@pytest.mark.soak
@pytest.mark.rtmp
@pytest.mark.slow
@pytest.mark.timeout(int(TAKE_SECONDS + REVIEW_SECONDS + 240))
def test_rehearsal_take_review_and_close_in_the_window(
    nginx_rtmp: NginxRtmp, tmp_path: Path
) -> None:
    show = tmp_path / "soak_take.toml"
    planned = write_show(show, min(1.0, scale()))
    review_seconds = max(5.0, REVIEW_SECONDS * min(1.0, scale()))
    logs, config, data, takes = (tmp_path / n for n in ("log", "config", "data", "takes"))
    config.mkdir()
    (config / "studio.ini").write_text(
        f"[General]\nrecord_dir={tmp_path / 'rec'}\nrehearsal_dir={takes}\n", encoding="utf-8"
    )
    env = {
        "STUDIO_LOG_DIR": str(logs),
        "STUDIO_CONFIG_DIR": str(config),
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_LANG": "zh",
    }
    preview = nginx_rtmp.url(KEY)
    args = ["rehearse", "--show", str(show), "--preview", preview]
    args += ["--review-seconds", str(review_seconds)]
    t_start = time.monotonic()
    with xvfb("1600x900") as display:
        win = WindowProcess(args, display, env, tmp_path / "stderr.txt")
        win.start()
        try:
            win.wait_for(lambda s: s["phase"] == "take", 120, "demo mode, the script, 彩排")
            take_from = time.monotonic()
            # near the end of the take: the screen moves and the manager's preview arrives
            win.run_for(max(1.0, planned - 14))
            a = screenshot(display, ARTIFACTS / "soak-rehearsal-take-a.png")
            time.sleep(3)
            b = screenshot(display, ARTIFACTS / "soak-rehearsal-take-b.png")
            changed_take = changed_pixels(a, b)
            pulled = read_media(preview, seconds=6)
            during = win.latest()

            opened = win.wait_for(
                lambda s: s["phase"] in ("review_opened", "reviewing", "reviewed"),
                planned + 60,
                "the take to end by itself and its review to open",
            )
            win.wait_for(lambda s: s["phase"] == "reviewed", review_seconds + 60, "a note")
            c = screenshot(display, ARTIFACTS / "soak-rehearsal-review-a.png")
            time.sleep(3)
            d = screenshot(display, ARTIFACTS / "soak-rehearsal-review-b.png")
            changed_review = changed_pixels(c, d)
            reviewed = win.latest()
            time.sleep(5.5)  # one more status line: the review still playing
            reviewing = win.latest()
            rss_before_close = win.rss_now()
            duration = time.monotonic() - take_from
            alive = win.alive()
            rc = win.close(timeout=90)
            time.sleep(2)
            orphans = win.orphans()
        finally:
            win.kill()
            keep_evidence("rehearsal", win, logs)

    final = win.latest()
    report_path = Path(str(reviewed.get("review_report", "")))
    report = json.loads(report_path.read_text("utf-8")) if report_path.is_file() else {}
    take_file = report_path.parent / "take.mkv"
    played = read_media(str(take_file)) if take_file.is_file() else None
    problems = problems_in([logs], win.stderr_text())
    rss = rss_figures(win.rss, start_after=take_from - win.started_at)
    opened_t = float(opened["rx"])
    # the take ends when rehearsing goes off; the report and the review window come after
    # it (seconds later on a busy machine) and are the review's step, not the take's growth
    ended = [
        float(st["rx"])
        for st in win.statuses
        if st.get("phase") == "take" and st.get("rehearsing") is False and "rx" in st
    ]
    take_end = min(ended[0], opened_t) if ended else opened_t
    in_take = [x.rss_mb for x in win.rss if take_from - win.started_at <= x.t < take_end]
    in_review = [x.rss_mb for x in win.rss if x.t >= opened_t]
    take_growth = round(in_take[-1] - in_take[0], 1) if in_take else None
    review_step = round(in_review[-1] - in_take[-1], 1) if in_take and in_review else None
    summary = {
        "alive": alive,
        "exit_code": rc,
        "duration_s": round(duration, 1),
        "wall_s": round(time.monotonic() - t_start, 1),
        "planned_take_s": planned,
        "take_s": opened.get("take_seconds"),
        "frames_pulled": len(pulled.video_times),
        "pulled_from": "rehearsal preview push (6 s near the end of the take)",
        "pull_error": pulled.error,
        "take_frames_decoded": len(played.video_times) if played else 0,
        "take_media_s": round(played.video_times[-1], 2) if played and played.video_times else 0,
        "screen_changed_take_px": changed_take,
        "screen_changed_review_px": changed_review,
        "review_position_s": [reviewed.get("review_position"), reviewing.get("review_position")],
        "review_frame_s": reviewing.get("review_frame_s"),
        "segments_actual": [s.get("actual_length") for s in report.get("segments", [])],
        "cues_on_time": report.get("summary", {}).get("on_time"),
        "cues_timed": report.get("summary", {}).get("timed_cues"),
        "saved_notes": [n.get("text") for n in report.get("review", {}).get("notes", [])],
        "rss_before_close_mb": rss_before_close,
        "rss_take_growth_mb": take_growth,
        "rss_review_step_mb": review_step,
        **rss,
        "orphans": orphans,
        "dialogs": final.get("dialogs"),
        "error_dialogs": final.get("error_dialogs"),
        "driver_errors": final.get("driver_errors"),
        "problems": problems[:20],
        "warnings": warnings_in(logs)[:20],
    }
    record("rehearsal", summary)

    assert alive, win.tail()
    assert rc == 0, win.tail()
    assert not final.get("driver_errors"), final["driver_errors"]
    assert not final.get("error_dialogs"), final["error_dialogs"]
    assert problems == [], problems[:20]
    assert during.get("rehearsing") and "彩排中" in str(during.get("live_label")), during
    assert changed_take > 500, f"the window did not change in 3 s of the take ({changed_take} px)"
    assert not pulled.error and len(pulled.video_times) > 45, (pulled.error, summary)
    assert played is not None and not played.error, take_file
    assert played.video_times[-1] >= planned - 1.0, (played.video_times[-1], planned)
    assert sum(summary["segments_actual"]) == pytest.approx(planned, abs=1.0), summary  # type: ignore[arg-type]
    # the review plays the take: its position moves on, and so does the screen
    p0, p1 = summary["review_position_s"]  # type: ignore[misc]
    assert p1 is not None and p0 is not None and p1 > p0, summary["review_position_s"]
    assert changed_review > 500, f"the review did not change in 3 s ({changed_review} px)"
    # closing asked to save the note (Save), and the report has it
    assert summary["saved_notes"] == ["讲咖啡前停顿太久，可以先举起商品"], summary["saved_notes"]
    assert orphans == [], f"left running after the window closed: {orphans}"
    series = rss.get("rss_series")
    assert take_growth is not None and take_growth < MAX_TAKE_RSS_GROWTH_MB, (take_growth, series)
    assert review_step is not None and review_step < MAX_REVIEW_STEP_MB, (review_step, series)
