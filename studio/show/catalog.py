"""The product catalog a show is validated and rendered against.

A show names products by SKU; the catalog says what they are (name, price,
list price, stock). It comes from the commerce backend (a cached copy), a JSON
file, or the demo seed, which needs no running server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import UserError


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: float  # yuan
    list_price: float
    stock: int
    category: str = ""
    color: str = "#8d99ae"  # the demo images' colour; a placeholder tint otherwise
    image: str = ""  # the picture cached on disk (commerce cache's image_path); "" for none


class Catalog:
    """Products by SKU, in catalog order."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._by_sku = {p.sku: p for p in products}

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    def __iter__(self) -> Iterator[Product]:
        return iter(self._by_sku.values())

    def __len__(self) -> int:
        return len(self._by_sku)

    def get(self, sku: str) -> Product | None:
        return self._by_sku.get(sku)

    def __getitem__(self, sku: str) -> Product:
        return self._by_sku[sku]

    @classmethod
    def from_dicts(cls, rows: Iterable[dict[str, Any]]) -> Catalog:
        """Rows as the backend's product API or a cache file has them."""
        out = []
        for r in rows:
            out.append(
                Product(
                    sku=str(r["sku"]),
                    name=str(r["name"]),
                    price=float(r["price"]),
                    list_price=float(r.get("list_price") or r["price"]),
                    stock=int(r.get("stock", 0)),
                    category=str(r.get("category", "")),
                    color=str(r.get("color") or "#8d99ae"),
                    image=str(r.get("image_path") or ""),
                )
            )
        return cls(out)


def demo_catalog() -> Catalog:
    """The demo world's products (``studio backend --demo`` seeds the same), no server."""
    from studio.demo.data import PRODUCTS

    return Catalog(
        Product(sku, name, float(price), float(lp), stock, cat, color)
        for sku, name, cat, price, lp, stock, color in PRODUCTS
    )


def load_catalog(spec: str | Path | None) -> Catalog:
    """``demo`` (or None) for the demo seed, else a JSON file: a list or ``{"products": [...]}``."""
    if spec is None or str(spec) == "demo":
        return demo_catalog()
    path = Path(spec)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot read the catalog {path}: {exc}", "give a JSON list of products or 'demo'"
        ) from exc
    rows = data.get("products", []) if isinstance(data, dict) else data
    try:
        return Catalog.from_dicts(rows)
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(
            f"catalog {path}: a product lacks {exc}", "each needs sku, name, price, stock"
        ) from exc
