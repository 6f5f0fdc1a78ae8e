"""Paying an order, as the customer does on the hosted page or through a wallet.

Choices where BOG documents nothing:

- Card ``...0003`` pays normally, but charges of it once saved are declined with
  112. A saved-card charge with no usable saved card is declined with 102.
- Wallet tokens are opaque: a 16-digit test card number inside an Apple Pay or
  Google Pay token picks that card's outcome (default ``...0001``), and a Google Pay
  token containing ``3ds`` leaves the order ``processing`` until it is paid on the
  page behind the 3-D Secure link.
- Card payments on the hosted page are recorded as ``card`` (``google_pay`` for an
  external Google Pay order finishing 3-D Secure); ``bog_p2p``, ``bog_loyalty``,
  ``bnpl``, ``bog_loan`` and ``gift_card`` always succeed with code 100.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime
from decimal import Decimal
from typing import Final

from .. import codes
from ..cards import TEST_CARDS, SandboxCard, find_card
from ..orders import Order, PaymentRecord, SavedCard
from ..vocabulary import (
    CARD_METHODS,
    UNPAID,
    OrderStatus,
    PaymentOption,
    SavedCardType,
    TransferMethod,
)
from .outcomes import Notice, OrderError, Outcome
from .saved_cards import SavedCards

SAVED_CARD: Final = "saved"
"""Payment choice meaning "the card saved on the parent order"."""

DEFAULT_CARD: Final = "4000000000000001"
"""Card behind a wallet token that names no test card."""


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _pg_trx_id() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def card_in_token(token: str) -> SandboxCard:
    """The test card a wallet token names (any 16-digit test number in it), else 0001."""
    for number in re.findall(r"\d{16}", token):
        card = find_card(number)
        if card is not None:
            return card
    return TEST_CARDS[DEFAULT_CARD]


class PaymentDesk(SavedCards):
    """Paying orders: by test card, saved card, other method or wallet token."""

    def pay(self, order_id: str, choice: str, now: datetime) -> Outcome:
        """Pay as the customer would on the hosted page.

        ``choice`` is a test card number, :data:`SAVED_CARD`, or a non-card method
        key such as ``bog_p2p``.
        """
        with self._changing():
            order = self.order(order_id)
            self._check_payable(order)
            if choice == SAVED_CARD:
                if order.payment_option is not PaymentOption.RECURRENT:
                    raise OrderError("This order is not a saved-card charge")
                parent_id = order.parent_order_id
                notice = self._pay_with_saved_card(order, parent_id, SavedCardType.RECURRENT, now)
                return self._outcome(order, notice)
            card = find_card(choice)
            if card is not None:
                if not order.request.allows(TransferMethod.CARD):
                    raise OrderError("Card payments are not allowed for this order")
                method = (
                    TransferMethod.GOOGLE_PAY
                    if order.request.google_pay_external
                    else TransferMethod.CARD
                )
                return self._outcome(order, self._pay(order, method, card, card.code, now))
            try:
                other = TransferMethod(choice)
            except ValueError:
                raise OrderError(f"Unknown test card or payment method: {choice}") from None
            if other in CARD_METHODS:
                raise OrderError(f"Choose a test card to pay with {other}")
            if not order.request.allows(other):
                raise OrderError(f"Payment method {other} is not allowed for this order")
            if order.request.capture == "manual":
                raise OrderError("Pre-authorization is available only for card payments")
            return self._outcome(order, self._pay(order, other, None, codes.SUCCESS, now))

    def complete_apple_pay(self, order_id: str, token: str, now: datetime) -> Outcome:
        with self._changing():
            order = self.order(order_id)
            if not order.request.apple_pay_external:
                raise OrderError("The order was not created for external Apple Pay")
            self._check_payable(order)
            card = card_in_token(token)
            notice = self._pay(order, TransferMethod.APPLE_PAY, card, card.code, now)
            return self._outcome(order, notice)

    def _check_payable(self, order: Order) -> None:
        if order.status in UNPAID:
            return
        if order.reject_reason == "expiration":
            raise OrderError("The order has expired")
        raise OrderError(f"The order can no longer be paid (status {order.status})")

    def _pay_with_saved_card(
        self, order: Order, parent_id: str | None, kind: SavedCardType, now: datetime
    ) -> Notice:
        """Pay with the card saved on ``parent_id`` (declined when there is none to use)."""
        saved = self.saved_card(parent_id, kind)
        if saved is None:
            return self._pay(order, TransferMethod.CARD, None, codes.SAVED_CARD_NOT_FOUND, now)
        card = saved.card
        return self._pay(order, TransferMethod.CARD, card, card.later_payment_code, now)

    def _waiting_status(self, order: Order) -> OrderStatus:
        manual = order.request.capture == "manual"
        return OrderStatus.AUTH_REQUESTED if manual else OrderStatus.PROCESSING

    def _pay(
        self,
        order: Order,
        method: TransferMethod,
        card: SandboxCard | None,
        code: str,
        now: datetime,
    ) -> Notice:
        manual = order.request.capture == "manual"
        if order.status is OrderStatus.CREATED:
            self._move(order, self._waiting_status(order))
        approved = code == codes.SUCCESS
        if approved:
            self._move(order, OrderStatus.BLOCKED if manual else OrderStatus.COMPLETED)
            code = codes.PREAUTHORIZED if manual else codes.SUCCESS
            order.transfer_amount = order.request.total_amount
            order.split_status = (
                ("processing" if manual else "completed") if order.split_status else None
            )
        else:
            self._move(order, OrderStatus.REJECTED)
            order.reject_reason = codes.describe(code)
            order.transfer_amount = Decimal(0)
            order.split_status = "rejected" if order.split_status else None
        order.refund_amount = Decimal(0)
        order.actions = []
        order.payment = PaymentRecord(
            method=method,
            code=code,
            card=card,
            payer_identifier=self._payer_identifier(order, method, card),
            transaction_id=_digits(12),
            auth_code=_digits(6) if approved else None,
            pg_trx_id=_pg_trx_id(),
        )
        kind = order.save_request
        if approved and card is not None and method is TransferMethod.CARD and kind is not None:
            order.saved_card = SavedCard(card, kind)
            order.saved_card_type = kind
        return self._notice(order)

    @staticmethod
    def _payer_identifier(
        order: Order, method: TransferMethod, card: SandboxCard | None
    ) -> str | None:
        if card is not None:
            return card.masked
        name = (order.request.buyer.full_name if order.request.buyer else None) or "Sandbox Payer"
        if method in (TransferMethod.BNPL, TransferMethod.BOG_LOAN):
            return name[0]
        if method is TransferMethod.GIFT_CARD:
            return "GIFTxxxxxxxx0001"
        return name
