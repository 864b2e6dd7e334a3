"""One rehearsal take: the show run exactly as on air, recorded, then measured.

The pipeline, overlays and cue engine are built by the same code as
``studio live`` (:func:`studio.onair.attach_show`); a take only adds a
recording that is always on, an optional private preview push, and after the
show the report, its chart, its HTML and the clips.

``delays`` moves timed cues on purpose (seconds, negative = early): such a
cue is taken off the automatic timeline and triggered through the cue
engine's manual path (``CueEngine.trigger``) at plan + delay, which is what a
guide pressing it late or early does. Tests use it to see the cue flagged.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av

from studio.config import Profile
from studio.errors import UserError
from studio.events import EventBus
from studio.media.engine import Pipeline
from studio.media.sources import open_source
from studio.onair import attach_audio, attach_show
from studio.rehearsal import audio as sound
from studio.rehearsal.chart import render_chart
from studio.rehearsal.html import take_html
from studio.rehearsal.report import TOLERANCE, build_report, fired_dicts, save_json
from studio.show.catalog import Catalog
from studio.show.clips import _safe, cut_clips, read_chapters, remux
from studio.show.cues import CueEngine
from studio.show.script import Show

log = logging.getLogger(__name__)


def parse_delays(specs: list[str], show: Show) -> dict[str, float]:
    """``["link-coffee:2.5", "card-bag:-1"]`` → {cue id: seconds}; only timed cues can move."""
    out: dict[str, float] = {}
    for spec in specs:
        cid, sep, secs = spec.rpartition(":")
        try:
            value = float(secs)
        except ValueError:
            value = None
        if not sep or value is None:
            raise UserError(f"--delay-cue {spec!r}", "write it as CUE_ID:SECONDS, e.g. link-1:2.5")
        try:
            cue = show.cue(cid)
        except KeyError:
            ids = ", ".join(c.id for c in show.timed())
            raise UserError(f"--delay-cue: no cue {cid!r}", f"timed cues: {ids}") from None
        if cue.trigger != "time":
            raise UserError(f"--delay-cue: cue {cid!r} is not timed", "delay a cue that has `at`")
        out[cid] = value
    return out


def _with_manual(show: Show, ids: set[str]) -> Show:
    """A copy of ``show`` whose cues ``ids`` wait for a trigger instead of their time."""
    cues = [
        dataclasses.replace(c, trigger="manual", at=None) if c.id in ids else c for c in show.cues
    ]
    return dataclasses.replace(show, cues=cues)


def next_take_number(out: Path) -> int:
    taken = [int(p.name[5:]) for p in out.glob("take-*") if p.name[5:].isdigit()]
    return max(taken, default=0) + 1


def _scan_video(path: Path) -> tuple[float, list[float]]:
    """(end of the video in seconds, keyframe times) of a recording."""
    end, keys = 0.0, []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        for pkt in c.demux(vs):
            if pkt.pts is None:
                continue
            t = float(pkt.pts * vs.time_base)
            end = max(end, t + float((pkt.duration or 0) * vs.time_base))
            if pkt.is_keyframe:
                keys.append(t)
    return end, keys


def run_take(
    show: Show,
    catalog: Catalog,
    profile: Profile,
    *,
    out_dir: Path,
    take: int | None = None,
    source: str = "test",
    audio: str = "auto",
    preview_urls: tuple[str, ...] = (),
    delays: dict[str, float] | None = None,
    tolerance: float = TOLERANCE,
    overlay_kw: dict[str, Any] | None = None,
    control: Callable[[Pipeline, CueEngine], None] | None = None,
    clips: bool = True,
    bus: EventBus | None = None,
    session_id: int | None = None,
) -> Path:
    """Run one take to the show's planned end (or Ctrl+C); returns the report JSON's path.

    ``control`` is called every ~50 ms while the show runs (a test's or a
    UI's hand on the "next cue" button).
    """
    take = take or next_take_number(out_dir)
    folder = out_dir / f"take-{take:02d}"
    if folder.exists() and any(folder.iterdir()):
        raise UserError(f"{folder} exists already", "pick another --take number or --out folder")
    folder.mkdir(parents=True, exist_ok=True)
    recording = folder / "take.mkv"
    delays = delays or {}
    run_show = _with_manual(show, set(delays))

    src = open_source(source, profile.width, profile.height, profile.fps)
    pipeline = Pipeline(profile, bus)
    pipeline.add_source(src)
    attach_audio(pipeline, audio, src.audio is not None)
    for url in preview_urls:
        pipeline.add_rtmp(url)
    pipeline.add_recorder(recording)
    engine = attach_show(pipeline, run_show, catalog, session_id=session_id, **(overlay_kw or {}))
    due = {cid: max(0.0, (show.cue(cid).at or 0.0) + d) for cid, d in delays.items()}

    def delayed(_frame: int, t: float) -> None:
        for cid, at in list(due.items()):
            if t + 1e-6 >= at:
                del due[cid]
                engine.trigger(cid)  # fired by the engine's tick on this same frame

    pipeline.tick_hooks.insert(0, delayed)
    last = round(show.duration * profile.fps)
    pipeline.start()
    try:
        while pipeline.frame_index < last and pipeline.wait(0.05):
            if control is not None:
                control(pipeline, engine)
    except KeyboardInterrupt:
        log.warning("take %d stopped early by the user", take)
    finally:
        pipeline.stop()
        engine.close()
    return write_report(
        show,
        recording,
        fired_dicts(engine.fired),
        fps=profile.fps,
        take=take,
        tolerance=tolerance,
        clips=clips,
        meta={"source": source, "audio": audio, "delays": delays, "run_id": engine.run_id},
    )


def write_report(
    show: Show,
    recording: Path,
    fired: list[dict[str, Any]],
    *,
    fps: float,
    take: int,
    tolerance: float = TOLERANCE,
    clips: bool = True,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Measure a recorded take; write report.json, report.html, timeline.png and clips."""
    folder = recording.parent
    video_end, keys = _scan_video(recording)
    # the runner stops at the planned end; the frame or two rendered while it
    # stopped are not part of the show
    end = min(video_end, show.duration) if show.duration else video_end
    chapters = read_chapters(recording)
    samples, a0 = sound.decode_audio(recording)
    report = build_report(
        show,
        chapters=chapters,
        fired=fired,
        end=end,
        fps=fps,
        samples=samples,
        audio_start=a0,
        tolerance=tolerance,
        take=take,
        recording=recording.name,
        meta=meta,
    )
    if clips:
        _cut(report, recording, end, keys)
    png = render_chart(report)
    (folder / "timeline.png").write_bytes(png)
    report["chart"] = "timeline.png"
    path = folder / "report.json"
    save_json(report, path)
    (folder / "report.html").write_text(take_html(report, png), "utf-8")
    return path


def _cut(report: dict[str, Any], recording: Path, end: float, keys: list[float]) -> None:
    """Segment clips (remuxed, from the keyframe at or before the start) and product clips."""
    folder = recording.parent
    seg_dir = folder / "segments"
    for s in report["segments"]:
        if s["actual_start"] is None or not s["actual_length"] or not keys:
            continue
        start = s["actual_start"]
        kf = max((k for k in keys if k <= start + 1e-3), default=keys[0])
        seg_dir.mkdir(exist_ok=True)
        dst = seg_dir / f"{s['index']:02d}-{_safe(s['title'])}.mkv"
        remux(recording, dst, kf, min(end, start + s["actual_length"]))
        s["clip"] = f"segments/{dst.name}"
    if not report["products"]:
        return
    try:
        _index, cut = cut_clips(recording, folder / "clips")
    except UserError as exc:
        log.warning("no product clips: %s", exc)
        return
    for p in report["products"]:
        p["clips"] = [f"clips/{c.file}" for c in cut if c.sku == p["sku"]]
