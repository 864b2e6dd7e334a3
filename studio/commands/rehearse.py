"""``studio rehearse``: a rehearsal take of a show script, its report, and takes compared."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.commerce.side import CommerceSide, add_backend_arguments
from studio.errors import UserError
from studio.events import EventBus

HELP = "rehearse a show: run it as on air, record it, write a timing report; --compare takes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("show", nargs="?", type=Path, help="the show script (TOML)")
    p.add_argument("--catalog", default="demo", help="products: 'demo' or a JSON file")
    p.add_argument("--source", default="test", help="what to show (as studio live); default test")
    p.add_argument("--audio", default="auto", help="auto, tone, none or mic:NAME (as studio live)")
    p.add_argument(
        "--preview-url",
        action="append",
        default=[],
        metavar="RTMP_URL",
        help="also push to this private preview (never a public platform)",
    )
    p.add_argument("--out", type=Path, default=Path("rehearsals"), help="folder for the takes")
    p.add_argument("--take", type=int, help="take number (default: the next free one)")
    p.add_argument(
        "--delay-cue",
        action="append",
        default=[],
        metavar="ID:SECONDS",
        help="fire this timed cue SECONDS late (negative: early), as a guide would (drills, tests)",
    )
    p.add_argument("--tolerance", type=float, default=0.5, help="seconds a cue may be off plan")
    p.add_argument("--no-clips", action="store_true", help="skip cutting segment/product clips")
    p.add_argument("--size", help="output size, e.g. 1280x720 (default from the profile)")
    p.add_argument("--fps", help="frames per second (default from the profile)")
    p.add_argument("--bitrate", help="video bitrate, e.g. 2500k")
    p.add_argument("--encoder", help="video encoder (as studio live)")
    p.add_argument("--preset", help="x264 preset")
    p.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("TAKE_A.json", "TAKE_B.json"),
        help="compare two takes' report.json (B is the newer) instead of recording",
    )
    # a rehearsal session at the backend: links work, orders count nowhere real
    add_backend_arguments(p)


def _check_report(path: Path) -> None:
    """A missing or non-JSON file is bad input: one line naming it, not a traceback."""
    fix = "give two report.json files written by `studio rehearse` (in its --out folder)"
    if not path.expanduser().is_file():
        raise UserError(f"--compare {path}: no such file", fix)
    try:
        data = json.loads(path.expanduser().read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not JSON"
        raise UserError(f"--compare {path} is not a take report ({reason})", fix) from None
    if not isinstance(data, dict):
        raise UserError(f"--compare {path} is not a take report", fix)


def _compare(args: argparse.Namespace) -> int:
    from studio.rehearsal.compare import write_comparison

    a, b = (p.expanduser() for p in args.compare)
    for path in (a, b):
        _check_report(path)
    try:
        cmp, html = write_comparison(a, b, args.out)
    except OSError as exc:
        raise UserError(
            f"cannot write the comparison to {args.out} ({exc.strerror})", "give --out FOLDER"
        ) from None
    print(f"studio: improved: {', '.join(cmp['improved']) or '-'}", flush=True)
    print(f"studio: worse: {', '.join(cmp['worse']) or '-'}", flush=True)
    print(f"studio: comparison written to {html}", flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.compare:
        return _compare(args)
    if args.show is None:
        raise UserError("no show script", "studio rehearse show.toml (or --compare a.json b.json)")
    from studio.commands.live import build_profile
    from studio.media.sources import check_push_url
    from studio.rehearsal.report import describe, load_report
    from studio.rehearsal.take import parse_delays
    from studio.show.catalog import load_catalog
    from studio.show.script import load_show

    catalog = load_catalog(args.catalog)
    show = load_show(args.show, catalog)
    delays = parse_delays(args.delay_cue, show)
    for url in args.preview_url:
        check_push_url(url, "--preview-url")
    profile = build_profile(args)
    bus = EventBus()
    commerce = _rehearsal_commerce(args, bus)
    overlay_kw = {}
    if commerce is not None:
        from studio.onair import commerce_links

        for notice in commerce.notices:
            print(f"studio: {notice}", flush=True)
        overlay_kw["link_for"] = commerce_links(commerce, show, args.session)
    print(f"studio: rehearsing {show.title!r} ({show.duration:.0f} s)", flush=True)
    try:
        path = _take(args, show, catalog, profile, delays, bus, commerce, overlay_kw)
    finally:
        if commerce is not None and (pending := commerce.stop()):
            print(f"studio: {pending} commerce actions wait for the backend (kept)", flush=True)
    print(
        f"studio: take report {path.with_suffix('.html')}: {describe(load_report(path))}",
        flush=True,
    )
    return 0


def _rehearsal_commerce(args: argparse.Namespace, bus: EventBus):  # type: ignore[no-untyped-def]
    """The commerce side on a rehearsal session; a real session is refused before anything."""
    commerce = CommerceSide.from_args(args, bus)
    if commerce is None:
        return None
    if not commerce.commerce.store.is_rehearsal(args.session):
        commerce.stop(flush_timeout=0)
        raise UserError(
            f"backend session {args.session} is not a rehearsal session",
            "create one flagged as rehearsal (彩排) so no real order or commission is made",
        )
    return commerce


def _take(args, show, catalog, profile, delays, bus, commerce, overlay_kw):  # type: ignore[no-untyped-def]
    from studio.rehearsal.take import run_take

    return run_take(
        show,
        catalog,
        profile,
        out_dir=args.out,
        take=args.take,
        source=args.source,
        audio=args.audio,
        preview_urls=tuple(args.preview_url),
        delays=delays,
        tolerance=args.tolerance,
        clips=not args.no_clips,
        bus=bus,
        session_id=args.session if commerce is not None else None,
        overlay_kw=overlay_kw,
    )
