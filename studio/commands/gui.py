"""``studio gui`` (the default): open the guide's window.

The only place ``studio`` reaches into ``ui``: lazily, inside ``run``, so the
engine package itself never imports Qt.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from studio.errors import UserError

HELP = "open the studio window (what `studio` with no command does)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", help="start with this source (test, camera:N, file:PATH, url:…)")


def run(args: argparse.Namespace) -> int:
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )
    if headless:
        raise UserError(
            "there is no screen to open the studio window on",
            "run `studio demo` or `studio live …` headless, or set DISPLAY",
        )
    ui_app = importlib.import_module("ui.app")
    return int(ui_app.run_gui(args.source))
