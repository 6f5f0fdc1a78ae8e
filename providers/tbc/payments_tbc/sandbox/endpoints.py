"""TBC's API endpoints by name: the names faults and request counters refer to."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from payments_core.sandbox.endpoints import endpoint_matcher

API_PREFIX: Final = "/v1/tpay"
TOKEN_PATH: Final = f"{API_PREFIX}/access-token"

ENDPOINTS: Final = MappingProxyType(
    {
        "token": ("POST", TOKEN_PATH),
        "create_payment": ("POST", f"{API_PREFIX}/payments"),
        "get_payment": ("GET", f"{API_PREFIX}/payments/{{pay_id}}"),
        "cancel": ("POST", f"{API_PREFIX}/payments/{{pay_id}}/cancel"),
        "completion": ("POST", f"{API_PREFIX}/payments/{{pay_id}}/completion"),
        "execution": ("POST", f"{API_PREFIX}/payments/execution"),
        "delete_card": ("POST", f"{API_PREFIX}/payments/{{rec_id}}/delete"),
    }
)
"""Endpoint name -> (HTTP method, path template), reference §4 (A-G)."""

SERVICES: Final = MappingProxyType(
    {name: "tpay-access-token" if name == "token" else "tpay-payments" for name in ENDPOINTS}
)
"""The service part of each endpoint's ``systemCode`` (reference §14, fixture 10)."""

endpoint_name: Final = endpoint_matcher(ENDPOINTS)
"""The name of the TBC endpoint a request is for, or ``None`` (page, controls)."""
