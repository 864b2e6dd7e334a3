"""Per-product clips (讲解片段) cut from a show's recording without re-encoding.

The cue engine marks a chapter ``讲解｜<name>｜<sku>`` when a product card is
shown; the explanation lasts until the next explanation, segment start
(``段落｜…``), hidden card (``收起｜…``) or the end of the recording. Each clip
starts at the keyframe at or before its chapter (a remux can only start on
one) and ends at the chapter's end, so it is at most one GOP longer than
the explanation. Packets are copied (PyAV remux); a JSON index lists them.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av

from studio.errors import UserError
from studio.media.outputs.recorder import chapters_sidecar
from studio.show.cues import EXPLAIN, HIDE, SEGMENT, SEP

log = logging.getLogger(__name__)


@dataclass
class Clip:
    file: str
    sku: str
    name: str
    title: str
    chapter_start: float  # seconds in the recording
    chapter_end: float
    start: float  # the keyframe the clip starts on
    duration: float


def read_chapters(recording: Path) -> list[dict]:
    """Chapters from the JSON sidecar (written at once, survives a crash), else from the file."""
    side = chapters_sidecar(recording)
    if side.exists():
        return list(json.loads(side.read_text("utf-8")).get("chapters", []))
    with av.open(str(recording)) as c:
        out = []
        for ch in c.chapters():
            tb = _time_base(ch["time_base"], recording)
            out.append({"title": ch["metadata"].get("title", ""), "start": float(ch["start"] * tb)})
        return out


def _time_base(tb: Fraction | None, recording: Path) -> Fraction:
    """PyAV types a time base as optional; FFmpeg gives every demuxed stream and chapter one."""
    if tb is None:
        raise UserError(
            f"{recording} has a stream or chapter without a time base", "is it a studio recording?"
        )
    return tb


def explanations(chapters: list[dict], end: float) -> list[tuple[str, str, str, float, float]]:
    """(title, sku, name, start, end) of each product explanation."""
    spans: list[tuple[str, str, str, float, float]] = []
    open_: tuple[str, str, str, float] | None = None
    for ch in sorted(chapters, key=lambda c: float(c["start"])):
        title, at = str(ch["title"]), float(ch["start"])
        head = title.split(SEP, 1)[0]
        if head in (EXPLAIN, SEGMENT, HIDE) and open_ is not None:
            if at > open_[3]:
                spans.append((*open_, at))
            open_ = None
        if head == EXPLAIN:
            parts = title.split(SEP)
            name = parts[1] if len(parts) > 1 else ""
            sku = parts[2] if len(parts) > 2 else ""
            open_ = (title, sku, name, at)
    if open_ is not None and end > open_[3]:
        spans.append((*open_, end))
    return spans


def _safe(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("_")[:60] or "clip"


def cut_clips(recording: Path, out_dir: Path | None = None) -> tuple[Path, list[Clip]]:
    """Cut every explanation of ``recording`` into ``out_dir``; returns (index path, clips)."""
    if not recording.exists():
        raise UserError(f"no recording at {recording}", "give the .mkv that `studio live` saved")
    out_dir = out_dir or recording.with_name(recording.stem + "-clips")
    try:
        with av.open(str(recording)) as c:
            vs = c.streams.video[0]
            vtb = _time_base(vs.time_base, recording)
            keyframes: list[float] = []
            last = 0.0
            for pkt in c.demux(vs):
                if pkt.pts is None:
                    continue
                t = float(pkt.pts * vtb)
                last = max(last, t + float((pkt.duration or 0) * vtb))
                if pkt.is_keyframe:
                    keyframes.append(t)
    except (av.error.FFmpegError, IndexError) as exc:
        raise UserError(f"cannot read {recording}: {exc}", "is it a studio recording?") from exc
    spans = explanations(read_chapters(recording), last)
    if not spans:
        raise UserError(
            f"{recording} has no product explanations (讲解 chapters)",
            "record a show with --show and show_card cues",
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    clips = []
    for i, (title, sku, name, start, end) in enumerate(spans, 1):
        kf = max((k for k in keyframes if k <= start + 1e-3), default=keyframes[0])
        path = out_dir / f"{i:02d}-{_safe(sku)}-{_safe(name)}{recording.suffix}"
        duration = remux(recording, path, kf, end)
        clips.append(Clip(path.name, sku, name, title, start, end, kf, round(duration, 3)))
        log.info("clip %s: %.2f s from %.2f s", path.name, duration, kf)
    index = out_dir / "clips.json"
    index.write_text(
        json.dumps(
            {"recording": str(recording), "clips": [asdict(c) for c in clips]},
            ensure_ascii=False,
            indent=1,
        ),
        "utf-8",
    )
    return index, clips


def remux(src: Path, dst: Path, start: float, end: float) -> float:
    """Copy packets from the keyframe at ``start`` to ``end``; returns the clip's video length."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="matroska") as out:
        streams = [s for s in (*inp.streams.video[:1], *inp.streams.audio[:1])]
        omap = {s.index: out.add_stream_from_template(s) for s in streams}
        vs = streams[0]
        vtb = _time_base(vs.time_base, src)
        inp.seek(int(start / vtb), stream=vs, backward=True, any_frame=False)
        started = False
        first: dict[int, int] = {}
        v_end = start
        for pkt in inp.demux(*streams):
            if pkt.dts is None or pkt.pts is None:
                continue
            tb: Fraction = pkt.time_base
            t = float(pkt.pts * tb)
            is_video = pkt.stream.index == vs.index
            if is_video:
                if not started:
                    if not pkt.is_keyframe or t < start - 1e-3:
                        continue
                    started = True
                if float(pkt.dts * tb) >= end:
                    break
                v_end = max(v_end, t + float((pkt.duration or 0) * tb))
            elif not started or t < start or t >= end:
                continue
            base = first.setdefault(pkt.stream.index, int(start / tb))
            pkt.pts -= base
            pkt.dts -= base
            pkt.stream = omap[pkt.stream.index]
            out.mux(pkt)
    return v_end - start
