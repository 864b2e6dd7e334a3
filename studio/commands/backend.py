"""``studio backend``: run the reference commerce backend (API, checkout pages, feed)."""

from __future__ import annotations

import argparse
import logging
import os
import socket
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.config import data_dir
from studio.errors import UserError

if TYPE_CHECKING:
    from studio.backend.costream import IceSettings

log = logging.getLogger(__name__)

HELP = "run the reference commerce backend (orders, links, checkout page, live feed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        metavar="PATH|URL",
        help="SQLite file or postgresql://user@host/db URL (default: $STUDIO_DB_URL, "
        "else backend.sqlite3 in the data directory)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve from N processes (uvicorn workers on one port; use PostgreSQL)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8700, help="port to listen on")
    parser.add_argument(
        "--public-url",
        default=None,
        help="base URL phones reach (QR codes); default http://HOST:PORT",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="seed a demo region, stores, guides, catalog and a live show",
    )
    parser.add_argument(
        "--demo-shoppers",
        type=float,
        default=0,
        metavar="N",
        help="simulate about N orders a minute through live links",
    )
    parser.add_argument(
        "--load-stores",
        type=int,
        default=0,
        metavar="N",
        help="with --demo: N more stores, a guide each, for the load bench",
    )
    parser.add_argument(
        "--load-sessions",
        type=int,
        default=0,
        metavar="N",
        help="with --load-stores: N live sessions spread over those stores",
    )
    parser.add_argument(
        "--parent-pid",
        type=int,
        default=None,
        metavar="PID",
        help="exit when process PID ends (the studio that started this demo backend)",
    )
    parser.add_argument(
        "--return-window-days",
        type=float,
        default=7.0,
        help="days before a commission settles (default 7)",
    )
    rtc = parser.add_argument_group("连麦 (co-streaming) WebRTC (docs/costream.md)")
    rtc.add_argument(
        "--ice-server",
        action="append",
        default=[],
        metavar="URL",
        help="a STUN or TURN server for guests and hosts (stun:host:3478, turn:host:3478); "
        "repeatable. TURN login: $STUDIO_TURN_SECRET (coturn's use-auth-secret: logins that "
        "expire) or $STUDIO_TURN_USERNAME / $STUDIO_TURN_PASSWORD",
    )
    rtc.add_argument(
        "--ice-relay-only",
        action="store_true",
        help="WebRTC through the TURN relay only (never direct)",
    )
    guard = parser.add_argument_group("limits against slow or abusive clients (docs/backend.md)")
    guard.add_argument(
        "--request-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="time a client has to send a whole request, headers and body (default 10)",
    )
    guard.add_argument(
        "--limit-concurrency",
        type=int,
        default=1000,
        metavar="N",
        help="connections + tasks at once before answering 503 (default 1000)",
    )
    guard.add_argument(
        "--login-backoff",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="first wait after repeated failed logins; doubles per failure (default 1)",
    )
    guard.add_argument(
        "--login-backoff-max",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="longest wait after failed logins (default 300)",
    )
    guard.add_argument(
        "--buys-per-minute",
        type=float,
        default=240.0,
        metavar="N",
        help="checkout buys per client address a minute (default 240; 0: no limit)",
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from studio.backend import worker
    from studio.backend.app import create_app
    from studio.backend.engine import redacted_url
    from studio.backend.seed import DEMO_PASSWORD, seed_demo
    from studio.backend.server import deadline_protocol
    from studio.backend.shoppers import DemoShoppers
    from studio.backend.throttle import Limits

    if not 1 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a port", "use 1-65535, for example 8700")
    if args.demo_shoppers < 0 or args.demo_shoppers > 6000:
        raise UserError(f"--demo-shoppers {args.demo_shoppers} is out of range", "use 0-6000")
    if args.return_window_days < 0:
        raise UserError("--return-window-days must not be negative")
    if args.parent_pid:  # first: a studio killed while we start must not leave us behind
        from studio.backend.embedded import watch_parent

        watch_parent(args.parent_pid)
    if args.request_timeout <= 0 or args.limit_concurrency < 1:
        raise UserError("--request-timeout and --limit-concurrency must be positive")
    if not 0 < args.login_backoff <= args.login_backoff_max or args.buys_per_minute < 0:
        raise UserError("bad throttle settings", "use 0 < --login-backoff <= --login-backoff-max")
    if not 0 <= args.load_stores <= 10_000 or not 0 <= args.load_sessions <= 50_000:
        raise UserError("--load-stores / --load-sessions out of range", "use 0-10000 / 0-50000")
    if not 1 <= args.workers <= 64:
        raise UserError(f"--workers {args.workers} is out of range", "use 1-64")
    db = _database(args.db or os.environ.get("STUDIO_DB_URL") or None)
    ice = ice_settings(args.ice_server, args.ice_relay_only)
    _check_port_free(args.host, args.port)
    limits = Limits(
        login_backoff=args.login_backoff,
        login_backoff_max=args.login_backoff_max,
        buys_per_minute=args.buys_per_minute,
        buy_burst=max(1, round(args.buys_per_minute / 2)),
    )
    local = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    public = args.public_url or local
    shown = redacted_url(db) if isinstance(db, str) else str(db)
    try:
        app = create_app(
            db,
            public_url=public,
            link_secret=os.environ.get("STUDIO_BACKEND_SECRET") or None,
            webhook_secret=os.environ.get("STUDIO_WEBHOOK_SECRET") or None,
            return_window_days=args.return_window_days,
            limits=limits,
            ice=ice,
        )
    except (OSError, RuntimeError) as exc:
        raise UserError(
            f"cannot open the backend database {shown}: {_reason(exc)}",
            "check the path or URL (and that the server runs), or pass --db",
        ) from exc
    commerce = app.state.commerce
    if args.demo and seed_demo(commerce):
        print(
            f"demo data seeded; users admin, manager, storemgr, trainer, guide1-3 "
            f"(password {DEMO_PASSWORD})",
            flush=True,
        )
    if args.load_stores > 0:
        from studio.backend.loadworld import seed_load

        seed_load(commerce, args.load_stores, max(args.load_sessions, args.load_stores))
    shoppers = None
    if args.demo_shoppers > 0:
        shoppers = DemoShoppers(commerce, local, args.demo_shoppers)
        shoppers.start()
    workers = f", {args.workers} workers" if args.workers > 1 else ""
    print(f"backend on {local} (public {public}), database {shown}{workers}", flush=True)
    served: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 3,
        "limit_concurrency": args.limit_concurrency,
    }
    try:
        if args.workers > 1:
            if shoppers is None:  # the workers open their own; the shoppers use this one
                app.state.commerce.db.close()
            worker.environment(
                {
                    "db": str(db),
                    "db_secret": _password(db),
                    "public_url": public,
                    "return_window_days": args.return_window_days,
                    "request_timeout": args.request_timeout,
                    "limits": asdict(limits),
                    "ice_servers": list(ice.urls),
                    "ice_relay_only": ice.relay_only,
                }
            )
            uvicorn.run(
                "studio.backend.worker:app",
                factory=True,
                workers=args.workers,
                http="studio.backend.worker:Protocol",
                **served,
            )
        else:
            uvicorn.run(app, http=deadline_protocol(args.request_timeout), **served)
    finally:
        if shoppers is not None:
            shoppers.stop()
            shoppers.join(timeout=5)
    return 0


def ice_settings(urls: list[str], relay_only: bool) -> IceSettings:
    """The ICE servers of --ice-server, the TURN login from the environment (a secret:
    registered for redaction, never in an option, a log line or an error)."""
    from studio.backend.costream import IceSettings

    for url in urls:
        if not url.startswith(("stun:", "turn:", "turns:")) or len(url) > 300:
            raise UserError(
                f"--ice-server {url[:60]!r} is not a STUN or TURN URL",
                "use stun:HOST:PORT or turn:HOST:PORT (its login: $STUDIO_TURN_SECRET)",
            )
    if relay_only and not any(u.startswith(("turn:", "turns:")) for u in urls):
        raise UserError("--ice-relay-only needs a TURN server", "add --ice-server turn:HOST:PORT")
    return IceSettings.from_env(tuple(urls), relay_only)  # refuses both logins at once


def _database(given: str | None) -> Path | str:
    """The --db value as an SQLite path or a PostgreSQL URL; a clear error otherwise."""
    if given is None:
        return data_dir() / "backend.sqlite3"
    if given.startswith(("postgresql://", "postgres://")):
        from studio.redact import register_secret

        if _password(given):
            register_secret(_password(given))
        return given
    if "://" in given:
        raise UserError(
            f"--db: {given.split('://')[0]}:// is not a database this backend speaks",
            "use an SQLite file path or a postgresql://user@host:port/database URL",
        )
    path = Path(given).expanduser()
    if not path.parent.is_dir():  # a typo, not a folder
        raise UserError(
            f"--db {given}: the folder {path.parent} does not exist",
            "create it or pick another folder",
        )
    return path


def _password(db: Path | str) -> str:
    """The password inside a PostgreSQL URL (to keep it out of logs), or ''."""
    if not isinstance(db, str):
        return ""
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(db).password or "")


def _reason(exc: BaseException) -> str:
    """What went wrong, without a URL's password (psycopg's messages quote no password,
    but a cause chain is searched anyway)."""
    from studio.redact import redact

    parts = [str(exc)]
    if exc.__cause__ is not None:
        parts.append(str(exc.__cause__).strip().splitlines()[0] if str(exc.__cause__) else "")
    return redact("; ".join(p for p in parts if p))


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        if os.name != "nt":  # as uvicorn does: a restart right after a crash must not
            # trip over the dead server's TIME_WAIT sockets (Windows' flag means "share")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise UserError(
                f"cannot listen on {host}:{port} ({exc.strerror})",
                "pick another --port or stop the program using it",
            ) from exc
