"""Products (with their public pictures), stores and guides."""

from typing import Any

from fastapi import APIRouter, Response

from studio.backend import images
from studio.backend import models as m
from studio.backend.deps import AUTH_ERRORS, ERR, Auth, IdPath, State
from studio.backend.services import catalog

router = APIRouter()


@router.get(
    "/api/products", response_model=list[m.ProductOut], tags=["catalog"], responses={401: ERR}
)
def list_products(user: Auth, state: State) -> list[dict[str, Any]]:
    return catalog.products(state.commerce)


@router.get(
    "/api/products/{product_id}",
    response_model=m.ProductOut,
    tags=["catalog"],
    responses=AUTH_ERRORS,
)
def get_product(product_id: IdPath, user: Auth, state: State) -> dict[str, Any]:
    return catalog.product_out(state.commerce, state.commerce.product_row(product_id))


@router.get(
    "/img/products/{product_id}.png",
    tags=["shopper"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 404: ERR},
)
def product_image(product_id: IdPath, state: State) -> Response:
    """Public product picture (drawn on first use, cached)."""
    p = state.commerce.product_row(product_id)
    return Response(
        images.product_image(p["name"], p["category"], p["color"]),
        media_type="image/png",
        headers={"Cache-Control": "max-age=3600"},
    )


@router.get("/api/stores", response_model=list[m.StoreOut], tags=["org"], responses={401: ERR})
def list_stores(user: Auth, state: State) -> list[dict[str, Any]]:
    return catalog.stores(state.commerce, user)


@router.get("/api/guides", response_model=list[m.GuideOut], tags=["org"], responses={401: ERR})
def list_guides(user: Auth, state: State) -> list[dict[str, Any]]:
    return catalog.guides(state.commerce, user)
