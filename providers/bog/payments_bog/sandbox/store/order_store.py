"""``OrderStore``: the emulated bank's order book, whole.

Pure Python and thread-safe; no HTTP here. Every operation returns an
:class:`~.outcomes.Outcome` carrying the receipt after the change and the callbacks
(:class:`~.outcomes.Notice`) the bank owes the merchant because of it. The parts live
in their own modules: the book (:mod:`.ledger`), saved cards (:mod:`.saved_cards`),
paying (:mod:`.paying`), refunds and pre-authorization (:mod:`.actions`); creating
orders is here.

A subscription charge copies the parent's request (amount, currency, basket, buyer,
capture, language); only ``callback_url`` and ``external_order_id`` may be
overridden (BOG documents nothing more).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from ..validation import OrderRequest
from ..vocabulary import PaymentOption, SavedCardType, TransferMethod
from .actions import ActionDesk
from .outcomes import Outcome
from .paying import PaymentDesk, card_in_token


class OrderStore(PaymentDesk, ActionDesk):
    """All orders of the emulated merchant and what can happen to them.

    Keeps every order in use and the ``max_finished_orders`` most recently used
    finished ones (see :mod:`.ledger`).
    """

    # -- creating orders ------------------------------------------------------

    def create(self, request: OrderRequest, now: datetime) -> Outcome:
        """A new order; an external Google Pay order is paid (or sent to 3DS) at once."""
        with self._changing():
            order = self._new(request, now)
            token = request.google_pay_token
            if token is None:
                return self._outcome(order)
            if "3ds" in token.lower():
                self._move(order, self._waiting_status(order))
                return self._outcome(order)
            card = card_in_token(token)
            notice = self._pay(order, TransferMethod.GOOGLE_PAY, card, card.code, now)
            return self._outcome(order, notice)

    def charge_saved_card(self, parent_id: str, request: OrderRequest, now: datetime) -> Outcome:
        """A recurrent order: the customer confirms the saved card on the payment page."""
        with self._changing():
            parent = self.order(parent_id)
            order = self._new(request, now)
            order.payment_option = PaymentOption.RECURRENT
            order.saved_card_type = SavedCardType.RECURRENT
            order.parent_order_id = parent.id
            return self._outcome(order)

    def subscribe(
        self, parent_id: str, callback_url: str | None, external_order_id: str | None, now: datetime
    ) -> Outcome:
        """An automatic charge of the saved card, paid before the call returns."""
        with self._changing():
            parent = self.order(parent_id)
            request = dataclasses.replace(
                parent.request,
                callback_url=callback_url or parent.request.callback_url,
                external_order_id=external_order_id or parent.request.external_order_id,
                google_pay_token=None,
                apple_pay_external=False,
            )
            order = self._new(request, now)
            order.payment_option = PaymentOption.SUBSCRIPTION
            order.saved_card_type = SavedCardType.SUBSCRIPTION
            order.parent_order_id = parent.id
            notice = self._pay_with_saved_card(order, parent.id, SavedCardType.SUBSCRIPTION, now)
            return self._outcome(order, notice)
