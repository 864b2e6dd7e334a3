"""Fixtures: a real backend per module, and a Commerce wired to it (or to a proxy).

:func:`running` is the connect/teardown every test that runs a Commerce uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from studio.commerce.backoff import Backoff
from studio.commerce.client import BackendClient
from studio.commerce.core import Commerce
from studio.commerce.credentials import Credentials
from studio.commerce.side import CommerceSide
from studio.commerce.store import LocalStore
from studio.events import EventBus
from tests.commerce.backend import PASSWORD, Backend, free_port


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    tmp = tmp_path_factory.mktemp("backend")
    b = Backend(tmp / "backend.sqlite3", free_port(), tmp / "backend.log").start()
    yield b
    b.stop()


def make_commerce(
    store_path: Path,
    url: str,
    session_id: int | None = None,
    *,
    bus: EventBus | None = None,
    timeout: float = 5.0,
    cap: float = 2.0,
) -> Commerce:
    """A Commerce logging in as guide1; a short backoff cap keeps tests bounded."""
    creds = Credentials(url, "guide1", password=PASSWORD)
    return Commerce(
        LocalStore(store_path),
        BackendClient(creds, timeout=timeout),
        bus or EventBus(),
        session_id=session_id,
        backoff=lambda: Backoff(cap=cap),
    )


@contextmanager
def running(
    store_path: Path,
    url: str,
    session_id: int | None = None,
    *,
    bus: EventBus | None = None,
    attach: bool = True,
    flush_timeout: float = 2.0,
    board_seconds: float | None = None,
    close: bool = True,
    **kw: float,
) -> Iterator[tuple[Commerce, CommerceSide]]:
    """A Commerce (:func:`make_commerce`) listening to ``bus`` and running on its own
    thread; on the way out its outbox gets ``flush_timeout`` s, then the store closes
    (``close=False``: left open for asserts on the final state)."""
    commerce = make_commerce(store_path, url, session_id, bus=bus, **kw)
    if board_seconds is not None:  # before the board loop first sleeps
        commerce.board_seconds = board_seconds
    if attach:
        commerce.attach()
    side = CommerceSide(commerce)
    try:
        yield commerce, side
    finally:
        side.stop(flush_timeout=flush_timeout)
        if close:
            commerce.store.close()


def prepared_link(
    side: CommerceSide, commerce: Commerce, session_id: int, sku: str
) -> tuple[int, str]:
    """Catalog refreshed, the session's link for ``sku`` made ahead: (product id, its URL)."""
    side.call(commerce.refresh_catalog(images=False), 20)
    pid = commerce.product_id(sku)
    assert pid is not None, f"{sku} is not in the backend's catalog"
    url = side.call(commerce.prepare_session(session_id, [pid], wait=10), 20)[pid]
    assert url, f"no link for {sku} in session {session_id}"
    return pid, url
