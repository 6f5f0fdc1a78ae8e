"""BOG's API endpoints by name: the names faults and idempotency records refer to."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from payments_core.sandbox.endpoints import endpoint_matcher

TOKEN_PATH: Final = "/auth/realms/bog/protocol/openid-connect/token"  # noqa: S105 - a URL path
API_PREFIX: Final = "/payments/v1"

ENDPOINTS: Final = MappingProxyType(
    {
        "token": ("POST", TOKEN_PATH),
        "create_order": ("POST", f"{API_PREFIX}/ecommerce/orders"),
        "receipt": ("GET", f"{API_PREFIX}/receipt/{{order_id}}"),
        "refund": ("POST", f"{API_PREFIX}/payment/refund/{{order_id}}"),
        "approve": ("POST", f"{API_PREFIX}/payment/authorization/approve/{{order_id}}"),
        "cancel": ("POST", f"{API_PREFIX}/payment/authorization/cancel/{{order_id}}"),
        "save_card": ("PUT", f"{API_PREFIX}/orders/{{order_id}}/cards"),
        "save_subscription": ("PUT", f"{API_PREFIX}/orders/{{order_id}}/subscriptions"),
        "delete_card": ("DELETE", f"{API_PREFIX}/charges/card/{{order_id}}"),
        "charge_saved_card": ("POST", f"{API_PREFIX}/ecommerce/orders/{{order_id}}"),
        "subscribe": ("POST", f"{API_PREFIX}/ecommerce/orders/{{order_id}}/subscribe"),
        "apple_pay": ("POST", f"{API_PREFIX}/ecommerce/orders/{{order_id}}/payment"),
    }
)
"""Endpoint name → (HTTP method, path template)."""

IDEMPOTENT: Final = frozenset(ENDPOINTS) - {"token", "receipt"}
"""Endpoints that honour ``Idempotency-Key``."""

endpoint_name: Final = endpoint_matcher(ENDPOINTS)
"""The name of the BOG endpoint a request is for, or ``None`` (page, controls)."""
