"""TBC's callbacks: unsigned, an id only, so trusted only after reading the payment back.

TBC posts ``{"PaymentId": "<payId>"}`` to the payment's ``callbackUrl`` when it
reaches a final status, with no signature of any kind (reference §8). What can be
checked is checked here, before anything is sent:

* the caller's address, when the application passes it: TBC publishes the four
  addresses its callbacks come from (``TbcSettings.callback_addresses``);
* the body: a small JSON object whose ``PaymentId`` is a plausible id (it goes
  into a URL path). Anything else the body says is ignored, never trusted.

The flow (:func:`verified_event`) then reads the payment with the merchant's own
credentials and builds the event from that answer alone.

The event id is the dedupe key: the payment id with the state read back (TBC's
status and the captured and refunded amounts). A repeated delivery about an
unchanged payment has the same id; a delivery after the payment moved on
(refunded since) has a new one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final, NoReturn

from payments_core.errors import (
    ErrorCode,
    NotFoundError,
    ProviderResponseError,
    WebhookVerificationError,
)
from payments_core.models import Payment, WebhookEvent
from payments_core.provider import Flow
from payments_tbc import PROVIDER
from payments_tbc.endpoints import Endpoints
from payments_tbc.operations import read_details
from payments_tbc.prechecks import ID_PATTERN
from payments_tbc.settings import IpNetwork
from payments_tbc.statuses import canonical_status
from payments_tbc.wire import json_object

__all__ = [
    "MAX_CALLBACK_BYTES",
    "PAYMENT_ID_KEY",
    "WEBHOOK_EVENT_TYPE",
    "callback_payment_id",
    "check_remote_addr",
    "event_id",
    "verified_event",
]

PAYMENT_ID_KEY: Final = "PaymentId"
MAX_CALLBACK_BYTES: Final = 4096
"""TBC's callback is a few dozen bytes; a large body is not one."""
WEBHOOK_EVENT_TYPE: Final = "payment.updated"
"""The type of every event: TBC calls back about one thing, a payment that moved."""


def _refuse(message: str, code: ErrorCode = ErrorCode.WEBHOOK_MALFORMED) -> NoReturn:
    raise WebhookVerificationError(message, code=code, provider=PROVIDER)


def check_remote_addr(remote_addr: str | None, networks: Iterable[IpNetwork]) -> None:
    """Refuse a caller outside ``networks``; ``None`` (not known) skips the check.

    An IPv4 address seen through an IPv6 socket (``::ffff:193.104.20.44``) is
    compared as the IPv4 address it is.
    """
    if remote_addr is None:
        return
    try:
        address = ipaddress.ip_address(remote_addr.strip())
    except ValueError:
        _refuse(
            "remote_addr is not an IP address (pass the caller's address, without a port)",
            ErrorCode.WEBHOOK_SIGNATURE_INVALID,
        )
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not any(address in network for network in networks):
        _refuse(
            f"callback from {address}, which is not one of TBC's callback addresses "
            "(TbcSettings.callback_addresses)",
            ErrorCode.WEBHOOK_SIGNATURE_INVALID,
        )


def callback_payment_id(body: bytes) -> str:
    """The ``PaymentId`` of a callback body, or WebhookVerificationError (malformed).

    The key is matched case-insensitively ([INF] TBC binds JSON properties that
    way); the same key twice in different casings is refused as ambiguous.
    """
    if len(body) > MAX_CALLBACK_BYTES:
        _refuse("the callback body is too large to be TBC's")
    try:
        data = json_object(body, "callback")
    except ProviderResponseError:
        _refuse('the callback body is not a JSON object like {"PaymentId": "..."}')
    found = [value for key, value in data.items() if key.lower() == PAYMENT_ID_KEY.lower()]
    if not found:
        _refuse(f"the callback body has no {PAYMENT_ID_KEY}")
    if len(found) > 1:
        _refuse(f"the callback body names {PAYMENT_ID_KEY} more than once")
    value = found[0]
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        _refuse(f"the callback's {PAYMENT_ID_KEY} is not a TBC payment id")
    return value


def event_id(payment: Payment, tbc_status: str | None) -> str:
    """``tbc:<payId>:<TBC status>:<status>:<captured>:<refunded>``: same state, same id."""
    parts = [
        PROVIDER,
        payment.id,
        (tbc_status or "-")[:40],
        payment.status.value,
        "-" if payment.captured_amount is None else str(payment.captured_amount.amount),
        "-" if payment.refunded_amount is None else str(payment.refunded_amount.amount),
    ]
    return ":".join(parts)


def verified_event(endpoints: Endpoints, pay_id: str) -> Flow[WebhookEvent]:
    """The event of a callback about ``pay_id``: the payment as TBC answers a read of it.

    A payment TBC does not know means the callback did not come from TBC.
    """
    try:
        payment, details = yield from read_details(endpoints, pay_id)
    except NotFoundError:
        raise WebhookVerificationError(
            f"TBC has no payment {pay_id}: the callback is not TBC's",
            provider=PROVIDER,
            payment_id=pay_id,
        ) from None
    return WebhookEvent(
        id=event_id(payment, canonical_status(details.status or "") or details.status),
        provider=PROVIDER,
        type=WEBHOOK_EVENT_TYPE,
        payment=payment,
        received_at=datetime.now(UTC),
        raw={PAYMENT_ID_KEY: pay_id},
    )
