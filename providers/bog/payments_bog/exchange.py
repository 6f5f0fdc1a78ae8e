"""The steps every BOG flow shares: reach the API through the provider, read the answer.

A flow (:mod:`payments_bog.operations`, :mod:`payments_bog.own_operations`) is a
generator that yields ``httpx.Request`` objects and receives the responses (see
:mod:`payments_core.provider`). It builds its requests through the provider
(:class:`BogApi`), so every request carries what the provider adds (the
merchant's language, the idempotency header, exact-decimal JSON), and it reads
BOG's answers with the helpers here: the receipt, and the acknowledgement of a
money action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import httpx

from payments_bog import PROVIDER
from payments_bog.receipt import payment_from_receipt
from payments_bog.wire.answers import ActionAck, Receipt, json_object, read
from payments_core.errors import PaymentError
from payments_core.models import Operation, OperationKind, OperationStatus, Payment
from payments_core.money import Money
from payments_core.provider import Flow

__all__ = [
    "BogApi",
    "acknowledged",
    "action_request",
    "read_payment",
    "read_receipt",
    "receipt_request",
]


class BogApi(Protocol):
    """What a flow asks of the provider (:class:`~payments_bog.provider.BogProvider`)."""

    @property
    def api_base_url(self) -> str:
        """BOG's API root for this environment, without a trailing slash."""
        ...

    def build_request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        accept_status: Iterable[int] = (),
        read_only: bool = False,
    ) -> httpx.Request:
        """A request as BOG gets it (see ``BogProvider.build_request``)."""
        ...

    def error_for_response(self, response: httpx.Response) -> PaymentError:
        """The typed error for one of BOG's error answers."""
        ...


def receipt_request(api: BogApi, order_id: str) -> httpx.Request:
    """``GET /receipt/{id}``: the order as BOG sees it now."""
    return api.build_request("GET", f"{api.api_base_url}/receipt/{order_id}")


def read_receipt(response: httpx.Response) -> tuple[Receipt, dict[str, Any]]:
    """The receipt, and the payload it was read from (kept as the payment's ``raw``)."""
    data = json_object(response, "receipt")
    return read(Receipt, data, "receipt"), data


def read_payment(api: BogApi, order_id: str) -> Flow[Payment]:
    """The flow of ``get_payment``: read the receipt, normalize it."""
    response = yield receipt_request(api, order_id)
    receipt, data = read_receipt(response)
    return payment_from_receipt(receipt, data)


def action_request(
    api: BogApi, path: str, body: Mapping[str, object], idempotency_key: str
) -> httpx.Request:
    """``POST`` a money action (refund, approve, cancel) under its idempotency key."""
    return api.build_request(
        "POST", f"{api.api_base_url}{path}", json=dict(body), idempotency_key=idempotency_key
    )


def acknowledged(
    response: httpx.Response,
    kind: OperationKind,
    order_id: str,
    amount: Money | None,
    idempotency_key: str,
) -> Operation:
    """BOG's answer to a money action: received, not done, so a ``pending`` Operation.

    The outcome shows later in the receipt and in a callback.
    """
    data = json_object(response, f"{kind.value} answer")
    ack = read(ActionAck, data, f"{kind.value} answer")
    return Operation(
        id=ack.action_id,
        kind=kind,
        status=OperationStatus.PENDING,
        payment_id=order_id,
        provider=PROVIDER,
        amount=amount,
        provider_code=ack.key,
        message=ack.message,
        idempotency_key=idempotency_key,
        raw=data,
    )
