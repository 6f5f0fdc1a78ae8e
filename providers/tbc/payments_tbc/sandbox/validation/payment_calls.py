"""The bodies of calls on an existing payment or saved card: cancel, completion, execution."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..problems import invalid
from .create_payment import EXTRA2_MAX, EXTRA_MAX
from .fields import (
    Fields,
    read_amount,
    read_ascii,
    read_currency,
    read_flag,
    read_object,
    read_text,
)
from .splits import check_tbc_iban, is_split_iban, split_amount


@dataclass(frozen=True, slots=True)
class CancelRequest:
    amount: Decimal | None
    extra: str | None = None
    extra2: str | None = None


def cancel_request(fields: Fields) -> CancelRequest:
    """Validate a cancel body (reference §4 D): an optional ``amount``, split fields."""
    return CancelRequest(
        amount=read_amount(fields, "amount"),
        extra=read_ascii(fields, "extra", EXTRA_MAX),
        extra2=read_ascii(fields, "extra2", EXTRA2_MAX),
    )


def check_split_cancel(request: CancelRequest) -> None:
    """A cancel of a split payment names the IBAN and the amount taken back from it."""
    if request.extra is None or request.extra2 is None:
        raise invalid("'extra' (IBAN) and 'extra2' (amount) are required to cancel a split payment")
    if not is_split_iban(request.extra):
        raise invalid("'extra' must be the IBAN of the split payment")
    check_tbc_iban(request.extra, "extra")
    split_amount(request.extra2, "extra2")


def completion_amount(fields: Fields) -> Decimal:
    """Validate a completion body (reference §4 E): ``{"amount": <number>}``."""
    amount = read_amount(fields, "amount", required=True)
    assert amount is not None
    return amount


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """A validated ``POST /v1/tpay/payments/execution`` body."""

    rec_id: str
    amount: Decimal
    currency: str
    pre_auth: bool = False
    merchant_initiated: bool = False
    merchant_payment_id: str | None = None
    extra: str | None = None
    extra2: str | None = None


def execution_request(fields: Fields) -> ExecutionRequest:
    """Validate a saved-card charge (reference §4 F): ``money.amount``, not ``amount.total``."""
    rec_id = read_text(fields, "recId", required=True)
    money = read_object(fields, "money", required=True)
    assert rec_id is not None
    assert money is not None
    amount = read_amount(money, "amount", required=True)
    assert amount is not None
    currency = read_currency(money, "currency")
    initiator = read_text(fields, "initiator")
    if initiator is not None and initiator.casefold() != "merchant":
        raise invalid("'initiator' must be \"merchant\" or left out (customer-initiated)")
    return ExecutionRequest(
        rec_id=rec_id,
        amount=amount,
        currency=currency,
        pre_auth=read_flag(fields, "preAuth"),
        merchant_initiated=initiator is not None,
        merchant_payment_id=read_text(fields, "merchantPaymentId"),
        extra=read_ascii(fields, "extra", EXTRA_MAX),
        extra2=read_ascii(fields, "extra2", EXTRA2_MAX),
    )
