"""Commerce beside the threaded media engine: its own asyncio loop on a named thread.

The CLI (``studio live --backend URL --session ID``) uses :class:`CommerceSide`;
the GUI awaits :meth:`studio.commerce.core.Commerce.run` on its qasync loop
instead and never needs this thread.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from studio.errors import UserError
from studio.events import EventBus

if TYPE_CHECKING:
    from studio.commerce.core import Commerce
    from studio.commerce.credentials import Credentials

log = logging.getLogger(__name__)
T = TypeVar("T")

PASSWORD_ENV = "STUDIO_BACKEND_PASSWORD"
TOKEN_ENV = "STUDIO_BACKEND_TOKEN"


def add_backend_arguments(p: argparse.ArgumentParser, *, session: bool = True) -> None:
    """The options that name a backend, a login and (for a show) a session."""
    p.add_argument("--backend", metavar="URL", help="commerce backend, e.g. http://127.0.0.1:8700")
    if session:
        p.add_argument("--session", type=int, metavar="ID", help="backend live session id")
        p.add_argument(
            "--products",
            metavar="IDS",
            help="comma-separated product ids to make purchase links for (default: "
            "the session's existing links)",
        )
    p.add_argument(
        "--backend-user",
        metavar="NAME",
        help=f"backend login; password from ${PASSWORD_ENV} (or a token from ${TOKEN_ENV} "
        "or the keyring after `studio sync login`)",
    )
    p.add_argument("--store", type=Path, metavar="FILE", help="local commerce store file")


def credentials_from_args(args: argparse.Namespace) -> Credentials:
    from studio.commerce.credentials import Credentials

    url = (args.backend or "").strip()
    if not url.startswith(("http://", "https://")):
        raise UserError(
            f"--backend {url!r} is not an http(s) URL", "write it like http://127.0.0.1:8700"
        )
    creds = Credentials(
        url,
        getattr(args, "backend_user", None),
        password=os.environ.get(PASSWORD_ENV) or None,
        token=os.environ.get(TOKEN_ENV) or None,
    )
    if not creds.can_login and creds.token() is None:
        raise UserError(
            f"no login for {url}",
            f"pass --backend-user NAME with ${PASSWORD_ENV}, or run `studio sync login`",
        )
    return creds


def parse_products(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        ids = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        ids = []
    if not ids or min(ids) < 1:
        raise UserError(f"--products {text!r} is not a list of ids", "write it like 1,2,5")
    return ids


class CommerceSide:
    """A :class:`Commerce` running on thread ``commerce-sync`` until :meth:`stop`."""

    def __init__(self, commerce: Commerce) -> None:
        self.commerce = commerce
        self.owns_store = False  # start() opened the store, so stop() closes it
        # what the guide should read once it is running (the commands print them)
        self.notices: list[str] = []
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name="commerce-sync", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.commerce.run())
        except Exception:
            log.exception("commerce sync stopped with an error")
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the commerce loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @classmethod
    def start(
        cls,
        *,
        bus: EventBus,
        credentials: Credentials,
        session_id: int,
        store_path: Path | None = None,
        products: list[int] | None = None,
        prepare_wait: float = 5.0,
    ) -> CommerceSide:
        """Open the store, listen to ``show.action``, prepare links, mark the session live."""
        from studio.commerce.client import BackendClient, LoginRefusedError, PermanentError
        from studio.commerce.core import Commerce
        from studio.commerce.store import LocalStore

        commerce = Commerce(
            LocalStore(store_path), BackendClient(credentials), bus, session_id=session_id
        )
        commerce.attach()
        side = cls(commerce)
        if credentials.warning:
            side.notices.append(credentials.warning)
        side.owns_store = True
        try:
            links = side.call(commerce.prepare_session(session_id, products, wait=prepare_wait))
        except LoginRefusedError as exc:
            side.stop(flush_timeout=0)
            raise UserError(
                f"{credentials.backend_url} refused the login of {credentials.username!r}",
                f"check --backend-user and ${PASSWORD_ENV}",
            ) from exc
        except PermanentError as exc:
            side.stop(flush_timeout=0)
            raise UserError(
                f"the backend refused session {session_id} ({exc})",
                "check --session and the login's store",
            ) from exc
        ready = sum(1 for u in links.values() if u)
        side.notices.append(
            f"commerce session {session_id}: {ready}/{len(links)} purchase links ready"
        )
        log.info("%s", side.notices[-1])
        commerce.start_session(session_id)
        return side

    @classmethod
    def from_args(cls, args: argparse.Namespace, bus: EventBus) -> CommerceSide | None:
        """For ``studio live``: None unless ``--backend`` was given."""
        if not getattr(args, "backend", None):
            return None
        if args.session is None:
            raise UserError("--backend needs --session ID", "add the backend live session id")
        return cls.start(
            bus=bus,
            credentials=credentials_from_args(args),
            session_id=args.session,
            store_path=args.store,
            products=parse_products(args.products),
        )

    def stop(self, flush_timeout: float = 5.0) -> int:
        """Write the queued show actions, give the outbox a moment to drain, then stop the
        loop and join the thread. Returns how many actions wait for the backend (kept)."""
        if not self.commerce.detach():
            log.error("show actions were still being written when the commerce side stopped")
        if self._thread.is_alive():
            try:
                self.call(self.commerce.flush(flush_timeout), flush_timeout + 1)
            except Exception:
                log.warning("commerce outbox not drained on stop; it is kept for next time")
            self.commerce.stop()
        self._thread.join(timeout=10)
        pending = self.commerce.status().pending
        if pending:
            log.warning("%d commerce actions wait for the backend (kept)", pending)
        if self.owns_store:
            self.commerce.store.close()
        return pending
