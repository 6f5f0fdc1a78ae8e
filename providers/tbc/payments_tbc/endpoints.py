"""TBC's checkout endpoints (reference §4), each as the request a flow yields.

The paths live here once; the flows (:mod:`payments_tbc.operations`,
:mod:`payments_tbc.saved_cards`, :mod:`payments_tbc.callbacks`) say which
endpoint they call and with what, not how its URL is spelled. Requests are built
by the provider (:meth:`~payments_core.provider.PaymentProvider.build_request`), so
bodies are exact-decimal JSON like every provider's. The token endpoint is the
auth flow's (:class:`~payments_core.auth.OAuth2ClientCredentials`), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from payments_core.provider import PaymentProvider

__all__ = ["Endpoints"]


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The endpoints under one merchant account's API root (``.../v1/tpay``)."""

    provider: PaymentProvider
    root: str

    def payment(self, pay_id: str) -> httpx.Request:
        """C: ``GET /payments/{payId}``, the payment's details."""
        return self.provider.build_request("GET", f"{self.root}/payments/{pay_id}")

    def create(self, body: dict[str, Any]) -> httpx.Request:
        """B: ``POST /payments``, a checkout payment."""
        return self.provider.build_request("POST", f"{self.root}/payments", json=body)

    def cancel(self, pay_id: str, amount: Decimal | None = None) -> httpx.Request:
        """D: ``POST /payments/{payId}/cancel``: the whole payment, or ``amount`` of it."""
        return self.provider.build_request(
            "POST",
            f"{self.root}/payments/{pay_id}/cancel",
            json=None if amount is None else {"amount": amount},
        )

    def completion(self, pay_id: str, amount: Decimal) -> httpx.Request:
        """E: ``POST /payments/{payId}/completion``, the capture of ``amount`` of a hold."""
        return self.provider.build_request(
            "POST", f"{self.root}/payments/{pay_id}/completion", json={"amount": amount}
        )

    def execution(self, body: dict[str, Any]) -> httpx.Request:
        """F: ``POST /payments/execution``, a charge of a saved card."""
        return self.provider.build_request("POST", f"{self.root}/payments/execution", json=body)

    def delete(self, rec_id: str) -> httpx.Request:
        """G: ``POST /payments/{recId}/delete``; a 404 (an unknown card) is the flow's to read."""
        return self.provider.build_request(
            "POST", f"{self.root}/payments/{rec_id}/delete", accept_status={404}
        )
