"""Checks a provider makes on an operation before it sends it.

Every gateway refuses the same mistakes the same way, so the wording and the
error code live here once: a provider calls them after reading the payment an
operation is about, before anything leaves.
"""

from __future__ import annotations

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.models import Payment
from payments_core.money import Money

__all__ = ["check_same_currency"]


def check_same_currency(amount: Money | None, payment: Payment, *, provider: str) -> None:
    """An amount asked of a payment (a partial refund or capture) is in its currency."""
    if amount is not None and amount.currency != payment.amount.currency:
        raise InvalidRequestError(
            f"amount is in {amount.currency}, but payment {payment.id} is in "
            f"{payment.amount.currency}",
            code=ErrorCode.CURRENCY_MISMATCH,
            field="amount",
            provider=provider,
            payment_id=payment.id,
        )
