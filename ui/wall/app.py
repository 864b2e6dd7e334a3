"""Build the wall from ``studio wall`` arguments and run it on the one qasync loop."""

from __future__ import annotations

import argparse
import asyncio
import logging

from PySide6.QtWidgets import QWidget

from studio.commands.wall import rules, stream_stores
from studio.wall.feed import WallClient
from studio.wall.model import StoreInfo
from ui.wall.window import WallWindow

log = logging.getLogger(__name__)


def build_wall(args: argparse.Namespace, client: WallClient | None = None) -> WallWindow:
    """The window for these arguments (tests build it this way too, without a loop)."""
    return WallWindow(
        stream_stores(args),
        rules=rules(args),
        audio=not args.no_audio,
        alert_sound=args.alert_sound,
        stale_after=args.stale_seconds,
        offline_after=args.drop_seconds,
        backend=client,
    )


async def follow_backend(window: WallWindow, client: WallClient, user: str, pw: str) -> None:
    """Log in, then keep the backend's stores merged with the stream-list ones."""
    extra = {k: s for k, s in window.stores.items() if k.startswith("stream:")}

    def on_stores(stores: list[StoreInfo]) -> None:
        window.set_stores([*stores, *extra.values()])

    try:
        await client.login(user, pw)
    except Exception as exc:
        window.statusBar().showMessage(window.tr("无法登录后台：") + str(exc))
        log.error("wall: backend login failed: %s", exc)
        return
    stop = asyncio.Event()
    window.destroyed.connect(lambda *_: stop.set())
    try:
        await client.follow(on_stores, window.update_store, window.add_order, stop=stop)
    finally:
        await client.aclose()


def run_wall(args: argparse.Namespace, password: str) -> int:
    from ui.app import run_window

    client = WallClient(args.backend, region_id=args.region) if args.backend else None

    def build() -> QWidget:
        win = build_wall(args, client)
        win.resize(1600, 900)
        return win

    def start(win: QWidget) -> object:
        if client is None:
            return None
        assert isinstance(win, WallWindow)
        return follow_backend(win, client, args.user, password)

    return run_window(build, start)
