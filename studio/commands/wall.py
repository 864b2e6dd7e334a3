"""``studio wall``: the regional manager's wall of store lives (opens a Qt window).

Stores come from the commerce backend (``--backend``: play URLs, sessions and
sales, followed live) and/or a ``--streams`` file of name + URL pairs for chains
whose media server the backend does not know. The flags become a
``studio.wall.options.WallOptions``; like ``studio gui``, this module reaches
``ui`` only lazily inside ``run`` so ``studio`` stays Qt-free, and ``ui`` never
imports this module back.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys
from pathlib import Path

from studio.errors import UserError
from studio.wall.options import WallOptions

HELP = "open the regional manager's wall: many stores live, with health and sales"
PASSWORD_ENV = "STUDIO_WALL_PASSWORD"  # the --user's backend password (else asked)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = (
        f"environment: {PASSWORD_ENV} = the backend password of --user "
        "(asked in the terminal when unset; required without one)"
    )
    p.add_argument("--backend", metavar="URL", help="commerce backend, e.g. http://host:8700")
    p.add_argument(
        "--user",
        default="manager",
        help=f"backend login (default: manager); its password from ${PASSWORD_ENV}, "
        "else asked in the terminal",
    )
    p.add_argument("--region", type=int, help="region id (default: the user's own region)")
    p.add_argument(
        "--streams", type=Path, metavar="FILE", help="name + URL per line (see docs/wall.md)"
    )
    p.add_argument("--no-audio", action="store_true", help="never play the focused store's sound")
    p.add_argument("--alert-sound", action="store_true", help="beep when an alert is raised")
    p.add_argument(
        "--drop-seconds", type=float, default=30.0, help="alert when a live store is lost this long"
    )
    p.add_argument(
        "--max-drop-rate", type=float, default=5.0, help="alert above this dropped-frame %%"
    )
    p.add_argument(
        "--no-orders-minutes",
        type=float,
        default=10.0,
        help="alert when a live session has no order for this long",
    )
    p.add_argument("--stale-seconds", type=float, default=5.0, help="picture older = amber")


def options(args: argparse.Namespace) -> WallOptions:
    """The flags as the wall's typed options (``UserError`` for a bad number)."""
    return WallOptions(
        backend=args.backend,
        user=args.user,
        region=args.region,
        streams=args.streams,
        audio=not args.no_audio,
        alert_sound=args.alert_sound,
        drop_seconds=args.drop_seconds,
        max_drop_rate=args.max_drop_rate,
        no_orders_minutes=args.no_orders_minutes,
        stale_seconds=args.stale_seconds,
    )


def password() -> str:
    """The backend password: the variable, else asked in the terminal (never echoed)."""
    pw = os.environ.get(PASSWORD_ENV)
    if pw is not None:
        return pw
    if not sys.stdin.isatty():  # getpass would fall back to an echoing prompt
        raise UserError(
            "the wall needs the backend password and there is no terminal to ask in",
            f"set {PASSWORD_ENV} (or run studio wall in a terminal)",
        )
    return getpass.getpass("backend password: ")


def run(args: argparse.Namespace) -> int:
    if not args.backend and not args.streams:
        raise UserError(
            "the wall needs stores", "give --backend URL and/or --streams FILE (name + URL lines)"
        )
    opts = options(args)
    opts.stream_stores()  # bad files fail here, before any window opens
    secret = password() if opts.backend else ""
    wall_app = importlib.import_module("ui.wall.app")
    return int(wall_app.run_wall(opts, secret))
