"""What the shop sells: a few products with prices in GEL, written as exact strings."""

from __future__ import annotations

from dataclasses import dataclass

from payments_core import Money

__all__ = ["CURRENCY", "PRODUCTS", "Product", "find_product"]

CURRENCY = "GEL"


@dataclass(frozen=True)
class Product:
    """One product. ``swatch`` colours its picture placeholder (the shop ships no images)."""

    id: str
    name: str
    description: str
    price: Money
    swatch: str


PRODUCTS: tuple[Product, ...] = (
    Product(
        id="churchkhela",
        name="Churchkhela",
        description="Walnuts strung and dipped in thickened grape juice, Kakheti style.",
        price=Money("4.50", CURRENCY),
        swatch="#9b3d3d",
    ),
    Product(
        id="svanetian-salt",
        name="Svanetian salt, 200\N{NO-BREAK SPACE}g",
        description="Rock salt ground with blue fenugreek, coriander and marigold.",
        price=Money("7.90", CURRENCY),
        swatch="#c9a227",
    ),
    Product(
        id="saperavi",
        name="Qvevri Saperavi 2021",
        description="Dry red wine fermented in clay qvevri. 750 ml.",
        price=Money("38.00", CURRENCY),
        swatch="#5b1a3a",
    ),
    Product(
        id="felt-slippers",
        name="Felt slippers",
        description="Hand-felted wool slippers from Tusheti. One size fits most.",
        price=Money("55.00", CURRENCY),
        swatch="#3d6b5b",
    ),
)


def find_product(product_id: str, catalog: tuple[Product, ...] = PRODUCTS) -> Product | None:
    """The product with ``product_id``, or ``None``."""
    return next((product for product in catalog if product.id == product_id), None)
