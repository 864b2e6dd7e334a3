"""One of ``studio backend --workers N``'s processes: uvicorn imports this module in each
worker and calls :func:`app` (a factory), so the options travel in an environment
variable, not in pickled objects.

The supervisor (the ``studio backend`` process) has migrated the database, stored the
secrets and seeded the demo before any worker starts; each worker builds the same app
over the same database. Everything that must hold across workers (stock, idempotency
keys, webhook de-duplication, group-buy seats) is held by the database, not in memory.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from fastapi import FastAPI

from studio.backend.server import DeadlineH11Protocol, deadline_protocol
from studio.backend.throttle import Limits

log = logging.getLogger(__name__)

CONFIG_ENV = "STUDIO_BACKEND_WORKER"


def _config() -> dict[str, Any]:
    raw = os.environ.get(CONFIG_ENV)
    return dict(json.loads(raw)) if raw else {}


def environment(options: dict[str, Any]) -> None:
    """Hand ``options`` (JSON-able) to the workers about to be spawned."""
    os.environ[CONFIG_ENV] = json.dumps(options)


# uvicorn's ``http=`` for the workers: the request deadline from the options
Protocol: type[DeadlineH11Protocol] = deadline_protocol(
    float(_config().get("request_timeout", DeadlineH11Protocol.request_timeout))
)


def app() -> FastAPI:
    from studio.backend.app import create_app
    from studio.backend.costream import IceSettings
    from studio.logsetup import setup_logging
    from studio.redact import register_secret

    setup_logging(logging.WARNING)
    cfg = _config()
    if cfg.get("db_secret"):
        register_secret(cfg["db_secret"])
    return create_app(
        cfg["db"],
        public_url=cfg["public_url"],
        link_secret=os.environ.get("STUDIO_BACKEND_SECRET") or None,
        webhook_secret=os.environ.get("STUDIO_WEBHOOK_SECRET") or None,
        return_window_days=cfg["return_window_days"],
        limits=Limits(**cfg["limits"]),
        ice=IceSettings.from_env(
            tuple(cfg.get("ice_servers", ())), bool(cfg.get("ice_relay_only"))
        ),
    )
