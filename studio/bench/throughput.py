"""Throughput and cost: the studio vs the ffmpeg CLI on the same clip, overlays and encode.

Runs alternate A B A B so that a change in machine load hits both sides. CPU per
frame excludes fixed start-up on both sides: the studio child counts from after
its imports and set-up (its ``ready`` line) to the last packet sent; for ffmpeg
the CPU of a 1-frame run of the same command is subtracted from the full run.
"""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from studio.bench.proc import run_child_job, run_measured
from studio.bench.workload import Overlay, bench_profile

SIZES = {1080: (1920, 1080), 720: (1280, 720)}


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def ffmpeg_command(
    clip: Path,
    overlays: list[Overlay],
    width: int,
    height: int,
    target: str | None,
    frames: int | None = None,
    stage: str = "full",
) -> list[str]:
    """The ffmpeg CLI doing what the studio does: decode, overlay the PNGs, x264, push.

    ``stage`` ``decode`` stops after decoding, ``compose`` after the overlays
    (both into the null muxer, no encode): the cost breakdown.
    """
    p = bench_profile(width, height)
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(clip)]
    if stage == "decode":
        cmd += ["-map", "0:v"] + (["-frames:v", str(frames)] if frames else [])
        return [*cmd, "-f", "null", "-"]
    for ov in overlays:
        cmd += ["-i", str(ov.path)]
    chain = []
    last = "0:v"
    if (width, height) != (1920, 1080):
        chain.append(f"[0:v]scale={width}:{height}:flags=area[s]")
        last = "s"
    for i, ov in enumerate(overlays, start=1):
        chain.append(f"[{last}][{i}:v]overlay=x='{ov.ffmpeg_x()}':y={ov.y}:eval=frame[o{i}]")
        last = f"o{i}"
    rate = f"{p.video_bitrate // 1000}k"
    cmd += ["-filter_complex", ";".join(chain), "-map", f"[{last}]"]
    if frames:
        cmd += ["-frames:v", str(frames)]
    if stage == "compose":
        return [*cmd, "-f", "null", "-"]
    cmd += ["-map", "0:a?"]
    cmd += [
        "-c:v", "libx264", "-preset", p.preset, "-tune", p.tune,
        "-b:v", rate, "-maxrate", rate, "-bufsize", f"{p.video_bitrate * 2 // 1000}k",
        "-g", str(p.gop), "-keyint_min", str(p.gop), "-sc_threshold", "0", "-bf", "0",
        "-x264-params", "nal-hrd=vbr:force-cfr=1", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", f"{p.audio_bitrate // 1000}k", "-ar", "48000", "-ac", "2",
    ]  # fmt: skip
    if target:
        cmd += ["-f", "flv", "-flvflags", "no_duration_filesize", target]
    else:
        cmd += ["-f", "null", "-"]
    return cmd


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def run_breakdown(
    clip: Path,
    frames: int,
    overlays_for: Callable[[int, int], list[Overlay]],
    url_for: Callable[[str], str | None],
    heights: list[int],
    step: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """What costs what: ms CPU/frame after decode, after overlays, and in full, both sides.

    One run per stage and side (studio then ffmpeg); the differences between
    stages give decode, overlay and encode+push costs.
    """
    out: dict[str, Any] = {}
    have_ffmpeg = ffmpeg_available()
    for height in heights:
        width, _ = SIZES[height]
        overlays = overlays_for(width, height)
        ov_json = [{**asdict(o), "path": str(o.path)} for o in overlays]
        cum: dict[str, dict[str, float]] = {"studio": {}, "ffmpeg": {}}
        for stage in ("decode", "compose", "full"):
            step(f"breakdown {height}p: {stage}")
            url = url_for(f"bd-studio-{height}-{stage}") if stage == "full" else None
            res = run_child_job({
                "job": "throughput", "clip": str(clip), "width": width, "height": height,
                "overlays": ov_json, "url": url, "frames": frames, "stage": stage,
            }).result  # fmt: skip
            cum["studio"][stage] = 1000 * res["cpu_s"] / max(1, res["frames"])
            if have_ffmpeg:
                target = url_for(f"bd-ff-{height}-{stage}")
                base = run_measured(
                    ffmpeg_command(clip, overlays, width, height, target, 1, stage)
                ).cpu_s
                full = run_measured(
                    ffmpeg_command(clip, overlays, width, height, target, frames, stage)
                ).cpu_s
                cum["ffmpeg"][stage] = 1000 * (full - base) / max(1, frames - 1)
        parts: dict[str, dict[str, float]] = {}
        for side, c in cum.items():
            if len(c) == 3:
                parts[side] = {
                    "decode": c["decode"],
                    "overlay": c["compose"] - c["decode"],
                    "encode_push": c["full"] - c["compose"],
                    "total": c["full"],
                }
        out[f"{height}p"] = parts
    return out


def run_throughput(
    clip: Path,
    frames: int,
    overlays_for: Callable[[int, int], list[Overlay]],
    url_for: Callable[[str], str | None],
    heights: list[int],
    rounds: int,
    step: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Per size: studio and ffmpeg ms CPU/frame and fps, alternating; the ratio's spread."""
    out: dict[str, Any] = {"frames_per_run": frames, "rounds": rounds, "sizes": {}}
    have_ffmpeg = ffmpeg_available()
    for height in heights:
        width, _ = SIZES[height]
        overlays = overlays_for(width, height)
        ov_json = [{**asdict(o), "path": str(o.path)} for o in overlays]
        base_cpu = 0.0
        if have_ffmpeg:
            step(f"throughput {height}p: ffmpeg start-up baseline")
            base = run_measured(
                ffmpeg_command(clip, overlays, width, height, url_for(f"tp-ff-base-{height}"), 1)
            )
            base_cpu = base.cpu_s
        studio_runs: list[dict[str, float]] = []
        ff_runs: list[dict[str, float]] = []
        ratios: list[float] = []
        for r in range(rounds):
            step(f"throughput {height}p: studio run {r + 1}/{rounds}")
            res = run_child_job(
                {
                    "job": "throughput",
                    "clip": str(clip),
                    "width": width,
                    "height": height,
                    "overlays": ov_json,
                    "url": url_for(f"tp-studio-{height}-{r}"),
                    "frames": frames,
                }
            ).result
            s = {
                "ms_cpu_per_frame": 1000 * res["cpu_s"] / max(1, res["frames"]),
                "fps": res["frames"] / max(1e-9, res["wall_s"]),
                "frames": res["frames"],
                "dropped_network": res["dropped_network"],
            }
            studio_runs.append(s)
            if not have_ffmpeg:
                continue
            step(f"throughput {height}p: ffmpeg run {r + 1}/{rounds}")
            ff = run_measured(
                ffmpeg_command(
                    clip, overlays, width, height, url_for(f"tp-ff-{height}-{r}"), frames
                )
            )
            if ff.returncode != 0:
                raise RuntimeError(f"ffmpeg failed: {ff.stderr.strip()[-500:]}")
            f = {
                "ms_cpu_per_frame": 1000 * (ff.cpu_s - base_cpu) / max(1, frames - 1),
                "fps": frames / max(1e-9, ff.wall_s),
                "frames": frames,
            }
            ff_runs.append(f)
            ratios.append(s["ms_cpu_per_frame"] / f["ms_cpu_per_frame"])
        out["sizes"][f"{height}p"] = {
            "studio": studio_runs,
            "ffmpeg": ff_runs,
            "studio_ms": spread([x["ms_cpu_per_frame"] for x in studio_runs]),
            "ffmpeg_ms": spread([x["ms_cpu_per_frame"] for x in ff_runs]),
            "studio_fps": spread([x["fps"] for x in studio_runs]),
            "ffmpeg_fps": spread([x["fps"] for x in ff_runs]),
            "ratio": spread(ratios),
            "ffmpeg_startup_cpu_s": base_cpu,
        }
    return out
