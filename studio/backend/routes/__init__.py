"""The HTTP routes, one :class:`fastapi.APIRouter` per area, in the contract's order.

Each handler checks access (:mod:`studio.backend.access`), calls a service and
returns its result; the state comes by the typed dependency ``State``
(:mod:`studio.backend.deps`). ``ROUTERS`` is included in this order so the
OpenAPI document lists the operations as it always has.
"""

from fastapi import APIRouter

from studio.backend import wall
from studio.backend.routes import (
    auth,
    catalog,
    feed,
    links,
    ops,
    orders,
    promotions,
    reports,
    sessions,
    shopper,
    webhooks,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    catalog.router,
    sessions.router,
    links.router,
    orders.router,
    promotions.router,
    reports.router,
    feed.router,
    webhooks.router,
    shopper.router,
    ops.router,
    wall.router,  # the regional wall (docs/wall.md)
)
