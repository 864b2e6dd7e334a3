"""The ``studio`` command.

Sub-commands are the modules of :mod:`studio.commands`. Bad input raises
:class:`~studio.errors.UserError`: one clear line on stderr, exit code 2, no
traceback. Anything else is a bug: logged with its traceback to the log file,
one line on stderr, exit code 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from studio import __version__
from studio import commands as commands_pkg
from studio.errors import UserError
from studio.logsetup import setup_logging
from studio.redact import redact

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as exit code 2 with one clear line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"studio: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="studio", description="Guide Studio (导购直播台)")
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug output on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"studio.commands.{info.name}")
        p = sub.add_parser(info.name.replace("_", "-"), help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        if "gui" in {m.name for m in pkgutil.iter_modules(commands_pkg.__path__)}:
            args = parser.parse_args(["gui", *(argv or [])])
        else:
            parser.print_help()
            return 0
    setup_logging(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args._run(args) or 0)
    except UserError as exc:
        log.debug("user error: %s", exc)
        sys.stderr.write(f"studio: {redact(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        log.exception("unexpected error")
        sys.stderr.write(
            f"studio: internal error: {redact(type(exc).__name__ + ': ' + str(exc))} "
            "(details in the log file)\n"
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
