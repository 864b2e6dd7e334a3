"""Throughput and cost: the studio vs the ffmpeg CLI on the same clip, overlays and encode.

Runs alternate A B A B so that a change in machine load hits both sides. CPU per
frame is measured alike on both sides: a run's CPU less that of a 1-frame run of the
same job, over frames - 1 (the studio child itself counts from after its imports and
set-up, its ``ready`` line, to the last packet sent; ffmpeg is the whole process).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from studio.bench.proc import run_child_job, run_measured
from studio.bench.workload import FPS, Overlay, bench_profile
from studio.config import Profile

SIZES = {1080: (1920, 1080), 720: (1280, 720)}
BASELINE_RUNS = 3  # 1-frame runs a side and size in the throughput section (median taken)


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
    cmd += ["-filter_complex", ";".join(chain), "-map", f"[{last}]"]
    if frames:
        cmd += ["-frames:v", str(frames)]
    if stage == "compose":
        return [*cmd, "-f", "null", "-"]
    cmd += ["-map", "0:a?", *x264_args(p)]
    cmd += ["-c:a", "aac", "-b:a", f"{p.audio_bitrate // 1000}k", "-ar", "48000", "-ac", "2"]
    if target:
        cmd += ["-f", "flv", "-flvflags", "no_duration_filesize", target]
    else:
        cmd += ["-f", "null", "-"]
    return cmd


def x264_args(p: Profile) -> list[str]:
    """The studio's x264 settings (``Encoder._configure``) as ffmpeg CLI options."""
    rate = f"{p.video_bitrate // 1000}k"
    return [
        "-c:v", "libx264", "-preset", p.preset, "-tune", p.tune,
        "-b:v", rate, "-maxrate", rate, "-bufsize", f"{p.video_bitrate * 2 // 1000}k",
        "-g", str(p.gop), "-keyint_min", str(p.gop), "-sc_threshold", "0", "-bf", "0",
        "-x264-params", "nal-hrd=vbr:force-cfr=1", "-pix_fmt", "yuv420p",
    ]  # fmt: skip


RAW_PICTURES = 60  # the encoder-alone stage cycles through this many pictures of the clip


def raw_pictures(clip: Path, width: int, height: int, directory: Path) -> Path:
    """The clip's first pictures at ``width`` x ``height`` (area-scaled) as raw I420."""
    raw = directory / f"pictures-{width}x{height}.yuv"
    if not raw.exists():
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(clip),
             "-vf", f"scale={width}:{height}:flags=area", "-frames:v", str(RAW_PICTURES),
             "-f", "rawvideo", "-pix_fmt", "yuv420p", str(raw)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    return raw


def ffmpeg_encode_command(raw: Path, width: int, height: int, frames: int) -> list[str]:
    """The ffmpeg CLI's x264 alone on the raw pictures (looped), into the null muxer."""
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", str(FPS),
        "-stream_loop", "-1", "-i", str(raw), "-frames:v", str(frames),
        *x264_args(bench_profile(width, height)), "-f", "null", "-",
    ]  # fmt: skip


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def studio_ms_per_frame(spec: dict[str, Any], base_cpu_s: float) -> float:
    """ms CPU a frame of one studio child job, measured as the ffmpeg side is:
    its CPU less that of a 1-frame run of the same job (``base_cpu_s``), over frames - 1.

    The child's window already starts after imports and set-up, but its first frame still
    pays what ffmpeg's 1-frame run takes off the ffmpeg side: opening the decoder,
    converting the overlays, the first touch of every buffer, the flush at the end.
    """
    res = run_child_job(spec).result
    return 1000 * (res["cpu_s"] - base_cpu_s) / max(1, int(res["frames"]) - 1)


def studio_baseline(spec: dict[str, Any]) -> float:
    """CPU seconds of ``spec`` run for one frame: the studio side's fixed cost per run."""
    return float(run_child_job({**spec, "frames": 1}).result["cpu_s"])


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
    stages give decode, overlay and encode+push costs. Then each side's x264 alone on
    the same raw pictures (read from a file by both): the two builds' own cost, so that
    what the studio spends beyond it is its glue, not its encoder.
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
            spec = {
                "job": "throughput", "clip": str(clip), "width": width, "height": height,
                "overlays": ov_json, "url": url, "frames": frames, "stage": stage,
            }  # fmt: skip
            cum["studio"][stage] = studio_ms_per_frame(spec, studio_baseline(spec))
            if have_ffmpeg:
                target = url_for(f"bd-ff-{height}-{stage}")
                base = run_measured(
                    ffmpeg_command(clip, overlays, width, height, target, 1, stage)
                ).cpu_s
                full = run_measured(
                    ffmpeg_command(clip, overlays, width, height, target, frames, stage)
                ).cpu_s
                cum["ffmpeg"][stage] = 1000 * (full - base) / max(1, frames - 1)
        # each side's x264 build alone on the same pictures: what the glue is not
        alone: dict[str, float] = {}
        if have_ffmpeg:
            step(f"breakdown {height}p: x264 alone")
            raw = raw_pictures(clip, width, height, clip.parent)
            spec = {
                "job": "encode", "raw": str(raw), "width": width, "height": height,
                "frames": frames,
            }  # fmt: skip
            alone["studio"] = studio_ms_per_frame(spec, studio_baseline(spec))
            base = run_measured(ffmpeg_encode_command(raw, width, height, 1)).cpu_s
            full = run_measured(ffmpeg_encode_command(raw, width, height, frames)).cpu_s
            alone["ffmpeg"] = 1000 * (full - base) / max(1, frames - 1)
        parts: dict[str, dict[str, float]] = {}
        for side, c in cum.items():
            if len(c) == 3:
                parts[side] = {
                    "decode": c["decode"],
                    "overlay": c["compose"] - c["decode"],
                    "encode_push": c["full"] - c["compose"],
                    "total": c["full"],
                }
                if side in alone:
                    parts[side]["x264_alone"] = alone[side]
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
        studio_spec = {
            "job": "throughput", "clip": str(clip), "width": width, "height": height,
            "overlays": ov_json, "frames": frames,
        }  # fmt: skip
        # each side's 1-frame cost is taken off all its rounds: the median of a few runs,
        # alternating, so that one noisy run does not shift every round alike
        studio_bases: list[float] = []
        ff_bases: list[float] = []
        for b in range(BASELINE_RUNS):
            step(f"throughput {height}p: start-up baselines {b + 1}/{BASELINE_RUNS}")
            studio_bases.append(
                studio_baseline({**studio_spec, "url": url_for(f"tp-base-{height}-{b}")})
            )
            if have_ffmpeg:
                url = url_for(f"tp-ff-base-{height}-{b}")
                ff_bases.append(
                    run_measured(ffmpeg_command(clip, overlays, width, height, url, 1)).cpu_s
                )
        studio_base = statistics.median(studio_bases)
        base_cpu = statistics.median(ff_bases) if ff_bases else 0.0
        studio_runs: list[dict[str, float]] = []
        ff_runs: list[dict[str, float]] = []
        ratios: list[float] = []
        for r in range(rounds):
            step(f"throughput {height}p: studio run {r + 1}/{rounds}")
            res = run_child_job({**studio_spec, "url": url_for(f"tp-studio-{height}-{r}")}).result
            s = {
                # as the ffmpeg side: less the 1-frame run, over frames - 1
                "ms_cpu_per_frame": 1000 * (res["cpu_s"] - studio_base) / max(1, res["frames"] - 1),
                # the child's own window alone (before 2026-12-04 the figure reported)
                "ms_cpu_per_frame_window": 1000 * res["cpu_s"] / max(1, res["frames"]),
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
            "studio_window_ms": spread([x["ms_cpu_per_frame_window"] for x in studio_runs]),
            "ffmpeg_startup_cpu_s": base_cpu,
            "studio_first_frame_cpu_s": studio_base,
            "studio_first_frame_runs_cpu_s": studio_bases,
            "ffmpeg_startup_runs_cpu_s": ff_bases,
        }
    return out
