"""``studio demo``: the whole studio on embedded defaults, headless, no accounts.

A demo backend with simulated shoppers, the test pattern with its tone, the
quick demo show script (cards, QR pop-ups, coupon, toasts), purchase links from
the backend, and a local recording. What a new team member runs first.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from studio.commands import live
from studio.commerce.side import PASSWORD_ENV
from studio.demo.data import DEMO_PASSWORD, DEMO_SESSION, DEMO_USER
from studio.demo.embedded import EmbeddedBackend
from studio.fonts import ASSETS
from studio.media.outputs.recorder import check_writable, unique_path
from studio.media.sources import check_push_url
from studio.redact import mask_url

log = logging.getLogger(__name__)

HELP = "run a demo show headless: demo backend + shoppers, test pattern, show script, recording"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--record",
        type=Path,
        default=Path("guide-studio-demo.mkv"),
        help="where the recording goes (default: guide-studio-demo.mkv)",
    )
    p.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    p.add_argument("--shoppers", type=int, default=60, help="simulated orders a minute")
    p.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="RTMP_URL",
        help="also push here (optional)",
    )
    p.add_argument(
        "--show",
        type=Path,
        default=ASSETS / "shows" / "quick-demo.toml",
        help="show script (default: the quick demo)",
    )


def run(args: argparse.Namespace) -> int:
    # bad input first: a typo must not cost a backend start (and leave one to stop)
    for url in args.output:
        check_push_url(url, f"--output {mask_url(url)!r}")
    check_writable(unique_path(args.record.expanduser()))
    backend = EmbeddedBackend.start(shoppers=args.shoppers)
    print(f"studio: demo backend at {backend.url} (checkout pages work in a browser)", flush=True)
    os.environ[PASSWORD_ENV] = DEMO_PASSWORD  # the seed's public demo password
    parser = argparse.ArgumentParser(prog="studio live")
    live.add_arguments(parser)
    argv = [
        "--source",
        "test",
        "--show",
        str(args.show),
        "--catalog",
        "demo",
        "--record",
        str(args.record),
        "--duration",
        str(args.duration),
        "--backend",
        backend.url,
        "--session",
        str(DEMO_SESSION),
        "--backend-user",
        DEMO_USER,
    ]
    for url in args.output:
        argv += ["--output", url]
    try:
        return live.run(parser.parse_args(argv))
    finally:
        backend.stop()
