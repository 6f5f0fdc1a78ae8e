"""Shopping carts in memory, keyed by a random id the browser keeps in a cookie."""

from __future__ import annotations

import secrets
import threading

__all__ = ["MAX_QUANTITY", "Carts", "new_cart_id"]

MAX_QUANTITY = 20
"""Most of one product a cart holds (keeps a typo from ordering a thousand)."""


def new_cart_id() -> str:
    """An unguessable cart id for the cookie."""
    return secrets.token_urlsafe(18)


class Carts:
    """Every visitor's cart: cart id -> {product id: quantity}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._carts: dict[str, dict[str, int]] = {}

    def get(self, cart_id: str | None) -> dict[str, int]:
        """A copy of the cart (empty for an unknown or missing id)."""
        if cart_id is None:
            return {}
        with self._lock:
            return dict(self._carts.get(cart_id, {}))

    def add(self, cart_id: str, product_id: str, quantity: int = 1) -> None:
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        with self._lock:
            cart = self._carts.setdefault(cart_id, {})
            cart[product_id] = min(cart.get(product_id, 0) + quantity, MAX_QUANTITY)

    def remove(self, cart_id: str, product_id: str) -> None:
        with self._lock:
            self._carts.get(cart_id, {}).pop(product_id, None)

    def clear(self, cart_id: str) -> None:
        with self._lock:
            self._carts.pop(cart_id, None)
