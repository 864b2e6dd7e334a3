"""Run the selected bench sections and render their results (rich table, JSON)."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from studio.bench import nginx
from studio.bench.workload import make_clip, overlay_set

SECTIONS = ("throughput", "realtime", "commerce", "wall", "costream")


@dataclass
class Plan:
    """How long each section runs: ``full`` follows the issue, ``quick`` is a smoke run."""

    clip_seconds: float = 10.0
    # the same x264 costs +-10 % from one run to the next on a shared 2-core host, and a
    # single pair's ratio went from 0.83 to 1.05 within one run (2026-12-04): nine
    # alternating pairs, whose median moves a third as much as one pair's ratio
    rounds: int = 9
    realtime_seconds: float = 60.0
    commerce: list[tuple[float, float]] = field(
        default_factory=lambda: [(10, 60), (100, 30), (1000, 30)]
    )
    wall_counts: list[int] = field(default_factory=lambda: [4, 16, 36])
    wall_seconds: float = 8.0
    breakdown: bool = True
    ideal_seconds: float = 20.0
    costream_seconds: float = 20.0
    realtime_sizes: list[tuple[int, int]] = field(
        default_factory=lambda: [(1920, 1080), (1280, 720)]
    )

    @classmethod
    def soak(cls, seconds: float, size: tuple[int, int] = (1280, 720)) -> Plan:
        """The drop test: one size at 30 fps with overlays, recording, one RTMP output, a puller.

        720p by default: the size the issue holds to 0 skipped frames on 2 cores.
        """
        return cls(realtime_seconds=seconds, ideal_seconds=0.0, realtime_sizes=[size])

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            clip_seconds=3.0,
            rounds=2,
            realtime_seconds=10.0,
            commerce=[(10, 12), (100, 10), (1000, 10)],
            wall_counts=[4, 16],
            wall_seconds=4.0,
            ideal_seconds=8.0,
            costream_seconds=8.0,
        )

    @classmethod
    def tiny(cls) -> Plan:
        """For the bench's own tests: correctness, not figures."""
        return cls(
            clip_seconds=1.0,
            rounds=1,
            realtime_seconds=4.0,
            commerce=[(600, 3)],
            wall_counts=[2],
            wall_seconds=1.5,
            breakdown=False,
            ideal_seconds=0.0,
            costream_seconds=3.0,
        )


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in load],
    }


def run_bench(
    sections: list[str], plan: Plan, step: Callable[[str], None], workdir: Path | None = None
) -> dict[str, Any]:
    """Run ``sections`` in order; nginx is started once when installed (else null sinks)."""
    from studio.bench.commerce import run_commerce
    from studio.bench.realtime import run_realtime
    from studio.bench.throughput import run_breakdown, run_throughput
    from studio.bench.wall import LoopPublisher, make_tile_clip, run_wall

    report: dict[str, Any] = {"machine_before": machine(), "started": time.time()}
    with ExitStack() as stack:
        work = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        server = None
        if nginx.available():
            server = stack.enter_context(nginx.NginxRtmp(work / "nginx"))
        report["sink"] = "nginx-rtmp (loopback)" if server else "null"

        def url_for(key: str) -> str | None:
            return server.url(key) if server else None

        def overlays_for(w: int, h: int) -> list[Any]:
            return overlay_set(w, h, work / "overlays")

        if "throughput" in sections:
            step(f"making the reference clip ({plan.clip_seconds:g} s of 1080p30)")
            clip = make_clip(work / "clip.mp4", plan.clip_seconds)
            frames = round(plan.clip_seconds * 30)
            report["throughput"] = run_throughput(
                clip, frames, overlays_for, url_for, [1080, 720], plan.rounds, step
            )
            if plan.breakdown:
                report["throughput"]["breakdown"] = run_breakdown(
                    clip, frames, overlays_for, url_for, [1080, 720], step
                )
        if "realtime" in sections:
            report["realtime"] = run_realtime(
                plan.realtime_seconds, plan.realtime_sizes, overlays_for, url_for, work,
                step, plan.ideal_seconds,
            )  # fmt: skip
        if "commerce" in sections:
            report["commerce"] = run_commerce(plan.commerce, work / "commerce", step)
        if "wall" in sections:
            if server is None:
                report["wall"] = {"skipped": "needs nginx with the RTMP module"}
            else:
                step("wall: making and publishing the 640x360 tile stream")
                tile = make_tile_clip(work / "tile.mp4", 8.0)
                with LoopPublisher(tile, server.url("wall")):
                    time.sleep(1.0)
                    report["wall"] = run_wall(
                        server.url("wall"), plan.wall_counts, plan.wall_seconds, step
                    )
        if "costream" in sections:  # 连麦 guest -> host glass-to-glass (studio/bench/costream.py)
            from studio.bench.costream import run_costream

            report["costream"] = run_costream(plan.costream_seconds, step)
    report["machine_after"] = machine()
    report["finished"] = time.time()
    return report


# -- rendering ---------------------------------------------------------------------------


def _f(v: Any, fmt: str = "{:.1f}") -> str:
    return "–" if v is None else fmt.format(v)


def _spread(d: dict[str, float], fmt: str = "{:.1f}") -> str:
    if not d:
        return "–"
    return f"{fmt.format(d['median'])} ({fmt.format(d['min'])}–{fmt.format(d['max'])})"


def _ticks_over(s: dict[str, Any]) -> str:
    """Ticks over one period: count and share of all ticks."""
    n, share = s.get("ticks_over_period"), s.get("ticks_over_period_percent")
    if n is None:
        return "–"
    return f"{n} ({share:.2f} %)" if share is not None else str(n)


def render(report: dict[str, Any], console: Console) -> None:
    m = report["machine_before"]
    console.print(
        f"[bold]studio bench[/] · {m['cores']} cores · {m['system']} · sink: {report['sink']} · "
        f"load {m['loadavg']} -> {report['machine_after']['loadavg']}"
    )
    if tp := report.get("throughput"):
        t = Table(title=f"Throughput, unthrottled ({tp['frames_per_run']} frames × "
                  f"{tp['rounds']} rounds, A B A B) — median (min–max)")  # fmt: skip
        for col in ("size", "studio ms CPU/frame", "ffmpeg ms CPU/frame", "ratio studio/ffmpeg",
                    "studio fps", "ffmpeg fps"):  # fmt: skip
            t.add_column(col, justify="right")
        for size, s in tp["sizes"].items():
            ratio = s["ratio"]
            ok = ratio and ratio["median"] <= 1.0
            t.add_row(
                size, _spread(s["studio_ms"]), _spread(s["ffmpeg_ms"]),
                f"[{'green' if ok else 'red'}]{_spread(ratio, '{:.2f}')}[/]" if ratio else "–",
                _spread(s["studio_fps"]), _spread(s["ffmpeg_fps"]),
            )  # fmt: skip
        console.print(t)
        console.print(
            "ms CPU/frame on both sides: the run's CPU less a 1-frame run of the same job, "
            "over frames - 1 (studio 1-frame runs: "
            + ", ".join(f"{k} {1000 * v.get('studio_first_frame_cpu_s', 0):.0f} ms"
                        for k, v in tp["sizes"].items())
            + "; ffmpeg: "
            + ", ".join(f"{k} {1000 * v.get('ffmpeg_startup_cpu_s', 0):.0f} ms"
                        for k, v in tp["sizes"].items())
            + ")"
        )  # fmt: skip
        if bd := tp.get("breakdown"):
            t = Table(title="What costs what: ms CPU per frame by stage (one run each)")
            cols = ("size", "side", "decode", "overlays (+scale)", "encode+push", "total",
                    "x264 alone (same pictures)")  # fmt: skip
            for col in cols:
                t.add_column(col, justify="right")
            for size, sides in bd.items():
                for side, parts in sides.items():
                    t.add_row(size, side, _f(parts["decode"]), _f(parts["overlay"]),
                              _f(parts["encode_push"]), _f(parts["total"]),
                              _f(parts.get("x264_alone")))  # fmt: skip
            console.print(t)
    if rt := report.get("realtime"):
        t = Table(title=f"Real time, {rt['seconds']:g} s at 30 fps, RTMP + recording")
        cols = ("size", "CPU %", "RSS MB", "dropped (render/encode/net/rec)",
                "source frames unseen", "g2g p50 ms", "g2g p95 ms", "viewer missing",
                "worst tick ms (CPU)", "ticks > period")  # fmt: skip
        for col in cols:
            t.add_column(col, justify="right")
        for size, s in rt["sizes"].items():
            d = s["dropped"]
            t.add_row(
                size, _f(s["cpu_percent"], "{:.0f}"), _f(s["rss_mb_peak"], "{:.0f}"),
                f"{d['render_lag']}/{d['encode_lag']}/{d['network']}/{d['recorder']}",
                str(d["source_overwritten"]), _f(s.get("g2g_ms_p50")), _f(s.get("g2g_ms_p95")),
                str(s.get("viewer_missing_frames", "–")),
                f"{_f(s.get('tick_worst_ms'))} ({_f(s.get('tick_worst_cpu_ms'))})", _ticks_over(s),
            )  # fmt: skip
        console.print(t)
        for size, s in rt["sizes"].items():
            st = s.get("stages_ms_p50") or {}
            ideal = rt.get("ideal", {}).get(size, {})
            console.print(
                f"[dim]{size}: capture→tick {_f(st.get('capture_to_tick'))} ms, tick→encoded "
                f"{_f(st.get('tick_to_encoded'))} ms, encoded→muxer "
                f"{_f(st.get('encoded_to_muxed'))} ms, muxer→written to the connection "
                f"{_f(st.get('muxed_to_written'))} ms (p50; capture→written "
                f"{_f(st.get('capture_to_written'))} ms); ideal pusher g2g p50/p95 "
                f"{_f(ideal.get('g2g_ms_p50'))}/{_f(ideal.get('g2g_ms_p95'))} ms; longest "
                f"collector pass {_f(s.get('gc_pass_worst_ms'))} ms "
                f"({s.get('gc_full_passes', '–')} full)[/]"
            )
    if cm := report.get("commerce"):
        t = Table(title="Commerce: order → toast in the composed frame")
        for col in ("orders/min", "orders", "shown", "p50 ms", "p95 ms", "max ms",
                    "to feed p95 ms", "feed→frame p95 ms"):  # fmt: skip
            t.add_column(col, justify="right")
        for r in cm["rates"]:
            t.add_row(
                f"{r['per_minute']:g}", str(r["orders"]), str(r["shown"]), _f(r["p50_ms"]),
                _f(r["p95_ms"]), _f(r["max_ms"]), _f(r["to_feed_p95_ms"]),
                _f(r["feed_to_frame_p95_ms"]),
            )  # fmt: skip
        console.print(t)
        console.print(f"[dim]measured: {cm['measured']}[/]")
    if cs := report.get("costream"):
        _render_costream(cs, console)
    if wall := report.get("wall"):
        if "skipped" in wall:
            console.print(f"wall: skipped ({wall['skipped']})")
        else:
            t = Table(title=f"Wall: pulled {wall['tile']} tiles decoded")
            for col in ("tiles", "connected", "mode", "CPU % (100 = one core)",
                        "fps per tile (mean/min)"):  # fmt: skip
                t.add_column(col, justify="right")
            for r in wall["rows"]:
                t.add_row(
                    str(r["streams"]), str(r["connected"]),
                    "keyframes only" if r["keyframes_only"] else "full rate",
                    _f(r["cpu_percent"], "{:.0f}"), f"{r['fps_mean']:.1f}/{r['fps_min']:.1f}",
                )  # fmt: skip
            console.print(t)


def _render_costream(cs: dict[str, Any], console: Console) -> None:
    if "skipped" in cs:
        console.print(f"costream: skipped ({cs['skipped']})")
        return
    t = Table(title=f"连麦 guest -> host glass-to-glass, loopback, {cs['size']}")
    for col in ("where", "frames", "p50 ms", "p95 ms", "max ms"):
        t.add_column(col, justify="right")
    for key, label, n in (("to_host_source", "host's guest source", cs["frames"]),
                          ("to_host_program", "host's program", cs["program_frames"]),
                          ("host_to_guest", "host -> guest (way back)",
                           cs.get("host_to_guest_frames", 0))):  # fmt: skip
        d = cs[key]
        t.add_row(label, str(n), _f(d["p50_ms"]), _f(d["p95_ms"]), _f(d["max_ms"]))
    console.print(t)


def write_json(report: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
