"""``studio sync``: the commerce side's state (status), login, and a headless flush."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import time

from studio.errors import UserError

HELP = "commerce sync: status (online, waiting outbox, last sync), login, flush"

# exit codes of `studio sync status` / `flush` (2 stays "bad input" as everywhere)
EXIT_OK, EXIT_WAITING, EXIT_OFFLINE, EXIT_REFUSED = 0, 3, 4, 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from studio.commerce.side import PASSWORD_ENV, TOKEN_ENV, add_backend_arguments

    env = (
        f"environment: {PASSWORD_ENV} = the password of --backend-user (login, flush); "
        f"{TOKEN_ENV} = a backend token instead"
    )
    parser.epilog = env
    sub = parser.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    st = sub.add_parser("status", help="print online/offline, waiting items, last sync")
    st.add_argument("--store", type=str, metavar="FILE", help="local commerce store file")
    st.add_argument("--json", action="store_true", help="one JSON object instead of text")
    st.add_argument(
        "--probe", action="store_true", help="also check now whether the backend answers"
    )
    lg = sub.add_parser("login", help="log in and keep the token in the OS keyring", epilog=env)
    add_backend_arguments(lg, session=False)
    fl = sub.add_parser("flush", help="deliver waiting outbox items, then exit", epilog=env)
    add_backend_arguments(fl, session=False)
    fl.add_argument("--timeout", type=float, default=30.0, help="give up after this many seconds")


def run(args: argparse.Namespace) -> int:
    return {"status": _status, "login": _login, "flush": _flush}[args.sync_command](args)


def _open_store(path: str | None):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from studio.commerce.store import Store, default_path

    p = Path(path).expanduser() if path else default_path()
    if not p.exists():
        raise UserError(
            f"no commerce store at {p}",
            "run `studio live --backend URL --session ID` first, or pass --store FILE",
        )
    return Store(p)


def _probe(url: str | None) -> bool | None:
    import httpx

    if not url:
        return None
    try:
        return httpx.get(f"{url.rstrip('/')}/healthz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def _unprobed(status, text: str) -> str:  # type: ignore[no-untyped-def]
    """Without ``--probe`` nobody asked the backend: say what was last seen, and when.

    The store's "online" is what the last sync saw; the studio that wrote it may
    have exited long ago, so "(online)" would be a claim nobody checked.
    """
    ago = (
        ""
        if status.last_sync_at is None
        else f" {max(0.0, time.time() - status.last_sync_at):.0f} s ago"
    )
    seen = {
        True: f"last seen online{ago}; not asked now, --probe asks",
        False: "OFFLINE when last tried; --probe asks again",
        None: "never connected",
    }[status.online]
    first, _, rest = text.partition("\n")
    head = first.rsplit(" (", 1)[0]
    return f"{head} ({seen})\n{rest}"


def _status(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from studio.commerce.status import read_status

    store = _open_store(args.store)
    try:
        status = read_status(store)
    finally:
        store.close()
    if args.probe:
        reachable = _probe(status.backend_url)
        if reachable is not None:
            status = replace(status, online=reachable)
    if args.json:
        data = status.as_dict()
        data["probed"] = bool(args.probe)  # False: "online" is what was last seen, not now
        print(json.dumps(data, ensure_ascii=False, sort_keys=True))
    else:
        text = status.describe()
        if not args.probe:
            text = _unprobed(status, text)
        print(text)
    if status.failed:
        return EXIT_REFUSED
    if status.pending:
        return EXIT_OFFLINE if status.online is False else EXIT_WAITING
    return EXIT_OK


def _login(args: argparse.Namespace) -> int:
    from studio.commerce.client import BackendClient, PermanentError, RetryableError
    from studio.commerce.credentials import Credentials
    from studio.commerce.side import PASSWORD_ENV

    if not args.backend or not args.backend_user:
        raise UserError("login needs --backend URL and --backend-user NAME")
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        if not sys.stdin.isatty():
            raise UserError("no password", f"set ${PASSWORD_ENV} or run this in a terminal")
        password = getpass.getpass(f"password for {args.backend_user}: ")
    creds = Credentials(args.backend, args.backend_user, password=password)

    async def go() -> None:
        client = BackendClient(creds)
        try:
            await client.login()
        finally:
            await client.aclose()

    try:
        asyncio.run(go())
    except PermanentError as exc:
        raise UserError(f"login refused: {exc.detail}", "check the user name and password") from exc
    except RetryableError as exc:
        raise UserError(f"cannot reach {args.backend}: {exc}", "check --backend") from exc
    if creds.secure:
        print(f"logged in as {args.backend_user}; token kept in the OS keyring")
    else:
        print(f"logged in as {args.backend_user}, but {creds.warning}")
    return 0


def _flush(args: argparse.Namespace) -> int:
    from studio.commerce.client import BackendClient
    from studio.commerce.core import Commerce
    from studio.commerce.side import credentials_from_args

    store = _open_store(str(args.store) if args.store else None)
    if not args.backend:  # the backend this store last synced with, as `status` shows
        args.backend = store.meta("backend_url") or None
        if not args.backend:
            store.close()
            raise UserError(
                "no --backend and this store has never synced with one",
                "pass --backend http://host:8700",
            )
    try:
        creds = credentials_from_args(args)
    except UserError:
        store.close()
        raise
    commerce = Commerce(store, BackendClient(creds))

    async def go() -> bool:
        task = asyncio.create_task(commerce.run())
        try:
            return await commerce.flush(args.timeout)
        finally:
            commerce.stop()
            await task

    started = time.monotonic()
    drained = asyncio.run(go())
    status = commerce.status()
    store.close()
    print(
        f"flushed in {time.monotonic() - started:.1f} s: {status.pending} waiting, "
        f"{status.failed} refused"
    )
    if status.failed:
        return EXIT_REFUSED
    return EXIT_OK if drained else EXIT_OFFLINE
