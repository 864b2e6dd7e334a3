"""``studio bench``: measure the pipeline against ffmpeg; ``--autoconfig`` picks settings."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from studio.errors import UserError
from studio.redact import mask_url

log = logging.getLogger(__name__)

HELP = "measure the pipeline side by side with ffmpeg; --autoconfig recommends and saves settings"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="short runs (a smoke test, noisy figures)")
    p.add_argument(
        "--only",
        default="",
        metavar="SECTIONS",
        help="comma-separated: throughput,realtime,commerce,wall (default: all)",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    p.add_argument(
        "--soak",
        type=float,
        metavar="SECONDS",
        help="the drop test only: 30 fps with overlays, recording, one RTMP output and a "
        "puller for SECONDS (600 = the 10-minute target)",
    )
    p.add_argument(
        "--size", default="1280x720", metavar="WxH",
        help="for --soak: the frame size (1280x720, the default, or 1920x1080)",
    )  # fmt: skip
    p.add_argument(
        "--backend-load",
        action="store_true",
        help="the commerce backend under a region's load: 200 stores, 500 studio feeds, "
        "20 walls, orders/min; SQLite vs PostgreSQL with 1 and 4 workers (docs/performance.md)",
    )
    p.add_argument("--load-seconds", type=float, default=60.0, help="for --backend-load")
    p.add_argument("--load-rate", type=float, default=1000.0, help="orders a minute")
    p.add_argument(
        "--load-config",
        action="append",
        metavar="ENGINE:WORKERS",
        help="for --backend-load: only these (sqlite:1, postgresql:4; repeatable)",
    )
    p.add_argument(
        "--autoconfig",
        action="store_true",
        help="short bench + upload test, then recommend size, fps, bitrate, preset, encoder",
    )
    p.add_argument(
        "--server",
        metavar="RTMP_URL",
        help="for --autoconfig: where to test the upload (use a test or unlisted key)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="for --autoconfig: recommend, do not save"
    )


def _sections(text: str) -> list[str]:
    from studio.bench.runner import SECTIONS

    if not text:
        return list(SECTIONS)
    chosen = [s.strip().lower() for s in text.split(",") if s.strip()]
    bad = [s for s in chosen if s not in SECTIONS]
    if bad or not chosen:
        raise UserError(f"--only {text!r}: unknown section {', '.join(bad)}",
                        f"choose from {','.join(SECTIONS)}")  # fmt: skip
    return chosen


def _load_config(text: str) -> tuple[str, int]:
    engine, _, workers = text.partition(":")
    valid = engine in ("sqlite", "postgresql") and workers.isdigit()
    if not valid or not 1 <= int(workers) <= 16:
        raise UserError(
            f"--load-config {text}: not ENGINE:WORKERS",
            "e.g. --load-config postgresql:4 (engines: sqlite, postgresql; 1-16 workers)",
        )
    return engine, int(workers)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from studio.bench.runner import Plan, render, run_bench, write_json

    if args.autoconfig:
        return _autoconfig(args)
    if args.backend_load:
        from studio.bench.backend_load import LoadPlan, run_load, table

        if not 5 <= args.load_seconds <= 3600 or not 1 <= args.load_rate <= 60_000:
            raise UserError("--load-seconds 5-3600 and --load-rate 1-60000, please")
        configs = LoadPlan.configs
        if args.load_config:
            configs = tuple(_load_config(c) for c in args.load_config)
        results = run_load(
            LoadPlan(rate=args.load_rate, seconds=args.load_seconds, configs=configs)
        )
        print(table(results))
        return 0
    if args.server or args.dry_run:
        raise UserError("--server and --dry-run go with --autoconfig", "add --autoconfig")
    if args.soak is not None and (args.quick or args.only or args.soak < 10):
        raise UserError(
            f"--soak {args.soak:g}: a drop test of at least 10 s, on its own",
            "e.g. studio bench --soak 600 (without --quick or --only)",
        )
    sections = ["realtime"] if args.soak else _sections(args.only)
    if args.json:
        args.json = args.json.expanduser()
        if not args.json.parent.is_dir():
            raise UserError(f"--json {args.json}: no such directory", "create it or pick a path")
    if args.soak:
        plan = Plan.soak(args.soak, _soak_size(args.size))
    else:
        plan = Plan.quick() if args.quick else Plan()
    console = Console()
    steps = _count_steps(sections, plan)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("starting", total=steps)

        def step(message: str) -> None:
            progress.update(task, description=message, advance=1)

        report = run_bench(sections, plan, step)
    render(report, console)
    if args.json:
        write_json(report, args.json)
        console.print(f"results written to {args.json}")
    return 0


def _soak_size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().partition("x")
    if not (w.isdigit() and h.isdigit()) or int(w) < 16 or int(h) < 16:
        raise UserError(f"--size {text!r}: not a frame size", "write it as WxH, e.g. 1280x720")
    return int(w), int(h)


def _count_steps(sections: list[str], plan: object) -> int:
    from studio.bench.runner import Plan

    assert isinstance(plan, Plan)
    n = 0
    if "throughput" in sections:
        n += 1 + 2 * (1 + 2 * plan.rounds) + (6 if plan.breakdown else 0)
    if "realtime" in sections:
        n += len(plan.realtime_sizes) * (2 if plan.ideal_seconds else 1)
    if "commerce" in sections:
        n += 1 + len(plan.commerce)
    if "wall" in sections:
        n += 1 + 2 * len(plan.wall_counts)
    return n


def _autoconfig(args: argparse.Namespace) -> int:
    from rich.console import Console

    from studio.bench.autoconfig import autoconfigure
    from studio.config import save_profile
    from studio.media.sources import check_push_url

    console = Console()
    server = args.server
    if server:
        check_push_url(server, "--server")  # not echoed: it may hold a key
    with console.status("autoconfig") as status:
        result = autoconfigure(server, status.update)
    profile = result.profile
    where = mask_url(server) if server else ("local nginx (loopback)" if result.steps else
                                             "not measured")  # fmt: skip
    console.print(f"[bold]upload to {where}[/]")
    for s in result.steps:
        console.print(
            f"  {s.target_kbps:>5} kb/s: sent {s.sent_kbps:.0f} kb/s, dropped {s.dropped}, "
            f"queue ≤ {s.max_queue_s:.2f} s, {s.state} {'ok' if s.ok else 'FAILED'}"
        )
    for line in result.why:
        console.print(f"  {line}")
    console.print(
        f"[bold]recommended:[/] {profile.width}x{profile.height}@{profile.fps}, "
        f"{profile.video_bitrate // 1000} kb/s, encoder {profile.encoder}, preset {profile.preset}"
    )
    if not result.verified:
        console.print("studio: warning: that profile skipped frames in its own soak; close "
                      "other programs and run --autoconfig again")  # fmt: skip
    if args.dry_run:
        console.print("dry run: profile not saved")
    else:
        path = save_profile(profile)
        console.print(f"saved to {path}")
    if args.json:
        import json

        args.json.expanduser().write_text(
            json.dumps(result.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return 0
