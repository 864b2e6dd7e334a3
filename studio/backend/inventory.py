"""Stock ledger and promotion-limit routes (added by :func:`install`).

- ``POST /api/products/{id}/stock`` (``adjust_stock``, admin): a manual change
  with its reason, one ledger row.
- ``GET /api/products/{id}/stock-moves`` (``list_stock_moves``, admin and
  managers): the product's ledger, newest first.
- ``GET/PUT /api/stores/{id}/promo-rules`` (``get_promo_rules``, ``set_promo_rules``):
  a store's limits on coupons and group prices (see :mod:`studio.backend.promos`);
  readers of the store read them, its store manager and admins set them.

No ``from __future__ import annotations``: FastAPI must see the local Annotated aliases.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query

from studio.backend import models as m
from studio.backend import promos, stock
from studio.backend.access import User, can_read_store, require
from studio.backend.errors import ApiError
from studio.backend.service import CommerceService

_ERR = {"model": m.ErrorOut}
_ERRORS: dict[int | str, dict[str, Any]] = {401: _ERR, 403: _ERR, 404: _ERR, 422: _ERR}
IdPath = Annotated[int, Path(ge=1, le=2**62)]


def install(app: FastAPI, commerce: CommerceService, auth: Callable[..., Awaitable[User]]) -> None:
    db = commerce.db
    Auth = Annotated[User, Depends(auth)]  # noqa: N806 - a type alias

    @app.post(
        "/api/products/{product_id}/stock",
        response_model=m.StockMoveOut,
        status_code=201,
        tags=["catalog"],
        responses={**_ERRORS, 409: _ERR},
    )
    def adjust_stock(product_id: IdPath, body: m.StockAdjustIn, user: Auth) -> Any:
        """Change a product's stock by hand (count, delivery, damage): one ledger row."""
        require(user.role == "admin", "adjust stock")
        commerce.product_row(product_id)
        if body.delta == 0:
            raise ApiError(422, "delta must not be 0")
        with db.write() as conn:
            stock.adjust(
                conn,
                product_id=product_id,
                delta=body.delta,
                user_id=user.id,
                note=body.reason,
                now=commerce.clock.now(),
            )
            row = stock.moves(conn, product_id, 1)[0]
            value = row["stock_after"]
            sessions = conn.execute(
                "SELECT DISTINCT l.session_id FROM links l JOIN live_sessions s ON "
                "s.id=l.session_id WHERE l.product_id=? AND s.state!='ended'",
                (product_id,),
            ).fetchall()
            for s in sessions:  # open shows learn the new figure from their feed
                commerce.emit(
                    conn,
                    s["session_id"],
                    "stock.changed",
                    {"product_id": product_id, "stock": value},
                )
            return dict(row)

    @app.get(
        "/api/products/{product_id}/stock-moves",
        response_model=list[m.StockMoveOut],
        tags=["catalog"],
        responses=_ERRORS,
    )
    def list_stock_moves(
        product_id: IdPath,
        user: Auth,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> Any:
        """Why the stock is what it is: every change with its cause, newest first."""
        require(
            user.role in ("admin", "regional_manager", "store_manager"), "read the stock ledger"
        )
        commerce.product_row(product_id)
        return [dict(r) for r in stock.moves(db.conn, product_id, limit)]

    @app.get(
        "/api/stores/{store_id}/promo-rules",
        response_model=m.PromoRulesOut,
        tags=["promotions"],
        responses=_ERRORS,
    )
    def get_promo_rules(store_id: IdPath, user: Auth) -> Any:
        """The store's limits on coupons and group prices."""
        require(can_read_store(user, commerce.store_ref(store_id)), "read this store's rules")
        return promos.rules_for(db.conn, store_id).out(store_id)

    @app.put(
        "/api/stores/{store_id}/promo-rules",
        response_model=m.PromoRulesOut,
        tags=["promotions"],
        responses=_ERRORS,
    )
    def set_promo_rules(store_id: IdPath, body: m.PromoRulesIn, user: Auth) -> Any:
        """Set the store's limits (store manager of the store, or admin)."""
        commerce.store_ref(store_id)
        require(
            user.role == "admin" or (user.role == "store_manager" and user.store_id == store_id),
            f"set the promotion rules of store {store_id}",
        )
        rules = promos.PromoRules(**body.model_dump())
        with db.write() as conn:
            promos.set_rules(conn, store_id, rules, user.id, commerce.clock.now())
        return rules.out(store_id)
