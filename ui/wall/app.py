"""Build the wall from its options and run it on the one qasync loop.

Options come typed (``studio.wall.options.WallOptions``): ``studio wall`` builds
them from its flags, tests build them directly; this module never imports the
command back.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtWidgets import QWidget

from studio.wall.feed import WallAccessError, WallClient
from studio.wall.model import StoreInfo
from studio.wall.options import WallOptions
from ui.wall.window import WallWindow

log = logging.getLogger(__name__)


def build_wall(options: WallOptions, client: WallClient | None = None) -> WallWindow:
    """The window for these options (tests build it this way too, without a loop)."""
    return WallWindow(
        options.stream_stores(),
        rules=options.rules(),
        audio=options.audio,
        alert_sound=options.alert_sound,
        stale_after=options.stale_seconds,
        offline_after=options.drop_seconds,
        backend=client,
    )


async def follow_backend(window: WallWindow, client: WallClient, user: str, pw: str) -> None:
    """Log in, then keep the backend's stores merged with the stream-list ones.

    Returns when the window goes or the backend refuses the wall; a refusal is
    shown in the window with what to fix (network trouble is retried instead).
    """
    extra = {k: s for k, s in window.stores.items() if k.startswith("stream:")}

    def on_stores(stores: list[StoreInfo]) -> None:
        window.set_stores([*stores, *extra.values()])

    try:
        try:
            await client.login(user, pw)
        except WallAccessError:
            raise
        except Exception as exc:
            window.show_backend_problem(exc, client.base_url)
            log.error("wall: backend login failed: %s", exc)
            return
        stop = asyncio.Event()
        window.destroyed.connect(lambda *_: stop.set())
        await client.follow(on_stores, window.update_store, window.add_order, stop=stop)
    except WallAccessError as exc:
        log.error("wall: %s (user %s); not retrying", exc, user)
        window.show_access_error(exc.reason, user)
    finally:
        await client.aclose()


def run_wall(options: WallOptions, password: str) -> int:
    from ui.app import run_window

    client = WallClient(options.backend, region_id=options.region) if options.backend else None

    def build() -> QWidget:
        win = build_wall(options, client)
        win.resize(1600, 900)
        return win

    def start(win: QWidget) -> object:
        if client is None:
            return None
        assert isinstance(win, WallWindow)
        return follow_backend(win, client, options.user, password)

    return run_window(build, start)
